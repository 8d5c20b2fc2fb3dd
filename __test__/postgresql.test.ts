import { afterAll, beforeAll, expect, test } from 'vitest';
import { ConnectionException, defineEntity, LockMode, MikroORM, NotImplementedError, p, SyntaxErrorException, UniqueConstraintViolationException, wrap } from '@mikro-native/postgresql';
import { failure } from './helpers.js';

// PostgreSQL (issue 4, in progress): the pool, raw SQL with parameters the server types, errors,
// and queries through the engine, against the server at 127.0.0.1:5432. The test fails when the
// server is not there. The SQL and results of the entity queries are those MikroORM 7.2
// (@mikro-orm/postgresql with node-pg) printed and returned for the same calls on this server.

const Thing = defineEntity({ name: 'Thing', properties: { id: p.integer().primary(), name: p.string() } });
const Author = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    email: p.string().unique(),
    born: p.datetime().nullable(),
    active: p.boolean().default(true),
    version: p.integer().version(),
    books: () => p.oneToMany(Book).mappedBy('author'),
    tags: () => p.manyToMany(Tag).owner(),
  },
});
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), price: p.decimal().nullable(), author: () => p.manyToOne(Author) } });
const server = { host: '127.0.0.1', port: 5432, user: 'postgres' };
const dbName = 'mikro_native_pg_execute';
let orm: MikroORM;
let lines: string[];

