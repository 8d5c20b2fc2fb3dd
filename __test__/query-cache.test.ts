import { afterEach, beforeEach, expect, test } from 'vitest';
import { defineEntity, p, raw, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup, take } from './helpers.js';

// Compiled SQL is cached by query shape (the query without its condition values). These tests
// run queries of one shape with many values, and shapes where a value changes the SQL, against
// a real database. Debug builds (this suite) also check every cache hit against a full compile.

const Item = defineEntity({
  name: 'Item',
  properties: {
    id: p.integer().primary(),
    name: p.string().nullable(),
    qty: p.integer(),
    price: p.double(),
    at: p.datetime(),
    meta: p.json<Record<string, unknown>>().nullable(),
  },
});

let orm: MikroORM;
let lines: string[];
const names = ['plain', "it's", 'quote"d', 'back\\slash', 'naïve ✓', '\u0001x:s0', '', null];
beforeEach(async () => {
  ({ orm, lines } = await setup({ entities: [Item] }));
  const em = orm.em.fork();
  names.forEach((name, i) => em.create(Item, { id: i + 1, name, qty: i * 10, price: i + 0.5, at: new Date(Date.UTC(2024, 0, i + 1)), meta: { rank: i, tag: `t${i}` } }));
  await em.flush();
  take(lines);
});
afterEach(async () => {
  await orm.close();
});

const stats = () => JSON.parse(orm.em.getDriver().native.queryCacheStats()) as { hits: number; misses: number };

test('one shape, many values: compiled once, every value bound', async () => {
  const before = stats();
  for (let id = 1; id <= names.length; id++) {
    const item = await orm.em.fork().findOne(Item, { id });
    expect(item?.name).toBe(names[id - 1]);
  }
  // Strings with quotes, backslashes, non-ASCII and control characters are bound as given.
  for (const name of names.filter(n => n !== null)) {
    const found = await orm.em.fork().find(Item, { name });
    expect(found.map(i => i.name)).toEqual([name]);
  }
  const after = stats();
  expect(after.misses - before.misses).toBe(2);
  expect(after.hits - before.hits).toBe(names.length - 1 + names.length - 2);
  expect(take(lines).slice(0, 2)).toEqual([
    '[query] select `i0`.* from `item` as `i0` where `i0`.`id` = 1 limit 1 [took X ms, 1 result]',
    '[query] select `i0`.* from `item` as `i0` where `i0`.`id` = 2 limit 1 [took X ms, 1 result]',
  ]);
});

test('values that change the SQL are shapes of their own', async () => {
  const em = orm.em.fork();
  expect((await em.find(Item, { name: null })).map(i => i.id)).toEqual([8]);
  expect((await em.find(Item, { name: 'plain' })).map(i => i.id)).toEqual([1]);
  expect((await em.find(Item, { id: { $in: [1, 2] } })).map(i => i.id)).toEqual([1, 2]);
  expect((await em.find(Item, { id: { $in: [3, 4, 5] } })).map(i => i.id)).toEqual([3, 4, 5]);
  expect(await em.find(Item, { id: { $in: [] } })).toEqual([]);
  expect((await em.find(Item, { name: { $exists: false } })).map(i => i.id)).toEqual([8]);
  expect((await em.find(Item, { name: { $exists: true } }, { orderBy: { id: 'asc' } })).map(i => i.id)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  expect(take(lines).map(l => l.replace(/ \[took.*/, ''))).toEqual([
    '[query] select `i0`.* from `item` as `i0` where `i0`.`name` is null',
    "[query] select `i0`.* from `item` as `i0` where `i0`.`name` = 'plain'",
    '[query] select `i0`.* from `item` as `i0` where `i0`.`id` in (1, 2)',
    '[query] select `i0`.* from `item` as `i0` where `i0`.`id` in (3, 4, 5)',
    '[query] select `i0`.* from `item` as `i0` where 1 = 0',
    '[query] select `i0`.* from `item` as `i0` where `i0`.`name` is null',
    '[query] select `i0`.* from `item` as `i0` where `i0`.`name` is not null order by `i0`.`id` asc',
  ]);
});

test('converted values (dates, numbers given as text, JSON paths) bind per value', async () => {
  for (let day = 1; day <= 8; day++) {
    const em = orm.em.fork();
    const after = await em.find(Item, { at: { $gte: new Date(Date.UTC(2024, 0, day)) } });
    expect(after).toHaveLength(9 - day);
    expect((await em.find(Item, { qty: String(day * 10) as never })).map(i => i.id)).toEqual(day < 8 ? [day + 1] : []);
    expect((await em.find(Item, { meta: { rank: day - 1 } })).map(i => i.id)).toEqual([day]);
    expect((await em.find(Item, { meta: { tag: `t${day - 1}` } })).map(i => i.id)).toEqual([day]);
    expect((await em.find(Item, { price: { $lt: day } })).length).toBe(day);
  }
});

test('QueryBuilder conditions and raw fragments', async () => {
  for (const qty of [0, 30, 70]) {
    const qb = orm.em.fork().createQueryBuilder(Item, 'i').select(['id']).where({ qty: { $gte: qty } }).andWhere(raw('i.price > ?', [qty / 10]));
    expect(qb.getParams()).toEqual([qty, qty / 10]);
    const rows = (await qb.execute('all')) as { id: number }[];
    expect(rows.map(r => r.id)).toEqual(names.map((_, i) => i + 1).filter(id => (id - 1) * 10 >= qty && id - 0.5 > qty / 10));
  }
  const before = stats();
  for (const qty of [1, 2, 3]) {
    const qb = orm.em.fork().createQueryBuilder(Item, 'i').where({ qty }).orderBy({ id: 'desc' });
    // (PostgreSQL's getQuery() as @mikro-orm/postgresql 7.2.1 returns it.)
    expect(qb.getQuery()).toBe(
      forDriver({
        sqlite: 'select `i`.* from `item` as `i` where `i`.`qty` = ? order by `i`.`id` desc',
        postgresql: 'select "i".* from "item" as "i" where "i"."qty" = ? order by "i"."id" desc',
      }),
    );
    expect(qb.getParams()).toEqual([qty]);
  }
  expect(stats().hits - before.hits).toBeGreaterThanOrEqual(4);
});

test('a date compared with a Date or with a date-only string: getParams() shows each as given', async () => {
  const Day = defineEntity({ name: 'Day', properties: { id: p.integer().primary(), on: p.date() } });
  const { orm: other } = await setup({ entities: [Day] });
  const em = other.em.fork();
  const params = (on: unknown) => em.createQueryBuilder(Day, 'd').where({ on: { $gte: on } }).getParams();
  expect(params(new Date('2024-01-05T00:00:00.000Z'))).toEqual([new Date('2024-01-05T00:00:00.000Z')]);
  expect(params('2024-01-05')).toEqual(['2024-01-05']);
  expect(params(new Date('2024-02-01T00:00:00.000Z'))).toEqual([new Date('2024-02-01T00:00:00.000Z')]);
  expect(params('2024-02-01')).toEqual(['2024-02-01']);
  await other.close();
});
