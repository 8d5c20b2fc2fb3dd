import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, LockMode, OptimisticLockError, p, ValidationError, type MikroORM } from '@mikro-native/sqlite';
import { failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and errors were produced by MikroORM 7.2.2 running the same calls (7.2.1 on PostgreSQL and MySQL).

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), version: p.integer().version() } });
const Plain = defineEntity({ name: 'Plain', properties: { id: p.integer().primary() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe('em.lock()', () => {
  test('optimistic: the version must match, without a query', async () => {
    const ctx = await setup({ entities: [Author, Plain] });
    orm = ctx.orm;
    const em = orm.em.fork();
    em.create(Author, { name: 'A' });
    em.create(Plain, {});
    await em.flush();
    const a = await em.findOneOrFail(Author, 1);
    take(ctx.lines);
    await em.lock(a, LockMode.OPTIMISTIC, 1);
    await em.lock(a, LockMode.NONE);
    const err = await failure(em.lock(a, LockMode.OPTIMISTIC, 2));
    expect(err).toBeInstanceOf(OptimisticLockError);
    expect(err.message).toBe('The optimistic lock failed, version 2 was expected, but is actually 1');
    const plain = await em.findOneOrFail(Plain, 1);
    take(ctx.lines);
    const unversioned = await failure(em.lock(plain, LockMode.OPTIMISTIC, 1));
    expect(unversioned).toBeInstanceOf(OptimisticLockError);
    expect(unversioned.message).toBe('Cannot obtain optimistic lock on unversioned entity Plain');
    expect(take(ctx.lines)).toEqual([]);
  });

  test('pessimistic: needs a transaction; SQLite selects the row without a lock clause, the servers lock it', async () => {
    const ctx = await setup({ entities: [Author, Plain] });
    orm = ctx.orm;
    const em = orm.em.fork();
    em.create(Author, { name: 'A' });
    await em.flush();
    const a = await em.findOneOrFail(Author, 1);
    take(ctx.lines);
    const outside = await failure(em.lock(a, LockMode.PESSIMISTIC_WRITE));
    expect(outside).toBeInstanceOf(ValidationError);
    expect(outside.message).toBe('An open transaction is required for this operation');
    const name = await em.transactional(async em2 => {
      const x = await em2.findOneOrFail(Author, 1);
      await em2.lock(x, LockMode.PESSIMISTIC_WRITE);
      const y = await em2.findOne(Author, 1, { lockMode: LockMode.PESSIMISTIC_READ, refresh: true });
      return y!.name;
    });
    expect(name).toBe('A');
    // The servers lock the rows.
    const [write, read] = forDriver({ sqlite: ['', ''], postgresql: [' for update', ' for share'], mysql: [' for update', ' lock in share mode'] });
    expect(take(ctx.lines)).toEqual([
      '[query] begin',
      `[query] select 1 from \`author\` as \`a0\` where \`a0\`.\`id\` = 1${write} [took X ms, 1 result]`,
      `[query] select \`a0\`.* from \`author\` as \`a0\` where \`a0\`.\`id\` = 1 limit 1${read} [took X ms, 1 result]`,
      '[query] commit',
    ]);
    const noTx = await failure(em.find(Author, {}, { lockMode: LockMode.PESSIMISTIC_WRITE }));
    expect(noTx.message).toBe('An open transaction is required for this operation');
  });
});
