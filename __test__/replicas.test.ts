import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { defineEntity, MikroORM, p } from '@mikro-native/postgresql';
import { queries } from './helpers.js';

// Read replicas (issue 4, item 6) against two real servers: the primary at 127.0.0.1:5432 and a
// second PostgreSQL cluster on 127.0.0.1:5433, started by scripts/replica-server.sh when it is not
// running (the test fails when it cannot be started). Both hold a table with different rows, so
// each result shows which server answered. The log lines are those @mikro-orm/postgresql 7.2.1
// printed for the same calls on these two servers.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
const dbName = 'mikro_native_replicas';
const server = { entities: [Author], dbName, host: '127.0.0.1', user: 'postgres' };

beforeAll(async () => {
  execFileSync(new URL('../scripts/replica-server.sh', import.meta.url).pathname, { stdio: 'inherit' });
  for (const port of [5432, 5433]) {
    const orm = await MikroORM.init({ ...server, port });
    await orm.schema.refresh();
    await orm.em.fork().insert(Author, { name: port === 5432 ? 'primary' : 'replica' });
    await orm.close();
  }
});

afterAll(async () => {
  for (const port of [5432, 5433]) {
    const orm = await MikroORM.init({ ...server, dbName: 'postgres', port });
    await orm.em.execute(`drop database if exists ${dbName} with (force)`);
    await orm.close();
  }
});

/** The backends connected to the test database on a server. */
async function backends(port: number): Promise<number> {
  const orm = await MikroORM.init({ ...server, dbName: 'postgres', port });
  const [row] = await orm.em.execute('select count(*)::int as n from pg_stat_activity where datname = ?', [dbName]);
  await orm.close();
  return row.n as number;
}

test('reads outside transactions go to the replica; writes, raw SQL and transactions to the primary', async () => {
  const lines: string[] = [];
  const orm = await MikroORM.init({ ...server, port: 5432, replicas: [{ name: 'r1', port: 5433 }], debug: ['query', 'query-params'], colors: false, logger: (m: string) => lines.push(m) });
  const em = orm.em.fork();
  expect((await em.find(Author, {})).map(a => a.name)).toEqual(['replica']);
  expect(await em.count(Author)).toBe(1);
  expect((await orm.em.fork().find(Author, {}, { connectionType: 'write' })).map(a => a.name)).toEqual(['primary']);
  expect(await em.createQueryBuilder(Author).select('*').execute()).toEqual([{ id: 1, name: 'replica' }]);
  expect(await em.createQueryBuilder(Author, 'a', 'write').select('*').execute()).toEqual([{ id: 1, name: 'primary' }]);
  expect(await em.execute('select name from author')).toEqual([{ name: 'primary' }]);
  const a = em.create(Author, { name: 'new' });
  await em.flush();
  a.name = 'new2';
  await em.flush();
  await orm.em.fork().transactional(async t => {
    expect((await t.find(Author, {}, { orderBy: { id: 'asc' } })).map(x => x.name)).toEqual(['primary', 'new2']);
  });
  await em.fork().nativeUpdate(Author, { id: 1 }, { name: 'upd' });
  // The replica never saw the writes.
  expect((await orm.em.fork().find(Author, {})).map(x => x.name)).toEqual(['replica']);
  expect(queries(lines)).toEqual([
    `[query] select "a0".* from "author" as "a0" [took X ms, 1 result] (via read connection 'r1')`,
    `[query] select count(*) as "count" from "author" as "a0" [took X ms] (via read connection 'r1')`,
    // The primary is opened (and the database ensured) at its first query.
    `[query] select 1 from pg_database where datname = '${dbName}' [took X ms, 1 result] (via write connection '127.0.0.1')`,
    `[query] select "a0".* from "author" as "a0" [took X ms, 1 result] (via write connection '127.0.0.1')`,
    `[query] select "a0".* from "author" as "a0" [took X ms, 1 result] (via read connection 'r1')`,
    `[query] select "a".* from "author" as "a" [took X ms, 1 result] (via write connection '127.0.0.1')`,
    `[query] select name from author [took X ms, 1 result] (via write connection '127.0.0.1')`,
    `[query] begin (via write connection '127.0.0.1')`,
    `[query] insert into "author" ("name") values ('new') returning "id" [took X ms, 1 row affected] (via write connection '127.0.0.1')`,
    `[query] commit (via write connection '127.0.0.1')`,
    `[query] begin (via write connection '127.0.0.1')`,
    `[query] update "author" set "name" = 'new2' where "id" = 2 [took X ms, 1 row affected] (via write connection '127.0.0.1')`,
    `[query] commit (via write connection '127.0.0.1')`,
    `[query] begin (via write connection '127.0.0.1')`,
    `[query] select "a0".* from "author" as "a0" order by "a0"."id" asc [took X ms, 2 results] (via write connection '127.0.0.1')`,
    `[query] commit (via write connection '127.0.0.1')`,
    `[query] update "author" set "name" = 'upd' where "id" = 1 [took X ms, 1 row affected] (via write connection '127.0.0.1')`,
    `[query] select "a0".* from "author" as "a0" [took X ms, 1 result] (via read connection 'r1')`,
  ]);
  expect(await backends(5433)).toBeGreaterThan(0);
  await orm.close();
  // Closing the ORM closes the replica's pool too.
  expect([await backends(5432), await backends(5433)]).toEqual([0, 0]);
});

