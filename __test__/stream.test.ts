import { afterEach, beforeEach, expect, test } from 'vitest';
import { defineEntity, p, ValidationError, wrap, type MikroORM } from '@mikro-native/sqlite';
import { failure, forDriver, setup, take } from './helpers.js';

// The SQL and the results of em.stream() and qb.stream() are those MikroORM 7.2.2 produced for the
// same calls (log lines without `[took …]`, entities not managed, to-many joins merged per root).

const Author = defineEntity({
  name: 'Author',
  properties: { id: p.integer().primary(), name: p.string(), active: p.boolean().default(true), books: () => p.oneToMany(Book).mappedBy('author') },
  filters: { active: { cond: { active: true }, default: false } },
});
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author) } });

let orm: MikroORM;
let lines: string[];
beforeEach(async () => {
  ({ orm, lines } = await setup({ entities: [Author, Book] }));
  const em = orm.em.fork();
  // 60 authors with 0..4 books each (author i has i % 5 books).
  for (let i = 1; i <= 60; i++) {
    const a = em.create(Author, { name: `a${i}`, active: i % 3 !== 0 });
    for (let j = 0; j < i % 5; j++) {
      em.create(Book, { title: `b${i}.${j}`, author: a });
    }
  }
  await em.flush();
  take(lines);
});
afterEach(async () => {
  await orm.close();
});

test('em.stream yields every entity once, logs the query without timing, and leaves them unmanaged', async () => {
  const em = orm.em.fork();
  const names: string[] = [];
  const seen: object[] = [];
  for await (const a of em.stream(Author, { where: { name: { $like: 'a1%' } }, orderBy: { id: 'asc' }, chunkSize: 4 })) {
    names.push(a.name);
    seen.push(a);
  }
  expect(names).toEqual(['a1', 'a10', 'a11', 'a12', 'a13', 'a14', 'a15', 'a16', 'a17', 'a18', 'a19']);
  expect(take(lines)).toEqual(["[query] select `a0`.* from `author` as `a0` where `a0`.`name` like 'a1%' order by `a0`.`id` asc"]);
  // Not in the caller's identity map: findOne queries and returns another instance.
  const again = await em.findOne(Author, { name: 'a1' });
  expect(take(lines)).toHaveLength(1);
  expect(again === seen[0]).toBe(false);
  expect(wrap(again!).toObject()).toEqual(wrap(seen[0] as typeof again & object).toObject());
});

test('a joined collection comes complete with its owner, whatever the chunk size', async () => {
  const expected = (await orm.em.fork().find(Author, {}, { populate: ['books'], orderBy: { id: 'asc', books: { id: 'asc' } } })).map(a => [a.name, a.books.getItems().map(b => b.title)]);
  for (const chunkSize of [1, 3, 7, 100]) {
    const got: [string, string[]][] = [];
    for await (const a of orm.em.fork().stream(Author, { populate: ['books'], orderBy: { id: 'asc', books: { id: 'asc' } }, chunkSize })) {
      expect(a.books.isInitialized()).toBe(true);
      got.push([a.name, a.books.getItems().map(b => b.title)]);
      // Identity holds within the yielded graph.
      for (const b of a.books) {
        expect(b.author).toBe(a);
      }
    }
    expect(got).toEqual(expected);
  }
  expect(take(lines).at(-1)).toBe(
    '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` order by `a0`.`id` asc, `b1`.`id` asc',
  );
});

test('mergeResults: false yields one entity per row', async () => {
  const got: [number, string[]][] = [];
  for await (const a of orm.em.fork().stream(Author, { populate: ['books'], where: { id: { $lte: 3 } }, orderBy: { id: 'asc', books: { id: 'asc' } }, mergeResults: false })) {
    got.push([a.id, a.books.getItems().map(b => b.title)]);
  }
  expect(got).toEqual([
    [1, ['b1.0']],
    [2, ['b2.0']],
    [2, ['b2.1']],
    [3, ['b3.0']],
    [3, ['b3.1']],
    [3, ['b3.2']],
  ]);
});

test('filters, limit and offset apply as in find', async () => {
  const ids: number[] = [];
  for await (const a of orm.em.fork().stream(Author, { filters: { active: true }, orderBy: { id: 'desc' }, limit: 4, offset: 1 })) {
    ids.push(a.id);
  }
  expect(ids).toEqual([58, 56, 55, 53]);
  expect(take(lines)).toEqual(['[query] select `a0`.* from `author` as `a0` where `a0`.`active` = true order by `a0`.`id` desc limit 4 offset 1']);
});

