import { expect, test } from 'vitest';
import * as mysql from '@mikro-native/mysql';
import * as postgresql from '@mikro-native/postgresql';
import * as sqlite from '@mikro-native/sqlite';
import { failure } from './helpers.js';

// Isolation levels, read-only transactions and the seven propagation modes, on SQLite, the local
// PostgreSQL server and the local MariaDB (mysql package). The `begin` statements and the
// propagation outcomes are those @mikro-orm/postgresql and @mikro-orm/mysql 7.2.1 logged for the
// same calls on these servers (all of them identical, REQUIRES_NEW and NOT_SUPPORTED included).

type Mod = typeof sqlite | typeof postgresql | typeof mysql;
const servers: [string, Mod, object, string[], string[], string[]][] = [
  ['sqlite', sqlite, { dbName: ':memory:' }, ['[query] begin'], ['[query] begin'], ['[query] begin']],
  [
    'postgresql',
    postgresql,
    { dbName: 'mikro_native_tx_options', host: '127.0.0.1', user: 'postgres' },
    ['[query] start transaction isolation level serializable'],
    ['[query] start transaction read only'],
    ['[query] start transaction isolation level read committed read only'],
  ],
  [
    'mysql',
    mysql,
    { dbName: 'mikro_native_tx_options', host: '127.0.0.1', port: 3306, user: 'root' },
    ['[query] set transaction isolation level serializable', '[query] begin'],
    ['[query] set transaction read only', '[query] begin'],
    ['[query] set transaction isolation level read committed, read only', '[query] begin'],
  ],
];

for (const [name, mod, connection, serializable, readOnly, both] of servers) {
  test(`${name}: isolationLevel and readOnly open the transaction as MikroORM does; the propagation modes`, async () => {
    const { MikroORM, defineEntity, p, IsolationLevel, TransactionPropagation, TransactionStateError, NotImplementedError, ValidationError } = mod;
    const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string() } });
    const lines: string[] = [];
    const orm = await MikroORM.init({ entities: [Tag], ...connection, debug: ['query'], colors: false, logger: (m: string) => lines.push(m.replace(/ \[took [^\]]*\]/, '')) });
    await orm.schema.drop();
    await orm.schema.create();
    const opened = async (options: object) => {
      lines.length = 0;
      await orm.em.transactional(em => em.count(Tag), options);
      return lines.slice(0, -2);
    };
    expect(await opened({ isolationLevel: IsolationLevel.SERIALIZABLE })).toEqual(serializable);
    expect(await opened({ readOnly: true })).toEqual(readOnly);
    expect(await opened({ readOnly: true, isolationLevel: 'read committed' })).toEqual(both);
    const invalid = await failure(orm.em.transactional(() => 1, { isolationLevel: 'whatever' as never }));
    expect(invalid).toBeInstanceOf(ValidationError);
    expect(invalid.message).toBe("Invalid transaction option isolationLevel 'whatever': expected one of 'read uncommitted', 'read committed', 'snapshot', 'repeatable read', 'serializable'");
    if (name !== 'sqlite') {
      // The server enforces read-only access.
      await expect(orm.em.transactional(em => em.insert(Tag, { name: 'x' }), { readOnly: true })).rejects.toThrow(/read.only/i);
    }

    // An outer transaction with a pending entity and an inner one that flushes: the statements
    // and whether the inner callback ran in a transaction.
    const twoLevels = async (propagation: string) => {
      lines.length = 0;
      const inner: boolean[] = [];
      await orm.em.transactional(async em => {
        em.create(Tag, { name: `outer-${propagation}` });
        await em.transactional(async em2 => {
          em2.create(Tag, { name: `inner-${propagation}` });
          await em2.flush();
          inner.push(em2.isInTransaction());
        }, { propagation: propagation as never });
      });
      return { statements: lines.map(l => l.replace(/ values .*/, '')), inner };
    };
    const insert = name === 'postgresql' ? '[query] insert into "tag" ("name")' : '[query] insert into `tag` (`name`)';
    // Joining: the inner flush writes the outer's pending entity too, with no savepoint.
    for (const propagation of [TransactionPropagation.REQUIRED, TransactionPropagation.SUPPORTS, TransactionPropagation.MANDATORY]) {
      expect(await twoLevels(propagation)).toEqual({ statements: ['[query] begin', insert, '[query] commit'], inner: [true] });
    }
    const savepoint = name === 'postgresql' ? '"trx1"' : '`trx1`';
    expect(await twoLevels(TransactionPropagation.NESTED)).toEqual({ statements: ['[query] begin', `[query] savepoint ${savepoint}`, insert, `[query] release savepoint ${savepoint}`, '[query] commit'], inner: [true] });

    // Without an open transaction.
    for (const [propagation, inTx] of [['required', true], ['requires_new', true], ['nested', true], ['not_supported', false], ['supports', false], ['never', false]] as const) {
      expect(await orm.em.fork().transactional(em => em.isInTransaction(), { propagation })).toBe(inTx);
    }
    const mandatory = await failure(orm.em.fork().transactional(() => 1, { propagation: TransactionPropagation.MANDATORY }));
    expect(mandatory).toBeInstanceOf(TransactionStateError);
    expect(mandatory.message).toBe('No existing transaction found for transaction marked with propagation "mandatory"');
    lines.length = 0;
    const never = await failure(orm.em.transactional(em => em.transactional(() => 1, { propagation: TransactionPropagation.NEVER })));
    expect(never.message).toBe('Existing transaction found for transaction marked with propagation "never"');
    expect(lines).toEqual(['[query] begin', '[query] rollback']);
    // REQUIRES_NEW and NOT_SUPPORTED inside an open transaction: on a server the work runs on
    // another connection (a transaction of its own, or none); SQLite has one connection.
    if (name === 'sqlite') {
      for (const propagation of [TransactionPropagation.REQUIRES_NEW, TransactionPropagation.NOT_SUPPORTED]) {
        const nested = await failure(twoLevels(propagation));
        expect(nested).toBeInstanceOf(NotImplementedError);
        expect(nested.message).toBe(`Not implemented in mikro-native yet: em.transactional() with propagation '${propagation}' inside an open transaction on sqlite (one connection)`);
      }
    } else {
      expect(await twoLevels(TransactionPropagation.REQUIRES_NEW)).toEqual({ statements: ['[query] begin', '[query] begin', insert, '[query] commit', '[query] commit'], inner: [true] });
      expect(await twoLevels(TransactionPropagation.NOT_SUPPORTED)).toEqual({ statements: ['[query] begin', '[query] begin', insert, '[query] commit', '[query] commit'], inner: [false] });
    }
    const joinedNames = ['required', 'supports', 'mandatory', 'nested'].flatMap(p => [`outer-${p}`, `inner-${p}`]);
    const apartNames = name === 'sqlite' ? [] : ['outer-requires_new', 'inner-requires_new', 'outer-not_supported', 'inner-not_supported'];
    expect(((await orm.em.fork().find(Tag, {}, { orderBy: { id: 1 } })) as { name: string }[]).map(t => t.name)).toEqual([...joinedNames, ...apartNames]);
    await orm.close();
  });
}
