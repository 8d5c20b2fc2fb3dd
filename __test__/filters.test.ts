import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, type MikroORM } from '@mikro-native/sqlite';
import * as legacy from '@mikro-native/decorators/legacy';
import { failure, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Author = defineEntity({
  name: 'Author',
  filters: {
    active: { name: 'active', cond: { active: true }, default: true },
    named: { name: 'named', cond: (args: { name?: string }) => ({ name: args.name }) },
  },
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    active: p.boolean().default(true),
    tenant: p.integer().default(1),
    books: () => p.oneToMany(Book).mappedBy('author'),
  },
});
const Book = defineEntity({
  name: 'Book',
  properties: {
    id: p.integer().primary(),
    title: p.string(),
    author: () => p.manyToOne(Author),
    editor: () => p.manyToOne(Author).nullable(),
    tenant: p.integer().default(1),
  },
});

let orm: MikroORM | undefined;
let lines: string[];
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function init() {
  const ctx = await setup({
    entities: [Author, Book],
    filters: { tenant: { name: 'tenant', cond: (args: { id: number }) => ({ tenant: args.id }), entity: ['Author', 'Book'], default: false } },
  });
  orm = ctx.orm;
  lines = ctx.lines;
  const em = orm.em.fork();
  const a = em.create(Author, { name: 'A' });
  const b = em.create(Author, { name: 'B', active: false });
  em.create(Book, { title: 'B1', author: a, editor: b });
  em.create(Book, { title: 'B2', author: b, editor: a });
  await em.flush();
  take(lines);
}

/** The logged statements without timing. */
const sql = () => take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));

describe('filters', () => {
  test("an entity's default filter comes before the where; options turn filters off or pass arguments", async () => {
    await init();
    const em = orm!.em.fork();
    expect((await em.find(Author, { name: { $ne: 'x' } })).map(a => a.name)).toEqual(['A']);
    expect((await em.find(Author, {}, { filters: false })).map(a => a.name)).toEqual(['A', 'B']);
    expect((await em.find(Author, {}, { filters: { active: false } })).map(a => a.name)).toEqual(['A', 'B']);
    expect((await em.find(Author, {}, { filters: { named: { name: 'A' } } })).map(a => a.name)).toEqual(['A']);
    expect(sql()).toEqual([
      "[query] select `a0`.* from `author` as `a0` where `a0`.`active` = true and `a0`.`name` != 'x'",
      '[query] select `a0`.* from `author` as `a0`',
      '[query] select `a0`.* from `author` as `a0`',
      "[query] select `a0`.* from `author` as `a0` where `a0`.`active` = true and `a0`.`name` = 'A'",
    ]);
    const err = await failure(em.find(Author, {}, { filters: ['named'] }));
    expect(err.message).toBe("No arguments provided for filter 'named'");
    em.setFilterParams('named', { name: 'A' });
    expect(em.getFilterParams('named')).toEqual({ name: 'A' });
    expect((await em.find(Author, {}, { filters: ['named'] })).map(a => a.name)).toEqual(['A']);
    expect(await em.findOne(Author, { name: 'B' })).toBeNull();
    expect(await em.count(Author)).toBe(1);
    expect(await em.count(Author, {}, { filters: false })).toBe(2);
    expect(sql().slice(1)).toEqual([
      "[query] select `a0`.* from `author` as `a0` where `a0`.`active` = true and `a0`.`name` = 'B' limit 1",
      '[query] select count(*) as `count` from `author` as `a0` where `a0`.`active` = true',
      '[query] select count(*) as `count` from `author` as `a0`',
    ]);
  });

  test("references to a filtered entity join it with the filter: required ones drop the row, nullable ones read as null", async () => {
    await init();
    let em = orm!.em.fork();
    const books = await em.find(Book, {}, { orderBy: { id: 'asc' } });
    expect(books.map(b => [b.title, b.author.id, b.editor?.id ?? null])).toEqual([['B1', 1, null]]);
    // The reference reads as null without being a change: the next flush writes nothing.
    books[0].title = 'B1x';
    await em.flush();
    expect(await em.execute('select title, editor_id from book where id = 1')).toEqual([{ title: 'B1x', editor_id: 2 }]);
    expect(sql()).toEqual([
      '[query] select `b0`.*, `a1`.`id` as `a1__id`, `e2`.`id` as `e2__id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` and `a1`.`active` = true left join `author` as `e2` on `b0`.`editor_id` = `e2`.`id` and `e2`.`active` = true order by `b0`.`id` asc',
      '[query] begin',
      "[query] update `book` set `title` = 'B1x' where `id` = 1",
      '[query] commit',
      '[query] select title, editor_id from book where id = 1',
    ]);
    em = orm!.em.fork();
    expect((await em.find(Book, {}, { filters: { tenant: { id: 1 } } })).map(b => b.title)).toEqual(['B1x']);
    expect(sql()).toEqual([
      '[query] select `b0`.*, `a1`.`id` as `a1__id`, `e2`.`id` as `e2__id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` and `a1`.`tenant` = 1 and `a1`.`active` = true left join `author` as `e2` on `b0`.`editor_id` = `e2`.`id` and `e2`.`tenant` = 1 and `e2`.`active` = true where `b0`.`tenant` = 1',
    ]);
    em = orm!.em.fork();
    // Populating the filtered relation puts the filter in its join.
    const [b1] = await em.find(Book, {}, { populate: ['author'], filters: { active: true }, fields: undefined });
    expect(b1.author.name).toBe('A');
    expect(sql()[0]).toContain('inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` and `a1`.`active` = true');
    expect(await em.count(Book)).toBe(1);
    expect(sql()).toEqual([
      '[query] select count(*) as `count` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` and `a1`.`active` = true left join `author` as `e2` on `b0`.`editor_id` = `e2`.`id` and `e2`.`active` = true',
    ]);
  });

  test('em.addFilter (enabled unless default: false), nativeUpdate and nativeDelete; the QueryBuilder is not filtered', async () => {
    await init();
    const em = orm!.em.fork();
    em.addFilter({ name: 'bTitles', cond: { title: { $like: 'B%' } }, entity: 'Book' });
    expect((await em.find(Book, {})).map(b => b.title)).toEqual(['B1']);
    expect(sql()[0]).toContain("where `b0`.`title` like 'B%'");
    expect(await em.nativeUpdate(Author, {}, { tenant: 2 })).toBe(1);
    expect(await em.nativeDelete(Author, { name: 'zzz' })).toBe(0);
    expect(await em.createQueryBuilder(Author).getResultList()).toHaveLength(2);
    expect(sql()).toEqual([
      '[query] update `author` set `tenant` = 2 where `active` = true',
      "[query] delete from `author` where `active` = true and `name` = 'zzz'",
      '[query] select `a0`.* from `author` as `a0`',
    ]);
    // A fork takes the filters and their parameters along.
    expect((await em.fork().find(Book, {})).map(b => b.title)).toEqual(['B1']);
  });

  test('select-in loading filters the loaded targets (once: MikroORM 7.2.2 repeats the condition)', async () => {
    await init();
    const em = orm!.em.fork();
    const books = await em.find(Book, {}, { populate: ['author'], strategy: 'select-in' });
    expect(books.map(b => [b.title, b.author.name])).toEqual([['B1', 'A']]);
    expect(sql()).toEqual([
      '[query] select `b0`.*, `a1`.`id` as `a1__id`, `e2`.`id` as `e2__id` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` and `a1`.`active` = true left join `author` as `e2` on `b0`.`editor_id` = `e2`.`id` and `e2`.`active` = true',
      '[query] select `a0`.* from `author` as `a0` where `a0`.`active` = true and `a0`.`id` in (1)',
    ]);
    // `filters: false` reaches the select-in queries too.
    const all = await orm!.em.fork().find(Book, {}, { populate: ['author'], strategy: 'select-in', filters: false, orderBy: { id: 'asc' } });
    expect(all.map(b => [b.title, b.author.name])).toEqual([
      ['B1', 'A'],
      ['B2', 'B'],
    ]);
    expect(sql()).toEqual(['[query] select `b0`.* from `book` as `b0` order by `b0`.`id` asc', '[query] select `a0`.* from `author` as `a0` where `a0`.`id` in (1, 2)']);
  });

  test('@Filter() on a decorated class', async () => {
    class Note {
      id!: number;
      text!: string;
    }
    legacy.PrimaryKey({ type: 'integer' })(Note.prototype, 'id');
    legacy.Property({ type: 'string' })(Note.prototype, 'text');
    legacy.Filter({ name: 'short', cond: { text: { $like: 'a%' } }, default: true })(Note);
    legacy.Entity()(Note);
    const ctx = await setup({ entities: [Note] });
    orm = ctx.orm;
    const em = orm.em.fork();
    em.create(Note, { text: 'abc' });
    em.create(Note, { text: 'xyz' });
    await em.flush();
    expect((await em.find(Note, {})).map(n => n.text)).toEqual(['abc']);
  });
});

