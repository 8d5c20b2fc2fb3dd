import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { defineEntity, p, raw, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

/** The key read back in an insert's log line: MySQL has no `returning`. */
const returning = forDriver({ sqlite: ' returning `id`', mysql: '' });

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Book).mappedBy('author') } });
const Book = defineEntity({
  name: 'Book',
  properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author), tags: () => p.manyToMany(Tag) },
});
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string(), books: () => p.manyToMany(Book).mappedBy('tags') } });

let orm: MikroORM;
let lines: string[];
beforeEach(async () => {
  ({ orm, lines } = await setup({ entities: [Author, Book, Tag] }));
  const em = orm.em.fork();
  const a = em.create(Author, { name: 'A' });
  em.create(Author, { name: 'A2' });
  const t = em.create(Tag, { name: 'T' });
  const t2 = em.create(Tag, { name: 'T2' });
  em.create(Book, { title: 'B1', author: a, tags: [t, t2] });
  em.create(Book, { title: 'B2', author: a, tags: [t2] });
  await em.flush();
  take(lines);
});
afterEach(() => orm.close());

/** The query a call logs (without timing) and its result. */
async function run<T>(call: () => Promise<T>): Promise<[string[], T]> {
  const result = await call();
  return [take(lines).map(l => l.replace(/ \[took X ms.*\]$/, '')), result];
}

describe('conditions on collections', () => {
  test('many-to-many items join through the pivot table; items named by key compare the pivot column', async () => {
    const em = orm.em.fork();
    expect(await run(async () => (await em.find(Book, { tags: { name: 'T' } })).map(b => b.title))).toEqual([
      ["[query] select `b0`.* from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `b1` on `b2`.`tag_id` = `b1`.`id` where `b1`.`name` = 'T'"],
      ['B1'],
    ]);
    expect(await run(async () => (await em.find(Book, { tags: 1 })).map(b => b.title))).toEqual([
      ['[query] select `b0`.* from `book` as `b0` left join `book_tags` as `b1` on `b0`.`id` = `b1`.`book_id` where `b1`.`tag_id` = 1'],
      ['B1'],
    ]);
    expect(await run(async () => (await em.find(Tag, { books: { title: 'B2' } })).map(t => t.name))).toEqual([
      ["[query] select `t0`.* from `tag` as `t0` left join `book_tags` as `b2` on `t0`.`id` = `b2`.`tag_id` left join `book` as `b1` on `b2`.`book_id` = `b1`.`id` where `b1`.`title` = 'B2'"],
      ['T2'],
    ]);
    expect(await run(async () => (await em.find(Author, { books: 2 })).map(a => a.name))).toEqual([
      ['[query] select `a0`.* from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `b1`.`id` = 2'],
      ['A'],
    ]);
  });

  test('an entity matched by several items is returned once; counts count distinct keys', async () => {
    const em = orm.em.fork();
    expect(await run(async () => (await em.find(Book, { tags: { name: { $like: 'T%' } } })).map(b => b.title))).toEqual([
      ["[query] select `b0`.* from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `b1` on `b2`.`tag_id` = `b1`.`id` where `b1`.`name` like 'T%'"],
      ['B1', 'B2'],
    ]);
    expect(await run(() => em.count(Author, { books: { title: { $like: 'B%' } } }))).toEqual([
      ["[query] select count(distinct `a0`.`id`) as `count` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `b1`.`title` like 'B%'"],
      1,
    ]);
    expect(await run(() => em.count(Book, { tags: [1, 2] }))).toEqual([
      ['[query] select count(distinct `b0`.`id`) as `count` from `book` as `b0` left join `book_tags` as `b1` on `b0`.`id` = `b1`.`book_id` where `b1`.`tag_id` in (1, 2)'],
      2,
    ]);
    expect(await run(() => em.count(Book, { author: { name: 'A' } }))).toEqual([
      ["[query] select count(*) as `count` from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`name` = 'A'"],
      2,
    ]);
  });

  test('$some, $none and $every become subqueries', async () => {
    const em = orm.em.fork();
    const sub = (op: string, where: string) =>
      `[query] select \`a0\`.* from \`author\` as \`a0\` where \`a0\`.\`id\` ${op} (select \`a0\`.\`id\` from \`author\` as \`a0\` inner join \`book\` as \`b1\` on \`a0\`.\`id\` = \`b1\`.\`author_id\`${where})`;
    const names = async (where: object) => (await em.find(Author, where as never)).map(a => a.name);
    expect(await run(() => names({ books: { $some: { title: 'B1' } } }))).toEqual([[sub('in', " where `b1`.`title` = 'B1'")], ['A']]);
    expect(await run(() => names({ books: { $none: { title: 'B1' } } }))).toEqual([[sub('not in', " where `b1`.`title` = 'B1'")], ['A2']]);
    expect(await run(() => names({ books: { $every: { title: { $like: 'B%' } } } }))).toEqual([[sub('not in', " where not (`b1`.`title` like 'B%')")], ['A', 'A2']]);
    expect(await run(() => names({ books: { $some: {} } }))).toEqual([[sub('in', '')], ['A']]);
    expect(await run(() => names({ books: { $none: {} } }))).toEqual([[sub('not in', '')], ['A2']]);
    expect(await run(async () => (await em.find(Book, { tags: { $every: { name: 'T2' } } })).map(b => b.title))).toEqual([
      [
        "[query] select `b0`.* from `book` as `b0` where `b0`.`id` not in (select `b0`.`id` from `book` as `b0` inner join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` inner join `tag` as `t1` on `b2`.`tag_id` = `t1`.`id` where not (`t1`.`name` = 'T2'))",
      ],
      ['B2'],
    ]);
    expect(await run(async () => (await em.find(Book, { author: { books: { $none: { title: 'B9' } } } })).map(b => b.title))).toEqual([
      [
        "[query] select `b0`.* from `book` as `b0` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id` where `a1`.`id` not in (select `b0`.`id` from `author` as `b0` inner join `book` as `b1` on `b0`.`id` = `b1`.`author_id` where `b1`.`title` = 'B9')",
      ],
      ['B1', 'B2'],
    ]);
    // Without an alias (delete), the subquery still names its root.
    expect(await run(() => em.nativeDelete(Author, { books: { $none: {} } }))).toEqual([
      ['[query] delete from `author` where `id` not in (select `a0`.`id` from `author` as `a0` inner join `book` as `b1` on `a0`.`id` = `b1`.`author_id`)'],
      1,
    ]);
    expect(await run(() => em.count(Author, { books: { $some: { title: 'B1' } } }))).toEqual([
      ["[query] select count(*) as `count` from `author` as `a0` where `a0`.`id` in (select `a0`.`id` from `author` as `a0` inner join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `b1`.`title` = 'B1')"],
      1,
    ]);
  });
});