test('breaking out of the loop closes the cursor; other queries run while a stream is open', async () => {
  const em = orm.em.fork();
  let count = 0;
  for await (const a of em.stream(Author, { orderBy: { id: 'asc' }, chunkSize: 5 })) {
    // Another statement on the same connection, between two chunks of the stream.
    const books = await em.count(Book, { author: a.id });
    expect(books).toBe(a.id % 5);
    if (++count === 12) {
      break;
    }
  }
  expect(count).toBe(12);
  // Writes and a new stream after the break.
  em.create(Author, { name: 'late' });
  await em.flush();
  const names: string[] = [];
  for await (const a of em.stream(Author, { where: { id: { $gt: 59 } } })) {
    names.push(a.name);
  }
  expect(names).toEqual(['a60', 'late']);
});

test('closing the ORM with a stream still open, and invalid chunk sizes', async () => {
  const it = orm.em.fork().stream(Author, { chunkSize: 2 })[Symbol.asyncIterator]();
  expect((await it.next()).value.name).toBe('a1');
  await orm.close();
  // The cursor went with the connection: the stream fails instead of reading freed memory.
  expect((await failure(it.next())).message).toMatch(/stream \d+ is closed/);
  const { orm: other } = await setup({ entities: [Author, Book] });
  const err = await failure(async () => {
    for await (const _ of other.em.fork().stream(Author, { chunkSize: 0 })) {
      // unreachable
    }
  });
  expect(err).toBeInstanceOf(ValidationError);
  expect(err.message).toBe('Invalid chunkSize 0 for Author: expected a positive integer');
  await other.close();
});

test('qb.stream: entities, plain objects and raw rows', async () => {
  const em = orm.em.fork();
  const entities: [string, string, string[]][] = [];
  const qb = em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect('a.books', 'b').where({ id: { $in: [2, 3] } }).orderBy({ id: 'asc', books: { id: 'asc' } });
  for await (const a of qb.stream()) {
    entities.push([a.constructor.name, a.name, a.books.getItems().map((b: { title: string }) => b.title)]);
  }
  expect(entities).toEqual([
    ['Author', 'a2', ['b2.0', 'b2.1']],
    ['Author', 'a3', ['b3.0', 'b3.1', 'b3.2']],
  ]);
  const plain: unknown[] = [];
  for await (const a of qb.stream({ mapResults: false })) {
    plain.push(a);
  }
  expect(plain).toEqual([
    { id: 2, name: 'a2', active: true, books: [{ id: 2, title: 'b2.0', author: 2 }, { id: 3, title: 'b2.1', author: 2 }] },
    { id: 3, name: 'a3', active: false, books: [{ id: 4, title: 'b3.0', author: 3 }, { id: 5, title: 'b3.1', author: 3 }, { id: 6, title: 'b3.2', author: 3 }] },
  ]);
  const raw: unknown[] = [];
  for await (const r of qb.clone().where({ id: 2 }).stream({ rawResults: true })) {
    raw.push(r);
  }
  // Raw rows keep the database's booleans: 1 on SQLite and MySQL, true on PostgreSQL.
  const active = forDriver<unknown>({ sqlite: 1, postgresql: true });
  expect(raw).toEqual([
    { id: 2, name: 'a2', active, b__id: 2, b__title: 'b2.0', b__author_id: 2 },
    { id: 2, name: 'a2', active, b__id: 3, b__title: 'b2.1', b__author_id: 2 },
  ]);
  const rows: unknown[] = [];
  for await (const r of em.createQueryBuilder(Book, 'b').select(['id', 'title']).where({ author: 4 }).stream({ mapResults: false })) {
    rows.push(r);
  }
  expect(rows).toEqual([
    { id: 7, title: 'b4.0' },
    { id: 8, title: 'b4.1' },
    { id: 9, title: 'b4.2' },
    { id: 10, title: 'b4.3' },
  ]);
  expect((await failure(async () => em.createQueryBuilder(Author).delete().stream().next())).message).toBe('qb.stream() needs a select query (this one is a delete of Author)');
});

test('ordered by a joined collection, each root still comes once and complete (its key orders first)', async () => {
  const got: [number, string[]][] = [];
  for await (const a of orm.em.fork().stream(Author, { populate: ['books'], where: { id: { $lte: 4 } }, orderBy: { books: { title: 'desc' } }, chunkSize: 2 })) {
    got.push([a.id, a.books.getItems().map(b => b.title)]);
  }
  expect(got).toEqual([
    [1, ['b1.0']],
    [2, ['b2.1', 'b2.0']],
    [3, ['b3.2', 'b3.1', 'b3.0']],
    [4, ['b4.3', 'b4.2', 'b4.1', 'b4.0']],
  ]);
  expect(take(lines).at(-1)).toBe(
    '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `a0`.`id` <= 4 order by `a0`.`id` asc, `b1`.`title` desc',
  );
});
