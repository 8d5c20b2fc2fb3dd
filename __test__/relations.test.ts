import { afterEach, describe, expect, test } from 'vitest';
import {
  defineEntity,
  EntitySchema,
  ForeignKeyConstraintViolationException,
  MetadataError,
  NotImplementedError,
  p,
  ref,
  Reference,
  wrap,
  type MikroORM,
} from '@mikro-native/sqlite';
import { driver, emptyDatabaseOptions, failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same code.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
const Publisher = defineEntity({ name: 'Publisher', properties: { id: p.integer().primary(), name: p.string() } });
const Book = defineEntity({
  name: 'Book',
  properties: {
    id: p.integer().primary(),
    title: p.string(),
    author: () => p.manyToOne(Author),
    publisher: () => p.manyToOne(Publisher).nullable().ref(),
    editorId: () => p.manyToOne(Author).nullable().mapToPk(),
  },
});

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function init(options: Partial<Parameters<typeof setup>[0]> = {}) {
  const ctx = await setup({ entities: [Author, Book, Publisher], ...options });
  orm = ctx.orm;
  return ctx;
}

/** Two authors, a publisher and three books, flushed together. */
async function seed() {
  const em = orm!.em.fork();
  const a1 = em.create(Author, { name: 'A1' });
  const a2 = em.create(Author, { name: 'A2' });
  const pub = em.create(Publisher, { name: 'P' });
  const books = [
    em.create(Book, { title: 'B1', author: a1, publisher: pub, editorId: 1 }),
    em.create(Book, { title: 'B2', author: a1 }),
    em.create(Book, { title: 'B3', author: a2, publisher: ref(pub) }),
  ];
  await em.flush();
  return { em, a1, a2, pub, books };
}

/**
 * The log of `orm.schema.clear()` over these tables, each holding `rows` rows: SQLite deletes,
 * PostgreSQL and MySQL truncate (as MikroORM 7.2.1), which counts no rows.
 */
function clearLog(tables: string[], rows: number): string[] {
  return forDriver({
    sqlite: tables.map(t => `[query] delete from \`${t}\` [took X ms, ${rows} ${rows === 1 ? 'row' : 'rows'} affected]`),
    postgresql: tables.map(t => `[query] truncate table \`${t}\` restart identity cascade [took X ms, 0 rows affected]`),
    mysql: [
      '[query] set foreign_key_checks = 0; [took X ms, 0 results]',
      ...tables.map(t => `[query] truncate table \`${t}\` [took X ms, 0 rows affected]`),
      '[query] set foreign_key_checks = 1; [took X ms, 0 results]',
    ],
  });
}

describe('many-to-one: schema', () => {
  test('foreign key columns, constraints and indexes', async () => {
    await init({ schema: false });
    expect(await orm!.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: [
          'create table `author` (`id` integer not null primary key autoincrement, `name` text not null);',
          '',
          'create table `publisher` (`id` integer not null primary key autoincrement, `name` text not null);',
          '',
          'create table `book` (`id` integer not null primary key autoincrement, `title` text not null, `author_id` integer not null, `publisher_id` integer null, `editor_id_id` integer null, constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`), constraint `book_publisher_id_foreign` foreign key (`publisher_id`) references `publisher` (`id`) on delete set null, constraint `book_editor_id_id_foreign` foreign key (`editor_id_id`) references `author` (`id`) on delete set null);',
          'create index `book_author_id_index` on `book` (`author_id`);',
          'create index `book_publisher_id_index` on `book` (`publisher_id`);',
          'create index `book_editor_id_id_index` on `book` (`editor_id_id`);',
          '',
        ],
        postgresql: [
          "set names 'utf8';",
          '',
          'create table "author" ("id" serial primary key, "name" varchar(255) not null);',
          '',
          'create table "publisher" ("id" serial primary key, "name" varchar(255) not null);',
          '',
          'create table "book" ("id" serial primary key, "title" varchar(255) not null, "author_id" int not null, "publisher_id" int null, "editor_id_id" int null);',
          '',
          'alter table "book" add constraint "book_author_id_foreign" foreign key ("author_id") references "author" ("id");',
          'alter table "book" add constraint "book_publisher_id_foreign" foreign key ("publisher_id") references "publisher" ("id") on delete set null;',
          'alter table "book" add constraint "book_editor_id_id_foreign" foreign key ("editor_id_id") references "author" ("id") on delete set null;',
          '',
        ],
        mysql: [
          'set names utf8mb4;',
          '',
          'create table `author` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `publisher` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `book` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null, `author_id` int unsigned not null, `publisher_id` int unsigned null, `editor_id_id` int unsigned null) default character set utf8mb4 engine = InnoDB;',
          'alter table `book` add index `book_author_id_index` (`author_id`);',
          'alter table `book` add index `book_publisher_id_index` (`publisher_id`);',
          'alter table `book` add index `book_editor_id_id_index` (`editor_id_id`);',
          '',
          'alter table `book` add constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`);',
          'alter table `book` add constraint `book_publisher_id_foreign` foreign key (`publisher_id`) references `publisher` (`id`) on delete set null;',
          'alter table `book` add constraint `book_editor_id_id_foreign` foreign key (`editor_id_id`) references `author` (`id`) on delete set null;',
          '',
        ],
      }).join('\n'),
    );
  });

  test('rules, join columns, property indexes and a reference cycle order the DDL as MikroORM', async () => {
    const Zed = defineEntity({ name: 'Zed', properties: { id: p.integer().primary(), name: p.string() } });
    const Writer = defineEntity({ name: 'Writer', tableName: 'author', properties: { id: p.integer().primary(), name: p.string().unique(), favorite: () => p.manyToOne(Novel).nullable() } });
    const Novel = defineEntity({
      name: 'Novel',
      tableName: 'book',
      properties: {
        id: p.integer().primary(),
        title: p.string().index(),
        zed: () => p.manyToOne(Zed).deleteRule('cascade').updateRule('cascade'),
        author: () => p.manyToOne(Writer).ref(),
        editor: () => p.manyToOne(Writer).nullable().joinColumn('editor_fk').deleteRule('no action'),
        code: p.string().unique(),
      },
      indexes: [{ properties: ['title', 'code'] }],
    });
    const ctx = await setup({ entities: [Zed, Writer, Novel], schema: false });
    orm = ctx.orm;
    const lines = ctx.lines;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: [
          'create table `zed` (`id` integer not null primary key autoincrement, `name` text not null);',
          '',
          'create table `book` (`id` integer not null primary key autoincrement, `title` text not null, `zed_id` integer not null, `author_id` integer not null, `editor_fk` integer null, `code` text not null, constraint `book_zed_id_foreign` foreign key (`zed_id`) references `zed` (`id`) on update cascade on delete cascade, constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`), constraint `book_editor_fk_foreign` foreign key (`editor_fk`) references `author` (`id`) on delete no action);',
          'create index `book_title_index` on `book` (`title`);',
          'create index `book_zed_id_index` on `book` (`zed_id`);',
          'create index `book_author_id_index` on `book` (`author_id`);',
          'create index `book_editor_fk_index` on `book` (`editor_fk`);',
          'create unique index `book_code_unique` on `book` (`code`);',
          'create index `book_title_code_index` on `book` (`title`, `code`);',
          '',
          'create table `author` (`id` integer not null primary key autoincrement, `name` text not null, `favorite_id` integer null, constraint `author_favorite_id_foreign` foreign key (`favorite_id`) references `book` (`id`) on delete set null);',
          'create unique index `author_name_unique` on `author` (`name`);',
          'create index `author_favorite_id_index` on `author` (`favorite_id`);',
          '',
        ],
        postgresql: [
          "set names 'utf8';",
          '',
          'create table "zed" ("id" serial primary key, "name" varchar(255) not null);',
          '',
          'create table "book" ("id" serial primary key, "title" varchar(255) not null, "zed_id" int not null, "author_id" int not null, "editor_fk" int null, "code" varchar(255) not null);',
          'create index "book_title_index" on "book" ("title");',
          'alter table "book" add constraint "book_code_unique" unique ("code");',
          'create index "book_title_code_index" on "book" ("title", "code");',
          '',
          'create table "author" ("id" serial primary key, "name" varchar(255) not null, "favorite_id" int null);',
          'alter table "author" add constraint "author_name_unique" unique ("name");',
          '',
          'alter table "book" add constraint "book_zed_id_foreign" foreign key ("zed_id") references "zed" ("id") on update cascade on delete cascade;',
          'alter table "book" add constraint "book_author_id_foreign" foreign key ("author_id") references "author" ("id");',
          'alter table "book" add constraint "book_editor_fk_foreign" foreign key ("editor_fk") references "author" ("id") on delete no action;',
          '',
          'alter table "author" add constraint "author_favorite_id_foreign" foreign key ("favorite_id") references "book" ("id") on delete set null;',
          '',
        ],
        mysql: [
          'set names utf8mb4;',
          '',
          'create table `zed` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `book` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null, `zed_id` int unsigned not null, `author_id` int unsigned not null, `editor_fk` int unsigned null, `code` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          'alter table `book` add index `book_title_index` (`title`);',
          'alter table `book` add index `book_zed_id_index` (`zed_id`);',
          'alter table `book` add index `book_author_id_index` (`author_id`);',
          'alter table `book` add index `book_editor_fk_index` (`editor_fk`);',
          'alter table `book` add unique `book_code_unique` (`code`);',
          'alter table `book` add index `book_title_code_index` (`title`, `code`);',
          '',
          'create table `author` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `favorite_id` int unsigned null) default character set utf8mb4 engine = InnoDB;',
          'alter table `author` add unique `author_name_unique` (`name`);',
          'alter table `author` add index `author_favorite_id_index` (`favorite_id`);',
          '',
          'alter table `book` add constraint `book_zed_id_foreign` foreign key (`zed_id`) references `zed` (`id`) on update cascade on delete cascade;',
          'alter table `book` add constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`);',
          'alter table `book` add constraint `book_editor_fk_foreign` foreign key (`editor_fk`) references `author` (`id`) on delete no action;',
          '',
          'alter table `author` add constraint `author_favorite_id_foreign` foreign key (`favorite_id`) references `book` (`id`) on delete set null;',
          '',
        ],
      }).join('\n'),
    );
    expect(await orm.schema.getDropSchemaSQL()).toBe(
      forDriver({
        sqlite: ['drop table if exists `author`;', 'drop table if exists `book`;', 'drop table if exists `zed`;', ''],
        postgresql: ["set names 'utf8';", '', 'drop table if exists "author" cascade;', 'drop table if exists "book" cascade;', 'drop table if exists "zed" cascade;', ''],
        mysql: ['set names utf8mb4;', '', 'drop table if exists `author`;', 'drop table if exists `book`;', 'drop table if exists `zed`;', ''],
      }).join('\n'),
    );
    await orm.schema.create();
    lines.length = 0;
    await orm.schema.clear();
    expect(take(lines)).toEqual(clearLog(['author', 'book', 'zed'], 0));
  });

  test('a cycle broken at its nullable reference: referencing tables are cleared first', async () => {
    const Zed = defineEntity({ name: 'Zed', properties: { id: p.integer().primary(), name: p.string() } });
    const Writer = defineEntity({ name: 'Writer', tableName: 'author', properties: { id: p.integer().primary(), name: p.string(), favorite: () => p.manyToOne(Novel).nullable() } });
    const Novel = defineEntity({
      name: 'Novel',
      tableName: 'book',
      properties: { id: p.integer().primary(), title: p.string(), zed: () => p.manyToOne(Zed), author: () => p.manyToOne(Writer).ref() },
    });
    const ctx = await setup({ entities: [Zed, Writer, Novel], schema: false });
    orm = ctx.orm;
    const created = (await orm.schema.getCreateSchemaSQL()).split('\n').flatMap(l => /^create table [`"](\w+)/.exec(l)?.[1] ?? []);
    expect(created).toEqual(['zed', 'author', 'book']);
    await orm.schema.create();
    const em = orm.em.fork();
    const w = em.create(Writer, { name: 'W' });
    const n = em.create(Novel, { title: 'N', zed: em.create(Zed, { name: 'z' }), author: w });
    await em.flush();
    w.favorite = n;
    await em.flush();
    ctx.lines.length = 0;
    await orm.schema.clear();
    expect(take(ctx.lines)).toEqual(clearLog(['book', 'author', 'zed'], 1));
  });

  test('a relation target given as an entity is discovered with it; one named but not discovered is a named error', async () => {
    const Lonely = defineEntity({ name: 'Lonely', properties: { id: p.integer().primary(), author: () => p.manyToOne(Author) } });
    orm = await driver.MikroORM.init({ entities: [Lonely], ...(await emptyDatabaseOptions()) });
    // As MikroORM 7.2.1: the target joins the entities after those given.
    expect([...orm.getMetadata().getAll().values()].map(m => m.className)).toEqual(['Lonely', 'Author']);
    await orm.schema.refresh();
    const em = orm.em.fork();
    em.create(Lonely, { author: em.create(Author, { name: 'A' }) });
    await em.flush();
    expect((await orm.em.fork().findOneOrFail(Lonely, 1, { populate: ['author'] })).author.name).toBe('A');

    const Named = new EntitySchema({ name: 'Named', properties: { id: { type: 'integer', primary: true }, author: { kind: 'm:1', entity: 'Nobody' } } });
    const err = await failure(driver.MikroORM.init({ entities: [Named], ...(await emptyDatabaseOptions()) }));
    expect(err).toBeInstanceOf(MetadataError);
    expect(err.message).toBe("Entity 'Nobody' was not discovered, please make sure to provide it in 'entities' array when initializing the ORM (used in Named.author)");
  });

  test('an unknown relation kind fails loudly', async () => {
    const Parent = defineEntity({ name: 'Parent', properties: { id: p.integer().primary(), kid: { kind: 'polymorphic', entity: () => Author } as never } });
    const err = await failure(driver.MikroORM.init({ entities: [Parent, Author], dbName: ':memory:' }));
    expect(err).toBeInstanceOf(NotImplementedError);
    expect(err.message).toBe('Relations are not implemented in mikro-native yet: Parent.kid (polymorphic)');
  });
});

describe('many-to-one: flush', () => {
  test('referenced entities are inserted first and their new keys fill the foreign keys', async () => {
    const { lines } = await init();
    const { a1, a2, pub, books } = await seed();
    expect(take(lines)).toEqual(
      forDriver({
        sqlite: [
          '[query] begin',
          "[query] insert into `publisher` (`name`) values ('P') returning `id` [took X ms, 1 row affected]",
          "[query] insert into `author` (`name`) values ('A1'), ('A2') returning `id` [took X ms, 2 rows affected]",
          "[query] insert into `book` (`title`, `author_id`, `publisher_id`, `editor_id_id`) values ('B1', 1, 1, 1), ('B2', 1, null, null), ('B3', 2, 1, null) returning `id` [took X ms, 3 rows affected]",
          '[query] commit',
        ],
        mysql: [
          '[query] begin',
          "[query] insert into `publisher` (`name`) values ('P') [took X ms, 1 row affected]",
          "[query] insert into `author` (`name`) values ('A1'), ('A2') [took X ms, 2 rows affected]",
          "[query] insert into `book` (`title`, `author_id`, `publisher_id`, `editor_id_id`) values ('B1', 1, 1, 1), ('B2', 1, default, default), ('B3', 2, 1, default) [took X ms, 3 rows affected]",
          '[query] commit',
        ],
      }),
    );
    expect([a1.id, a2.id, pub.id, ...books.map(b => b.id)]).toEqual([1, 2, 1, 1, 2, 3]);
    expect(books[0].publisher).toBeInstanceOf(Reference);
    expect(books[0].publisher!.constructor.name).toBe('Reference');
    expect(books[0].publisher!.id).toBe(1);
    expect(books[0].publisher!.unwrap()).toBe(pub);
  });

  test('unlogged: keys of new targets fill foreign keys across batches', async () => {
    await init({ debug: false, batchSize: 2 });
    const em = orm!.em.fork();
    const authors = Array.from({ length: 5 }, (_, i) => em.create(Author, { name: `A${i}` }));
    const books = Array.from({ length: 7 }, (_, i) => em.create(Book, { title: `B${i}`, author: authors[(i * 3) % 5] }));
    await em.flush();
    const rows = await orm!.em.fork().execute<{ title: string; author_id: number }[]>('select title, author_id from book order by id');
    expect(rows).toEqual(books.map(b => ({ title: b.title, author_id: b.author.id })));
    expect(books.map(b => b.author.name)).toEqual(['A0', 'A3', 'A1', 'A4', 'A2', 'A0', 'A3']);
  });

  test('changing a reference updates the foreign key, to an existing or a new entity', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { orderBy: { id: 'asc' } });
    books[0].author = em.getReference(Author, 2);
    await em.flush();
    const a3 = em.create(Author, { name: 'A3' });
    books[0].author = a3;
    books[1].author = a3;
    lines.length = 0;
    await em.flush();
    expect(take(lines)).toEqual(
      forDriver({
        sqlite: [
          '[query] begin',
          "[query] insert into `author` (`name`) values ('A3') returning `id` [took X ms, 1 row affected]",
          '[query] update `book` set `author_id` = case when (`id` = 1) then 3 when (`id` = 2) then 3 else `author_id` end where `id` in (1, 2) returning `id` [took X ms, 2 rows affected]',
          '[query] commit',
        ],
        mysql: [
          '[query] begin',
          "[query] insert into `author` (`name`) values ('A3') [took X ms, 1 row affected]",
          '[query] update `book` set `author_id` = case when (`id` = 1) then 3 when (`id` = 2) then 3 else `author_id` end where `id` in (1, 2) [took X ms, 2 rows affected]',
          '[query] commit',
        ],
      }),
    );
    expect(a3.id).toBe(3);
    // The snapshot took the new key: nothing left to write.
    await em.flush();
    expect(take(lines)).toEqual([]);
    const rows = await orm!.em.fork().execute('select id, author_id from book order by id');
    expect(rows).toEqual([
      { id: 1, author_id: 3 },
      { id: 2, author_id: 3 },
      { id: 3, author_id: 2 },
    ]);
  });

  test('unlogged single-row updates take the new keys too', async () => {
    await init({ debug: false });
    await seed();
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { orderBy: { id: 'asc' } });
    const fresh = [em.create(Author, { name: 'X' }), em.create(Author, { name: 'Y' })];
    books[0].author = fresh[1];
    books[2].author = fresh[0];
    books[2].title = 'B3b';
    await em.flush();
    const rows = await orm!.em.fork().execute('select id, title, author_id from book order by id');
    expect(rows).toEqual([
      { id: 1, title: 'B1', author_id: fresh[1].id },
      { id: 2, title: 'B2', author_id: 1 },
      { id: 3, title: 'B3b', author_id: fresh[0].id },
    ]);
  });

  test('new entities reachable from persisted ones are persisted too; data objects and keys become entities', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    const b9 = em.create(Book, { title: 'B9', author: em.create(Author, { name: 'A9' }, { persist: false }) });
    lines.length = 0;
    await em.flush();
    expect(take(lines)).toEqual(
      forDriver({
        sqlite: [
          '[query] begin',
          "[query] insert into `author` (`name`) values ('A9') returning `id` [took X ms, 1 row affected]",
          "[query] insert into `book` (`title`, `author_id`) values ('B9', 3) returning `id` [took X ms, 1 row affected]",
          '[query] commit',
        ],
        mysql: [
          '[query] begin',
          "[query] insert into `author` (`name`) values ('A9') [took X ms, 1 row affected]",
          "[query] insert into `book` (`title`, `author_id`) values ('B9', 3) [took X ms, 1 row affected]",
          '[query] commit',
        ],
      }),
    );
    expect(wrap(b9.author).isManaged()).toBe(true);
    const byKey = em.create(Book, { title: 'K', author: 2, publisher: 1 });
    expect(byKey.author).toBe(em.getReference(Author, 2));
    expect(byKey.publisher).toBeInstanceOf(Reference);
    expect(wrap(byKey.author).isInitialized()).toBe(false);
    const byData = em.create(Book, { title: 'D', author: { name: 'Nested' } });
    await em.flush();
    expect(byData.author.id).toBe(4);
    expect((await orm!.em.fork().findOneOrFail(Book, byKey.id, {})).author.id).toBe(2);
  });

  test('a failing delete of a referenced entity rolls back with a foreign key error', async () => {
    const { lines, dbName } = await init();
    await seed();
    const em = orm!.em.fork();
    const a1 = await em.findOneOrFail(Author, 1);
    em.remove(a1);
    lines.length = 0;
    const err = await failure(em.flush());
    expect(err).toBeInstanceOf(ForeignKeyConstraintViolationException);
    expect(err.message).toBe(
      forDriver({
        sqlite: 'FOREIGN KEY constraint failed',
        postgresql: 'update or delete on table "author" violates foreign key constraint "book_author_id_foreign" on table "book"\n - detail: Key (id)=(1) is still referenced from table "book".',
        mysql: `Cannot delete or update a parent row: a foreign key constraint fails (\`${dbName}\`.\`book\`, CONSTRAINT \`book_author_id_foreign\` FOREIGN KEY (\`author_id\`) REFERENCES \`author\` (\`id\`))`,
      }),
    );
    expect(take(lines)).toEqual(['[query] begin', '[query] delete from `author` where `id` in (1) [took X ms]', '[query] rollback']);
    expect(wrap(a1).isManaged()).toBe(true);
  });

  test('a failed flush leaves new targets without keys, and the retry writes the whole graph', async () => {
    await init();
    await seed();
    const em = orm!.em.fork();
    const a = em.create(Author, { name: 'New' });
    const b = em.create(Book, { title: 'NB', author: a });
    const broken = em.create(Book, { title: 'Bad', author: em.getReference(Author, 999) });
    expect(await failure(em.flush())).toBeInstanceOf(ForeignKeyConstraintViolationException);
    expect([a.id, b.id, broken.id]).toEqual([undefined, undefined, undefined]);
    broken.author = a;
    await em.flush();
    // A server's sequences do not roll back: the failed flush used up author 3 and books 4 and 5.
    const [aId, bId, brokenId] = forDriver({ sqlite: [3, 4, 5], postgresql: [4, 6, 7], mysql: [4, 6, 7] });
    expect([a.id, b.id, broken.id]).toEqual([aId, bId, brokenId]);
    const rows = await orm!.em.fork().execute('select id, author_id from book where id > 3 order by id');
    expect(rows).toEqual([
      { id: bId, author_id: aId },
      { id: brokenId, author_id: aId },
    ]);
  });
});

