import { afterAll, expect, test } from 'vitest';
import { defineEntity, MikroORM, p } from '@mikro-native/postgresql';
import { queries } from './helpers.js';

// The `schema` option and an entity's own `schema` (PostgreSQL): tables, their foreign keys and
// every query qualified by schema, the schemas created with the tables, clear() of the
// configured schema's tables. The DDL and the log are what @mikro-orm/postgresql 7.2.1 printed
// for the same calls on this server (its refresh() also ran introspection queries, left out).

const dbName = 'mikro_native_pg_schema';
const server = { host: '127.0.0.1', user: 'postgres' };
const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Book).mappedBy('author'), tags: () => p.manyToMany(Tag) } });
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string().index(), author: () => p.manyToOne(Author) } });
const Tag = defineEntity({ name: 'Tag', schema: 'extra', properties: { id: p.integer().primary(), name: p.string() } });

afterAll(async () => {
  const admin = await MikroORM.init({ entities: [Author, Book, Tag], dbName: 'postgres', ...server });
  await admin.em.execute(`drop database if exists ${dbName} with (force)`);
  await admin.close();
});

test('tables in the configured schema and in an entity\'s own', async () => {
  const lines: string[] = [];
  const orm = await MikroORM.init({ entities: [Author, Book, Tag], dbName, ...server, schema: 'custom', colors: false, debug: ['query', 'query-params'], logger: (m: string) => lines.push(m) });
  expect(await orm.schema.getCreateSchemaSQL()).toBe(CREATE);
  expect(await orm.schema.getDropSchemaSQL()).toBe(DROP);
  await orm.schema.refresh();
  const em = orm.em.fork();
  const a = em.create(Author, { name: 'A' });
  em.create(Book, { title: 'B', author: a });
  a.tags.add(em.create(Tag, { name: 'T' }));
  await em.flush();
  const em2 = orm.em.fork();
  const [author] = await em2.find(Author, {}, { populate: ['books', 'tags'] });
  expect([author.books.getItems().map(b => b.title), author.tags.getItems().map(t => t.name)]).toEqual([['B'], ['T']]);
  expect((await em2.find(Book, { author: { name: 'A' } })).length).toBe(1);
  expect(await em2.createQueryBuilder(Book, 'b').select('*').where({ title: 'B' }).execute()).toEqual([{ id: 1, title: 'B', author: 1 }]);
  expect(await em2.count(Book)).toBe(1);
  expect(await em2.nativeUpdate(Book, { id: 1 }, { title: 'C' })).toBe(1);
  expect(await em2.nativeDelete(Book, { id: 99 })).toBe(0);
  expect((await em2.upsert(Tag, { id: 1, name: 'T2' })).name).toBe('T2');
  await orm.schema.clear();
  expect(await orm.em.fork().count(Book)).toBe(0);
  // The tag's schema is not the configured one: clear() leaves it, as MikroORM does.
  expect(await orm.em.fork().count(Tag)).toBe(1);
  // (The database is new here: its creation is logged first.)
  const log = queries(lines).filter(l => !l.includes('pg_database') && !l.includes('create database'));
  expect(log.slice(0, QUERIES.length)).toEqual(QUERIES);
  await orm.close();
});

test('native enum types live in their table\'s schema', async () => {
  const A = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), kind: p.enum(['a', 'b']).nativeEnumName('author_kind') } });
  const T = defineEntity({ name: 'Tag', schema: 'extra', properties: { id: p.integer().primary(), kind: p.enum(['a', 'b']).nativeEnumName('tag_kind'), k2: p.enum(['a', 'b']).nativeEnumName('author_kind') } });
  const orm = await MikroORM.init({ entities: [A, T], dbName, ...server, schema: 'custom', connect: false });
  expect(await orm.schema.getCreateSchemaSQL()).toBe("set names 'utf8';\n\ncreate schema if not exists \"custom\";\ncreate schema if not exists \"extra\";\ncreate type \"custom\".\"author_kind\" as enum ('a', 'b');\ncreate type \"extra\".\"tag_kind\" as enum ('a', 'b');\ncreate type \"extra\".\"author_kind\" as enum ('a', 'b');\ncreate table \"custom\".\"author\" (\"id\" serial primary key, \"kind\" \"custom\".\"author_kind\" not null);\n\ncreate table \"extra\".\"tag\" (\"id\" serial primary key, \"kind\" \"extra\".\"tag_kind\" not null, \"k2\" \"extra\".\"author_kind\" not null);\n");
  await orm.close();
});

