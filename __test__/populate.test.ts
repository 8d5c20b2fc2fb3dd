import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { defineEntity, p, ValidationError, wrap, type FindOptions, type MikroORM } from '@mikro-native/sqlite';
import { failure, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Country = defineEntity({ name: 'Country', properties: { id: p.integer().primary(), name: p.string() } });
const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), country: () => p.manyToOne(Country).nullable() } });
const Publisher = defineEntity({ name: 'Publisher', properties: { id: p.integer().primary(), name: p.string() } });
const Book = defineEntity({
  name: 'Book',
  properties: {
    id: p.integer().primary(),
    title: p.string(),
    author: () => p.manyToOne(Author),
    publisher: () => p.manyToOne(Publisher).nullable().ref(),
  },
});

let orm: MikroORM | undefined;
let lines: string[] = [];

beforeEach(async () => {
  const ctx = await setup({ entities: [Author, Book, Publisher, Country] });
  orm = ctx.orm;
  lines = ctx.lines;
  const em = orm.em.fork();
  const c = em.create(Country, { name: 'C' });
  const a1 = em.create(Author, { name: 'A1', country: c });
  const a2 = em.create(Author, { name: 'A2' });
  const pub = em.create(Publisher, { name: 'P' });
  em.create(Book, { title: 'B1', author: a1, publisher: pub });
  em.create(Book, { title: 'B2', author: a1 });
  em.create(Book, { title: 'B3', author: a2, publisher: pub });
  await em.flush();
  lines.length = 0;
});

afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

type LoadedBook = InstanceType<typeof Book.class>;

/** Per book: author / publisher / author's country loaded (empty when there is none). */
function initialized(books: LoadedBook[]): string {
  return books
    .map(b => [wrap(b.author).isInitialized(), b.publisher ? b.publisher.isInitialized() : null, b.author.country ? wrap(b.author.country).isInitialized() : null].join('/'))
    .join(' ');
}

