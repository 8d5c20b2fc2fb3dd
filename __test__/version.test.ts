import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, OptimisticLockError, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import { failure, forDriver, setup, take } from './helpers.js';

// Expected SQL was produced by MikroORM 7.2.2 running the same calls.

const Doc = defineEntity({ name: 'Doc', properties: { id: p.integer().primary(), title: p.string(), version: p.integer().version() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe.each([true, false])('version properties (query log on: %s)', logged => {
  test('start at 1, increment with each update, and stale rows fail with OptimisticLockError', async () => {
    const ctx = await setup({ entities: [Doc], ...(logged ? {} : { debug: false }) });
    orm = ctx.orm;
    if (logged) {
      const ddl = (await orm.schema.getCreateSchemaSQL()).split('\n');
      expect(ddl.find(l => l.startsWith('create table'))).toBe(
        forDriver({
          sqlite: 'create table `doc` (`id` integer not null primary key autoincrement, `title` text not null, `version` integer not null default 1);',
          postgresql: 'create table "doc" ("id" serial primary key, "title" varchar(255) not null, "version" int not null default 1);',
          mysql:
            'create table `doc` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null, `version` int not null default 1) default character set utf8mb4 engine = InnoDB;',
        }),
      );
    }
    const em = orm.em.fork();
    const d = em.create(Doc, { title: 'A' });
    const d2 = em.create(Doc, { title: 'B' });
    await em.flush();
    expect([d.version, d2.version]).toEqual([1, 1]);
    expect(wrap(d).toObject()).toEqual({ id: 1, title: 'A', version: 1 });
    d.title = 'A2';
    await em.flush();
    expect(d.version).toBe(2);
    d.title = 'A3';
    d2.title = 'B2';
    await em.flush();
    expect([d.version, d2.version]).toEqual([3, 2]);
    if (logged) {
      expect(take(ctx.lines)).toEqual(
        forDriver({
          sqlite: [
            '[query] begin',
            "[query] insert into `doc` (`title`) values ('A'), ('B') returning `id`, `version` [took X ms, 2 rows affected]",
            '[query] commit',
            '[query] begin',
            "[query] update `doc` set `title` = 'A2', `version` = `version` + 1 where `id` = 1 and `version` = 1 returning `version` [took X ms, 1 row affected]",
            '[query] commit',
            '[query] begin',
            '[query] select `d0`.`id` from `doc` as `d0` where ((`d0`.`id` = 1 and `d0`.`version` = 2) or (`d0`.`id` = 2 and `d0`.`version` = 1)) order by `d0`.`id` asc [took X ms, 2 results]',
            "[query] update `doc` set `title` = case when (`id` = 1) then 'A3' when (`id` = 2) then 'B2' else `title` end, `version` = `version` + 1 where `id` in (1, 2) returning `id`, `version` [took X ms, 2 rows affected]",
            '[query] commit',
          ],
          // No returning clause: the new versions are selected after each write.
          mysql: [
            '[query] begin',
            "[query] insert into `doc` (`title`) values ('A'), ('B') [took X ms, 2 rows affected]",
            '[query] select `d0`.`id`, `d0`.`version` from `doc` as `d0` where `d0`.`id` in (1, 2) [took X ms, 2 results]',
            '[query] commit',
            '[query] begin',
            "[query] update `doc` set `title` = 'A2', `version` = `version` + 1 where `id` = 1 and `version` = 1 [took X ms, 1 row affected]",
            '[query] select `d0`.`id`, `d0`.`version` from `doc` as `d0` where `d0`.`id` in (1) [took X ms, 1 result]',
            '[query] commit',
            '[query] begin',
            '[query] select `d0`.`id` from `doc` as `d0` where ((`d0`.`id` = 1 and `d0`.`version` = 2) or (`d0`.`id` = 2 and `d0`.`version` = 1)) order by `d0`.`id` asc [took X ms, 2 results]',
            "[query] update `doc` set `title` = case when (`id` = 1) then 'A3' when (`id` = 2) then 'B2' else `title` end, `version` = `version` + 1 where `id` in (1, 2) [took X ms, 2 rows affected]",
            '[query] select `d0`.`id`, `d0`.`version` from `doc` as `d0` where `d0`.`id` in (1, 2) [took X ms, 2 results]',
            '[query] commit',
          ],
        }),
      );
    }
    // Another context changes the row: this context's copy is stale.
    const other = orm.em.fork();
    (await other.findOneOrFail(Doc, 1)).title = 'other';
    await other.flush();
    ctx.lines.length = 0;
    d.title = 'stale';
    const err = await failure(em.flush());
    expect(err).toBeInstanceOf(OptimisticLockError);
    expect(err.message).toBe('The optimistic lock on entity Doc failed');
    expect(d.version).toBe(3);
    if (logged) {
      expect(take(ctx.lines)).toEqual([
        '[query] begin',
        forDriver({
          sqlite:
            "[query] update `doc` set `title` = 'stale', `version` = `version` + 1 where `id` = 1 and `version` = 3 returning `version` [took X ms, 0 rows affected]",
          mysql: "[query] update `doc` set `title` = 'stale', `version` = `version` + 1 where `id` = 1 and `version` = 3 [took X ms, 0 rows affected]",
        }),
        '[query] rollback',
      ]);
    }
    // Several stale rows at once: the check finds fewer than expected.
    const fresh = orm.em.fork();
    const [x, y] = await fresh.find(Doc, {}, { orderBy: { id: 'asc' } });
    await orm.em.fork().nativeUpdate(Doc, { id: 2 }, { title: 'changed behind' });
    await orm.em.fork().execute('update doc set version = version + 1 where id = 2');
    x.title = 'x';
    y.title = 'y';
    expect(await failure(fresh.flush())).toBeInstanceOf(OptimisticLockError);
    expect((await orm.em.fork().findOneOrFail(Doc, 1)).title).toBe('other');
  });
});
