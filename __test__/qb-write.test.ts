import { afterEach, beforeEach, expect, test } from 'vitest';
import { defineEntity, LockMode, OptimisticLockError, p, raw, sql, ValidationError, wrap, type MikroORM } from '@mikro-native/sqlite';
import { driver, failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls (7.2.1 on the
// servers), except where a comment says otherwise.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), email: p.string().unique(), age: p.integer().nullable() } });

let orm: MikroORM;
let lines: string[];
beforeEach(async () => {
  ({ orm, lines } = await setup({ entities: [Author] }));
});
afterEach(async () => {
  await orm.close();
});

const sqlOf = () => take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));
const qb = () => orm.em.fork().createQueryBuilder(Author);
/** MySQL or MariaDB: no `returning`, and strings concatenate with concat(). */
const mysql = driver.name === 'mysql' || driver.name === 'mariadb';
/** A count as a raw row holds it: PostgreSQL's bigint count comes as a string. */
const counted = (n: number) => (driver.name === 'postgresql' ? String(n) : n);
/** Rows sorted by id, for queries that leave the order to the server. */
const byId = <T extends { id: number }>(rows: T[]) => [...rows].sort((x, y) => x.id - y.id);

test('inserts with onConflict merge/ignore and returning; update returning; truncate', async () => {
  // MySQL has no `returning`: an insert's result carries the first new id instead.
  expect(await qb().insert({ name: 'a', email: 'a@x' }).execute('run')).toEqual(
    forDriver({ sqlite: { affectedRows: 1, row: { id: 1 }, rows: [{ id: 1 }] }, mysql: { affectedRows: 1, insertId: 1, rows: [] } }),
  );
  expect(await qb().insert([{ name: 'b', email: 'b@x' }, { name: 'c', email: 'c@x', age: 3 }]).execute('run')).toEqual(
    forDriver({ sqlite: { affectedRows: 2, row: { id: 2 }, rows: [{ id: 2 }, { id: 3 }] }, mysql: { affectedRows: 2, insertId: 2, rows: [] } }),
  );
  await qb().insert({ name: 'a2', email: 'a@x' }).onConflict('email').merge().execute('run');
  await qb().insert({ name: 'a3', email: 'a@x', age: 5 }).onConflict('email').merge(['name']).execute('run');
  await qb().insert({ name: 'a4', email: 'a@x' }).onConflict(['email']).merge({ age: 9 }).execute('run');
  expect(await qb().insert({ name: 'zz', email: 'a@x' }).onConflict('email').ignore().execute('run')).toEqual({ affectedRows: 0, rows: [] });
  expect(await qb().insert({ name: 'd', email: 'd@x' }).returning(['id', 'name']).execute('run')).toEqual(
    forDriver({ sqlite: { affectedRows: 1, row: { id: 8, name: 'd' }, rows: [{ id: 8, name: 'd' }] }, mysql: { affectedRows: 1, insertId: 8, rows: [] } }),
  );
  expect(await qb().update({ age: 1 }).where({ name: 'b' }).returning('*').execute('run')).toEqual(
    forDriver({ sqlite: { affectedRows: 1, row: { id: 2, name: 'b', email: 'b@x', age: 1 }, rows: [{ id: 2, name: 'b', email: 'b@x', age: 1 }] }, mysql: { affectedRows: 1, rows: [] } }),
  );
  expect(await orm.em.fork().find(Author, {}, { orderBy: { id: 'asc' } }).then(l => l.map(a => wrap(a).toObject()))).toEqual([
    { id: 1, name: 'a3', email: 'a@x', age: 9 },
    { id: 2, name: 'b', email: 'b@x', age: 1 },
    { id: 3, name: 'c', email: 'c@x', age: 3 },
    { id: 8, name: 'd', email: 'd@x', age: null },
  ]);
  // SQLite's truncate is a delete, which counts its rows; the servers' truncate counts none.
  expect((await qb().truncate().execute('run')).affectedRows).toBe(forDriver({ sqlite: 4, postgresql: 0, mysql: 0 }));
  // PostgreSQL writes the same statements (its quotes read as backticks), but its own truncate.
  const logged = [
    "[query] insert into `author` (`name`, `email`) values ('a', 'a@x') returning `id`",
    "[query] insert into `author` (`name`, `email`, `age`) values ('b', 'b@x', null), ('c', 'c@x', 3) returning `id`",
    "[query] insert into `author` (`name`, `email`) values ('a2', 'a@x') on conflict (`email`) do update set `name` = excluded.`name`, `email` = excluded.`email` returning `id`",
    "[query] insert into `author` (`name`, `email`, `age`) values ('a3', 'a@x', 5) on conflict (`email`) do update set `name` = excluded.`name` returning `id`",
    "[query] insert into `author` (`name`, `email`) values ('a4', 'a@x') on conflict (`email`) do update set `age` = 9 returning `id`",
    "[query] insert into `author` (`name`, `email`) values ('zz', 'a@x') on conflict (`email`) do nothing returning `id`",
    "[query] insert into `author` (`name`, `email`) values ('d', 'd@x') returning `id`, `name`",
    "[query] update `author` set `age` = 1 where `name` = 'b' returning *",
    '[query] select `a0`.* from `author` as `a0` order by `a0`.`id` asc',
  ];
  expect(sqlOf()).toEqual(
    forDriver({
      sqlite: [...logged, '[query] delete from `author`'],
      postgresql: [...logged, '[query] truncate table `author` restart identity cascade'],
      mysql: [
        "[query] insert into `author` (`name`, `email`) values ('a', 'a@x')",
        "[query] insert into `author` (`name`, `email`, `age`) values ('b', 'b@x', default), ('c', 'c@x', 3)",
        "[query] insert into `author` (`name`, `email`) values ('a2', 'a@x') on duplicate key update `name` = values(`name`), `email` = values(`email`)",
        "[query] insert into `author` (`name`, `email`, `age`) values ('a3', 'a@x', 5) on duplicate key update `name` = values(`name`)",
        "[query] insert into `author` (`name`, `email`) values ('a4', 'a@x') on duplicate key update `age` = 9",
        "[query] insert ignore into `author` (`name`, `email`) values ('zz', 'a@x')",
        "[query] insert into `author` (`name`, `email`) values ('d', 'd@x')",
        "[query] update `author` set `age` = 1 where `name` = 'b'",
        '[query] select `a0`.* from `author` as `a0` order by `a0`.`id` asc',
        '[query] truncate table `author`',
      ],
    }),
  );
});

