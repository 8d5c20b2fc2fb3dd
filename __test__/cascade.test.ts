import { afterEach, describe, expect, test } from 'vitest';
import { Cascade, defineEntity, ForeignKeyConstraintViolationException, MetadataError, p, type MikroORM } from '@mikro-native/sqlite';
import { failure, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Author = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    books: () => p.oneToMany(Book).mappedBy('author').cascade(Cascade.ALL),
    notes: () => p.oneToMany(Note).mappedBy('author').orphanRemoval(),
  },
});
const Book = defineEntity({
  name: 'Book',
  properties: {
    id: p.integer().primary(),
    title: p.string(),
    author: () => p.manyToOne(Author),
    publisher: () => p.manyToOne(Publisher).nullable().cascade(Cascade.PERSIST, Cascade.REMOVE),
  },
});
const Note = defineEntity({ name: 'Note', properties: { id: p.integer().primary(), text: p.string(), author: () => p.manyToOne(Author) } });
const Publisher = defineEntity({ name: 'Publisher', properties: { id: p.integer().primary(), name: p.string() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function init() {
  const ctx = await setup({ entities: [Author, Book, Note, Publisher] });
  orm = ctx.orm;
  return ctx;
}

describe('cascade remove', () => {
  test('removing an entity removes the loaded items of its Cascade.REMOVE and orphanRemoval relations, children first', async () => {
    const { lines } = await init();
    let em = orm!.em.fork();
    const pub = em.create(Publisher, { name: 'P' });
    const a = em.create(Author, { name: 'A' });
    em.create(Book, { title: 'B1', author: a, publisher: pub });
    em.create(Book, { title: 'B2', author: a });
    em.create(Note, { text: 'N1', author: a });
    await em.flush();
    em = orm!.em.fork();
    const loaded = await em.findOneOrFail(Author, a.id, { populate: ['books', 'notes'] });
    take(lines);
    em.remove(loaded);
    await em.flush();
    expect(take(lines)).toEqual([
      '[query] begin',
      '[query] delete from `book` where `id` in (1, 2) [took X ms, 2 rows affected]',
      '[query] delete from `note` where `id` in (1) [took X ms, 1 row affected]',
      '[query] delete from `author` where `id` in (1) [took X ms, 1 row affected]',
      '[query] delete from `publisher` where `id` in (1) [took X ms, 1 row affected]',
      '[query] commit',
    ]);
    expect([await em.count(Book), await em.count(Note), await em.count(Publisher), await em.count(Author)]).toEqual([0, 0, 0, 0]);
  });

  test('a many-to-one with Cascade.REMOVE removes its target; relations without it are kept', async () => {
    const { lines } = await init();
    let em = orm!.em.fork();
    const b = em.create(Book, { title: 'B5', author: em.create(Author, { name: 'A5' }), publisher: em.create(Publisher, { name: 'P2' }) });
    await em.flush();
    em = orm!.em.fork();
    em.remove(await em.findOneOrFail(Book, b.id));
    take(lines);
    await em.flush();
    expect(take(lines)).toEqual([
      '[query] begin',
      '[query] delete from `book` where `id` in (1) [took X ms, 1 row affected]',
      '[query] delete from `publisher` where `id` in (1) [took X ms, 1 row affected]',
      '[query] commit',
    ]);
    expect([await em.count(Publisher), await em.count(Author)]).toEqual([0, 1]);
  });

  test('collections that are not loaded are not cascaded into: the foreign key stops the delete and nothing is removed', async () => {
    const { lines } = await init();
    let em = orm!.em.fork();
    const a = em.create(Author, { name: 'A3' });
    em.create(Note, { text: 'N3', author: a });
    await em.flush();
    em = orm!.em.fork();
    const loaded = await em.findOneOrFail(Author, a.id);
    em.remove(loaded);
    take(lines);
    const err = await failure(em.flush());
    expect(err).toBeInstanceOf(ForeignKeyConstraintViolationException);
    expect(take(lines)).toEqual(['[query] begin', '[query] delete from `author` where `id` in (1) [took X ms]', '[query] rollback']);
    expect(await orm!.em.fork().count(Note)).toBe(1);
  });

  test('persist cascades only along relations whose cascade includes it', async () => {
    await init();
    const em = orm!.em.fork();
    // `Author.notes` has the default cascade (persist), `Book.publisher` lists it.
    const a = em.create(Author, { name: 'A' }, { persist: false });
    a.notes.add(em.create(Note, { text: 'N', author: a }, { persist: false }));
    em.persist(a);
    await em.flush();
    expect(await em.count(Note)).toBe(1);
    const bad = defineEntity({ name: 'Bad', properties: { id: p.integer().primary(), a: { kind: 'm:1', entity: () => Author, cascade: 'remove' } as never } });
    const err = await failure(setup({ entities: [Author, Book, Note, Publisher, bad] }));
    expect(err).toBeInstanceOf(MetadataError);
    expect(err.message).toBe("Bad.a has an invalid cascade option: expected an array of Cascade values, got 'remove'");
  });
});
