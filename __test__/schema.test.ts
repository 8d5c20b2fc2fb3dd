import { existsSync } from 'node:fs';
import { afterEach, describe, expect, test } from 'vitest';
import { NotImplementedError, SchemaGenerator, TableExistsException, defineEntity, p, type MikroORM } from '@mikro-native/sqlite';
import { Account, Author } from './entities.js';
import { driver, failure, setup, take } from './helpers.js';

const Item = defineEntity({
  name: 'Item',
  properties: {
    code: p.string().primary(),
    qty: p.smallint().default(5),
    label: p.string().default("it's"),
    dbl: p.double().nullable(),
    blob: p.blob().nullable(),
    dec: p.decimal().precision(10).scale(2).nullable(),
  },
});
const Comp = defineEntity({ name: 'Comp', properties: { a: p.integer().primary(), b: p.string().primary(), v: p.string().nullable() } });
const Manual = defineEntity({ name: 'Manual', properties: { k: p.integer().primary().autoincrement(false) } });

const authorTable =
  "create table `author` (`id` integer not null primary key autoincrement, `name` text not null, `email` text not null, `age` integer null, `born` date null, `created_at` datetime not null, `updated_at` datetime not null, `terms_accepted` integer not null default false, `bio` text null, `big` bigint null, `score` real null, `price` numeric(10,0) null, `wake_up` time null, `meta` json null, `role` text check (`role` in ('admin', 'user')) null, `uuid` text null)";
const accountTable =
  'create table `account` (`id` integer not null primary key autoincrement, `username` text not null, `password` text not null, `token` text null, `created_at` datetime not null)';
// MikroORM 7.2.2 writes the string default without doubling the quote (`'it's'`), which is
// invalid SQL; we escape it.
const itemTable =
  "create table `item` (`code` text not null primary key, `qty` integer not null default 5, `label` text not null default 'it''s', `dbl` double null, `blob` blob null, `dec` numeric(10,2) null)";

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('DDL', () => {
  test('getCreateSchemaSQL: every scalar type, indexes, groups separated by a blank line', async () => {
    ({ orm } = await setup({ entities: [Author], schema: false }));
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      `${authorTable};\ncreate index \`author_name_index\` on \`author\` (\`name\`);\ncreate unique index \`author_email_unique\` on \`author\` (\`email\`);\n`,
    );
    await orm.close();

    ({ orm } = await setup({ entities: [Item, Author, Account], schema: false }));
    const sql = await orm.schema.getCreateSchemaSQL();
    expect(sql).toBe(
      `${accountTable};\n\n${authorTable};\ncreate index \`author_name_index\` on \`author\` (\`name\`);\ncreate unique index \`author_email_unique\` on \`author\` (\`email\`);\n\n${itemTable};\n`,
    );
    expect(await orm.schema.getCreateSchemaSQL({ wrap: false })).toBe(sql);
    expect(await orm.schema.getDropSchemaSQL()).toBe('drop table if exists `item`;\ndrop table if exists `author`;\ndrop table if exists `account`;\n');
  });

  test('primary keys: composite, and integer without autoincrement', async () => {
    ({ orm } = await setup({ entities: [Comp, Manual], schema: false }));
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      'create table `comp` (`a` integer not null, `b` text not null, `v` text null, primary key (`a`, `b`));\n\ncreate table `manual` (`k` integer not null primary key);\n',
    );
  });

  test('orm.schema is one SchemaGenerator; the v6 method names do not exist', async () => {
    ({ orm } = await setup({ entities: [Author], schema: false }));
    expect(orm.schema).toBeInstanceOf(SchemaGenerator);
    expect(orm.schema).toBe(orm.schema);
    for (const old of ['createSchema', 'dropSchema', 'updateSchema', 'refreshDatabase', 'clearDatabase']) {
      expect((orm.schema as unknown as Record<string, unknown>)[old]).toBeUndefined();
    }
  });
});

