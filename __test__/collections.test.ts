import { afterEach, describe, expect, test } from 'vitest';
import { Cascade, Collection, defineEntity, ForeignKeyConstraintViolationException, MetadataError, p, ValidationError, wrap, type MikroORM } from '@mikro-native/sqlite';
import { driver, failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Book).mappedBy('author').cascade(Cascade.PERSIST) } });
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author) } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function init(options: Partial<Parameters<typeof setup>[0]> = {}) {
  const ctx = await setup({ entities: [Author, Book], ...options });
  orm = ctx.orm;
  return ctx;
}

/** A1 with B1, B2 and A2 with B3, flushed. */
async function seed() {
  const em = orm!.em.fork();
  const a1 = em.create(Author, { name: 'A1' });
  const a2 = em.create(Author, { name: 'A2' });
  em.create(Book, { title: 'B1', author: a1 });
  em.create(Book, { title: 'B2', author: a1 });
  em.create(Book, { title: 'B3', author: a2 });
  await em.flush();
  return { em, a1, a2 };
}

describe('one-to-many collections', () => {
  test('a collection is not a column; new entities start with a loaded empty one that new items join', async () => {
    const { lines } = await init({ schema: false });
    expect(await orm!.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: [
          'create table `author` (`id` integer not null primary key autoincrement, `name` text not null);',
          '',
          'create table `book` (`id` integer not null primary key autoincrement, `title` text not null, `author_id` integer not null, constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`));',
          'create index `book_author_id_index` on `book` (`author_id`);',
          '',
        ],
        postgresql: [
          "set names 'utf8';",
          '',
          'create table "author" ("id" serial primary key, "name" varchar(255) not null);',
          '',
          'create table "book" ("id" serial primary key, "title" varchar(255) not null, "author_id" int not null);',
          '',
          'alter table "book" add constraint "book_author_id_foreign" foreign key ("author_id") references "author" ("id");',
          '',
        ],
        mysql: [
          'set names utf8mb4;',
          '',
          'create table `author` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `book` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null, `author_id` int unsigned not null) default character set utf8mb4 engine = InnoDB;',
          'alter table `book` add index `book_author_id_index` (`author_id`);',
          '',
          'alter table `book` add constraint `book_author_id_foreign` foreign key (`author_id`) references `author` (`id`);',
          '',
        ],
      }).join('\n'),
    );
    await orm!.schema.create();
    const em = orm!.em.fork();
    const a1 = em.create(Author, { name: 'A1' });
    expect(a1.books).toBeInstanceOf(Collection);
    expect([a1.books.isInitialized(), a1.books.count(), a1.books.length]).toEqual([true, 0, 0]);
    const b1 = em.create(Book, { title: 'B1', author: a1 });
    em.create(Book, { title: 'B2', author: a1 });
    expect(a1.books.getItems().map(b => b.title)).toEqual(['B1', 'B2']);
    expect(a1.books.contains(b1)).toBe(true);
    // Items without a key yet are written as null.
    expect(wrap(a1).toObject()).toEqual({ name: 'A1', books: [null, null] });
    lines.length = 0;
    await em.flush();
    expect(take(lines)).toEqual(
      forDriver({
        sqlite: [
          '[query] begin',
          "[query] insert into `author` (`name`) values ('A1') returning `id` [took X ms, 1 row affected]",
          "[query] insert into `book` (`title`, `author_id`) values ('B1', 1), ('B2', 1) returning `id` [took X ms, 2 rows affected]",
          '[query] commit',
        ],
        mysql: [
          '[query] begin',
          "[query] insert into `author` (`name`) values ('A1') [took X ms, 1 row affected]",
          "[query] insert into `book` (`title`, `author_id`) values ('B1', 1), ('B2', 1) [took X ms, 2 rows affected]",
          '[query] commit',
        ],
      }),
    );
  });

  test('loaded entities have collections that load on init(), by index, iteration and identifiers', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    const [a1, a2] = await em.find(Author, {}, { orderBy: { id: 'asc' } });
    lines.length = 0;
    expect(a1.books.isInitialized()).toBe(false);
    expect(wrap(a1).toObject()).toEqual({ id: 1, name: 'A1' });
    expect(JSON.stringify(a1.books)).toBe('[]');
    expect(() => a1.books.getItems()).toThrow('Collection<Book> of entity Author[1] not initialized');
    expect(() => a1.books.count()).toThrow('Collection<Book> of entity Author[1] not initialized');

    await a1.books.init();
    expect(take(lines)).toEqual(['[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1) [took X ms, 2 results]']);
    expect([a1.books.isInitialized(), a1.books.count(), a1.books.length]).toEqual([true, 2, 2]);
    expect(a1.books.getIdentifiers()).toEqual([1, 2]);
    expect([...a1.books].map(b => b.title)).toEqual(['B1', 'B2']);
    expect(a1.books[0].title).toBe('B1');
    expect(a1.books.map(b => b.id)).toEqual([1, 2]);
    expect(a1.books.filter(b => b.id > 1).length).toBe(1);
    expect(a1.books.reduce((n, b) => n + b.id, 0)).toBe(3);
    expect(wrap(a1).toObject()).toEqual({
      id: 1,
      name: 'A1',
      books: [
        { id: 1, title: 'B1', author: 1 },
        { id: 2, title: 'B2', author: 1 },
      ],
    });
    expect(JSON.parse(JSON.stringify(a1.books))).toEqual([
      { id: 1, title: 'B1', author: 1 },
      { id: 2, title: 'B2', author: 1 },
    ]);
    await a1.books.init();
    expect(take(lines)).toEqual([]);

    expect(await a2.books.loadCount()).toBe(1);
    expect(take(lines)).toEqual(['[query] select count(*) as `count` from `book` as `b0` where `b0`.`author_id` = 2 [took X ms]']);
    expect((await a2.books.loadItems()).map(b => b.title)).toEqual(['B3']);
    expect(take(lines)).toEqual(['[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (2) [took X ms, 1 result]']);
  });

  test('add() points the item at the owner and takes it out of its previous owner', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    const [a1, a2] = await em.find(Author, {}, { orderBy: { id: 'asc' }, populate: ['books'] });
    const b4 = em.create(Book, { title: 'B4', author: a2 });
    expect(a2.books.contains(b4)).toBe(true);
    const b5 = em.create(Book, { title: 'B5', author: a2 });
    a1.books.add(b5);
    expect(b5.author).toBe(a1);
    expect([a1.books.count(), a2.books.count()]).toEqual([3, 2]);
    lines.length = 0;
    await em.flush();
    expect(take(lines)).toEqual([
      '[query] begin',
      forDriver({
        sqlite: "[query] insert into `book` (`title`, `author_id`) values ('B4', 2), ('B5', 1) returning `id` [took X ms, 2 rows affected]",
        mysql: "[query] insert into `book` (`title`, `author_id`) values ('B4', 2), ('B5', 1) [took X ms, 2 rows affected]",
      }),
      '[query] commit',
    ]);
    // Moving a loaded item is an update of its foreign key.
    a2.books.add(a1.books[0]);
    await em.flush();
    expect(take(lines)).toEqual(['[query] begin', '[query] update `book` set `author_id` = 2 where `id` = 1 [took X ms, 1 row affected]', '[query] commit']);
  });

  test('new items added to a collection are persisted with it', async () => {
    await init();
    await seed();
    const em = orm!.em.fork();
    const a1 = await em.findOneOrFail(Author, 1, { populate: ['books'] });
    const created = em.create(Author, { name: 'A3', books: [{ title: 'N1' }, { title: 'N2' }] });
    expect(created.books.getItems().map(b => b.author)).toEqual([created, created]);
    a1.books.add(em.create(Book, { title: 'N3', author: a1 }, { persist: false }));
    await em.flush();
    const rows = await orm!.em.fork().execute('select title, author_id from book where id > 3 order by id');
    expect(rows).toEqual([
      { title: 'N1', author_id: 3 },
      { title: 'N2', author_id: 3 },
      { title: 'N3', author_id: 1 },
    ]);
  });

  test('remove() without orphanRemoval cannot clear a required foreign key', async () => {
    await init();
    await seed();
    const em = orm!.em.fork();
    const a1 = await em.findOneOrFail(Author, 1, { populate: ['books'] });
    const err = await failure(() => a1.books.remove(a1.books[0]));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe(
      "Removing items from collection Author.books without `orphanRemoval: true` would break non-null constraint on the owning side. You have several options: \n - add `orphanRemoval: true` to the collection options\n - add `deleteRule: 'cascade'` to the owning side options\n - add `nullable: true` to the owning side options",
    );
    expect(a1.books.count()).toBe(2);
  });

  test('removing an author that still has books fails on the foreign key', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    const a1 = await em.findOneOrFail(Author, 1, { populate: ['books'] });
    em.remove(a1);
    lines.length = 0;
    expect(await failure(em.flush())).toBeInstanceOf(ForeignKeyConstraintViolationException);
    expect(take(lines)).toEqual(['[query] begin', '[query] delete from `author` where `id` in (1) [took X ms]', '[query] rollback']);
  });

  test('populate a collection: select-in by default, or joined', async () => {
    const { lines } = await init();
    await seed();
    lines.length = 0;
    const expected = [
      {
        id: 1,
        name: 'A1',
        books: [
          { id: 1, title: 'B1', author: 1 },
          { id: 2, title: 'B2', author: 1 },
        ],
      },
      { id: 2, name: 'A2', books: [{ id: 3, title: 'B3', author: 2 }] },
    ];
    const balanced = await orm!.em.fork().find(Author, {}, { populate: ['books'], orderBy: { id: 'asc' } });
    expect(balanced.map(a => wrap(a).toObject())).toEqual(expected);
    // The joined query orders the authors only: the books come in the server's row order.
    const booksById = (list: Record<string, any>[]) => list.map(a => ({ ...a, books: [...a.books].sort((x: { id: number }, y: { id: number }) => x.id - y.id) }));
    const joined = await orm!.em.fork().find(Author, {}, { populate: ['books'], strategy: 'joined', orderBy: { id: 'asc' } });
    expect(booksById(joined.map(a => wrap(a).toObject()))).toEqual(expected);
    expect(take(lines)).toEqual([
      '[query] select `a0`.* from `author` as `a0` order by `a0`.`id` asc [took X ms, 2 results]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1, 2) [took X ms, 3 results]',
      '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` order by `a0`.`id` asc [took X ms, 3 results]',
    ]);
    // A page of authors, not of rows: the keys come from a subquery, as MikroORM.
    const page = await orm!.em.fork().find(Author, {}, { populate: ['books'], strategy: 'joined', limit: 1 });
    expect(booksById(page.map(a => wrap(a).toObject()))).toEqual(expected.slice(0, 1));
    expect(take(lines)).toEqual([
      forDriver({
        sqlite:
          '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `a0`.`id` in (select `a0`.`id` from (select `a0`.`id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` group by `a0`.`id` limit 1) as `a0`) [took X ms, 2 results]',
        // MariaDB takes no limit in an `in` subquery: MikroORM collects the keys with json_arrayagg.
        mariadb:
          '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where (json_contains((select json_arrayagg(`a0`.`id`) from (select `a0`.`id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` group by `a0`.`id` limit 1) as `a0`), `a0`.`id`)) [took X ms, 2 results]',
      }),
    ]);
  });

  test('an author without books gets a loaded empty collection', async () => {
    const { lines } = await init();
    await seed();
    const em = orm!.em.fork();
    em.create(Author, { name: 'Lonely' });
    await em.flush();
    lines.length = 0;
    for (const strategy of ['select-in', 'joined'] as const) {
      const lonely = await orm!.em.fork().findOneOrFail(Author, { name: 'Lonely' }, { populate: ['books'], strategy });
      expect([lonely.books.isInitialized(), lonely.books.count()]).toEqual([true, 0]);
      expect(wrap(lonely).toObject()).toEqual({ id: 3, name: 'Lonely', books: [] });
    }
    // findOne with a joined collection has no limit (its rows are many).
    expect(take(lines).slice(2)).toEqual([
      "[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `a0`.`name` = 'Lonely' [took X ms, 1 result]",
    ]);
  });

  test('conditions on collection items join them; nested populate mixes joined and select-in', async () => {
    const { lines } = await init();
    await seed();
    lines.length = 0;
    const em = orm!.em.fork();
    expect((await em.find(Author, { books: { title: 'B1' } })).map(a => a.name)).toEqual(['A1']);
    expect((await em.find(Author, { books: { title: { $like: 'B%' } } }, { populate: ['books'] })).map(a => a.name)).toEqual(['A1', 'A2']);
    expect(take(lines)).toEqual([
      "[query] select `a0`.* from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `b1`.`title` = 'B1' [took X ms, 1 result]",
      "[query] select `a0`.* from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `b1`.`title` like 'B%' [took X ms, 3 results]",
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1, 2) [took X ms, 3 results]',
    ]);
    const em2 = orm!.em.fork();
    const books = await em2.find(Book, {}, { populate: ['author.books'], orderBy: { id: 'asc' } });
    expect(take(lines)).toEqual([
      '[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` order by `b0`.`id` asc [took X ms, 3 results]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1, 2) [took X ms, 3 results]',
    ]);
    // The root book is written again inside its author's books, without the way back.
    expect(wrap(books[0]).toObject()).toEqual({
      id: 1,
      title: 'B1',
      author: {
        id: 1,
        name: 'A1',
        books: [
          { id: 1, title: 'B1' },
          { id: 2, title: 'B2', author: 1 },
        ],
      },
    });
  });

  test('a created graph serializes every loaded relation, cycles written once', async () => {
    await init();
    const em = orm!.em.fork();
    const a1 = em.create(Author, { name: 'A1' });
    const b1 = em.create(Book, { title: 'B1', author: a1 });
    em.create(Book, { title: 'B2', author: a1 });
    await em.flush();
    expect(wrap(b1).toObject()).toEqual({ id: 1, title: 'B1', author: { id: 1, name: 'A1', books: [{ id: 1, title: 'B1' }, { id: 2, title: 'B2', author: { id: 1, name: 'A1' } }] } });
    expect(wrap(a1).toObject()).toEqual({
      id: 1,
      name: 'A1',
      books: [
        { id: 1, title: 'B1', author: { id: 1, name: 'A1' } },
        { id: 2, title: 'B2', author: { id: 1, name: 'A1' } },
      ],
    });
  });

  test('orphanRemoval deletes removed items; a nullable owner is cleared instead', async () => {
    const Owner = defineEntity({
      name: 'Author',
      properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Item).mappedBy('author').orphanRemoval(), notes: () => p.oneToMany(Note).mappedBy('author') },
    });
    const Item = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Owner) } });
    const Note = defineEntity({ name: 'Note', properties: { id: p.integer().primary(), text: p.string(), author: () => p.manyToOne(Owner).nullable() } });
    const ctx = await setup({ entities: [Owner, Item, Note] });
    orm = ctx.orm;
    const em0 = orm.em.fork();
    const a = em0.create(Owner, { name: 'A' });
    em0.create(Item, { title: 'B1', author: a });
    em0.create(Item, { title: 'B2', author: a });
    em0.create(Note, { text: 'N1', author: a });
    em0.create(Note, { text: 'N2', author: a });
    await em0.flush();
    const em = orm.em.fork();
    const la = await em.findOneOrFail(Owner, 1, { populate: ['books', 'notes'] });
    la.books.remove(la.books[0]);
    la.notes.remove(la.notes[0]);
    expect([la.books.count(), la.notes.count()]).toEqual([1, 1]);
    ctx.lines.length = 0;
    await em.flush();
    expect(take(ctx.lines)).toEqual([
      '[query] begin',
      forDriver({
        sqlite: '[query] update `note` set `author_id` = null where `id` = 1 [took X ms, 1 row affected]',
        mysql: '[query] update `note` set `author_id` = NULL where `id` = 1 [took X ms, 1 row affected]',
      }),
      '[query] delete from `book` where `id` in (1) [took X ms, 1 row affected]',
      '[query] commit',
    ]);
    la.books.removeAll();
    la.notes.set([]);
    await em.flush();
    expect(take(ctx.lines)).toEqual([
      '[query] begin',
      forDriver({
        sqlite: '[query] update `note` set `author_id` = null where `id` = 2 [took X ms, 1 row affected]',
        mysql: '[query] update `note` set `author_id` = NULL where `id` = 2 [took X ms, 1 row affected]',
      }),
      '[query] delete from `book` where `id` in (2) [took X ms, 1 row affected]',
      '[query] commit',
    ]);
    expect([await orm.em.fork().count(Item), await orm.em.fork().count(Note)]).toEqual([0, 2]);
  });

  test('a collection orderBy orders select-in, joined and init() loading', async () => {
    const Owner = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Item).mappedBy('author').orderBy({ title: 'desc' }) } });
    const Item = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Owner) } });
    const ctx = await setup({ entities: [Owner, Item] });
    orm = ctx.orm;
    const em0 = orm.em.fork();
    const a = em0.create(Owner, { name: 'A' });
    for (const title of ['B1', 'B3', 'B2']) {
      em0.create(Item, { title, author: a });
    }
    await em0.flush();
    ctx.lines.length = 0;
    const [x] = await orm.em.fork().find(Owner, {}, { populate: ['books'] });
    const [y] = await orm.em.fork().find(Owner, {}, { populate: ['books'], strategy: 'joined' });
    const z = await orm.em.fork().findOneOrFail(Owner, 1);
    await z.books.init();
    for (const owner of [x, y, z]) {
      expect(owner.books.getItems().map(b => b.title)).toEqual(['B3', 'B2', 'B1']);
    }
    expect(take(ctx.lines)).toEqual([
      '[query] select `a0`.* from `author` as `a0` [took X ms, 1 result]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1) order by `b0`.`title` desc [took X ms, 3 results]',
      '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` order by `b1`.`title` desc [took X ms, 3 results]',
      '[query] select `a0`.* from `author` as `a0` where `a0`.`id` = 1 limit 1 [took X ms, 1 result]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1) order by `b0`.`title` desc [took X ms, 3 results]',
    ]);
  });

  test('mappedBy must name the owning many-to-one', async () => {
    const Owner = defineEntity({ name: 'Owner', properties: { id: p.integer().primary(), items: () => p.oneToMany(Item).mappedBy('nope') } });
    const Item = defineEntity({ name: 'Item', properties: { id: p.integer().primary(), owner: () => p.manyToOne(Owner) } });
    const err = await failure(driver.MikroORM.init({ entities: [Owner, Item], dbName: ':memory:' }));
    expect(err).toBeInstanceOf(MetadataError);
    expect(err.message).toBe("Owner.items has unknown 'mappedBy' reference: Item.nope");
  });
});
