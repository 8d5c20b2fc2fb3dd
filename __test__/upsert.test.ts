import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, ValidationError, wrap, type MikroORM } from '@mikro-native/sqlite';
import { failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls (SQLite), and
// by @mikro-orm/postgresql and @mikro-orm/mysql 7.2.1 on this machine's servers.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), email: p.string().unique(), name: p.string(), age: p.integer().nullable() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('em.upsert / em.upsertMany', () => {
  test('insert or update by the primary key or the first unique property given, returning the rest', async () => {
    const ctx = await setup({ entities: [Author] });
    orm = ctx.orm;
    const em = orm.em.fork();
    const a = await em.upsert(Author, { email: 'a@x', name: 'A' });
    expect([a.id, a.name, wrap(a).isManaged()]).toEqual([1, 'A', true]);
    expect(wrap(a).toObject()).toEqual({ id: 1, email: 'a@x', name: 'A', age: null });
    const a2 = await em.upsert(Author, { email: 'a@x', name: 'A2', age: 5 });
    expect(a2).toBe(a);
    expect([a2.id, a2.name, a2.age]).toEqual([1, 'A2', 5]);
    const a3 = await em.upsert(Author, { id: 1, email: 'a@x', name: 'A3' });
    expect(a3.name).toBe('A3');
    const many = await em.upsertMany(Author, [
      { email: 'b@x', name: 'B' },
      { email: 'a@x', name: 'A4' },
    ]);
    expect(many.map(x => [x.id, x.name])).toEqual([
      [3, 'B'],
      [1, 'A4'],
    ]);
    const ent = em.create(Author, { email: 'c@x', name: 'C' }, { persist: false });
    expect(await em.upsert(ent)).toBe(ent);
    expect(ent.id).toBe(5);
    await em.upsert(Author, { email: 'a@x', name: 'A5' }, { onConflictFields: ['email'], onConflictAction: 'merge', onConflictMergeFields: ['name'] });
    expect(take(ctx.lines)).toEqual(
      forDriver({
        sqlite: [
          "[query] insert into `author` (`email`, `name`) values ('a@x', 'A') on conflict (`email`) do update set `name` = excluded.`name` returning `id`, `age` [took X ms, 1 row affected]",
          "[query] insert into `author` (`email`, `name`, `age`) values ('a@x', 'A2', 5) on conflict (`email`) do update set `name` = excluded.`name`, `age` = excluded.`age` returning `id` [took X ms, 1 row affected]",
          "[query] insert into `author` (`id`, `email`, `name`) values (1, 'a@x', 'A3') on conflict (`id`) do update set `email` = excluded.`email`, `name` = excluded.`name` returning `age` [took X ms, 1 row affected]",
          "[query] insert into `author` (`email`, `name`) values ('b@x', 'B'), ('a@x', 'A4') on conflict (`email`) do update set `name` = excluded.`name` returning `id`, `age` [took X ms, 2 rows affected]",
          "[query] insert into `author` (`email`, `name`) values ('c@x', 'C') on conflict (`email`) do update set `name` = excluded.`name` returning `id`, `age` [took X ms, 1 row affected]",
          "[query] insert into `author` (`email`, `name`) values ('a@x', 'A5') on conflict (`email`) do update set `name` = excluded.`name` returning `id`, `age` [took X ms, 1 row affected]",
        ],
        // No `returning`: the generated columns are read back by the conflict fields.
        mysql: [
          "[query] insert into `author` (`email`, `name`) values ('a@x', 'A') on duplicate key update `name` = values(`name`) [took X ms, 1 row affected]",
          "[query] select `a0`.`id`, `a0`.`age` from `author` as `a0` where `a0`.`email` = 'a@x' limit 1 [took X ms, 1 result]",
          "[query] insert into `author` (`email`, `name`, `age`) values ('a@x', 'A2', 5) on duplicate key update `name` = values(`name`), `age` = values(`age`) [took X ms, 2 rows affected]",
          "[query] select `a0`.`id` from `author` as `a0` where `a0`.`email` = 'a@x' limit 1 [took X ms, 1 result]",
          "[query] insert into `author` (`id`, `email`, `name`) values (1, 'a@x', 'A3') on duplicate key update `email` = values(`email`), `name` = values(`name`) [took X ms, 2 rows affected]",
          "[query] select `a0`.`id`, `a0`.`age` from `author` as `a0` where `a0`.`id` = 1 limit 1 [took X ms, 1 result]",
          "[query] insert into `author` (`email`, `name`) values ('b@x', 'B'), ('a@x', 'A4') on duplicate key update `name` = values(`name`) [took X ms, 3 rows affected]",
          "[query] select `a0`.`id`, `a0`.`age`, `a0`.`email` from `author` as `a0` where (`a0`.`email` = 'b@x' or `a0`.`email` = 'a@x') [took X ms, 2 results]",
          "[query] insert into `author` (`email`, `name`) values ('c@x', 'C') on duplicate key update `name` = values(`name`) [took X ms, 1 row affected]",
          "[query] select `a0`.`id`, `a0`.`age` from `author` as `a0` where `a0`.`email` = 'c@x' limit 1 [took X ms, 1 result]",
          "[query] insert into `author` (`email`, `name`) values ('a@x', 'A5') on duplicate key update `name` = values(`name`) [took X ms, 2 rows affected]",
          "[query] select `a0`.`id`, `a0`.`age`, `a0`.`name` from `author` as `a0` where `a0`.`email` = 'a@x' limit 1 [took X ms, 1 result]",
        ],
      }),
    );
  });

  test('upserted entities are managed: nothing to flush, then changes are updates', async () => {
    const ctx = await setup({ entities: [Author] });
    orm = ctx.orm;
    const em = orm.em.fork();
    const a = await em.upsert(Author, { email: 'a@x', name: 'A' });
    ctx.lines.length = 0;
    await em.flush();
    expect(take(ctx.lines)).toEqual([]);
    a.age = 40;
    await em.flush();
    expect(take(ctx.lines)).toEqual(['[query] begin', '[query] update `author` set `age` = 40 where `id` = 1 [took X ms, 1 row affected]', '[query] commit']);
    expect(await orm.em.fork().findOneOrFail(Author, 1)).toMatchObject({ email: 'a@x', name: 'A', age: 40 });
  });

  test('without a key or a unique property there is nothing to match on', async () => {
    orm = (await setup({ entities: [Author] })).orm;
    const err = await failure(orm.em.fork().upsert(Author, { name: 'nobody' } as never));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('Unique property value required for upsert, provide one of: id, email');
  });

  test('upsertMany: rows with different properties go in one statement per set of properties (a missing property is not overwritten)', async () => {
    const ctx = await setup({ entities: [Author] });
    orm = ctx.orm;
    const em = orm.em.fork();
    await em.upsert(Author, { email: 'd@x', name: 'D0', age: 7 });
    take(ctx.lines);
    const rows = await em.upsertMany(Author, [
      { email: 'd@x', name: 'D' },
      { email: 'e@x', name: 'E' },
      { email: 'f@x', name: 'F', age: 1 },
      { email: 'g@x', name: 'G' },
    ]);
    expect(rows.map(r => [r.email, r.name, r.age])).toEqual([
      ['d@x', 'D', 7],
      ['e@x', 'E', null],
      ['f@x', 'F', 1],
      ['g@x', 'G', null],
    ]);
    expect(take(ctx.lines)).toEqual(
      forDriver({
        // No `default` in SQLite's `values`: one statement per set of properties.
        sqlite: [
          "[query] insert into `author` (`email`, `name`) values ('d@x', 'D'), ('e@x', 'E'), ('g@x', 'G') on conflict (`email`) do update set `name` = excluded.`name` returning `id`, `age` [took X ms, 3 rows affected]",
          "[query] insert into `author` (`email`, `name`, `age`) values ('f@x', 'F', 1) on conflict (`email`) do update set `name` = excluded.`name`, `age` = excluded.`age` returning `id` [took X ms, 1 row affected]",
        ],
        // One statement: a missing property is the column's default, and only the properties of
        // every row are merged.
        // (`null` here is the `default` PostgreSQL's log line has, in SQLite's notation.)
        postgresql: [
          "[query] insert into `author` (`email`, `name`, `age`) values ('d@x', 'D', null), ('e@x', 'E', null), ('f@x', 'F', 1), ('g@x', 'G', null) on conflict (`email`) do update set `name` = excluded.`name` returning `id`, `age` [took X ms, 4 rows affected]",
        ],
        mysql: [
          "[query] insert into `author` (`email`, `name`, `age`) values ('d@x', 'D', default), ('e@x', 'E', default), ('f@x', 'F', 1), ('g@x', 'G', default) on duplicate key update `name` = values(`name`) [took X ms, 5 rows affected]",
          "[query] select `a0`.`id`, `a0`.`age`, `a0`.`email` from `author` as `a0` where (`a0`.`email` = 'd@x' or `a0`.`email` = 'e@x' or `a0`.`email` = 'f@x' or `a0`.`email` = 'g@x') [took X ms, 4 results]",
        ],
      }),
    );
  });
});