test('subqueries as values and columns; raw fragments as values; locks', async () => {
  await qb().insert([{ name: 'a', email: 'a@x', age: 3 }, { name: 'b', email: 'b@x', age: 4 }]).execute();
  take(lines);
  const em = orm.em.fork();
  const sub = em.createQueryBuilder(Author, 'x').select('x.id').where({ age: 3 });
  expect(await em.createQueryBuilder(Author, 'a').where({ id: { $in: sub } }).execute()).toEqual([{ id: 1, name: 'a', email: 'a@x', age: 3 }]);
  const count = em.createQueryBuilder(Author, 'x').count().where({ age: { $gt: 0 } }).as('cnt');
  expect(byId(await em.createQueryBuilder(Author, 'a').select(['a.id', count]).execute())).toEqual([{ id: 1, cnt: counted(2) }, { id: 2, cnt: counted(2) }]);
  // Deliberate difference: MikroORM 7.2.2 writes these values into the SQL (`> 0`, `age + 10`);
  // here they stay bound parameters.
  await em.createQueryBuilder(Author).update({ age: raw('age + ?', [10]) }).where({ id: 1 }).execute();
  expect(await em.createQueryBuilder(Author, 'a').select(['name', 'age']).where({ age: raw('a.id + 12') }).execute()).toEqual([{ name: 'a', age: 13 }]);
  expect(await em.createQueryBuilder(Author, 'a').select([sql`upper(name)`.as('up')]).orderBy({ id: 'asc' }).execute()).toEqual([{ up: 'A' }, { up: 'B' }]);
  expect(sqlOf()).toEqual([
    "[query] select `a`.* from `author` as `a` where `a`.`id` in (select `x`.`id` from `author` as `x` where `x`.`age` = 3)",
    '[query] select `a`.`id`, (select count(*) as `count` from `author` as `x` where `x`.`age` > 0) as `cnt` from `author` as `a`',
    forDriver({ sqlite: '[query] update `author` set `age` = age + 10 where `id` = 1 returning `age`', mysql: '[query] update `author` set `age` = age + 10 where `id` = 1' }),
    '[query] select `a`.`name`, `a`.`age` from `author` as `a` where `a`.`age` = a.id + 12',
    '[query] select upper(name) as `up` from `author` as `a` order by `a`.`id` asc',
  ]);
  expect(await failure(() => em.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.PESSIMISTIC_WRITE))).toBeInstanceOf(ValidationError);
  expect(await failure(() => em.createQueryBuilder(Author, 'a').select('*').setLockMode(LockMode.OPTIMISTIC))).toBeInstanceOf(OptimisticLockError);
  // SQLite takes no lock clause, as MikroORM; the servers lock the row `for update`.
  const locked = await em.transactional(tx => tx.createQueryBuilder(Author, 'a').where({ id: 2 }).setLockMode(LockMode.PESSIMISTIC_WRITE).getResultList());
  expect(locked.map(a => a.name)).toEqual(['b']);
  expect(sqlOf()).toEqual([
    '[query] begin',
    forDriver({ sqlite: '[query] select `a`.* from `author` as `a` where `a`.`id` = 2', postgresql: '[query] select `a`.* from `author` as `a` where `a`.`id` = 2 for update', mysql: '[query] select `a`.* from `author` as `a` where `a`.`id` = 2 for update' }),
    '[query] commit',
  ]);
});