describe('populate to-one relations', () => {
  test("populate author", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['author'] } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` [took X ms, 3 results]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":1,"title":"B1","author":{"id":1,"name":"A1","country":1},"publisher":1},{"id":2,"title":"B2","author":{"id":1,"name":"A1","country":1},"publisher":null},{"id":3,"title":"B3","author":{"id":2,"name":"A2","country":null},"publisher":1}]);
    expect(initialized(books)).toBe("true/false/false true//false true/false/");
  });

  test("populate publisher", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['publisher'] } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.*, `p1`.`id` as `p1__id`, `p1`.`name` as `p1__name` from `book` as `b0` left join `publisher` as `p1` on `b0`.`publisher_id` = `p1`.`id` [took X ms, 3 results]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":1,"title":"B1","author":1,"publisher":{"id":1,"name":"P"}},{"id":2,"title":"B2","author":1,"publisher":null},{"id":3,"title":"B3","author":2,"publisher":{"id":1,"name":"P"}}]);
    expect(initialized(books)).toBe("false/true/ false// false/true/");
  });

  test("populate both", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['author', 'publisher'] } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id`, `p2`.`id` as `p2__id`, `p2`.`name` as `p2__name` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` left join `publisher` as `p2` on `b0`.`publisher_id` = `p2`.`id` [took X ms, 3 results]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":1,"title":"B1","author":{"id":1,"name":"A1","country":1},"publisher":{"id":1,"name":"P"}},{"id":2,"title":"B2","author":{"id":1,"name":"A1","country":1},"publisher":null},{"id":3,"title":"B3","author":{"id":2,"name":"A2","country":null},"publisher":{"id":1,"name":"P"}}]);
    expect(initialized(books)).toBe("true/true/false true//false true/true/");
  });

  test("populate nested", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['author.country'] } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id`, `c2`.`id` as `c2__id`, `c2`.`name` as `c2__name` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` left join `country` as `c2` on `a1`.`country_id` = `c2`.`id` [took X ms, 3 results]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":1,"title":"B1","author":{"id":1,"name":"A1","country":{"id":1,"name":"C"}},"publisher":1},{"id":2,"title":"B2","author":{"id":1,"name":"A1","country":{"id":1,"name":"C"}},"publisher":null},{"id":3,"title":"B3","author":{"id":2,"name":"A2","country":null},"publisher":1}]);
    expect(initialized(books)).toBe("true/false/true true//true true/false/");
  });

  test("populate author select-in", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['author'], strategy: 'select-in' } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.* from `book` as `b0` [took X ms, 3 results]",
      "[query] select `a0`.* from `author` as `a0` where `a0`.`id` in (1, 2) [took X ms, 2 results]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":1,"title":"B1","author":{"id":1,"name":"A1","country":1},"publisher":1},{"id":2,"title":"B2","author":{"id":1,"name":"A1","country":1},"publisher":null},{"id":3,"title":"B3","author":{"id":2,"name":"A2","country":null},"publisher":1}]);
    expect(initialized(books)).toBe("true/false/false true//false true/false/");
  });

  test("populate nested select-in", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['author.country', 'publisher'], strategy: 'select-in' } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.* from `book` as `b0` [took X ms, 3 results]",
      "[query] select `a0`.* from `author` as `a0` where `a0`.`id` in (1, 2) [took X ms, 2 results]",
      "[query] select `c0`.* from `country` as `c0` where `c0`.`id` in (1) [took X ms, 1 result]",
      "[query] select `p0`.* from `publisher` as `p0` where `p0`.`id` in (1) [took X ms, 1 result]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":1,"title":"B1","author":{"id":1,"name":"A1","country":{"id":1,"name":"C"}},"publisher":{"id":1,"name":"P"}},{"id":2,"title":"B2","author":{"id":1,"name":"A1","country":{"id":1,"name":"C"}},"publisher":null},{"id":3,"title":"B3","author":{"id":2,"name":"A2","country":null},"publisher":{"id":1,"name":"P"}}]);
    expect(initialized(books)).toBe("true/true/true true//true true/true/");
  });

  test("populate author where limit", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, { title: { $ne: 'x' } }, { populate: ['author'], limit: 2, orderBy: { id: 'desc' } } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `b0`.`title` != 'x' order by `b0`.`id` desc limit 2 [took X ms, 2 results]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":3,"title":"B3","author":{"id":2,"name":"A2","country":null},"publisher":1},{"id":2,"title":"B2","author":{"id":1,"name":"A1","country":1},"publisher":null}]);
    expect(initialized(books)).toBe("true/false/ true//false");
  });

  test("populate all", async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['*'] } as FindOptions<any, any>);
    expect(take(lines)).toEqual([
      "[query] select `b0`.* from `book` as `b0` [took X ms, 3 results]",
      "[query] select `a0`.* from `author` as `a0` where `a0`.`id` in (1, 2) [took X ms, 2 results]",
      "[query] select `c0`.* from `country` as `c0` where `c0`.`id` in (1) [took X ms, 1 result]",
      "[query] select `p0`.* from `publisher` as `p0` where `p0`.`id` in (1) [took X ms, 1 result]"
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([{"id":1,"title":"B1","author":{"id":1,"name":"A1","country":{"id":1,"name":"C"}},"publisher":{"id":1,"name":"P"}},{"id":2,"title":"B2","author":{"id":1,"name":"A1","country":{"id":1,"name":"C"}},"publisher":null},{"id":3,"title":"B3","author":{"id":2,"name":"A2","country":null},"publisher":{"id":1,"name":"P"}}]);
    expect(initialized(books)).toBe("true/true/true true//true true/true/");
  });

  test('findOne with populate, and a populated entity serialized on its own', async () => {
    const em = orm!.em.fork();
    const one = await em.findOneOrFail(Book, 1, { populate: ['author'] });
    expect(take(lines)).toEqual([
      '[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `b0`.`id` = 1 limit 1 [took X ms, 1 result]',
    ]);
    expect(wrap(one).toObject()).toEqual({ id: 1, title: 'B1', author: { id: 1, name: 'A1', country: 1 }, publisher: 1 });
    expect(wrap(one.author).toObject()).toEqual({ id: 1, name: 'A1', country: 1 });
  });

  test('em.populate loads relations of loaded entities with one query per relation', async () => {
    const em = orm!.em.fork();
    const books = await em.find(Book, {});
    await em.populate(books, ['author']);
    expect(take(lines)).toEqual([
      '[query] select `b0`.* from `book` as `b0` [took X ms, 3 results]',
      '[query] select `a0`.* from `author` as `a0` where `a0`.`id` in (1, 2) [took X ms, 2 results]',
    ]);
    expect(books.map(b => wrap(b).toObject())).toEqual([
      { id: 1, title: 'B1', author: { id: 1, name: 'A1', country: 1 }, publisher: 1 },
      { id: 2, title: 'B2', author: { id: 1, name: 'A1', country: 1 }, publisher: null },
      { id: 3, title: 'B3', author: { id: 2, name: 'A2', country: null }, publisher: 1 },
    ]);
  });

  test('a relation loaded by another query is serialized as its key', async () => {
    const em = orm!.em.fork();
    await em.find(Author, {}, { populate: ['country'] });
    const books = await em.find(Book, {}, { populate: ['author'] });
    expect(take(lines)).toEqual([
      '[query] select `a0`.*, `c1`.`id` as `c1__id`, `c1`.`name` as `c1__name` from `author` as `a0` left join `country` as `c1` on `a0`.`country_id` = `c1`.`id` [took X ms, 2 results]',
      '[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` [took X ms, 3 results]',
    ]);
    expect(wrap(books[0]).toObject()).toEqual({ id: 1, title: 'B1', author: { id: 1, name: 'A1', country: 1 }, publisher: 1 });
    const loaded = await em.findOneOrFail(Book, 1);
    expect(wrap(loaded).toObject()).toEqual({ id: 1, title: 'B1', author: { id: 1, name: 'A1', country: 1 }, publisher: 1 });
  });

  test('populating what does not exist or is not a relation', async () => {
    const em = orm!.em.fork();
    const missing = await failure(em.find(Book, {}, { populate: ['nope'] } as FindOptions<any, any>));
    expect(missing).toBeInstanceOf(ValidationError);
    expect(missing.message).toBe('Cannot populate Book.nope: Book.nope does not exist');
    const scalar = await failure(em.find(Book, {}, { populate: ['author.name'] } as FindOptions<any, any>));
    expect(scalar.message).toBe('Cannot populate Book.author.name: Author.name is not a relation');
  });
});

