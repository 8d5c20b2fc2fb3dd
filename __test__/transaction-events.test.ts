import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, type EventSubscriber, type MikroORM } from '@mikro-native/sqlite';
import { setup } from './helpers.js';

// The expected sequence was produced by MikroORM 7.2.2 running the same calls.

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
      '[query] insert into `author` (`email`, `name`) values (?, ?) on conflict (`email`) do update set `name` = excluded.`name` returning `id`',
      ['hook afterUpsert', 'Author', 1],
      ['sub afterUpsert', 'Author'],
      '--- upsertMany',
      ['hook beforeUpsert', 'Object', '{"email":"a@x","name":"A2"}'],
      ['sub beforeUpsert', 'Object'],
      ['hook beforeUpsert', 'Object', '{"email":"b@x","name":"B"}'],
      ['sub beforeUpsert', 'Object'],
      '[query] insert into `author` (`email`, `name`) values (?, ?), (?, ?) on conflict (`email`) do update set `name` = excluded.`name` returning `id`',
      ['hook afterUpsert', 'Author', 1],
      ['sub afterUpsert', 'Author'],
      ['hook afterUpsert', 'Author', 3],
      ['sub afterUpsert', 'Author'],
      '--- flush',
      ['beforeTransactionStart', 'object', false],
      '[query] begin',
      ['afterTransactionStart', true],
      '[query] insert into `author` (`email`, `name`) values (?, ?) returning `id`',
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
      '[query] savepoint `trx1`',
      ['afterTransactionStart', true],
      ['beforeTransactionCommit', true],
      '[query] release savepoint `trx1`',
      ['afterTransactionCommit', true],
      ['beforeTransactionCommit', true],
      '[query] commit',
      ['afterTransactionCommit', true],
    ]);
  });
});
