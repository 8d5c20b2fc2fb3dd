import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

/** The key read back in an insert's log line: MySQL has no `returning`. */
const returning = forDriver({ sqlite: ' returning `id`', mysql: '' });

const Category = defineEntity({
  name: 'Category',
  properties: { id: p.integer().primary(), name: p.string(), parent: () => p.manyToOne(Category).nullable() },
});
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('references to rows inserted later in the same flush', () => {
  for (const debug of [true, false]) {
    test(`a tree of new entities: one insert, then an extra update per reference (query log ${debug ? 'on' : 'off'})`, async () => {
      const ctx = await setup({ entities: [Category, Tag], debug });
      orm = ctx.orm;
      const em = orm.em.fork();
      const root = em.create(Category, { name: 'root' });
      const c1 = em.create(Category, { name: 'c1', parent: root });
      em.create(Category, { name: 'c2', parent: root });
      em.create(Category, { name: 'c11', parent: c1 });
      await em.flush();
      if (debug) {
        expect(take(ctx.lines)).toEqual([
          '[query] begin',
          `[query] insert into \`category\` (\`name\`) values ('root'), ('c1'), ('c2'), ('c11')${returning} [took X ms, 4 rows affected]`,
          '[query] update `category` set `parent_id` = 1 where `id` = 2 [took X ms, 1 row affected]',
          '[query] update `category` set `parent_id` = 1 where `id` = 3 [took X ms, 1 row affected]',
          '[query] update `category` set `parent_id` = 2 where `id` = 4 [took X ms, 1 row affected]',
          '[query] commit',
        ]);
      }
      expect(await em.execute('select * from category')).toEqual([
        { id: 1, name: 'root', parent_id: null },
        { id: 2, name: 'c1', parent_id: 1 },
        { id: 3, name: 'c2', parent_id: 1 },
        { id: 4, name: 'c11', parent_id: 2 },
      ]);
      // The snapshots hold the references: nothing left to write.
      take(ctx.lines);
      await em.flush();
      expect(take(ctx.lines)).toEqual([]);
    });
  }

  test('extra updates run after the updates and before the deletes; a cycle of new entities is closed by them', async () => {
    const ctx = await setup({ entities: [Category, Tag] });
    orm = ctx.orm;
    let em = orm.em.fork();
    em.create(Tag, { name: 't1' });
    em.create(Tag, { name: 't2' });
    em.create(Category, { name: 'old' });
    await em.flush();
    em = orm.em.fork();
    const [t1, t2] = await em.find(Tag, {});
    const old = await em.findOneOrFail(Category, 1);
    take(ctx.lines);
    t1.name = 't1x';
    em.remove(t2);
    old.name = 'oldx';
    const root = em.create(Category, { name: 'root', parent: old });
    em.create(Category, { name: 'c1', parent: root });
    em.create(Tag, { name: 't3' });
    await em.flush();
    expect(take(ctx.lines)).toEqual([
      '[query] begin',
      `[query] insert into \`tag\` (\`name\`) values ('t3')${returning} [took X ms, 1 row affected]`,
      forDriver({
        sqlite: "[query] insert into `category` (`name`, `parent_id`) values ('root', 1), ('c1', null) returning `id` [took X ms, 2 rows affected]",
        mysql: "[query] insert into `category` (`name`, `parent_id`) values ('root', 1), ('c1', default) [took X ms, 2 rows affected]",
      }),
      "[query] update `tag` set `name` = 't1x' where `id` = 1 [took X ms, 1 row affected]",
      "[query] update `category` set `name` = 'oldx' where `id` = 1 [took X ms, 1 row affected]",
      '[query] update `category` set `parent_id` = 2 where `id` = 3 [took X ms, 1 row affected]',
      '[query] delete from `tag` where `id` in (2) [took X ms, 1 row affected]',
      '[query] commit',
    ]);
    // Two new entities pointing at each other.
    const z = em.create(Category, { name: 'z' });
    const w = em.create(Category, { name: 'w', parent: z });
    z.parent = w;
    await em.flush();
    expect(await em.execute('select id, name, parent_id from category where id > 3')).toEqual([
      { id: 4, name: 'z', parent_id: 5 },
      { id: 5, name: 'w', parent_id: 4 },
    ]);
  });
});