test('preferReadReplicas: false reads from the primary unless told; a replica is named by its host', async () => {
  const lines: string[] = [];
  const orm = await MikroORM.init({ ...server, port: 5432, replicas: [{ port: 5433 }], preferReadReplicas: false, ensureDatabase: false, debug: ['query'], colors: false, logger: (m: string) => lines.push(m) });
  expect((await orm.em.fork().find(Author, { id: 1 })).map(a => a.name)).toEqual(['upd']);
  expect((await orm.em.fork().find(Author, { id: 1 }, { connectionType: 'read' })).map(a => a.name)).toEqual(['replica']);
  // count(*) is a bigint: text, as node-pg (and so MikroORM) gives it.
  expect(await orm.em.fork().createQueryBuilder(Author, 'a', 'read').count().execute('get')).toEqual({ count: '1' });
  expect(queries(lines)).toEqual([
    `[query] select "a0".* from "author" as "a0" where "a0"."id" = ? [took X ms, 1 result] (via write connection '127.0.0.1')`,
    `[query] select "a0".* from "author" as "a0" where "a0"."id" = ? [took X ms, 1 result] (via read connection '127.0.0.1')`,
    `[query] select count(*) as "count" from "author" as "a" [took X ms] (via read connection '127.0.0.1')`,
  ]);
  await orm.close();
});

// The same log lines as @mikro-orm/mysql 7.2.1 printed for these calls on this server.
test('MySQL: a replica on the same server under another database name takes the reads', async () => {
  const mysql = await import('@mikro-native/mysql');
  const Post = mysql.defineEntity({ name: 'Post', properties: { id: mysql.p.integer().primary(), title: mysql.p.string() } });
  const base = { entities: [Post], host: '127.0.0.1', port: 3306, user: 'root' };
  for (const db of ['mikro_native_primary', 'mikro_native_replica']) {
    const orm = await mysql.MikroORM.init({ ...base, dbName: db });
    await orm.schema.refresh();
    await orm.em.fork().insert(Post, { title: db });
    await orm.close();
  }
  const lines: string[] = [];
  const orm = await mysql.MikroORM.init({ ...base, dbName: 'mikro_native_primary', replicas: [{ name: 'r', dbName: 'mikro_native_replica' }], debug: ['query'], colors: false, logger: (m: string) => lines.push(m) });
  expect((await orm.em.fork().find(Post, {})).map(x => x.title)).toEqual(['mikro_native_replica']);
  expect((await orm.em.fork().find(Post, {}, { connectionType: 'write' })).map(x => x.title)).toEqual(['mikro_native_primary']);
  await orm.em.fork().transactional(async em => {
    expect((await em.find(Post, {})).map(x => x.title)).toEqual(['mikro_native_primary']);
  });
  expect(queries(lines).filter(l => l.includes('`post`'))).toEqual([
    "[query] select `p0`.* from `post` as `p0` [took X ms, 1 result] (via read connection 'r')",
    "[query] select `p0`.* from `post` as `p0` [took X ms, 1 result] (via write connection '127.0.0.1')",
    "[query] select `p0`.* from `post` as `p0` [took X ms, 1 result] (via write connection '127.0.0.1')",
  ]);
  await orm.em.execute('drop database mikro_native_replica');
  await orm.em.execute('drop database mikro_native_primary');
  await orm.close();
});
