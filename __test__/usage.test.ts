import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import * as mysql from '@mikro-native/mysql';
import * as postgresql from '@mikro-native/postgresql';
// @ts-expect-error: a plain JS module shared with the MikroORM run that recorded the logs
import { usage } from './fixtures/usage/usage.mjs';

// The usage page's examples (getting started, QueryBuilder reads/updates/deletes,
// em.transactional, a many-to-many with a custom pivot table, QueryBuilder execute, raw SQL,
// em.insert/nativeUpdate/nativeDelete) on the local PostgreSQL and MariaDB servers print what
// @mikro-orm/postgresql and @mikro-orm/mysql 7.2.1 printed for them, line by line.
for (const [driver, mod] of [['postgresql', postgresql], ['mysql', mysql]] as const) {
  test(`the usage page's examples on ${driver}: MikroORM 7.2.1's SQL and results`, async () => {
    const expected = readFileSync(new URL(`./fixtures/usage/mikro-orm-7.2.1-${driver}.log`, import.meta.url), 'utf8').trimEnd().split('\n');
    const lines: string[] = await usage(mod, 'mikro_native_usage', driver);
    expect(lines).toEqual(expected);
  });
}