beforeAll(async () => {
  // A database of this test file's own, so runs never collide.
  const admin = await MikroORM.init({ entities: [Thing, Author, Book, Tag], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${dbName} with (force)`);
  await admin.em.execute(`create database ${dbName}`);
  await admin.close();
  lines = [];
  orm = await MikroORM.init({ entities: [Thing, Author, Book, Tag], dbName, ...server, debug: ['query', 'query-params'], colors: false, logger: (m: string) => lines.push(m) });
});

afterAll(async () => {
  await orm?.close();
  const admin = await MikroORM.init({ entities: [Thing, Author, Book, Tag], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${dbName} with (force)`);
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
    // As node-pg gives them under MikroORM 7.2.1: timestamps as PostgreSQL's text, JSON parsed.
    ts: '2024-01-02 03:04:05.678+00',
    d: '2024-02-03',
    u: '8f14e45f-ceea-467f-a0e6-6a9b39e9d9f0',
    j: { a: 1 },
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
  // The server's detail follows the message, as MikroORM writes it.
  expect([dup.code, dup.message]).toEqual(['23505', 'duplicate key value violates unique constraint "uniq_pkey"\n - detail: Key (id)=(1) already exists.']);
  const syntax = await failure(em.execute('selec 1'));
  expect(syntax).toBeInstanceOf(SyntaxErrorException);
  expect(syntax.code).toBe('42601');
  // What is not built yet says so.

  // Options not honoured yet fail loudly.
  const other = await MikroORM.init({ entities: [Thing, Author, Book, Tag], dbName, ...server, onCreateConnection: () => undefined });
  const unsupported = await failure(other.em.execute('select 1'));
  expect(unsupported).toBeInstanceOf(NotImplementedError);
  expect(unsupported.message).toBe("'onCreateConnection' on postgresql is not implemented in mikro-native yet");
  await other.close();
  const refused = await MikroORM.init({ entities: [Thing, Author, Book, Tag], dbName, host: '127.0.0.1', port: 1, user: 'postgres', password: async () => 'secret' });
  const err = await failure(refused.em.execute('select 1'));
  expect(err).toBeInstanceOf(ConnectionException);
  // The first connection is to the management database, to look the configured one up.
  expect(err.message).toBe("Cannot connect to PostgreSQL at 127.0.0.1:1 (database 'postgres', user 'postgres'): Connection refused (os error 111)");
  expect(err.message).not.toContain('secret');
  await refused.close();
});

test("entity queries, native writes and the QueryBuilder: MikroORM 7.2's SQL and results", async () => {
  await orm.schema.create();
  const em = orm.em.fork();
  lines.length = 0;
  const id = await em.insert(Author, { name: 'Jon', email: 'jon@x', born: new Date('1990-01-02T00:00:00Z') });
  await em.insertMany(Book, [{ title: 'B1', price: '10.50', author: id }, { title: 'B2', author: id }]);
  const authors = await em.fork().find(Author, { name: { $like: 'J%' } }, { populate: ['books'] });
  const jon = { id: 1, name: 'Jon', email: 'jon@x', born: '1990-01-02T00:00:00.000Z', active: true, version: 1, books: [{ id: 1, title: 'B1', price: '11', author: 1 }, { id: 2, title: 'B2', price: null, author: 1 }] };
  expect(authors.map(a => ({ ...wrap(a).toObject(), born: a.born?.toISOString() }))).toEqual([jon]);
  expect(await em.count(Book, { author: { name: 'Jon' } })).toBe(2);
  expect(await em.nativeUpdate(Author, { id }, { active: false })).toBe(1);
  expect(await em.createQueryBuilder(Book, 'b').select(['b.title', 'a.name']).join('b.author', 'a').where({ 'a.active': false }).execute()).toEqual([
    { title: 'B1', name: 'Jon' },
    { title: 'B2', name: 'Jon' },
  ]);
  const one = await em.fork().findOne(Author, id, { populate: ['books'], strategy: 'joined' });
  expect({ ...wrap(one!).toObject(), born: one!.born?.toISOString() }).toEqual({ ...jon, active: false });
  expect(await em.nativeDelete(Book, { title: 'B2' })).toBe(1);
  expect(lines.map(l => l.replace(/ \[took .*\]$/, ''))).toEqual([
    `[query] insert into "author" ("name", "email", "born") values ('Jon', 'jon@x', '1990-01-02T00:00:00.000Z') returning "id", "active", "version"`,
    `[query] insert into "book" ("title", "price", "author_id") values ('B1', '10.50', 1), ('B2', default, 1) returning "id"`,
    `[query] select "a0".* from "author" as "a0" where "a0"."name" like 'J%'`,
    `[query] select "b0".* from "book" as "b0" where "b0"."author_id" in (1)`,
    `[query] select count(*) as "count" from "book" as "b0" inner join "author" as "a1" on "b0"."author_id" = "a1"."id" where "a1"."name" = 'Jon'`,
    `[query] update "author" set "active" = false where "id" = 1`,
    `[query] select "b"."title", "a"."name" from "book" as "b" inner join "author" as "a" on "b"."author_id" = "a"."id" where "a"."active" = false`,
    `[query] select "a0".*, "b1"."id" as "b1__id", "b1"."title" as "b1__title", "b1"."price" as "b1__price", "b1"."author_id" as "b1__author_id" from "author" as "a0" left join "book" as "b1" on "a0"."id" = "b1"."author_id" where "a0"."id" = 1`,
    `[query] delete from "book" where "title" = 'B2'`,
  ]);
});

test("flushes: inserts with keys back, versioned updates, many-to-many links, deletes, a failed flush rolled back: MikroORM 7.2's SQL", async () => {
  await orm.em.execute('truncate table author_tags, book, tag, author restart identity cascade');
  lines.length = 0;
  const em = orm.em.fork();
  const a = em.create(Author, { name: 'Jon', email: 'jon@x', born: new Date('1990-01-02T00:00:00Z') });
  const [t1, t2] = [em.create(Tag, { name: 't1' }), em.create(Tag, { name: 't2' })];
  a.tags.add(t1, t2);
  em.create(Book, { title: 'B1', price: '10.50', author: a });
  em.create(Book, { title: 'B2', author: a });
  await em.flush();
  expect([a.id, a.version, a.active]).toEqual([1, 1, true]);
  a.name = 'Jon Snow';
  a.tags.remove(t1);
  await em.flush();
  expect(a.version).toBe(2);
  em.remove(a.books.getItems()[1]);
  await em.flush();
  const fresh = await orm.em.fork().findOne(Author, a.id, { populate: ['books', 'tags'] });
  expect({ ...wrap(fresh!).toObject(), born: fresh!.born?.toISOString() }).toEqual({
    id: 1,
    name: 'Jon Snow',
    email: 'jon@x',
    born: '1990-01-02T00:00:00.000Z',
    active: true,
    version: 2,
    books: [{ id: 1, title: 'B1', price: '11', author: 1 }],
    tags: [{ id: 2, name: 't2' }],
  });
  const other = orm.em.fork();
  const dup = other.create(Author, { name: 'Dup', email: 'jon@x' });
  const err = await failure(other.flush());
  expect([err.constructor.name, err.code, dup.id]).toEqual(['UniqueConstraintViolationException', '23505', undefined]);
  expect(await orm.em.fork().count(Author)).toBe(1);
  expect(lines.map(l => l.replace(/ \[took .*\]$/, ''))).toEqual([
    '[query] begin',
    `[query] insert into "author" ("name", "email", "born", "active") values ('Jon', 'jon@x', '1990-01-02T00:00:00.000Z', true) returning "id", "version"`,
    `[query] insert into "book" ("title", "price", "author_id") values ('B1', '10.50', 1), ('B2', default, 1) returning "id"`,
    `[query] insert into "tag" ("name") values ('t1'), ('t2') returning "id"`,
    '[query] insert into "author_tags" ("tag_id", "author_id") values (1, 1), (2, 1)',
    '[query] commit',
    '[query] begin',
    `[query] update "author" set "name" = 'Jon Snow', "version" = "version" + 1 where "id" = 1 and "version" = 1 returning "version"`,
    '[query] delete from "author_tags" where "tag_id" = 1 and "author_id" = 1',
    '[query] commit',
    '[query] begin',
    '[query] delete from "book" where "id" in (2)',
    '[query] commit',
    '[query] select "a0".* from "author" as "a0" where "a0"."id" = 1 limit 1',
    '[query] select "b0".* from "book" as "b0" where "b0"."author_id" in (1)',
    '[query] select "a0"."tag_id", "a0"."author_id", "t1"."id" as "t1__id", "t1"."name" as "t1__name" from "author_tags" as "a0" inner join "tag" as "t1" on "a0"."tag_id" = "t1"."id" where "a0"."author_id" in (1)',
    '[query] begin',
    `[query] insert into "author" ("name", "email", "active") values ('Dup', 'jon@x', true) returning "id", "version"`,
    '[query] rollback',
    '[query] select count(*) as "count" from "author" as "a0"',
  ]);
});

test("transactions: nested levels as savepoints, a pessimistic lock, rollbacks: MikroORM 7.2's SQL", async () => {
  await orm.em.execute('truncate table author_tags, book, tag, author restart identity cascade');
  lines.length = 0;
  const seen: unknown[] = [];
  await orm.em.fork().transactional(async em => {
    em.create(Author, { name: 'A', email: 'a@x' });
    await em.flush();
    try {
      await em.transactional(async em2 => {
        em2.create(Author, { name: 'B', email: 'b@x' });
        await em2.flush();
        throw new Error('inner');
      });
    } catch (e) {
      seen.push((e as Error).message);
    }
    const a = await em.findOneOrFail(Author, { name: 'A' });
    await em.lock(a, LockMode.PESSIMISTIC_WRITE);
    a.name = 'A2';
  });
  seen.push((await orm.em.fork().find(Author, {}, { orderBy: { id: 'asc' } })).map(a => a.name));
  const outer = await failure(
    orm.em.fork().transactional(async em => {
      em.create(Author, { name: 'C', email: 'c@x' });
      await em.flush();
      throw new Error('outer');
    }),
  );
  seen.push(outer.message, await orm.em.fork().count(Author));
  expect(seen).toEqual(['inner', ['A2'], 'outer', 1]);
  expect(lines.map(l => l.replace(/ \[took .*\]$/, ''))).toEqual([
    '[query] begin',
    `[query] insert into "author" ("name", "email", "active") values ('A', 'a@x', true) returning "id", "version"`,
    '[query] savepoint "trx1"',
    `[query] insert into "author" ("name", "email", "active") values ('B', 'b@x', true) returning "id", "version"`,
    '[query] rollback to savepoint "trx1"',
    `[query] select "a0".* from "author" as "a0" where "a0"."name" = 'A' limit 1`,
    '[query] select 1 from "author" as "a0" where "a0"."id" = 1 for update',
    `[query] update "author" set "name" = 'A2', "version" = "version" + 1 where "id" = 1 and "version" = 1 returning "version"`,
    '[query] commit',
    '[query] select "a0".* from "author" as "a0" order by "a0"."id" asc',
    '[query] begin',
    `[query] insert into "author" ("name", "email", "active") values ('C', 'c@x', true) returning "id", "version"`,
    '[query] rollback',
    '[query] select count(*) as "count" from "author" as "a0"',
  ]);
});

test("upserts: one statement, a missing property its column's default, rows merged into the identity map: MikroORM 7.2.1's SQL", async () => {
  await orm.em.execute('truncate table author_tags, book, tag, author restart identity cascade');
  lines.length = 0;
  const em = orm.em.fork();
  const a = await em.upsert(Author, { email: 'a@x', name: 'A', active: false });
  const b = await em.upsert(Author, { email: 'a@x', name: 'A2' });
  expect([a === b, b.name, b.active]).toEqual([true, 'A2', false]);
  const many = await em.upsertMany(Author, [
    { email: 'a@x', name: 'A3' },
    { email: 'c@x', name: 'C', active: true },
  ]);
  expect(many.map(x => [x.id, x.name, x.active])).toEqual([
    [1, 'A3', false],
    [4, 'C', true],
  ]);
  expect(lines.map(l => l.replace(/ \[took .*\]$/, ''))).toEqual([
    `[query] insert into "author" ("email", "name", "active") values ('a@x', 'A', false) on conflict ("email") do update set "name" = excluded."name", "active" = excluded."active" returning "id", "born", "version"`,
    `[query] insert into "author" ("email", "name") values ('a@x', 'A2') on conflict ("email") do update set "name" = excluded."name" returning "id", "born", "active", "version"`,
    `[query] insert into "author" ("email", "name", "active") values ('a@x', 'A3', default), ('c@x', 'C', true) on conflict ("email") do update set "name" = excluded."name" returning "id", "born", "active", "version"`,
  ]);
});

test("the schema script: MikroORM 7.2's PostgreSQL DDL (constraints by alter table, no foreign key indexes)", async () => {
  const Writer = defineEntity({
    name: 'Author',
    tableName: 'author',
    properties: {
      id: p.integer().primary(),
      name: p.string().index(),
      email: p.string().unique(),
      born: p.datetime().nullable(),
      active: p.boolean().default(true),
      meta: p.json().nullable(),
      kind: p.enum(['a', 'b']).nullable(),
      favourite: () => p.manyToOne(Novel).nullable(),
      books: () => p.oneToMany(Novel).mappedBy('author'),
      tags: () => p.manyToMany(Label).owner(),
    },
    indexes: [{ properties: ['name', 'born'] }],
    uniques: [{ properties: ['name', 'email'] }],
  });
  const Novel = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.text(), price: p.decimal().nullable(), big: p.bigint().nullable(), author: () => p.manyToOne(Writer) } });
  const Label = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string().length(50) } });
  const ddl = await MikroORM.init({ entities: [Writer, Novel, Label], dbName: 'x', ...server });
  expect(await ddl.schema.getCreateSchemaSQL()).toBe("set names 'utf8';\n\ncreate table \"author\" (\"id\" serial primary key, \"name\" varchar(255) not null, \"email\" varchar(255) not null, \"born\" timestamptz null, \"active\" boolean not null default true, \"meta\" jsonb null, \"kind\" text null, \"favourite_id\" int null);\ncreate index \"author_name_index\" on \"author\" (\"name\");\nalter table \"author\" add constraint \"author_email_unique\" unique (\"email\");\ncreate index \"author_name_born_index\" on \"author\" (\"name\", \"born\");\nalter table \"author\" add constraint \"author_name_email_unique\" unique (\"name\", \"email\");\nalter table \"author\" add constraint \"author_kind_check\" check (\"kind\" in ('a', 'b'));\n\ncreate table \"book\" (\"id\" serial primary key, \"title\" text not null, \"price\" numeric(10,0) null, \"big\" bigint null, \"author_id\" int not null);\n\ncreate table \"tag\" (\"id\" serial primary key, \"name\" varchar(50) not null);\n\ncreate table \"author_tags\" (\"author_id\" int not null, \"tag_id\" int not null, primary key (\"author_id\", \"tag_id\"));\n\nalter table \"author\" add constraint \"author_favourite_id_foreign\" foreign key (\"favourite_id\") references \"book\" (\"id\") on delete set null;\n\nalter table \"book\" add constraint \"book_author_id_foreign\" foreign key (\"author_id\") references \"author\" (\"id\");\n\nalter table \"author_tags\" add constraint \"author_tags_author_id_foreign\" foreign key (\"author_id\") references \"author\" (\"id\") on update cascade on delete cascade;\nalter table \"author_tags\" add constraint \"author_tags_tag_id_foreign\" foreign key (\"tag_id\") references \"tag\" (\"id\") on update cascade on delete cascade;\n");
  expect(await ddl.schema.getDropSchemaSQL()).toBe("set names 'utf8';\n\ndrop table if exists \"author_tags\" cascade;\ndrop table if exists \"tag\" cascade;\ndrop table if exists \"book\" cascade;\ndrop table if exists \"author\" cascade;\n");
  await ddl.close();
});