test('common table expressions, unions and from(): the rows they select', async () => {
  await qb().insert([{ name: 'a', email: 'a@x', age: 10 }, { name: 'b', email: 'b@x', age: 40 }, { name: 'c', email: 'c@x', age: 70 }]).execute();
  take(lines);
  const em = orm.em.fork();
  const young = em.createQueryBuilder(Author, 'y').select(['id']).where({ age: { $lt: 20 } });
  expect(await em.createQueryBuilder(Author, 'a').with('young', young).select('*').where({ id: { $in: raw('(select id from young)') } }).execute()).toEqual([{ id: 1, name: 'a', email: 'a@x', age: 10 }]);
  const union = em.createQueryBuilder(Author, 'a').select(['id', 'name']).where({ age: { $lt: 18 } }).union(em.createQueryBuilder(Author, 'a2').select(['id', 'name']).where({ age: { $gt: 60 } }));
  expect(byId(await union.execute())).toEqual([{ id: 1, name: 'a' }, { id: 3, name: 'c' }]);
  const sub = em.createQueryBuilder(Author, 'a').select(['id', 'name']).orderBy({ id: 'desc' }).limit(2);
  expect(await em.createQueryBuilder(Author).from(sub, 'sub').where({ name: { $like: 'b%' } }).execute()).toEqual([{ id: 2, name: 'b' }]);
  const seq = await em.createQueryBuilder(Author).withRecursive('seq', raw('select 1 as n union all select n + 1 from seq where n < ?', [3])).select('*').from('seq').execute('all', false);
  expect(seq).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  expect(sqlOf()).toEqual([
    "[query] with `young` as (select `y`.`id` from `author` as `y` where `y`.`age` < 20) select `a`.* from `author` as `a` where `a`.`id` in ((select id from young))",
    // Deliberate difference on SQLite: MikroORM parenthesizes each select, which SQLite rejects
    // (the servers take them).
    forDriver({
      sqlite: '[query] select `a`.`id`, `a`.`name` from `author` as `a` where `a`.`age` < 18 union select `a2`.`id`, `a2`.`name` from `author` as `a2` where `a2`.`age` > 60',
      postgresql: '[query] (select `a`.`id`, `a`.`name` from `author` as `a` where `a`.`age` < 18) union (select `a2`.`id`, `a2`.`name` from `author` as `a2` where `a2`.`age` > 60)',
      mysql: '[query] (select `a`.`id`, `a`.`name` from `author` as `a` where `a`.`age` < 18) union (select `a2`.`id`, `a2`.`name` from `author` as `a2` where `a2`.`age` > 60)',
    }),
    "[query] select `sub`.* from (select `a`.`id`, `a`.`name` from `author` as `a` order by `a`.`id` desc limit 2) as `sub` where `sub`.`name` like 'b%'",
    '[query] with recursive `seq` as (select 1 as n union all select n + 1 from seq where n < 3) select `a0`.* from `seq` as `a0`',
  ]);
});