test('the `public` schema (PostgreSQL\'s default) qualifies no name', async () => {
  const A = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), kind: p.enum(['a', 'b']).nativeEnumName('author_kind') } });
  const T = defineEntity({ name: 'Tag', schema: 'public', properties: { id: p.integer().primary() } });
  const orm = await MikroORM.init({ entities: [A, T], dbName, ...server, schema: 'public', connect: false });
  expect(await orm.schema.getCreateSchemaSQL()).toBe("set names 'utf8';\n\ncreate type \"author_kind\" as enum ('a', 'b');\ncreate table \"author\" (\"id\" serial primary key, \"kind\" \"author_kind\" not null);\n\ncreate table \"tag\" (\"id\" serial primary key);\n");
  expect(orm.em.createQueryBuilder(A).select('*').where({ id: 1 }).getQuery()).toBe("select \"a0\".* from \"author\" as \"a0\" where \"a0\".\"id\" = ?");
  expect(orm.em.createQueryBuilder(T).select('*').where({ id: 1 }).getQuery()).toBe("select \"t0\".* from \"tag\" as \"t0\" where \"t0\".\"id\" = ?");
  await orm.close();
});

const CREATE = "set names 'utf8';\n\ncreate schema if not exists \"custom\";\ncreate schema if not exists \"extra\";\ncreate table \"custom\".\"author\" (\"id\" serial primary key, \"name\" varchar(255) not null);\n\ncreate table \"custom\".\"book\" (\"id\" serial primary key, \"title\" varchar(255) not null, \"author_id\" int not null);\ncreate index \"book_title_index\" on \"custom\".\"book\" (\"title\");\n\ncreate table \"extra\".\"tag\" (\"id\" serial primary key, \"name\" varchar(255) not null);\n\ncreate table \"custom\".\"author_tags\" (\"author_id\" int not null, \"tag_id\" int not null, primary key (\"author_id\", \"tag_id\"));\n\nalter table \"custom\".\"book\" add constraint \"book_author_id_foreign\" foreign key (\"author_id\") references \"custom\".\"author\" (\"id\");\n\nalter table \"custom\".\"author_tags\" add constraint \"author_tags_author_id_foreign\" foreign key (\"author_id\") references \"custom\".\"author\" (\"id\") on update cascade on delete cascade;\nalter table \"custom\".\"author_tags\" add constraint \"author_tags_tag_id_foreign\" foreign key (\"tag_id\") references \"extra\".\"tag\" (\"id\") on update cascade on delete cascade;\n";

const DROP = "set names 'utf8';\n\ndrop table if exists \"custom\".\"author_tags\" cascade;\ndrop table if exists \"extra\".\"tag\" cascade;\ndrop table if exists \"custom\".\"book\" cascade;\ndrop table if exists \"custom\".\"author\" cascade;\n";

