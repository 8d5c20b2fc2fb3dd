import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, ValidationError, wrap, type MikroORM } from '@mikro-native/sqlite';
import { failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

/** The key read back in an insert's log line: MySQL has no `returning`. */
const returning = forDriver({ sqlite: ' returning `id`', mysql: '' });

const Author = defineEntity({
  name: 'Author',
  properties: { id: p.integer().primary(), name: p.string(), meta: p.json().nullable(), books: () => p.oneToMany(Book).mappedBy('author') },
});
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author) } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function seed() {
  const ctx = await setup({ entities: [Author, Book] });
  orm = ctx.orm;
  const em = orm.em.fork();
  const a = em.create(Author, { name: 'A', meta: { x: 1, y: 2 } });
  em.create(Book, { title: 'B1', author: a });
  em.create(Author, { name: 'A2' });
  await em.flush();
  take(ctx.lines);
  return { em: orm.em.fork(), lines: ctx.lines };
}

describe('assign()', () => {
  test('relations from nested data, keys and data with keys', async () => {
    const { em, lines } = await seed();
    const b = await em.findOneOrFail(Book, 1, { populate: ['author'] });
    // Nested data without a key is a new entity, even when the relation is loaded.
    wrap(b).assign({ title: 'B1x', author: { name: 'A-renamed' } });
    expect([b.author.id, b.author.name, wrap(b.author).isInitialized()]).toEqual([undefined, 'A-renamed', true]);
    take(lines);
    await em.flush();
    expect(take(lines)).toEqual([
      '[query] begin',
      `[query] insert into \`author\` (\`name\`) values ('A-renamed')${returning} [took X ms, 1 row affected]`,
      "[query] update `book` set `title` = 'B1x', `author_id` = 3 where `id` = 1 [took X ms, 1 row affected]",
      '[query] commit',
    ]);
    // A key is a reference.
    wrap(b).assign({ author: 2 });
    expect([b.author.id, wrap(b.author).isInitialized()]).toEqual([2, false]);
    await em.flush();
    expect(take(lines)).toEqual(['[query] begin', '[query] update `book` set `author_id` = 2 where `id` = 1 [took X ms, 1 row affected]', '[query] commit']);
    // Data with a key updates that entity.
    wrap(b).assign({ author: { id: 2, name: 'A2x' } });
    expect([b.author.id, b.author.name]).toEqual([2, 'A2x']);
    const err = await failure(() => em.assign(b, { author: null } as never));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('You must pass a non-null value to the property author of entity Book.');
  });

  test('collections from an array; JSON replaced or merged; findOne with populate queries even for a loaded entity', async () => {
    const { em, lines } = await seed();
    await em.findOneOrFail(Author, 1);
    take(lines);
    const a1 = await em.findOneOrFail(Author, 1, { populate: ['books'] });
    expect(take(lines)).toEqual([
      '[query] select `a0`.* from `author` as `a0` where `a0`.`id` = 1 limit 1 [took X ms, 1 result]',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1) [took X ms, 1 result]',
    ]);
    const b1 = a1.books[0];
    em.assign(a1, { books: [b1, { title: 'New' }], meta: { z: 3 } });
    expect(a1.books.getItems().map(x => [x.id, x.title])).toEqual([
      [1, 'B1'],
      [undefined, 'New'],
    ]);
    expect(a1.meta).toEqual({ z: 3 });
    await em.flush();
    expect(take(lines)).toEqual([
      '[query] begin',
      `[query] insert into \`book\` (\`title\`, \`author_id\`) values ('New', 1)${returning} [took X ms, 1 row affected]`,
      forDriver({
        sqlite: '[query] update `author` set `meta` = \'{"z":3}\' where `id` = 1 [took X ms, 1 row affected]',
        mysql: '[query] update `author` set `meta` = \'{\\"z\\":3}\' where `id` = 1 [took X ms, 1 row affected]',
      }),
      '[query] commit',
    ]);
    em.assign(a1, { meta: { w: 4 } }, { mergeObjectProperties: true });
    expect(a1.meta).toEqual({ z: 3, w: 4 });
    em.assign(a1, { nonProperty: 1 } as never, { onlyProperties: true });
    expect('nonProperty' in a1).toBe(false);
  });
});
