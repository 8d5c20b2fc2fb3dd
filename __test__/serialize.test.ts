import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, serialize, wrap, type MikroORM } from '@mikro-native/sqlite';
import { setup } from './helpers.js';

// Expected objects were produced by MikroORM 7.2.2 running the same calls.

const Author = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    secret: p.string().hidden().nullable(),
    age: p.integer().nullable(),
    books: () => p.oneToMany(Book).mappedBy('author'),
  },
});
const Book = defineEntity({
  name: 'Book',
  properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author), publisher: () => p.manyToOne(Publisher).nullable() },
});
const Publisher = defineEntity({ name: 'Publisher', properties: { id: p.integer().primary(), name: p.string() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

/** Author A (with a hidden secret) and books B1 (publisher P) and B2, then a fresh fork. */
async function seed() {
  orm = (await setup({ entities: [Author, Book, Publisher] })).orm;
  const em = orm.em.fork();
  const a = em.create(Author, { name: 'A', secret: 's' });
  em.create(Book, { title: 'B1', author: a, publisher: em.create(Publisher, { name: 'P' }) });
  em.create(Book, { title: 'B2', author: a });
  await em.flush();
  return orm.em.fork();
}

const books = [
  { id: 1, title: 'B1', author: 1, publisher: 1 },
  { id: 2, title: 'B2', author: 1, publisher: null },
];

describe('serialize()', () => {
  test('relations are keys unless populated and loaded; collections not loaded are left out; hidden properties never appear', async () => {
    const em = await seed();
    const a = await em.findOneOrFail(Author, 1);
    expect(serialize(a)).toEqual({ id: 1, name: 'A', age: null });
    expect(serialize(a, { populate: ['books'] })).toEqual({ id: 1, name: 'A', age: null });
    await em.populate(a, ['books']);
    expect(serialize(a, { populate: ['books'] })).toEqual({ id: 1, name: 'A', age: null, books });
    // The publisher is a reference that is not loaded: still its key.
    expect(serialize(a, { populate: ['books.publisher'] })).toEqual({ id: 1, name: 'A', age: null, books });
    expect(serialize([a], { exclude: ['age'] })).toEqual([{ id: 1, name: 'A', books: [1, 2] }]);
  });

  test("'*' populates everything loaded; a relation already followed from the same entity type up the path is left out", async () => {
    const em = await seed();
    const a = await em.findOneOrFail(Author, 1, { populate: ['books'] });
    const author = { id: 1, name: 'A', age: null };
    expect(serialize(a, { populate: ['*'] })).toEqual({
      ...author,
      books: [
        { id: 1, title: 'B1', author, publisher: 1 },
        { id: 2, title: 'B2', author, publisher: null },
      ],
    });
    // Deliberate difference: MikroORM 7.2.2 throws a TypeError for `populate: true`.
    expect(serialize(a, { populate: true })).toEqual({
      ...author,
      books: [
        { id: 1, title: 'B1', author, publisher: 1 },
        { id: 2, title: 'B2', author, publisher: null },
      ],
    });
    const b1 = a.books[0];
    expect(serialize(b1, { populate: ['author', 'publisher'] })).toEqual({ id: 1, title: 'B1', author: { ...author, books: [1, 2] }, publisher: 1 });
    expect(serialize(b1, { populate: ['author.books'] })).toEqual({
      id: 1,
      title: 'B1',
      author: { ...author, books: [{ id: 1, title: 'B1', publisher: 1 }, { id: 2, title: 'B2', publisher: null }] },
      publisher: 1,
    });
  });

  test('forceObject, exclude with nested paths, skipNull', async () => {
    const em = await seed();
    const a = await em.findOneOrFail(Author, 1, { populate: ['books'] });
    expect(serialize(a, { forceObject: true })).toEqual({ id: 1, name: 'A', age: null, books: [{ id: 1 }, { id: 2 }] });
    expect(serialize(a, { populate: ['books'], forceObject: true })).toEqual({
      id: 1,
      name: 'A',
      age: null,
      books: [
        { id: 1, title: 'B1', author: { id: 1 }, publisher: { id: 1 } },
        { id: 2, title: 'B2', author: { id: 1 }, publisher: null },
      ],
    });
    expect(serialize(a.books[0], { forceObject: true })).toEqual({ id: 1, title: 'B1', author: { id: 1 }, publisher: { id: 1 } });
    expect(serialize(a, { populate: ['books'], exclude: ['name', 'books.title'] })).toEqual({
      id: 1,
      age: null,
      books: [
        { id: 1, author: 1, publisher: 1 },
        { id: 2, author: 1, publisher: null },
      ],
    });
    expect(serialize(a, { skipNull: true })).toEqual({ id: 1, name: 'A', books: [1, 2] });
  });

  test('toPOJO() writes every loaded relation as an object, hidden properties included', async () => {
    const em = await seed();
    const a = await em.findOneOrFail(Author, 1);
    await em.populate(a, ['books']);
    expect(wrap(a).toObject()).toEqual({ id: 1, name: 'A', age: null, books });
    const author = { id: 1, name: 'A', secret: 's', age: null };
    expect(wrap(a).toPOJO()).toEqual({
      ...author,
      books: [
        { id: 1, title: 'B1', author, publisher: 1 },
        { id: 2, title: 'B2', author, publisher: null },
      ],
    });
  });
});

describe('wrap() helpers', () => {
  test('toReference, serialize and populate', async () => {
    const em = await seed();
    const a = await em.findOneOrFail(Author, 1);
    const ref = wrap(a).toReference();
    expect([ref.isInitialized(), ref.unwrap()]).toEqual([true, a]);
    await wrap(a).populate(['books']);
    expect(a.books.isInitialized()).toBe(true);
    expect(wrap(a).serialize({ populate: ['books'], exclude: ['books.title'] })).toEqual({
      id: 1,
      name: 'A',
      age: null,
      books: [
        { id: 1, author: 1, publisher: 1 },
        { id: 2, author: 1, publisher: null },
      ],
    });
  });
});
