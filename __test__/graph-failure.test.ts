import { afterEach, describe, expect, test } from 'vitest';
import { DriverException, defineEntity, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import { failure, setup } from './helpers.js';

const Author = defineEntity({
  name: 'Author',
  properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Book).mappedBy('author').orphanRemoval() },
});
const Book = defineEntity({
  name: 'Book',
  properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author), tags: () => p.manyToMany(Tag) },
});
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('a flush failing halfway through a graph', () => {
  test('leaves the database, the entities and the collections as before, and the retry writes everything', async () => {
    orm = (await setup({ entities: [Author, Book, Tag] })).orm;
    let em = orm.em.fork();
    const t1 = em.create(Tag, { name: 'T1' });
    em.create(Tag, { name: 'T2' });
    const a = em.create(Author, { name: 'A' });
    em.create(Book, { title: 'B1', author: a, tags: [t1] });
    em.create(Book, { title: 'B2', author: a });
    await em.flush();
    const dump = () =>
      orm!.em.fork().execute(
        "select 'author' as t, id, name as v from author union all select 'book', id, title || ':' || author_id from book union all select 'link', book_id, tag_id from book_tags order by 1, 2, 3",
      );
    const before = await dump();

    em = orm.em.fork();
    const author = await em.findOneOrFail(Author, 1, { populate: ['books.tags'] });
    const [b1, b2] = author.books.getItems();
    const t2 = await em.findOneOrFail(Tag, 2);
    author.name = 'A2';
    b1.tags.remove(b1.tags[0]);
    b1.tags.add(t2);
    author.books.remove(b2); // orphan removal: deleted
    const b3 = em.create(Book, { title: 'B3', author, tags: [t2] });
    // The pivot phase runs after the entity writes; make it fail there.
    await em.execute("create trigger no_links before insert on book_tags begin select raise(abort, 'no links'); end");
    const err = await failure(em.flush());
    expect(err).toBeInstanceOf(DriverException);
    expect(err.message).toBe('no links');

    expect(await dump()).toEqual(before);
    expect([author.name, b3.id, wrap(b2).isManaged()]).toEqual(['A2', undefined, true]);
    expect(author.books.getItems().map(b => b.title)).toEqual(['B1', 'B3']);
    expect(b1.tags.getItems().map(t => t.name)).toEqual(['T2']);
    expect(b3.tags.getItems().map(t => t.name)).toEqual(['T2']);

    await em.execute('drop trigger no_links');
    await em.flush();
    expect(await dump()).toEqual([
      { t: 'author', id: 1, v: 'A2' },
      { t: 'book', id: 1, v: 'B1:1' },
      { t: 'book', id: 3, v: 'B3:1' },
      { t: 'link', id: 1, v: 2 },
      { t: 'link', id: 3, v: 2 },
    ]);
    expect(b3.id).toBe(3);
    // Nothing is left pending.
    await em.flush();
    expect(await dump()).toHaveLength(5);
  });
});
