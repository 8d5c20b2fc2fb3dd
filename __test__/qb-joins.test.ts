import { afterEach, beforeEach, expect, test } from 'vitest';
import { defineEntity, p, raw, sql, wrap, type MikroORM } from '@mikro-native/sqlite';
import { driver, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls (7.2.1 on the
// servers).

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), age: p.integer().nullable(), books: () => p.oneToMany(Book).mappedBy('author') } });
const Book = defineEntity({
  name: 'Book',
  properties: { id: p.integer().primary(), title: p.string(), price: p.integer().nullable(), author: () => p.manyToOne(Author), tags: () => p.manyToMany(Tag) },
});
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });

let orm: MikroORM;
let lines: string[];
beforeEach(async () => {
  const ctx = await setup({ entities: [Author, Book, Tag] });
  orm = ctx.orm;
  lines = ctx.lines;
  const em = orm.em.fork();
  const [t1, t2] = [em.create(Tag, { name: 't1' }), em.create(Tag, { name: 't2' })];
  const a = em.create(Author, { name: 'a', age: 30 });
  const b = em.create(Author, { name: 'b', age: 40 });
  em.create(Book, { title: 'b1', price: 10, author: a, tags: [t1, t2] });
  em.create(Book, { title: 'b2', price: 20, author: a, tags: [t2] });
  em.create(Book, { title: 'b3', author: b });
  await em.flush();
  take(lines);
});
afterEach(async () => {
  await orm.close();
});

const sqlOf = () => take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));
const qb = <T extends object>(entity: { new (): T } | unknown, alias: string) => orm.em.fork().createQueryBuilder(entity as never, alias);
/** SQL text as getQuery() writes it on the driver: PostgreSQL quotes identifiers with `"`. */
const sqlText = (text: string) => (driver.name === 'postgresql' ? text.replace(/`/g, '"') : text);
/** A count as a raw row holds it: PostgreSQL's bigint count comes as a string. */
const counted = (n: number) => (driver.name === 'postgresql' ? String(n) : n);
/** Rows in one order, for queries that leave the order to the server. */
const canonical = (rows: unknown[]) => [...rows].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
/** Entities (as objects) sorted by id, and their books too: joined rows come in the server's order where the query does not order them. */
const byId = (list: Record<string, any>[]) =>
  list.map(e => (e.books ? { ...e, books: [...e.books].sort((x, y) => x.id - y.id) } : e)).sort((x, y) => x.id - y.id);

test('joins under aliases: conditions, order and fields on them', async () => {
  const cases: [ReturnType<typeof qb>, string, unknown[], unknown[]][] = [
    [qb(Book, 'b').join('b.author', 'a').where({ 'a.name': 'a' }), 'select `b`.* from `book` as `b` inner join `author` as `a` on `b`.`author_id` = `a`.`id` where `a`.`name` = ?', ['a'], [{ id: 1, title: 'b1', price: 10, author: 1 }, { id: 2, title: 'b2', price: 20, author: 1 }]],
    [qb(Book, 'b').leftJoin('b.author', 'a').where({ 'a.age': { $gt: 1 } }).orderBy({ 'a.name': 'desc' }), 'select `b`.* from `book` as `b` left join `author` as `a` on `b`.`author_id` = `a`.`id` where `a`.`age` > ? order by `a`.`name` desc', [1], [{ id: 3, title: 'b3', price: null, author: 2 }, { id: 1, title: 'b1', price: 10, author: 1 }, { id: 2, title: 'b2', price: 20, author: 1 }]],
    [qb(Author, 'a').innerJoin('a.books', 'b').where({ 'b.title': 'b1' }), 'select `a`.* from `author` as `a` inner join `book` as `b` on `a`.`id` = `b`.`author_id` where `b`.`title` = ?', ['b1'], [{ id: 1, name: 'a', age: 30 }]],
    [qb(Author, 'a').leftJoin('a.books', 'b').leftJoin('b.tags', 't').where({ 't.name': 't1' }), 'select `a`.* from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` left join `book_tags` as `b1` on `b`.`id` = `b1`.`book_id` left join `tag` as `t` on `b1`.`tag_id` = `t`.`id` where `t`.`name` = ?', ['t1'], [{ id: 1, name: 'a', age: 30 }]],
    [qb(Author, 'a').leftJoin('a.books', 'b', { 'b.price': { $gt: 5 } }).where({ 'b.id': { $ne: null } }), 'select `a`.* from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` and `b`.`price` > ? where `b`.`id` is not null', [5], [{ id: 1, name: 'a', age: 30 }, { id: 1, name: 'a', age: 30 }]],
    [qb(Book, 'b').select(['b.id', 'b.title', 'a.name']).join('b.author', 'a'), 'select `b`.`id`, `b`.`title`, `a`.`name` from `book` as `b` inner join `author` as `a` on `b`.`author_id` = `a`.`id`', [], [{ id: 1, title: 'b1', name: 'a' }, { id: 2, title: 'b2', name: 'a' }, { id: 3, title: 'b3', name: 'b' }]],
    [qb(Book, 'b').select(['b.author', raw('count(*) as cnt')]).groupBy('b.author'), 'select `b`.`author_id`, count(*) as cnt from `book` as `b` group by `b`.`author_id`', [], [{ author: 1, cnt: counted(2) }, { author: 2, cnt: counted(1) }]],
    [qb(Book, 'b').select(['b.author', raw('count(*) as cnt')]).groupBy('b.author').having('count(*) > ?', [1]), 'select `b`.`author_id`, count(*) as cnt from `book` as `b` group by `b`.`author_id` having (count(*) > ?)', [1], [{ author: 1, cnt: counted(2) }]],
    [qb(Book, 'b').select('author', true), 'select distinct `b`.`author_id` from `book` as `b`', [], [{ author: 1 }, { author: 2 }]],
    [qb(Book, 'b').select('title').distinct(), 'select distinct `b`.`title` from `book` as `b`', [], [{ title: 'b1' }, { title: 'b2' }, { title: 'b3' }]],
    [qb(Author, 'a').count('a.id', true).leftJoin('a.books', 'b').where({ 'b.price': { $gt: 1 } }), 'select count(distinct `a`.`id`) as `count` from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` where `b`.`price` > ?', [1], [{ count: counted(1) }]],
    [qb(Book, 'b').select([sql`upper(title) as up`]), 'select upper(title) as up from `book` as `b`', [], [{ up: 'B1' }, { up: 'B2' }, { up: 'B3' }]],
    // Deliberate difference: MikroORM writes the tag's value into the SQL ('b1'); it stays a parameter here.
    [qb(Book, 'b').where(sql`lower(${sql.ref('b.title')}) = ${'b1'}`), 'select `b`.* from `book` as `b` where (lower(`b`.`title`) = ?)', ['b1'], [{ id: 1, title: 'b1', price: 10, author: 1 }]],
  ];
  for (const [q, text, params, rows] of cases) {
    expect(q.getQuery()).toBe(sqlText(text));
    expect(q.getParams()).toEqual(params);
    // Without `order by` the servers return the rows in any order: they compare sorted.
    const ordered = text.includes(' order by ');
    const result = await q.execute('all');
    expect(ordered ? result : canonical(result)).toEqual(ordered ? rows : canonical(rows));
  }
});