describe('conditions on related entities join them', () => {
  test('inner joins for required relations, left joins for nullable ones, shared with populate', async () => {
    const em = orm!.em.fork();
    expect((await em.find(Book, { author: { name: 'A1' } })).length).toBe(2);
    expect((await em.find(Book, { author: { name: 'A1' } }, { populate: ['author'] })).length).toBe(2);
    expect((await em.find(Book, { author: { country: { name: 'C' } } })).length).toBe(2);
    expect((await em.find(Book, { publisher: { name: 'P' }, author: 1 })).length).toBe(1);
    expect((await em.find(Book, { publisher: { name: 'P' } }, { populate: ['author'] })).length).toBe(2);
    expect(await em.count(Book, { author: { name: 'A1' } })).toBe(2);
    expect((await em.find(Book, { author: { id: 1 } })).length).toBe(2);
    expect((await em.find(Book, { author: { name: 'A1', country: 1 } })).length).toBe(2);
    expect((await em.find(Book, { $or: [{ author: { name: 'A2' } }, { publisher: { name: 'P' } }] })).length).toBe(2);
    expect((await em.find(Book, { author: { name: { $like: 'A%' } } }, { orderBy: { title: 'asc' }, fields: ['title'] })).length).toBe(3);
    expect(await em.findOne(Book, { author: { name: 'A1' } })).not.toBeNull();
    expect(take(lines)).toEqual([
      "[query] select `b0`.* from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A1' [took X ms, 2 results]",
      "[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A1' [took X ms, 2 results]",
      "[query] select `b0`.* from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` left join `country` as `c2` on `a1`.`country_id` = `c2`.`id` where `c2`.`name` = 'C' [took X ms, 2 results]",
      "[query] select `b0`.* from `book` as `b0` left join `publisher` as `p1` on `b0`.`publisher_id` = `p1`.`id` where `p1`.`name` = 'P' and `b0`.`author_id` = 1 [took X ms, 1 result]",
      "[query] select `b0`.*, `a1`.`id` as `a1__id`, `a1`.`name` as `a1__name`, `a1`.`country_id` as `a1__country_id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` left join `publisher` as `p2` on `b0`.`publisher_id` = `p2`.`id` where `p2`.`name` = 'P' [took X ms, 2 results]",
      "[query] select count(*) as `count` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A1' [took X ms]",
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` = 1 [took X ms, 2 results]',
      "[query] select `b0`.* from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A1' and `a1`.`country_id` = 1 [took X ms, 2 results]",
      "[query] select `b0`.* from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` left join `publisher` as `p2` on `b0`.`publisher_id` = `p2`.`id` where (`a1`.`name` = 'A2' or `p2`.`name` = 'P') [took X ms, 2 results]",
      "[query] select `b0`.`id`, `b0`.`title` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` like 'A%' order by `b0`.`title` asc [took X ms, 3 results]",
      "[query] select `b0`.* from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A1' limit 1 [took X ms, 1 result]",
    ]);
  });

  test('update and delete with conditions on relations select the keys in a subquery', async () => {
    const em = orm!.em.fork();
    take(lines);
    const updated = await em.nativeUpdate(Book, { author: { name: 'A1' } }, { title: 'x' });
    const titles = (await orm!.em.fork().find(Book, {}, { orderBy: { id: 'asc' } })).map(b => b.title);
    const deleted = await em.nativeDelete(Book, { author: { name: 'A1' } });
    expect([updated, titles.filter(t => t === 'x').length, deleted]).toEqual([2, 2, 2]);
    expect(take(lines).filter(l => !l.includes('select `b0`.* from')).map(l => l.replace(/ \[took X ms.*\]$/, ''))).toEqual([
      "[query] update `book` set `title` = 'x' where `id` in (select `b0`.`id` from (select distinct `b0`.`id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A1') as `b0`)",
      "[query] delete from `book` where `id` in (select `b0`.`id` from (select distinct `b0`.`id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A1') as `b0`)",
    ]);
  });
});
