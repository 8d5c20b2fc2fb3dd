import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, ValidationError, wrap, type MikroORM } from '@mikro-native/sqlite';
import { failure, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Author = defineEntity({
  name: 'Author',
  properties: { id: p.integer().primary(), name: p.string(), age: p.integer().nullable(), books: () => p.oneToMany(Book).mappedBy('author') },
});
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author) } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('em.merge()', () => {
  test('data with a key becomes a managed entity without a query; changes after it are flushed', async () => {
    const ctx = await setup({ entities: [Author, Book] });
    orm = ctx.orm;
    let em = orm.em.fork();
    const a = em.create(Author, { name: 'A', age: 1 });
    em.create(Book, { title: 'B1', author: a });
    await em.flush();
    take(ctx.lines);

    em = orm.em.fork();
    const m = em.merge(Author, { id: 1, name: 'A', age: 1 });
    expect(await em.findOne(Author, 1)).toBe(m);
    expect([wrap(m).isInitialized(), m.books.isInitialized()]).toEqual([true, false]);
    m.age = 5;
    await em.flush();
    expect(take(ctx.lines)).toEqual(['[query] begin', '[query] update `author` set `age` = 5 where `id` = 1 [took X ms, 1 row affected]', '[query] commit']);

    em = orm.em.fork();
    const b = em.merge(Book, { id: 1, title: 'B1', author: 1 });
    expect([b.author.id, wrap(b.author).isInitialized()]).toEqual([1, false]);
    b.title = 'B1x';
    await em.flush();
    expect(take(ctx.lines)).toEqual(['[query] begin', "[query] update `book` set `title` = 'B1x' where `id` = 1 [took X ms, 1 row affected]", '[query] commit']);

    // An entity of another EntityManager joins this one with its current state as the snapshot.
    em = orm.em.fork();
    expect(em.merge(a)).toBe(a);
    a.name = 'Z';
    await em.flush();
    expect(take(ctx.lines)).toEqual(['[query] begin', "[query] update `author` set `name` = 'Z' where `id` = 1 [took X ms, 1 row affected]", '[query] commit']);

    const err = await failure(() => orm!.em.fork().merge(Author, { name: 'x' } as never));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe("You cannot merge entity 'Author' without identifier!");
  });
});