test('transactions of different forks run side by side, each on its own connection, and see only committed rows', async () => {
  let release!: () => void;
  const gate = new Promise<void>(resolve => (release = resolve));
  const order: string[] = [];
  const t1 = orm.em.fork().transactional(async t => {
    await t.insert(Thing, { id: 901, name: 't1' });
    order.push('t1 inserted');
    await gate;
    order.push('t1 commits');
  });
  await new Promise(resolve => setTimeout(resolve, 20));
  // t1 is still open: a second transaction does not wait for it.
  await orm.em.fork().transactional(async t => {
    await t.insert(Thing, { id: 902, name: 't2' });
    order.push('t2 inserted');
  });
  order.push('t2 committed');
  expect(await orm.em.fork().count(Thing, { id: { $in: [901, 902] } })).toBe(1);
  release();
  await t1;
  expect(await orm.em.fork().count(Thing, { id: { $in: [901, 902] } })).toBe(2);
  expect(order).toEqual(['t1 inserted', 't2 inserted', 't2 committed', 't1 commits']);
});

test('close() with a transaction still open ends it: nothing of it is committed', async () => {
  const other = await MikroORM.init({ entities: [Thing, Author, Book, Tag], dbName, ...server });
  const em = other.em.fork();
  await em.begin();
  await em.insert(Thing, { id: 903, name: 'never committed' });
  await other.close();
  expect(await orm.em.fork().count(Thing, { id: 903 })).toBe(0);
});

