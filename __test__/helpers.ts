import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM, type Options } from '@mikro-native/sqlite';

/** A new ORM on `:memory:` (or a fresh file with `file: true`) with its log captured. */
export async function setup(options: Options & { file?: boolean }) {
  const lines: string[] = [];
  const dbName = options.file ? join(mkdtempSync(join(tmpdir(), 'mikro-native-')), 'test.db') : ':memory:';
  const orm = await MikroORM.init({ dbName, debug: ['query', 'query-params'], colors: false, logger: m => lines.push(m), ...options });
  await orm.schema.create();
  lines.length = 0;
  return { orm, lines, dbName };
}

/** Log lines with the `[took N ms…]` timing normalized. */
export function queries(lines: string[]): string[] {
  return lines.map(l => l.replace(/ \[took \d+ ms/, ' [took X ms'));
}