test('subqueries as compared values, raw(qb) and qb in the sql tag; having on select aliases; counts of several columns; execute() of writes', async () => {
  await qb().insert([{ name: 'a', email: 'a@x', age: 10 }, { name: 'b', email: 'b@x', age: 20 }, { name: 'c', email: 'c@x', age: 20 }, { name: 'd', email: 'd@x', age: 30 }]).execute('run');
  take(lines);
  const em = orm.em.fork();
  const avg = em.createQueryBuilder(Author, 'x').select(sql`avg(x.age)`);
  expect(await em.createQueryBuilder(Author, 'a').select(['name']).where({ age: { $gt: avg } }).orderBy({ id: 'asc' }).execute()).toEqual([{ name: 'd' }]);
  const max = em.createQueryBuilder(Author, 'x').select(sql`max(x.age)`);
  expect(await em.createQueryBuilder(Author, 'a').select(['name']).where({ age: max }).execute()).toEqual([{ name: 'd' }]);
  const ids = em.createQueryBuilder(Author, 'x').select('id').where({ age: 20 });
  expect(await em.createQueryBuilder(Author, 'a').select(['name']).where({ id: { $in: raw(ids) } }).orderBy({ id: 'asc' }).execute()).toEqual([{ name: 'b' }, { name: 'c' }]);
  const older = em.createQueryBuilder(Author, 'x').select('id').where({ age: { $gt: sql.ref('a.age') } });
  expect(await em.createQueryBuilder(Author, 'a').select(['name']).where(sql`not exists (${older})`).execute()).toEqual([{ name: 'd' }]);
  // An alias of the select list in `having`, after the conditions on properties (PostgreSQL
  // takes no such alias there: the statement is MikroORM's, PostgreSQL rejects it).
  const byAge = em.createQueryBuilder(Author, 'a').select(['age', raw('count(*) as cnt')]).groupBy('age').having({ cnt: { $gt: 1 }, age: { $gte: 0 } });
  const grouped = await byAge.execute().catch((e: Error) => e.message);
  expect(grouped).toEqual(forDriver<unknown>({ sqlite: [{ age: 20, cnt: 2 }], postgresql: 'column "cnt" does not exist' }));
  expect(await em.createQueryBuilder(Author, 'a').count(['age'], true).execute('get')).toEqual({ count: counted(3) });
  expect(await em.createQueryBuilder(Author, 'a').count(['name', 'age'], true).execute('get')).toEqual({ count: counted(4) });
  const named = em.createQueryBuilder(Author, 'x').select(sql`count(*)`).where({ age: { $lt: sql.ref('a.age') } }).as(Author, 'age');
  expect(await em.createQueryBuilder(Author, 'a').select(['name', named]).orderBy({ id: 'asc' }).execute()).toEqual([
    { name: 'a', age: counted(0) },
    { name: 'b', age: counted(1) },
    { name: 'c', age: counted(1) },
    { name: 'd', age: counted(3) },
  ]);
  // Writes: `get` gives the first returned row, `all` the rows an update returned (raw values
  // are returned), `run` the result. MySQL returns no rows.
  expect(await qb().update({ age: raw('age + 1') }).where({ name: 'a' }).execute('get')).toEqual(mysql ? null : { age: 11 });
  expect(await qb().update({ age: raw('age * 2') }).where({ age: 20 }).execute('all')).toEqual(forDriver({ sqlite: [{ age: 40 }, { age: 40 }], mysql: [] }));
  expect(await qb().update({ name: 'dd' }).where({ name: 'd' }).execute('get')).toBeNull();
  expect(await qb().insert({ name: 'e', email: 'e@x' }).execute('get')).toEqual(mysql ? null : { id: 5 });
  expect(sqlOf()).toEqual([
    '[query] select `a`.`name` from `author` as `a` where `a`.`age` > (select avg(x.age) from `author` as `x`) order by `a`.`id` asc',
    '[query] select `a`.`name` from `author` as `a` where `a`.`age` = (select max(x.age) from `author` as `x`)',
    '[query] select `a`.`name` from `author` as `a` where `a`.`id` in (select `x`.`id` from `author` as `x` where `x`.`age` = 20) order by `a`.`id` asc',
    '[query] select `a`.`name` from `author` as `a` where (not exists (select `x`.`id` from `author` as `x` where `x`.`age` > `a`.`age`))',
    '[query] select `a`.`age`, count(*) as cnt from `author` as `a` group by `a`.`age` having `a`.`age` >= 0 and `cnt` > 1',
    '[query] select count(distinct `a`.`age`) as `count` from `author` as `a`',
    forDriver({
      sqlite: '[query] select count(*) as `count` from ( select distinct `a`.`name`, `a`.`age` from `author` as `a` ) as `dcnt`',
      mysql: '[query] select count(distinct `a`.`name`, `a`.`age`) as `count` from `author` as `a`',
    }),
    '[query] select `a`.`name`, (select count(*) from `author` as `x` where `x`.`age` < `a`.`age`) as `age` from `author` as `a` order by `a`.`id` asc',
    forDriver({ sqlite: "[query] update `author` set `age` = age + 1 where `name` = 'a' returning `age`", mysql: "[query] update `author` set `age` = age + 1 where `name` = 'a'" }),
    forDriver({ sqlite: '[query] update `author` set `age` = age * 2 where `age` = 20 returning `age`', mysql: '[query] update `author` set `age` = age * 2 where `age` = 20' }),
    "[query] update `author` set `name` = 'dd' where `name` = 'd'",
    forDriver({ sqlite: "[query] insert into `author` (`name`, `email`) values ('e', 'e@x') returning `id`", mysql: "[query] insert into `author` (`name`, `email`) values ('e', 'e@x')" }),
  ]);
});