test("native enum types: MikroORM 7.2's DDL (types before the first table), values typed by the server", async () => {
  const Post = defineEntity({ name: 'Post', properties: { id: p.integer().primary(), kind: p.enum(['a', 'b']).nativeEnumName('post_kind').nullable(), other: p.enum(['x', "y'z"]).nativeEnumName('other_kind') } });
  const Note = defineEntity({ name: 'Note', properties: { id: p.integer().primary(), kind: p.enum(['a', 'b']).nativeEnumName('post_kind') } });
  const seen: string[] = [];
  const enums = await MikroORM.init({ entities: [Post, Note], dbName: `${dbName}_enums`, ...server, debug: ['query', 'query-params'], colors: false, logger: (m: string) => seen.push(m.replace(/ \[took [^\]]*\]/, '')) });
  expect(await enums.schema.getCreateSchemaSQL()).toBe(
    `set names 'utf8';\n\ncreate type "post_kind" as enum ('a', 'b');\ncreate type "other_kind" as enum ('x', 'y''z');\ncreate table "note" ("id" serial primary key, "kind" "post_kind" not null);\n\ncreate table "post" ("id" serial primary key, "kind" "post_kind" null, "other" "other_kind" not null);\n`,
  );
  // Twice: the second drop removes the types the first create made.
  for (let i = 0; i < 2; i++) {
    await enums.schema.drop();
    await enums.schema.create();
  }
  seen.length = 0;
  const em = enums.em.fork();
  em.create(Post, { kind: 'a', other: "y'z" });
  await em.flush();
  const found = await enums.em.fork().find(Post, { kind: { $in: ['a', 'b'] }, other: "y'z" });
  expect(found.map(f => ({ ...f }))).toEqual([{ id: 1, kind: 'a', other: "y'z" }]);
  expect(seen).toEqual([
    '[query] begin',
    `[query] insert into "post" ("kind", "other") values ('a', 'y''z') returning "id"`,
    '[query] commit',
    `[query] select "p0".* from "post" as "p0" where "p0"."kind" in ('a', 'b') and "p0"."other" = 'y''z'`,
  ]);
  await enums.schema.drop();
  await enums.close();
  const admin = await MikroORM.init({ entities: [Thing], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${dbName}_enums with (force)`);
  await admin.close();
});

test('ensureDatabase creates a missing database, as MikroORM', async () => {
  const name = `${dbName}_new`;
  const admin = await MikroORM.init({ entities: [Thing], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${name} with (force)`);
  const seen: string[] = [];
  const fresh = await MikroORM.init({ entities: [Thing], dbName: name, ...server, debug: ['query', 'query-params'], colors: false, logger: (m: string) => seen.push(m.replace(/ \[took .*\]$/, '')) });
  expect(await fresh.em.execute('select 1 as x')).toEqual([{ x: 1 }]);
  await fresh.close();
  await admin.em.execute(`drop database if exists ${name} with (force)`);
  await admin.close();
  expect(seen).toEqual([`[query] select 1 from pg_database where datname = '${name}'`, `[query] create database "${name}"`, '[query] select 1 as x']);
});