describe('Collection.matching()', () => {
  test('queries matching items without loading the collection, unless store is set', async () => {
    const em = orm.em.fork();
    const a1 = await em.findOneOrFail(Author, 1);
    take(lines);
    expect(await run(async () => (await a1.books.matching({ where: { title: { $like: 'B%' } }, orderBy: { title: 'desc' }, limit: 1 })).map(b => b.title))).toEqual([
      ["[query] select `b0`.* from `book` as `b0` where `b0`.`title` like 'B%' and `b0`.`author_id` = 1 order by `b0`.`title` desc limit 1"],
      ['B2'],
    ]);
    expect(a1.books.isInitialized()).toBe(false);
    const stored = await a1.books.matching({ where: { title: 'B2' }, store: true });
    expect([stored.map(b => b.title), a1.books.isInitialized(), a1.books.count()]).toEqual([['B2'], true, 1]);
    const b1 = await em.findOneOrFail(Book, 1);
    take(lines);
    expect(await run(async () => (await b1.tags.matching({ where: { name: { $ne: 'x' } } })).map(t => t.name))).toEqual([
      [
        "[query] select `b0`.`tag_id`, `b0`.`book_id`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book_tags` as `b0` inner join `tag` as `t1` on `b0`.`tag_id` = `t1`.`id` where `b0`.`book_id` in (1) and `t1`.`name` != 'x'",
      ],
      ['T', 'T2'],
    ]);
    expect(b1.tags.isInitialized()).toBe(false);
  });
});

describe('Collection.loadCount() of a many-to-many collection', () => {
  test('counts from the other side through its collection, from either side', async () => {
    const em = orm.em.fork();
    const b1 = await em.findOneOrFail(Book, 1);
    const t1 = await em.findOneOrFail(Tag, 1);
    take(lines);
    expect(await run(() => b1.tags.loadCount())).toEqual([
      ['[query] select count(distinct `t0`.`id`) as `count` from `tag` as `t0` left join `book_tags` as `b1` on `t0`.`id` = `b1`.`tag_id` where `b1`.`book_id` = 1'],
      2,
    ]);
    expect(await run(() => t1.books.loadCount())).toEqual([
      ['[query] select count(distinct `b0`.`id`) as `count` from `book` as `b0` left join `book_tags` as `b1` on `b0`.`id` = `b1`.`book_id` where `b1`.`tag_id` = 1'],
      1,
    ]);
  });
});

describe('a unidirectional many-to-many', () => {
  test('loadCount() counts through the pivot from the items; the owner is not ordered after its items', async () => {
    const Work = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), tags: () => p.manyToMany(Label) } });
    const Label = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });
    const ctx = await setup({ entities: [Work, Label] });
    try {
      const em = ctx.orm.em.fork();
      em.create(Work, { title: 'B1', tags: [em.create(Label, { name: 'T' }), em.create(Label, { name: 'T2' })] });
      await em.flush();
      const b = await ctx.orm.em.fork().findOneOrFail(Work, 1);
      expect(await b.tags.loadCount()).toBe(2);
      expect(take(ctx.lines).map(l => l.replace(/ \[took.*$/, ''))).toEqual([
        '[query] begin',
        `[query] insert into \`book\` (\`title\`) values ('B1')${returning}`,
        `[query] insert into \`tag\` (\`name\`) values ('T'), ('T2')${returning}`,
        '[query] insert into `book_tags` (`tag_id`, `book_id`) values (1, 1), (2, 1)',
        '[query] commit',
        '[query] select `b0`.* from `book` as `b0` where `b0`.`id` = 1 limit 1',
        '[query] select count(distinct `t0`.`id`) as `count` from `tag` as `t0` left join `book_tags` as `b1` on `t0`.`id` = `b1`.`tag_id` where `b1`.`book_id` = 1',
      ]);
    } finally {
      await ctx.orm.close();
    }
  });
});

describe('several operators on one raw key', () => {
  test('are and-ed, one comparison each', async () => {
    const em = orm.em.fork();
    expect(await run(async () => (await em.find(Book, { [raw('title')]: { $gte: 'B2', $lt: 'B3' } } as never)).map(b => b.title))).toEqual([
      ["[query] select `b0`.* from `book` as `b0` where title >= 'B2' and title < 'B3'"],
      ['B2'],
    ]);
  });
});
