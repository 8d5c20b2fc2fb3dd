import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { MikroORM, type Options } from '@mikro-native/sqlite';

/** Folders of the database files this test file made, removed when it ends. */
const folders: string[] = [];
afterAll(() => {
  for (const f of folders.splice(0)) {
    rmSync(f, { recursive: true, force: true });
  }
});

/** A new empty folder under the system's temporary folder, removed when the test file ends. */
export function tempFolder(prefix = 'mikro-native-'): string {
  const folder = mkdtempSync(join(tmpdir(), prefix));
  folders.push(folder);
  return folder;
}

/**
 * Everything that depends on the driver under test lives here, so the suites can later run once
 * per driver: the ORM class, the database to open, and the texts the database itself produces
 * (error messages and codes, DDL, the ensure-database check).
 */
export const driver = {
  name: 'sqlite',
  MikroORM,
  /** A fresh database: `:memory:` or a new file. */
  dbName(file = false): string {
    return file ? join(tempFolder(), 'test.db') : ':memory:';
  },
  /** The first query on a new connection when `ensureDatabase` is on. */
  ensureDatabaseSql:
    "select name as table_name from sqlite_master where type = 'table' and name != 'sqlite_sequence' and name != 'geometry_columns' and name != 'spatial_ref_sys' union all select name as table_name from sqlite_temp_master where type = 'table' order by name",
  errors: {
    unique: (table: string, column: string) => ({ code: 'SQLITE_CONSTRAINT_UNIQUE', message: `UNIQUE constraint failed: ${table}.${column}` }),
    notNull: (table: string, column: string) => ({ code: 'SQLITE_CONSTRAINT_NOTNULL', message: `NOT NULL constraint failed: ${table}.${column}` }),
    syntax: { sql: 'selec 1', code: 'SQLITE_ERROR', message: 'near "selec": syntax error' },
    tableNotFound: (table: string) => ({ code: 'SQLITE_ERROR', message: `no such table: ${table}` }),
    invalidField: (column: string) => ({ code: 'SQLITE_ERROR', message: `no such column: ${column}` }),
    tableExists: (table: string) => ({ code: 'SQLITE_ERROR', message: `table ${table} already exists` }),
  },
};

export type SetupOptions = Options & {
  /** Use a database file instead of `:memory:`. */
  file?: boolean;
  /** Create the schema (default true). */
  schema?: boolean;
};

/** A new ORM on `:memory:` (or a fresh file with `file: true`) with its log captured. */
export async function setup(options: SetupOptions) {
  const lines: string[] = [];
  const { file, schema = true, ...rest } = options;
  const dbName = (rest.dbName as string | undefined) ?? driver.dbName(file);
  const orm = await driver.MikroORM.init({ debug: ['query', 'query-params'], colors: false, logger: (m: string) => lines.push(m), ...rest, dbName });
  if (schema) {
    await orm.schema.create();
  }
  lines.length = 0;
  return { orm, lines, dbName };
}

/** Log lines with the `[took N ms…]` timing normalized. */
export function queries(lines: string[]): string[] {
  return lines.map(l => l.replace(/ \[took \d+ ms/, ' [took X ms'));
}

/** Returns the normalized log lines and empties the buffer. */
export function take(lines: string[]): string[] {
  const out = queries(lines);
  lines.length = 0;
  return out;
}

/** The error a promise (or function) fails with; fails the test when it does not fail. */
export async function failure(fn: (() => unknown) | Promise<unknown>): Promise<Error & Record<string, any>> {
  try {
    await (typeof fn === 'function' ? fn() : fn);
  } catch (e) {
    return e as Error & Record<string, any>;
  }
  throw new Error('expected a failure, but the call succeeded');
}