test('200 concurrent forks on a pool of 10 all finish; an exhausted pool times out with a clear error; close leaves no connection', async () => {
  const Counter = defineEntity({ name: 'Counter', properties: { id: p.integer().primary(), n: p.integer() } });
  const name = `${dbName}_pool`;
  const admin = await MikroORM.init({ entities: [Thing], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${name} with (force)`);
  const busy = await MikroORM.init({ entities: [Counter], dbName: name, ...server, pool: { max: 10 } });
  await busy.schema.create();
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      const em = busy.em.fork();
      const c = em.create(Counter, { n: i });
      await em.flush();
      const [found] = await busy.em.fork().find(Counter, { n: i });
      expect(found.id).toBe(c.id);
      c.n += 1000;
      await em.flush();
    }),
  );
  expect(await busy.em.fork().count(Counter, { n: { $gte: 1000 } })).toBe(200);
  const [{ c }] = await busy.em.execute(`select count(*)::int as c from pg_stat_activity where datname = ?`, [name]);
  expect(c).toBeLessThanOrEqual(10);
  await busy.close();
  const one = await MikroORM.init({ entities: [Counter], dbName: name, ...server, pool: { max: 1, acquireTimeoutMillis: 200 } });
  await one.em.execute('select 1');
  const slow = one.em.execute('select pg_sleep(1)');
  await new Promise(resolve => setTimeout(resolve, 100));
  const err = await failure(one.em.execute('select 1'));
  expect(err).toBeInstanceOf(ConnectionException);
  expect(err.message).toBe('Timed out waiting for a PostgreSQL connection from the pool');
  await slow;
  await one.close();
  expect(await backends(admin, name, 0)).toBe(0);
  // Idle connections past idleTimeoutMillis are closed down to `min` when the pool is next used.
  const idle = await MikroORM.init({ entities: [Counter], dbName: name, ...server, pool: { min: 1, max: 3, idleTimeoutMillis: 100 } });
  await Promise.all([1, 2, 3].map(() => idle.em.execute('select pg_sleep(0.05)')));
  expect(await backends(admin, name, 3)).toBe(3);
  await new Promise(resolve => setTimeout(resolve, 150));
  await idle.em.execute('select 1');
  expect(await backends(admin, name, 1)).toBe(1);
  await idle.close();
  expect(await backends(admin, name, 0)).toBe(0);
  await admin.em.execute(`drop database if exists ${name} with (force)`);
  await admin.close();
});

/** Server backends connected to `db`, polled up to 3 s for `expected`: a closed socket's backend leaves pg_stat_activity a moment later. */
async function backends(admin: MikroORM, db: string, expected: number): Promise<number> {
  let c = -1;
  for (let i = 0; i < 60 && c !== expected; i++) {
    if (i > 0) await new Promise(resolve => setTimeout(resolve, 50));
    [{ c }] = await admin.em.execute<{ c: number }[]>(`select count(*)::int as c from pg_stat_activity where datname = ?`, [db]);
  }
  return c;
}

test('inside a transaction a stream reads its rows at once, so the loop can query in the same transaction; a request context em works in the running transaction', async () => {
  await orm.em.execute('truncate table author_tags, book, tag, author restart identity cascade');
  const seed = orm.em.fork();
  for (let i = 0; i < 300; i++) {
    seed.create(Tag, { name: `t${i}` });
  }
  await seed.flush();
  const seen = await orm.em.fork().transactional(async em => {
    let n = 0;
    for await (const t of em.stream(Tag, { chunkSize: 50 })) {
      // A statement of the same transaction while the stream is open (it would wait forever
      // for a stream holding the transaction's connection).
      n += (await em.count(Tag, { id: t.id })) as number;
    }
    return n;
  });
  expect(seen).toBe(300);
  const { RequestContext } = await import('@mikro-native/postgresql');
  const locked = await RequestContext.create(orm.em, () => orm.em.transactional(async () => (await orm.em.findOneOrFail(Tag, 1, { lockMode: LockMode.PESSIMISTIC_WRITE })).name));
  expect(locked).toBe('t0');
});