describe('filters of collection items', () => {
  test('a joined collection takes them in its join, select-in loading (many-to-many too) in its where', async () => {
    const Writer = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Novel).mappedBy('author') } });
    const Novel = defineEntity({
      name: 'Book',
      filters: { live: { name: 'live', cond: { deleted: false }, default: true } },
      properties: { id: p.integer().primary(), title: p.string(), deleted: p.boolean().default(false), author: () => p.manyToOne(Writer), tags: () => p.manyToMany(Label) },
    });
    const Label = defineEntity({ name: 'Tag', filters: { live: { name: 'live', cond: { hidden: false }, default: true } }, properties: { id: p.integer().primary(), name: p.string(), hidden: p.boolean().default(false) } });
    const ctx = await setup({ entities: [Writer, Novel, Label] });
    orm = ctx.orm;
    lines = ctx.lines;
    let em = orm.em.fork();
    const a = em.create(Writer, { name: 'A' });
    em.create(Novel, { title: 'b1', author: a, tags: [em.create(Label, { name: 'T' }), em.create(Label, { name: 'H', hidden: true })] });
    em.create(Novel, { title: 'b2', author: a, deleted: true });
    await em.flush();
    take(lines);
    em = orm.em.fork();
    expect((await em.find(Writer, {}, { populate: ['books'], strategy: 'joined' })).map(x => x.books.getItems().map(b => b.title))).toEqual([['b1']]);
    em = orm.em.fork();
    expect((await em.find(Writer, {}, { populate: ['books'] })).map(x => x.books.getItems().map(b => b.title))).toEqual([['b1']]);
    em = orm.em.fork();
    expect((await em.find(Novel, {}, { populate: ['tags'] })).map(x => x.tags.getItems().map(t => t.name))).toEqual([['T']]);
    expect(sql()).toEqual([
      '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`deleted` as `b1__deleted`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` and `b1`.`deleted` = false',
      '[query] select `a0`.* from `author` as `a0`',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`deleted` = false and `b0`.`author_id` in (1)',
      '[query] select `b0`.* from `book` as `b0` where `b0`.`deleted` = false',
      '[query] select `b0`.`tag_id`, `b0`.`book_id`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name`, `t1`.`hidden` as `t1__hidden` from `book_tags` as `b0` inner join `tag` as `t1` on `b0`.`tag_id` = `t1`.`id` where `b0`.`book_id` in (1) and `t1`.`hidden` = false',
    ]);
  });
});
