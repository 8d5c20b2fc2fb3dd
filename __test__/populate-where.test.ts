import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { defineEntity, p, type MikroORM } from '@mikro-native/sqlite';
import { setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Book).mappedBy('author') } });
const Book = defineEntity({
  name: 'Book',
  properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author), tags: () => p.manyToMany(Tag) },
});
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });

let orm: MikroORM;
let lines: string[];
beforeEach(async () => {
  ({ orm, lines } = await setup({ entities: [Author, Book, Tag] }));
  const em = orm.em.fork();
  const a = em.create(Author, { name: 'A' });
  const t = em.create(Tag, { name: 'T' });
  const t2 = em.create(Tag, { name: 'T2' });
  em.create(Book, { title: 'B1', author: a, tags: [t, t2] });
  em.create(Book, { title: 'B2', author: a, tags: [t2] });
  await em.flush();
  take(lines);
});
afterEach(() => orm.close());

type A = { name: string; books: { getItems(): { title: string; tags: { isInitialized(): boolean; getItems(): { name: string }[] } }[] } };
/** Authors with their loaded books and the books' loaded tags (`null`: not loaded). */
const shape = (authors: A[]) =>
  authors.map(a => [a.name, a.books.getItems().map(b => [b.title, b.tags.isInitialized() ? b.tags.getItems().map(t => t.name) : null])]);
/** The logged statements without timing. */
const sql = () => take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));

describe('populateWhere and populateOrderBy', () => {
  test('an object filters the populated items; infer reuses the where; all (the default) loads every item', async () => {
    let em = orm.em.fork();
    expect(shape(await em.find(Author, {}, { populate: ['books'], populateWhere: { books: { title: 'B1' } } }))).toEqual([['A', [['B1', null]]]]);
    expect(sql()).toEqual(['[query] select `a0`.* from `author` as `a0`', "[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1) and `b0`.`title` = 'B1'"]);
    em = orm.em.fork();
    expect(shape(await em.find(Author, { books: { title: 'B2' } }, { populate: ['books'], populateWhere: 'infer' }))).toEqual([['A', [['B2', null]]]]);
    expect(sql()).toEqual([
      "[query] select `a0`.* from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `b1`.`title` = 'B2'",
      "[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1) and `b0`.`title` = 'B2'",
    ]);
    em = orm.em.fork();
    expect(shape(await em.find(Author, { books: { title: 'B2' } }, { populate: ['books'] }))).toEqual([['A', [['B1', null], ['B2', null]]]]);
    expect(sql()[1]).toBe('[query] select `b0`.* from `book` as `b0` where `b0`.`author_id` in (1)');
    em = orm.em.fork();
    expect(shape(await em.find(Author, {}, { populate: ['books.tags'], populateWhere: { books: { tags: { name: 'T' } } } }))).toEqual([['A', [['B1', ['T']]]]]);
    expect(sql()).toEqual([
      '[query] select `a0`.* from `author` as `a0`',
      "[query] select `b0`.* from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `b1` on `b2`.`tag_id` = `b1`.`id` where `b0`.`author_id` in (1) and `b1`.`name` = 'T'",
      "[query] select `b0`.`tag_id`, `b0`.`book_id`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book_tags` as `b0` inner join `tag` as `t1` on `b0`.`tag_id` = `t1`.`id` where `b0`.`book_id` in (1) and `t1`.`name` = 'T'",
    ]);
  });

  test('populateOrderBy orders each level, joining what it orders through; joined relations take it into the main order, and populateWhere into their join', async () => {
    let em = orm.em.fork();
    expect(shape(await em.find(Author, {}, { populate: ['books.tags'], populateOrderBy: { books: { title: 'desc', tags: { name: 'desc' } } } }))).toEqual([
      ['A', [['B2', ['T2']], ['B1', ['T2', 'T']]]],
    ]);
    expect(sql()).toEqual([
      '[query] select `a0`.* from `author` as `a0`',
      '[query] select `b0`.* from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `b1` on `b2`.`tag_id` = `b1`.`id` where `b0`.`author_id` in (1) order by `b0`.`title` desc, `b1`.`name` desc',
      '[query] select `b0`.`tag_id`, `b0`.`book_id`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book_tags` as `b0` inner join `tag` as `t1` on `b0`.`tag_id` = `t1`.`id` where `b0`.`book_id` in (2, 1) order by `t1`.`name` desc',
    ]);
    em = orm.em.fork();
    expect(shape(await em.find(Author, {}, { populate: ['books'], strategy: 'joined', populateOrderBy: { books: { title: 'desc' } } }))).toEqual([['A', [['B2', null], ['B1', null]]]]);
    expect(sql()).toEqual([
      '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` order by `b1`.`title` desc',
    ]);
    em = orm.em.fork();
    expect(shape(await em.find(Author, {}, { populate: ['books'], strategy: 'joined', populateWhere: { books: { title: 'B1' } } }))).toEqual([['A', [['B1', null]]]]);
    expect(sql()).toEqual([
      "[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` and `b1`.`title` = 'B1'",
    ]);
    // 'infer' with the joined strategy: the where's condition goes into the populated join too.
    em = orm.em.fork();
    expect(shape(await em.find(Author, { books: { title: 'B1' } }, { populate: ['books'], strategy: 'joined', populateWhere: 'infer' }))).toEqual([['A', [['B1', null]]]]);
    expect(sql()).toEqual([
      "[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` and `b1`.`title` = 'B1' where `b1`.`title` = 'B1'",
    ]);
  });

  test('orderBy through relations joins them as conditions do', async () => {
    const em = orm.em.fork();
    expect((await em.find(Book, {}, { orderBy: { author: { name: 'asc' }, title: 'desc' } })).map(b => b.title)).toEqual(['B2', 'B1']);
    expect((await em.find(Author, {}, { orderBy: { books: { title: 'asc' } } })).map(a => a.name)).toEqual(['A']);
    expect(sql()).toEqual([
      '[query] select `b0`.* from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` order by `a1`.`name` asc, `b0`.`title` desc',
      '[query] select `a0`.* from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` order by `b1`.`title` asc',
    ]);
  });
});