describe('many-to-one: loading', () => {
  test('loaded rows reference targets through the identity map without loading them', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    lines.length = 0;
    const books = await em.find(Book, {}, { orderBy: { id: 'asc' } });
    expect(take(lines)).toEqual(['[query] select `b0`.* from `book` as `b0` order by `b0`.`id` asc [took X ms, 3 results]']);
    const [b1, b2] = books;
    expect(wrap(b1.author).isInitialized()).toBe(false);
    expect(b1.author.id).toBe(1);
    expect(b1.author.name).toBeUndefined();
    expect(b1.author).toBe(b2.author);
    expect(b1.publisher).toBeInstanceOf(Reference);
    expect(b1.publisher!.isInitialized()).toBe(false);
    expect(b1.publisher!.id).toBe(1);
    expect(b1.editorId).toBe(1);
    expect(books.map(b => wrap(b).toObject())).toEqual([
      { id: 1, title: 'B1', author: 1, publisher: 1, editorId: 1 },
      { id: 2, title: 'B2', author: 1, publisher: null, editorId: null },
      { id: 3, title: 'B3', author: 2, publisher: 1, editorId: null },
    ]);

    const pub = await b1.publisher!.load();
    expect(take(lines)).toEqual(['[query] select `p0`.* from `publisher` as `p0` where `p0`.`id` = 1 limit 1 [took X ms, 1 result]']);
    expect(pub!.name).toBe('P');
    expect(b1.publisher!.isInitialized()).toBe(true);
    expect(b1.publisher!.unwrap()).toBe(pub);
    expect(await b1.publisher!.loadOrFail()).toBe(pub);
    expect(take(lines)).toEqual([]);

    const a1 = await em.findOneOrFail(Author, 1);
    expect(a1).toBe(b1.author);
    expect(a1.name).toBe('A1');
    expect(wrap(a1).isInitialized()).toBe(true);
  });

  test('filters by entity, reference, key and key list', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    const [b1] = await em.find(Book, {}, { orderBy: { id: 'asc' } });
    lines.length = 0;
    expect((await em.find(Book, { author: b1.author })).length).toBe(2);
    expect((await em.find(Book, { author: 2 })).length).toBe(1);
    expect((await em.find(Book, { publisher: b1.publisher })).length).toBe(2);
    expect((await em.find(Book, { author: { $in: [1, 2] } })).length).toBe(3);
    expect(take(lines)).toEqual([
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` = 1 [took X ms, 2 results]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` = 2 [took X ms, 1 result]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`publisher_id` = 1 [took X ms, 2 results]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1, 2) [took X ms, 3 results]',
    ]);
  });

  test('loading a missing reference', async () => {
    await init();
    const em = orm!.em.fork();
    const missing = Reference.create(em.getReference(Publisher, 42));
    expect(await missing.load()).toBeNull();
    expect((await failure(missing.loadOrFail())).message).toBe('Publisher not found (42)');
  });
});

describe('aliases', () => {
  test('are named after the entity, not its table (MikroORM 7.2.2 output)', async () => {
    const Writer = defineEntity({ name: 'Author', tableName: 'writers', properties: { id: p.integer().primary(), name: p.string() } });
    const Work = defineEntity({ name: 'Book', tableName: 'zbooks', properties: { id: p.integer().primary(), author: () => p.manyToOne(Writer) } });
    const { orm: o, lines } = await setup({ entities: [Writer, Work] });
    try {
      await o.em.fork().find(Work, { author: { name: 'x' } }, { populate: ['author'] });
      expect(take(lines)).toEqual([
        "[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name` from `zbooks` as `b0` inner join `writers` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'x' [took X ms, 0 results]",
      ]);
    } finally {
      await o.close();
    }
  });
});
