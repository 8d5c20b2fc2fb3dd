import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { defineEntity, MikroORM, p, type Options } from '@mikro-native/sqlite';

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

/** The driver the suite runs on: `MIKRO_NATIVE_TEST_DRIVER` (sqlite, postgresql, mysql, mariadb). */
export type DriverName = 'sqlite' | 'postgresql' | 'mysql' | 'mariadb';
const name = (process.env.MIKRO_NATIVE_TEST_DRIVER ?? 'sqlite') as DriverName;
if (!['sqlite', 'postgresql', 'mysql', 'mariadb'].includes(name)) {
  throw new Error(`MIKRO_NATIVE_TEST_DRIVER must be sqlite, postgresql, mysql or mariadb, not '${name}'`);
}
/** The servers of this machine (the MySQL package runs against MariaDB here). */
const servers = {
  postgresql: { host: '127.0.0.1', port: 5432, user: 'postgres' },
  mysql: { host: '127.0.0.1', port: 3306, user: 'root' },
  mariadb: { host: '127.0.0.1', port: 3306, user: 'root' },
} as const;
const module = name === 'sqlite' ? { MikroORM } : ((await import(`@mikro-native/${name}`)) as { MikroORM: typeof MikroORM });

/** The entity of the ORM that only drops databases. */
const adminEntity = defineEntity({ name: 'Admin', properties: { id: p.integer().primary() } });

/** The server databases this test file made, dropped when it ends. */
const databases = new Set<string>();
afterAll(async () => {
  if (databases.size === 0) {
    return;
  }
  const Admin = module.MikroORM;
  const orm = await Admin.init({ ...servers[name as keyof typeof servers], entities: [adminEntity], dbName: name === 'postgresql' ? 'postgres' : 'mysql' });
  for (const db of databases) {
    await orm.em.execute(name === 'postgresql' ? `drop database if exists ${db} with (force)` : `drop database if exists ${db}`);
  }
  databases.clear();
  await orm.close();
});

/**
 * This test file's own database on a server, `mn_<driver>_<file>_<run>` (the run: the vitest
 * process), so neither files nor runs collide; dropped when the file ends.
 */
function fileDatabase(): string {
  const path = expect.getState().testPath ?? 'unknown';
  const db = `mn_${name}_${basename(path).replace(/\.test\.ts$/, '').replace(/[^a-z0-9]+/gi, '_')}_${process.ppid}`.toLowerCase();
  databases.add(db);
  return db;
}

/** Texts the SQLite database produces (error messages and codes, the ensure-database check). */
const sqliteTexts = {
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

/**
 * Everything that depends on the driver under test lives here, so the suites run once per
 * driver: the ORM class, the database to open, and the texts the database itself produces.
 */
export const driver = {
  name,
  MikroORM: module.MikroORM,
  /** Connection options besides `dbName` (the server's address; none for SQLite). */
  connection: name === 'sqlite' ? {} : servers[name],
  /** A fresh database: `:memory:` or a new file on SQLite; this test file's database on a server. */
  dbName(file = false): string {
    if (name !== 'sqlite') {
      return fileDatabase();
    }
    return file ? join(tempFolder(), 'test.db') : ':memory:';
  },
  ...sqliteTexts,
};

export type SetupOptions = Options & {
  /** Use a database file instead of `:memory:` (SQLite). */
  file?: boolean;
  /** Create the schema (default true). */
  schema?: boolean;
};

/**
 * Connection options of an empty database: `:memory:` (or a new file) on SQLite, this file's
 * server database emptied on a server (for tests that call `MikroORM.init` themselves).
 */
export async function emptyDatabaseOptions(file = false): Promise<Options> {
  const options: Options = { ...driver.connection, dbName: driver.dbName(file) };
  if (name !== 'sqlite') {
    await emptyDatabase({ ...options, entities: [adminEntity] });
  }
  return options;
}

/** Drops every table (and type) of this file's server database, through an ORM of its own. */
async function emptyDatabase(options: Options): Promise<void> {
  const orm = await driver.MikroORM.init({ ...options, debug: false });
  try {
    const em = orm.em.fork();
    if (name === 'postgresql') {
      await em.execute('drop schema if exists public cascade');
      await em.execute('create schema public');
      return;
    }
    await em.transactional(async tx => {
      const tables = (await tx.execute('select table_name as name from information_schema.tables where table_schema = database()')) as { name: string }[];
      if (tables.length > 0) {
        await tx.execute('set foreign_key_checks = 0');
        await tx.execute(`drop table ${tables.map(t => `\`${t.name}\``).join(', ')}`);
        await tx.execute('set foreign_key_checks = 1');
      }
    });
  } finally {
    await orm.close();
  }
}

/** A new ORM on an empty database (`:memory:`, a fresh file with `file: true`, or this file's server database) with its log captured. */
export async function setup(options: SetupOptions) {
  const lines: string[] = [];
  const { file, schema = true, ...rest } = options;
  const dbName = (rest.dbName as string | undefined) ?? driver.dbName(file);
  if (name !== 'sqlite' && rest.dbName === undefined) {
    await emptyDatabase({ ...driver.connection, ...rest, dbName });
  }
  const orm = await driver.MikroORM.init({ debug: ['query', 'query-params'], colors: false, logger: (m: string) => lines.push(m), ...driver.connection, ...rest, dbName });
  if (schema) {
    await orm.schema.create();
  }
  lines.length = 0;
  return { orm, lines, dbName };
}

/**
 * A PostgreSQL `[query]` log line written in SQLite's notation, outside string literals:
 * identifiers in backticks, a row's missing value (`default`) as null; and timestamps as the
 * epoch milliseconds SQLite stores. The PostgreSQL notation itself is checked against
 * MikroORM's own logs in postgresql.test.ts and usage.test.ts.
 */
function sqliteNotation(line: string): string {
  return line
    .split(/('(?:[^']|'')*')/)
    .map((part, i) => {
      if (i % 2 === 1) {
        const iso = /^'(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)'$/.exec(part);
        return iso ? String(Date.parse(iso[1])) : part;
      }
      return part.replace(/"([^"\s]*)"/g, '`$1`').replace(/([(,] ?)default(?=[,)])/g, '$1null');
    })
    .join('');
}

/** Log lines with the `[took N ms…]` timing normalized (and PostgreSQL's written as SQLite's). */
export function queries(lines: string[]): string[] {
  return lines.map(l => {
    const line = l.replace(/ \[took \d+ ms/, ' [took X ms');
    // (A colored line has its `[query] ` after a color code.)
    const at = line.indexOf('[query] ');
    return name === 'postgresql' && at >= 0 ? line.slice(0, at) + sqliteNotation(line.slice(at)) : line;
  });
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

/**
 * The expectation for the driver under test: its own, else (for mariadb) the MySQL one, else
 * SQLite's. PostgreSQL's log lines read as SQLite's once its quotes are written as backticks.
 */
export function forDriver<T>(by: { sqlite: T; postgresql?: T; mysql?: T; mariadb?: T }): T {
  return by[name] ?? (name === 'mariadb' ? by.mysql : undefined) ?? by.sqlite;
}