test('…AndSelect joins populate the relations of getResultList()', async () => {
  // (Where the query does not order, the entities compare by id.)
  const books = await qb(Book, 'b').leftJoinAndSelect('b.author', 'a').where({ 'a.name': 'a' }).getResultList();
  expect(byId(books.map(b => wrap(b).toObject()))).toEqual([
    { id: 1, title: 'b1', price: 10, author: { id: 1, name: 'a', age: 30 } },
    { id: 2, title: 'b2', price: 20, author: { id: 1, name: 'a', age: 30 } },
  ]);
  const authors = await qb(Author, 'a').leftJoinAndSelect('a.books', 'b').orderBy({ 'a.id': 'asc', 'b.id': 'asc' }).getResultList();
  expect(authors.map(a => wrap(a).toObject())).toEqual([
    { id: 1, name: 'a', age: 30, books: [{ id: 1, title: 'b1', price: 10, author: 1 }, { id: 2, title: 'b2', price: 20, author: 1 }] },
    { id: 2, name: 'b', age: 40, books: [{ id: 3, title: 'b3', price: null, author: 2 }] },
  ]);
  const tagged = await qb(Book, 'b').leftJoinAndSelect('b.tags', 't').where({ 't.name': 't2' }).getResultList();
  expect(byId(tagged.map(b => wrap(b).toObject()))).toEqual([
    { id: 1, title: 'b1', price: 10, author: 1, tags: [{ id: 2, name: 't2' }] },
    { id: 2, title: 'b2', price: 20, author: 1, tags: [{ id: 2, name: 't2' }] },
  ]);
  const page = await qb(Author, 'a').leftJoinAndSelect('a.books', 'b').limit(1).getResultList();
  expect(page.map(a => a.books.length)).toEqual([2]);
  expect(sqlOf()).toEqual([
    "[query] select `b`.*, `a`.`id` as `a__id`, `a`.`name` as `a__name`, `a`.`age` as `a__age` from `book` as `b` left join `author` as `a` on `b`.`author_id` = `a`.`id` where `a`.`name` = 'a'",
    '[query] select `a`.*, `b`.`id` as `b__id`, `b`.`title` as `b__title`, `b`.`price` as `b__price`, `b`.`author_id` as `b__author_id` from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` order by `a`.`id` asc, `b`.`id` asc',
    "[query] select `b`.*, `t`.`id` as `t__id`, `t`.`name` as `t__name` from `book` as `b` left join `book_tags` as `b1` on `b`.`id` = `b1`.`book_id` left join `tag` as `t` on `b1`.`tag_id` = `t`.`id` where `t`.`name` = 't2'",
    forDriver({
      sqlite:
        '[query] select `a`.*, `b`.`id` as `b__id`, `b`.`title` as `b__title`, `b`.`price` as `b__price`, `b`.`author_id` as `b__author_id` from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` where `a`.`id` in (select `a`.`id` from (select `a`.`id` from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` group by `a`.`id` limit 1) as `a`)',
      // MariaDB takes no limit in an `in` subquery: MikroORM collects the keys with json_arrayagg.
      mariadb:
        '[query] select `a`.*, `b`.`id` as `b__id`, `b`.`title` as `b__title`, `b`.`price` as `b__price`, `b`.`author_id` as `b__author_id` from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` where (json_contains((select json_arrayagg(`a`.`id`) from (select `a`.`id` from `author` as `a` left join `book` as `b` on `a`.`id` = `b`.`author_id` group by `a`.`id` limit 1) as `a`), `a`.`id`))',
    }),
  ]);
  // execute() maps the joined rows to nested objects, as MikroORM.
  expect(byId(await qb(Book, 'b').leftJoinAndSelect('b.author', 'a').where({ 'a.name': 'a' }).execute('all'))).toEqual([
    { id: 1, title: 'b1', price: 10, author: { id: 1, name: 'a', age: 30 } },
    { id: 2, title: 'b2', price: 20, author: { id: 1, name: 'a', age: 30 } },
  ]);
  expect(await qb(Author, 'a').leftJoinAndSelect('a.books', 'b').orderBy({ 'a.id': 'asc', 'b.id': 'asc' }).execute('all')).toEqual([
    { id: 1, name: 'a', age: 30, books: [{ id: 1, title: 'b1', price: 10, author: 1 }, { id: 2, title: 'b2', price: 20, author: 1 }] },
    { id: 2, name: 'b', age: 40, books: [{ id: 3, title: 'b3', price: null, author: 2 }] },
  ]);
  expect(byId(await qb(Book, 'b').leftJoinAndSelect('b.tags', 't').where({ 't.name': 't2' }).execute('all'))).toEqual([
    { id: 1, title: 'b1', price: 10, author: 1, tags: [{ id: 2, name: 't2' }] },
    { id: 2, title: 'b2', price: 20, author: 1, tags: [{ id: 2, name: 't2' }] },
  ]);
});

