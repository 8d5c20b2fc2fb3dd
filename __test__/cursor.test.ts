import { afterEach, beforeEach, expect, test } from 'vitest';
import { Cursor, defineEntity, p, ValidationError, type MikroORM } from '@mikro-native/sqlite';
import { failure, setup, take } from './helpers.js';

// The SQL of findByCursor and countBy was produced by MikroORM 7.2.2 for the same calls
// (see differential/corpus.mjs: em.findByCursor_*, em.countBy).

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), team: p.string() } });

let orm: MikroORM;
let lines: string[];
beforeEach(async () => {
  ({ orm, lines } = await setup({ entities: [Author] }));
  const em = orm.em.fork();
  for (const [i, name] of ['a', 'b', 'c', 'd', 'e'].entries()) {
    em.create(Author, { name, team: i % 2 ? 'odd' : 'even' });
  }
  await em.flush();
  take(lines);
});
afterEach(async () => {
  await orm.close();
});

test('findByCursor: pages forwards and backwards with cursors, counts, has-more flags', async () => {
  const names = (c: Cursor<{ name: string }>) => c.items.map(a => a.name);
  const first = await orm.em.fork().findByCursor(Author, { first: 2, orderBy: { id: 'asc' } });
  expect([names(first), first.totalCount, first.hasPrevPage, first.hasNextPage, first.length]).toEqual([['a', 'b'], 5, false, true, 2]);
  const second = await orm.em.fork().findByCursor(Author, { first: 2, after: first.endCursor!, orderBy: { id: 'asc' } });
  expect([names(second), second.hasPrevPage, second.hasNextPage]).toEqual([['c', 'd'], true, true]);
  const last = await orm.em.fork().findByCursor(Author, { first: 2, after: second, orderBy: { id: 'asc' }, includeCount: false });
  expect([names(last), last.totalCount, last.hasNextPage]).toEqual([['e'], undefined, false]);
  const back = await orm.em.fork().findByCursor(Author, { last: 2, before: { id: 4 }, orderBy: { id: 'asc' } });
  expect([names(back), back.hasPrevPage, back.hasNextPage]).toEqual([['b', 'c'], true, true]);
  const multi = await orm.em.fork().findByCursor(Author, { first: 2, after: { team: 'odd', id: 2 }, orderBy: { team: 'desc', id: 'asc' }, includeCount: false, where: { name: { $ne: 'x' } } });
  expect(names(multi)).toEqual(['d', 'a']);
  expect(take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''))).toEqual([
    '[query] select count(*) as `count` from `author` as `a0`',
    '[query] select `a0`.* from `author` as `a0` order by `a0`.`id` asc limit 3',
    '[query] select count(*) as `count` from `author` as `a0`',
    '[query] select `a0`.* from `author` as `a0` where `a0`.`id` > 2 order by `a0`.`id` asc limit 3',
    '[query] select `a0`.* from `author` as `a0` where `a0`.`id` > 4 order by `a0`.`id` asc limit 3',
    '[query] select count(*) as `count` from `author` as `a0`',
    '[query] select `a0`.* from `author` as `a0` where `a0`.`id` < 4 order by `a0`.`id` desc limit 3',
    "[query] select `a0`.* from `author` as `a0` where `a0`.`name` != 'x' and `a0`.`team` <= 'odd' and (`a0`.`team` < 'odd' or `a0`.`id` > 2) order by `a0`.`team` desc, `a0`.`id` asc limit 3",
  ]);
  expect(await failure(orm.em.fork().findByCursor(Author, { first: 1, after: 'not a cursor', orderBy: { id: 'asc' } }))).toBeInstanceOf(ValidationError);
});

test('countBy counts by the grouped values', async () => {
  expect(await orm.em.fork().countBy(Author, 'team')).toEqual({ even: 3, odd: 2 });
  expect(await orm.em.fork().countBy(Author, ['team', 'name'], { where: { name: { $in: ['a', 'b'] } } })).toEqual({ 'even~~~a': 1, 'odd~~~b': 1 });
  expect(take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''))).toEqual([
    '[query] select `a0`.`team`, count(*) as cnt from `author` as `a0` group by `a0`.`team`',
    "[query] select `a0`.`team`, `a0`.`name`, count(*) as cnt from `author` as `a0` where `a0`.`name` in ('a', 'b') group by `a0`.`team`, `a0`.`name`",
  ]);
});