const QUERIES = [
  "[query] set names 'utf8'; [took X ms, 0 results]",
  "[query] drop table if exists \"custom\".\"author_tags\" cascade;drop table if exists \"extra\".\"tag\" cascade;drop table if exists \"custom\".\"book\" cascade;drop table if exists \"custom\".\"author\" cascade; [took X ms, 0 results]",
  "[query] set names 'utf8'; [took X ms, 0 results]",
  "[query] create schema if not exists \"custom\";create schema if not exists \"extra\";create table \"custom\".\"author\" (\"id\" serial primary key, \"name\" varchar(255) not null); [took X ms, 0 results]",
  "[query] create table \"custom\".\"book\" (\"id\" serial primary key, \"title\" varchar(255) not null, \"author_id\" int not null);create index \"book_title_index\" on \"custom\".\"book\" (\"title\"); [took X ms, 0 results]",
  "[query] create table \"extra\".\"tag\" (\"id\" serial primary key, \"name\" varchar(255) not null); [took X ms, 0 results]",
  "[query] create table \"custom\".\"author_tags\" (\"author_id\" int not null, \"tag_id\" int not null, primary key (\"author_id\", \"tag_id\")); [took X ms, 0 results]",
  "[query] alter table \"custom\".\"book\" add constraint \"book_author_id_foreign\" foreign key (\"author_id\") references \"custom\".\"author\" (\"id\"); [took X ms, 0 results]",
  "[query] alter table \"custom\".\"author_tags\" add constraint \"author_tags_author_id_foreign\" foreign key (\"author_id\") references \"custom\".\"author\" (\"id\") on update cascade on delete cascade;alter table \"custom\".\"author_tags\" add constraint \"author_tags_tag_id_foreign\" foreign key (\"tag_id\") references \"extra\".\"tag\" (\"id\") on update cascade on delete cascade; [took X ms, 0 results]",
  "[query] begin",
  "[query] insert into \"custom\".\"author\" (\"name\") values ('A') returning \"id\" [took X ms, 1 row affected]",
  "[query] insert into \"custom\".\"book\" (\"title\", \"author_id\") values ('B', 1) returning \"id\" [took X ms, 1 row affected]",
  "[query] insert into \"extra\".\"tag\" (\"name\") values ('T') returning \"id\" [took X ms, 1 row affected]",
  "[query] insert into \"custom\".\"author_tags\" (\"tag_id\", \"author_id\") values (1, 1) [took X ms, 1 row affected]",
  "[query] commit",
  "[query] select \"a0\".* from \"custom\".\"author\" as \"a0\" [took X ms, 1 result]",
  "[query] select \"b0\".* from \"custom\".\"book\" as \"b0\" where \"b0\".\"author_id\" in (1) [took X ms, 1 result]",
  "[query] select \"a0\".\"tag_id\", \"a0\".\"author_id\", \"t1\".\"id\" as \"t1__id\", \"t1\".\"name\" as \"t1__name\" from \"custom\".\"author_tags\" as \"a0\" inner join \"extra\".\"tag\" as \"t1\" on \"a0\".\"tag_id\" = \"t1\".\"id\" where \"a0\".\"author_id\" in (1) [took X ms, 1 result]",
  "[query] select \"b0\".* from \"custom\".\"book\" as \"b0\" inner join \"custom\".\"author\" as \"a1\" on \"b0\".\"author_id\" = \"a1\".\"id\" where \"a1\".\"name\" = 'A' [took X ms, 1 result]",
  "[query] select \"b\".* from \"custom\".\"book\" as \"b\" where \"b\".\"title\" = 'B' [took X ms, 1 result]",
  "[query] select count(*) as \"count\" from \"custom\".\"book\" as \"b0\" [took X ms]",
  "[query] update \"custom\".\"book\" set \"title\" = 'C' where \"id\" = 1 [took X ms, 1 row affected]",
  "[query] delete from \"custom\".\"book\" where \"id\" = 99 [took X ms, 0 rows affected]",
  "[query] insert into \"extra\".\"tag\" (\"id\", \"name\") values (1, 'T2') on conflict (\"id\") do update set \"name\" = excluded.\"name\" [took X ms, 1 row affected]",
  "[query] truncate table \"custom\".\"author_tags\" restart identity cascade [took X ms, 0 rows affected]",
  "[query] truncate table \"custom\".\"book\" restart identity cascade [took X ms, 0 rows affected]",
  "[query] truncate table \"custom\".\"author\" restart identity cascade [took X ms, 0 rows affected]"
];