test('a limit with a joined collection pages the owners, as MikroORM', async () => {
  const em = orm.em.fork();
  const list = await em.find(Author, { age: { $gt: 1 } }, { populate: ['books'], strategy: 'joined', limit: 1, offset: 1, orderBy: { name: 'desc' } });
  // The query orders the authors only: the books compare by id.
  expect(byId(list.map(a => wrap(a).toObject()))).toEqual([{ id: 1, name: 'a', age: 30, books: [{ id: 1, title: 'b1', price: 10, author: 1 }, { id: 2, title: 'b2', price: 20, author: 1 }] }]);
  const [page, count] = await orm.em.fork().findAndCount(Author, {}, { populate: ['books'], strategy: 'joined', limit: 1 });
  expect([page.length, count]).toEqual([1, 2]);
  expect(sqlOf()).toEqual(
    forDriver({
      sqlite: [
        '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`price` as `b1__price`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `a0`.`id` in (select `a0`.`id` from (select `a0`.`id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `a0`.`age` > 1 group by `a0`.`id` order by min(`a0`.`name`) desc limit 1 offset 1) as `a0`) order by `a0`.`name` desc',
        '[query] select count(distinct `a0`.`id`) as `count` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id`',
        '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`price` as `b1__price`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `a0`.`id` in (select `a0`.`id` from (select `a0`.`id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` group by `a0`.`id` limit 1) as `a0`)',
      ],
      // MariaDB takes no limit in an `in` subquery: MikroORM collects the keys with json_arrayagg.
      mariadb: [
        '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`price` as `b1__price`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where (json_contains((select json_arrayagg(`a0`.`id`) from (select `a0`.`id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where `a0`.`age` > 1 group by `a0`.`id` order by min(`a0`.`name`) desc limit 1 offset 1) as `a0`), `a0`.`id`)) order by `a0`.`name` desc',
        '[query] select count(distinct `a0`.`id`) as `count` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id`',
        '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`price` as `b1__price`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where (json_contains((select json_arrayagg(`a0`.`id`) from (select `a0`.`id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id` group by `a0`.`id` limit 1) as `a0`), `a0`.`id`))',
      ],
    }),
  );
});