test('insertFrom, a raw conflict target, withSubQuery', async () => {
  await qb().insert([{ name: 'a', email: 'a@x', age: 10 }, { name: 'b', email: 'b@x', age: 20 }]).execute('run');
  take(lines);
  const em = orm.em.fork();
  // Copies of the authors over 15, with their email changed.
  const copy = em.createQueryBuilder(Author, 'a').select([mysql ? sql`concat(a.name, '2')` : sql`a.name || '2'`, mysql ? sql`concat('2', a.email)` : sql`'2' || a.email`, 'age']).where({ age: { $gt: 15 } });
  expect(await em.createQueryBuilder(Author).insertFrom(copy, { columns: ['name', 'email', 'age'] }).execute('run')).toEqual(
    forDriver({ sqlite: { affectedRows: 1, row: { id: 3 }, rows: [{ id: 3 }] }, mysql: { affectedRows: 1, insertId: 3, rows: [] } }),
  );
  // A partial unique index is the conflict target. MySQL has no partial indexes, nor conflict
  // targets: a unique index on the name makes its `insert ignore` skip the row.
  await em.execute(mysql ? 'create unique index author_name_young on author (name)' : 'create unique index author_name_young on author (name) where age < 15');
  const res = await em.createQueryBuilder(Author).insert({ name: 'a', email: 'a3@x', age: 1 }).onConflict(raw('(name) where age < 15')).ignore().execute('run');
  expect(res.affectedRows).toBe(0);
  const older = em.createQueryBuilder(Author, 'x').count().where({ age: { $gt: sql.ref('a.age') } });
  const ranked = em.createQueryBuilder(Author, 'a').select(['name']).withSubQuery(older.toRaw(), 'a.olderCount').where({ olderCount: 0 } as never).orderBy({ id: 'asc' });
  expect(await ranked.execute()).toEqual([{ name: 'b' }, { name: 'b2' }]);
  expect(sqlOf()).toEqual([
    ...forDriver({
      sqlite: [
        "[query] insert into `author` (`name`, `email`, `age`) select a.name || '2', '2' || a.email, `a`.`age` from `author` as `a` where `a`.`age` > 15 returning `id`",
        '[query] create unique index author_name_young on author (name) where age < 15',
        "[query] insert into `author` (`name`, `email`, `age`) values ('a', 'a3@x', 1) on conflict (name) where age < 15 do nothing returning `id`",
      ],
      mysql: [
        "[query] insert into `author` (`name`, `email`, `age`) select concat(a.name, '2'), concat('2', a.email), `a`.`age` from `author` as `a` where `a`.`age` > 15",
        '[query] create unique index author_name_young on author (name)',
        "[query] insert ignore into `author` (`name`, `email`, `age`) values ('a', 'a3@x', 1)",
      ],
    }),
    '[query] select `a`.`name` from `author` as `a` where (select count(*) as `count` from `author` as `x` where `x`.`age` > `a`.`age`) = 0 order by `a`.`id` asc',
  ]);
});

test('raw(alias => …) takes the query alias; a subquery as a condition key', async () => {
  await qb().insert([{ name: 'Ann', email: 'a@x', age: 10 }, { name: 'bob', email: 'b@x', age: 20 }]).execute('run');
  take(lines);
  const em = orm.em.fork();
  const found = await em.find(Author, { [raw(alias => `lower(${alias}.name)`)]: 'ann' } as never);
  expect(found.map(a => a.name)).toEqual(['Ann']);
  const younger = em.createQueryBuilder(Author, 'x').count().where({ age: { $lt: sql.ref('a.age') } });
  const rows = await em.createQueryBuilder(Author, 'a').select(['name']).where({ [younger.as('cnt')]: { $gt: 0 } } as never).execute();
  expect(rows).toEqual([{ name: 'bob' }]);
  expect(sqlOf()).toEqual([
    "[query] select `a0`.* from `author` as `a0` where lower(a0.name) = 'ann'",
    '[query] select `a`.`name` from `author` as `a` where (select count(*) as `count` from `author` as `x` where `x`.`age` < `a`.`age`) > 0',
  ]);
});
