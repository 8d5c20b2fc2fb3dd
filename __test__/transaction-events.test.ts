import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, type EventSubscriber, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup } from './helpers.js';

// The expected sequence was produced by MikroORM 7.2.2 running the same calls (7.2.1 on PostgreSQL and MySQL).

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('upsert hooks and transaction events', () => {
  test('in MikroORM order, savepoints included', async () => {
    const log: unknown[] = [];
    const Author = defineEntity({
      name: 'Author',
      properties: { id: p.integer().primary(), email: p.string().unique(), name: p.string() },
      hooks: {
        beforeUpsert: [(args: { entity: object }) => log.push(['hook beforeUpsert', args.entity.constructor.name, JSON.stringify(args.entity)])],
        afterUpsert: [(args: { entity: { id: number } }) => log.push(['hook afterUpsert', args.entity.constructor.name, args.entity.id])],
      },
    });
    const sub: EventSubscriber = {
      beforeTransactionStart: a => void log.push(['beforeTransactionStart', typeof a.em, !!a.transaction]),
      afterTransactionStart: a => void log.push(['afterTransactionStart', !!a.transaction]),
      beforeTransactionCommit: a => void log.push(['beforeTransactionCommit', !!a.transaction]),
      afterTransactionCommit: a => void log.push(['afterTransactionCommit', !!a.transaction]),
      beforeTransactionRollback: () => void log.push(['beforeTransactionRollback']),
      afterTransactionRollback: () => void log.push(['afterTransactionRollback']),
      beforeUpsert: a => void log.push(['sub beforeUpsert', (a.entity as object).constructor.name]),
      afterUpsert: a => void log.push(['sub afterUpsert', (a.entity as object).constructor.name]),
    };
    const ctx = await setup({ entities: [Author], subscribers: [sub], debug: ['query'], logger: (m: string) => log.push(m.replace(/ \[took.*$/, '')) });
    orm = ctx.orm;
    log.length = 0;
    const em = orm.em.fork();
    await em.upsert(Author, { email: 'a@x', name: 'A' });
    log.push('--- upsertMany');
    await em.upsertMany(Author, [
      { email: 'a@x', name: 'A2' },
      { email: 'b@x', name: 'B' },
    ]);
    log.push('--- flush');
    em.create(Author, { email: 'c@x', name: 'C' });
    await em.flush();
    log.push('--- rollback');
    await expect(
      em.transactional(async () => {
        throw new Error('x');
      }),
    ).rejects.toThrow('x');
    log.push('--- nested');
    await em.transactional(async em2 => {
      await em2.transactional(async () => {});
    });
    expect(log).toEqual([
      ['hook beforeUpsert', 'Object', '{"email":"a@x","name":"A"}'],
      ['sub beforeUpsert', 'Object'],
      ...forDriver({
        sqlite: ['[query] insert into `author` (`email`, `name`) values (?, ?) on conflict (`email`) do update set `name` = excluded.`name` returning `id`'],
        postgresql: ['[query] insert into "author" ("email", "name") values (?, ?) on conflict ("email") do update set "name" = excluded."name" returning "id"'],
        // MySQL has no `returning`: MikroORM reads the key back.
        mysql: [
          '[query] insert into `author` (`email`, `name`) values (?, ?) on duplicate key update `name` = values(`name`)',
          '[query] select `a0`.`id` from `author` as `a0` where `a0`.`email` = ? limit ?',
        ],
      }),
      ['hook afterUpsert', 'Author', 1],
      ['sub afterUpsert', 'Author'],
      '--- upsertMany',
      ['hook beforeUpsert', 'Object', '{"email":"a@x","name":"A2"}'],
      ['sub beforeUpsert', 'Object'],
      ['hook beforeUpsert', 'Object', '{"email":"b@x","name":"B"}'],
      ['sub beforeUpsert', 'Object'],
      ...forDriver({
        sqlite: ['[query] insert into `author` (`email`, `name`) values (?, ?), (?, ?) on conflict (`email`) do update set `name` = excluded.`name` returning `id`'],
        postgresql: ['[query] insert into "author" ("email", "name") values (?, ?), (?, ?) on conflict ("email") do update set "name" = excluded."name" returning "id"'],
        mysql: [
          '[query] insert into `author` (`email`, `name`) values (?, ?), (?, ?) on duplicate key update `name` = values(`name`)',
          '[query] select `a0`.`id`, `a0`.`email` from `author` as `a0` where (`a0`.`email` = ? or `a0`.`email` = ?)',
        ],
      }),
      ['hook afterUpsert', 'Author', 1],
      ['sub afterUpsert', 'Author'],
      // MySQL's `on duplicate key update` of the first row does not use up an id.
      ['hook afterUpsert', 'Author', forDriver({ sqlite: 3, mysql: 2 })],
      ['sub afterUpsert', 'Author'],
      '--- flush',
      ['beforeTransactionStart', 'object', false],
      '[query] begin',
      ['afterTransactionStart', true],
      forDriver({
        sqlite: '[query] insert into `author` (`email`, `name`) values (?, ?) returning `id`',
        postgresql: '[query] insert into "author" ("email", "name") values (?, ?) returning "id"',
        mysql: '[query] insert into `author` (`email`, `name`) values (?, ?)',
      }),
      ['beforeTransactionCommit', true],
      '[query] commit',
      ['afterTransactionCommit', true],
      '--- rollback',
      ['beforeTransactionStart', 'object', false],
      '[query] begin',
      ['afterTransactionStart', true],
      ['beforeTransactionRollback'],
      '[query] rollback',
      ['afterTransactionRollback'],
      '--- nested',
      ['beforeTransactionStart', 'object', false],
      '[query] begin',
      ['afterTransactionStart', true],
      ['beforeTransactionStart', 'object', true],
      forDriver({ sqlite: '[query] savepoint `trx1`', postgresql: '[query] savepoint "trx1"' }),
      ['afterTransactionStart', true],
      // MikroORM 7.2.1 on MySQL fires no commit events around the release of a savepoint.
      ...forDriver<unknown[]>({
        sqlite: [['beforeTransactionCommit', true], '[query] release savepoint `trx1`', ['afterTransactionCommit', true]],
        postgresql: [['beforeTransactionCommit', true], '[query] release savepoint "trx1"', ['afterTransactionCommit', true]],
        mysql: ['[query] release savepoint `trx1`'],
      }),
      ['beforeTransactionCommit', true],
      '[query] commit',
      ['afterTransactionCommit', true],
    ]);
  });
});
