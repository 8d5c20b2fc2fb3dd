import { afterAll, beforeAll, expect, test } from 'vitest';
import { ConnectionException, defineEntity, MikroORM, NotImplementedError, p, SyntaxErrorException, UniqueConstraintViolationException } from '@mikro-native/postgresql';
import { failure } from './helpers.js';

// PostgreSQL (issue 4, in progress): the pool, raw SQL with parameters the server types, and
// errors, against the server at 127.0.0.1:5432. The test fails when the server is not there.

const Thing = defineEntity({ name: 'Thing', properties: { id: p.integer().primary(), name: p.string() } });
const server = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const dbName = 'mikro_native_pg_execute';
let orm: MikroORM;
let lines: string[];

beforeAll(async () => {
  // A database of this test file's own, so runs never collide.
  const admin = await MikroORM.init({ entities: [Thing], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${dbName}`);
  await admin.em.execute(`create database ${dbName}`);
  await admin.close();
  lines = [];
  orm = await MikroORM.init({ entities: [Thing], dbName, ...server, debug: ['query', 'query-params'], colors: false, logger: (m: string) => lines.push(m) });
});

afterAll(async () => {
  await orm?.close();
  const admin = await MikroORM.init({ entities: [Thing], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${dbName}`);
  await admin.close();
});

test('raw SQL: parameters typed by the server, values read back', async () => {
  const em = orm.em.fork();
  expect(await em.execute('select 1 + 1 as result')).toEqual([{ result: 2 }]);
  await em.execute(
    'create table item (id serial primary key, i4 int4, i8 int8, n numeric(10, 2), t text, b bool, ts timestamptz, d date, u uuid, j jsonb, bin bytea, f float8)',
  );
  const inserted = await em.execute(
    'insert into item (i4, i8, n, t, b, ts, d, u, j, bin, f) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) returning id',
    [5, '9007199254740993', 12.5, "it's", true, new Date('2024-01-02T03:04:05.678Z'), '2024-02-03', '8f14e45f-ceea-467f-a0e6-6a9b39e9d9f0', '{"a":1}', null, 2],
    'run',
  );
  expect(inserted).toEqual({ affectedRows: 1, insertId: undefined, row: { id: 1 }, rows: [{ id: 1 }] });
  const [row] = await em.execute('select * from item where i4 = ? and t = ? and ts >= ?', [5, "it's", new Date('2024-01-01T00:00:00Z')]);
  expect(row).toEqual({
    id: 1,
    i4: 5,
    i8: '9007199254740993',
    n: '12.50',
    t: "it's",
    b: true,
    ts: Date.parse('2024-01-02T03:04:05.678Z'),
    d: '2024-02-03',
    u: '8f14e45f-ceea-467f-a0e6-6a9b39e9d9f0',
    j: '{"a": 1}',
    bin: null,
    f: 2,
  });
  expect(await em.execute('update item set n = n + ? where id = ?', ['0.25', 1], 'run')).toEqual({ affectedRows: 1, insertId: undefined, row: undefined, rows: [] });
  expect(await em.execute('select n from item', [], 'get')).toEqual({ n: '12.75' });
  // The log shows the values inlined, as MikroORM's does.
  expect(lines.filter(l => l.includes('update item'))).toEqual([expect.stringMatching(/^\[query\] update item set n = n \+ '0\.25' where id = 1 \[took \d+ ms, 1 row affected\]$/)]);
});

test('errors: MikroORM classes with the SQLSTATE, a refused connection names host and port', async () => {
  const em = orm.em.fork();
  await em.execute('create table uniq (id int primary key)');
  await em.execute('insert into uniq values (?)', [1]);
  const dup = await failure(em.execute('insert into uniq values (?)', [1]));
  expect(dup).toBeInstanceOf(UniqueConstraintViolationException);
  expect([dup.code, dup.message]).toEqual(['23505', 'duplicate key value violates unique constraint "uniq_pkey"']);
  const syntax = await failure(em.execute('selec 1'));
  expect(syntax).toBeInstanceOf(SyntaxErrorException);
  expect(syntax.code).toBe('42601');
  // What is not built yet says so.
  const find = await failure(em.find(Thing, {}));
  expect(find).toBeInstanceOf(NotImplementedError);
  expect(find.message).toBe('Not implemented in mikro-native yet: entity queries, flushes, transactions and the QueryBuilder on postgresql (em.execute() is implemented)');
  const refused = await MikroORM.init({ entities: [Thing], dbName, host: '127.0.0.1', port: 1, user: 'postgres', password: async () => 'secret' });
  const err = await failure(refused.em.execute('select 1'));
  expect(err).toBeInstanceOf(ConnectionException);
  expect(err.message).toBe("Cannot connect to PostgreSQL at 127.0.0.1:1 (database 'mikro_native_pg_execute', user 'postgres'): Connection refused (os error 111)");
  expect(err.message).not.toContain('secret');
  await refused.close();
});