describe('running the DDL', () => {
  test('create: one log line per statement; only the last statement of a group keeps its `;`', async () => {
    const ctx = await setup({ entities: [Author, Account, Item], schema: false });
    orm = ctx.orm;
    await orm.schema.create();
    expect(take(ctx.lines)).toEqual([
      `[query] ${driver.ensureDatabaseSql} [took X ms, 0 results]`,
      `[query] ${accountTable}; [took X ms, 0 results]`,
      `[query] ${authorTable} [took X ms, 0 results]`,
      '[query] create index `author_name_index` on `author` (`name`) [took X ms, 0 results]',
      '[query] create unique index `author_email_unique` on `author` (`email`); [took X ms, 0 results]',
      `[query] ${itemTable}; [took X ms, 0 results]`,
    ]);

    const err = await failure(orm.schema.create());
    expect(err).toBeInstanceOf(TableExistsException);
    expect({ code: err.code, message: err.message }).toEqual(driver.errors.tableExists('`account`'));
    expect(take(ctx.lines)).toEqual([`[query] ${accountTable}; [took X ms]`]);
  });

  test('clear deletes every row, children first, without resetting autoincrement', async () => {
    const ctx = await setup({ entities: [Author, Account] });
    orm = ctx.orm;
    const em = orm.em.fork();
    em.create(Account, { username: 'u', password: 'p', createdAt: new Date(0) });
    await em.flush();
    ctx.lines.length = 0;
    await orm.schema.clear();
    expect(take(ctx.lines)).toEqual(['[query] delete from `author` [took X ms, 0 rows affected]', '[query] delete from `account` [took X ms, 1 row affected]']);
    const again = orm.em.fork();
    const acc = again.create(Account, { username: 'u', password: 'p', createdAt: new Date(0) });
    await again.flush();
    expect(acc.id).toBe(2);
  });

  test('drop and refresh', async () => {
    const ctx = await setup({ entities: [Author, Account] });
    orm = ctx.orm;
    // MikroORM also logs its introspection queries (pragma / sqlite_master) before dropping;
    // we drop from metadata with `if exists` and need no introspection.
    await orm.schema.drop();
    expect(take(ctx.lines)).toEqual(['[query] drop table if exists `author` [took X ms, 0 results]', '[query] drop table if exists `account`; [took X ms, 0 results]']);
    expect(await orm.em.fork().execute("select name from sqlite_master where type = 'table' and name != 'sqlite_sequence'")).toEqual([]);

    await orm.schema.create();
    const em = orm.em.fork();
    em.create(Account, { username: 'u', password: 'p', createdAt: new Date(0) });
    await em.flush();
    ctx.lines.length = 0;
    await orm.schema.refresh();
    expect(take(ctx.lines)).toEqual([
      '[query] drop table if exists `author` [took X ms, 0 results]',
      '[query] drop table if exists `account`; [took X ms, 0 results]',
      `[query] ${accountTable}; [took X ms, 0 results]`,
      `[query] ${authorTable} [took X ms, 0 results]`,
      '[query] create index `author_name_index` on `author` (`name`) [took X ms, 0 results]',
      '[query] create unique index `author_email_unique` on `author` (`email`); [took X ms, 0 results]',
    ]);
    expect(await orm.em.fork().count(Account)).toBe(0);
  });

  test('update() and getUpdateSchemaSQL() (schema diffing) are not implemented yet', async () => {
    ({ orm } = await setup({ entities: [Author] }));
    for (const err of [await failure(orm.schema.update()), await failure(orm.schema.getUpdateSchemaSQL())]) {
      expect(err).toBeInstanceOf(NotImplementedError);
      expect(err.message).toMatch(/schema diffing/);
    }
  });
});

describe('connection', () => {
  test('new MikroORM() is synchronous and lazy; the first query connects', async () => {
    const lines: string[] = [];
    orm = new driver.MikroORM({ entities: [Author], dbName: driver.dbName(), debug: ['query', 'query-params'], colors: false, logger: (m: string) => lines.push(m) });
    expect(orm.em.fork().createQueryBuilder(Author).getQuery()).toBe('select `a0`.* from `author` as `a0`');
    expect(await orm.isConnected()).toBe(false);
    expect(await orm.checkConnection()).toEqual({ ok: false, reason: 'Connection not established' });
    expect(lines).toEqual([]);
    await orm.schema.create();
    expect(take(lines)[0]).toBe(`[query] ${driver.ensureDatabaseSql} [took X ms, 0 results]`);
    expect(await orm.isConnected()).toBe(true);
    expect(await orm.checkConnection()).toEqual({ ok: true });
    // Checking the connection logs nothing.
    expect(lines).toEqual([]);
  });

  test('MikroORM.init does not connect; close / connect / isConnected / checkConnection', async () => {
    const ctx = await setup({ entities: [Author], file: true, schema: false });
    orm = ctx.orm;
    expect(await orm.isConnected()).toBe(false);
    expect(await orm.close()).toBeUndefined();
    expect(await orm.connect()).toBe(orm.driver);
    expect(take(ctx.lines)).toEqual([`[query] ${driver.ensureDatabaseSql} [took X ms, 0 results]`]);
    expect(await orm.isConnected()).toBe(true);
    await orm.schema.create();
    await orm.em.fork().insert(Author, { name: 'A', email: 'a@x', createdAt: new Date(0), updatedAt: new Date(0) });
    ctx.lines.length = 0;

    expect(await orm.close()).toBeUndefined();
    expect(ctx.lines).toEqual([]);
    expect(await orm.isConnected()).toBe(false);
    expect(await orm.checkConnection()).toEqual({ ok: false, reason: 'Connection not established' });
    expect(existsSync(ctx.dbName)).toBe(true);

    // Reconnecting does not run the ensure-database check again; the file keeps its data.
    await orm.connect();
    expect(take(ctx.lines)).toEqual([]);
    expect(await orm.isConnected()).toBe(true);
    expect(await orm.em.fork().count(Author)).toBe(1);
    await orm.close();
    // Queries reconnect lazily.
    expect(await orm.em.fork().count(Author)).toBe(1);
    expect(await orm.isConnected()).toBe(true);
  });

  test('ensureDatabase: false skips the check', async () => {
    const ctx = await setup({ entities: [Author], schema: false, ensureDatabase: false });
    orm = ctx.orm;
    await orm.connect();
    expect(ctx.lines).toEqual([]);
  });

  test('await using closes the ORM', async () => {
    let ref: MikroORM;
    {
      await using o = await driver.MikroORM.init({ entities: [Author], dbName: driver.dbName() });
      await o.connect();
      ref = o;
      expect(await o.isConnected()).toBe(true);
    }
    expect(await ref.isConnected()).toBe(false);
  });

  test('a database in a missing directory fails at the first query', async () => {
    const o = new driver.MikroORM({ entities: [Author], dbName: '/nonexistent-dir/sub/db.sqlite' });
    const err = await failure(o.connect());
    expect(err.name).toBe('ConnectionException');
    expect(err.message).toMatch(/nonexistent-dir/);
    expect(await o.isConnected()).toBe(false);
  });
});