test('joins of derived tables: a subquery or raw SQL under an alias, and a relation read from a subquery', async () => {
  const em = orm.em.fork();
  const counts = em.createQueryBuilder(Book, 'b').select(['author', sql`count(*)`.as('cnt')]).groupBy('author');
  const withCounts = em.createQueryBuilder(Author, 'a').select(['a.name', 'sb.cnt']).leftJoin(counts, 'sb', { 'sb.author_id': sql.ref('a.id') }).orderBy({ id: 'asc' });
  expect(await withCounts.execute()).toEqual([
    { name: 'a', cnt: counted(2) },
    { name: 'b', cnt: counted(1) },
  ]);
  const table = em.createQueryBuilder(Author, 'a').select(['a.name', 'r.x']).leftJoin(raw('(select 1 as x)'), 'r', { 'r.x': sql.ref('a.id') }).orderBy({ id: 'asc' });
  expect(await table.execute()).toEqual([
    { name: 'a', x: 1 },
    { name: 'b', x: null },
  ]);
  // The relation's rows come from the subquery: only the books it selects are populated.
  const pricey = em.createQueryBuilder(Book, 'b').where({ price: { $gt: 10 } });
  const authors = await em.createQueryBuilder(Author, 'a').select('*').leftJoinAndSelect(['a.books', pricey], 'b').orderBy({ id: 'asc' }).getResultList();
  expect(authors.map(a => [a.name, a.books.getItems().map(b => b.title)])).toEqual([
    ['a', ['b2']],
    ['b', []],
  ]);
  // SQLite and MariaDB have no lateral joins, and PostgreSQL's needs an `on`: the statement is
  // MikroORM's, the database rejects it. (Deliberate difference: MikroORM writes the limit's value
  // into the SQL; it stays a parameter here.)
  const latest = em.createQueryBuilder(Book, 'b').select('title').where({ author: sql.ref('a.id') }).orderBy({ id: 'desc' }).limit(1);
  const lateral = em.createQueryBuilder(Author, 'a').select(['a.*', 'lb.title']).leftJoinLateral(latest, 'lb');
  expect(lateral.getQuery()).toBe(
    sqlText('select `a`.*, `lb`.`title` from `author` as `a` left join lateral (select `b`.`title` from `book` as `b` where `b`.`author_id` = `a`.`id` order by `b`.`id` desc limit ?) as `lb`'),
  );
  await expect(lateral.execute()).rejects.toThrow(forDriver({ sqlite: /syntax error/, mysql: /error in your SQL syntax/ }));
  expect(sqlOf().slice(0, 3)).toEqual([
    'select `a`.`name`, `sb`.`cnt` from `author` as `a` left join (select `b`.`author_id`, count(*) as `cnt` from `book` as `b` group by `b`.`author_id`) as `sb` on `sb`.`author_id` = `a`.`id` order by `a`.`id` asc'.replace(/^/, '[query] '),
    '[query] select `a`.`name`, `r`.`x` from `author` as `a` left join ((select 1 as x)) as `r` on `r`.`x` = `a`.`id` order by `a`.`id` asc',
    '[query] select `a`.*, `b`.`id` as `b__id`, `b`.`title` as `b__title`, `b`.`price` as `b__price`, `b`.`author_id` as `b__author_id` from `author` as `a` left join (select `b`.* from `book` as `b` where `b`.`price` > 10) as `b` on `a`.`id` = `b`.`author_id` order by `a`.`id` asc',
  ]);
});

test('entities without their primary key selected cannot be managed (as MikroORM says)', async () => {
  for (const q of [qb(Author, 'a').select(['name']), qb(Author, 'a').select(['name']).leftJoinAndSelect('a.books', 'b')]) {
    await expect(q.getResultList()).rejects.toThrow("You cannot merge entity 'Author' without identifier!");
  }
});
