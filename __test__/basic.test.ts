import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, queries, setup } from './helpers.js';

const Author = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().index(),
    email: p.string().unique(),
    age: p.integer().nullable(),
    createdAt: p.datetime().onCreate(() => new Date(1000)),
    termsAccepted: p.boolean().default(false),
  },
});

let orm: MikroORM;
afterEach(async () => orm?.close());

describe.each([false, true])('basic flow (file: %s)', file => {
  test('create, flush, find, update, delete with MikroORM SQL', async () => {
    const ctx = await setup({ entities: [Author], file });
    orm = ctx.orm;
    const em = orm.em.fork();
    const a = em.create(Author, { name: 'Alice', email: 'a@x', age: 30 });
    em.create(Author, { name: 'Bob', email: 'b@x' });
    await em.flush();
    expect(a.id).toBe(1);
    expect(queries(ctx.lines)).toEqual([
      '[query] begin',
      forDriver({
        sqlite:
          "[query] insert into `author` (`name`, `email`, `age`, `created_at`, `terms_accepted`) values ('Alice', 'a@x', 30, 1000, false), ('Bob', 'b@x', null, 1000, false) returning `id` [took X ms, 2 rows affected]",
        mysql:
          "[query] insert into `author` (`name`, `email`, `age`, `created_at`, `terms_accepted`) values ('Alice', 'a@x', 30, '1970-01-01 00:00:01.000', false), ('Bob', 'b@x', default, '1970-01-01 00:00:01.000', false) [took X ms, 2 rows affected]",
      }),
      '[query] commit',
    ]);
    ctx.lines.length = 0;

    const em2 = orm.em.fork();
    const found = await em2.find(Author, { age: { $gte: 18 } }, { orderBy: { name: 'asc' } });
    expect(found.map(x => wrap(x).toObject())).toEqual([{ id: 1, name: 'Alice', email: 'a@x', age: 30, createdAt: new Date(1000), termsAccepted: false }]);
    found[0].age = 31;
    await em2.flush();
    em2.remove(found[0]);
    await em2.flush();
    expect(queries(ctx.lines)).toEqual([
      '[query] select `a0`.* from `author` as `a0` where `a0`.`age` >= 18 order by `a0`.`name` asc [took X ms, 1 result]',
      '[query] begin',
      '[query] update `author` set `age` = 31 where `id` = 1 [took X ms, 1 row affected]',
      '[query] commit',
      '[query] begin',
      '[query] delete from `author` where `id` in (1) [took X ms, 1 row affected]',
      '[query] commit',
    ]);
    expect(await orm.em.fork().count(Author)).toBe(1);
  });
});

describe('filter values', () => {
  const Counter = defineEntity({
    name: 'Counter',
    properties: { id: p.integer().primary(), big: p.bigint(), label: p.string() },
  });

  test('entity instances (nested too) query by their primary key, bigints by their digits', async () => {
    const ctx = await setup({ entities: [Counter] });
    orm = ctx.orm;
    const em = orm.em.fork();
    const a = em.create(Counter, { big: 9007199254740993n, label: 'a' });
    const b = em.create(Counter, { big: 2n, label: 'b' });
    await em.flush();
    ctx.lines.length = 0;
    const em2 = orm.em.fork();
    const byEntity = await em2.find(Counter, { id: { $in: [a, b] } as never }, { orderBy: { id: 'asc' } });
    expect(byEntity.map(c => c.label)).toEqual(['a', 'b']);
    const byBig = await em2.find(Counter, { big: 9007199254740993n });
    expect(byBig.map(c => c.big)).toEqual([9007199254740993n]);
    expect(queries(ctx.lines)).toEqual([
      '[query] select `c0`.* from `counter` as `c0` where `c0`.`id` in (1, 2) order by `c0`.`id` asc [took X ms, 2 results]',
      "[query] select `c0`.* from `counter` as `c0` where `c0`.`big` = '9007199254740993' [took X ms, 1 result]",
    ]);
  });
});
