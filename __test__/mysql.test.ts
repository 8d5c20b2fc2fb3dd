import { expect, test } from 'vitest';
import * as mariadb from '@mikro-native/mariadb';
import * as mysql from '@mikro-native/mysql';
import { failure } from './helpers.js';
// @ts-expect-error: a plain JS module shared with the MikroORM run that recorded the log
import { session } from './fixtures/mysql/session.mjs';
import { readFileSync } from 'node:fs';

// MySQL and MariaDB (issue 4, in progress), on the MariaDB server at 127.0.0.1:3306 (no MySQL
// server can be had here, so the mysql package is tested against MariaDB too). The test fails
// when the server is not there. `fixtures/mysql/session.mjs` ran on @mikro-orm/mysql 7.2.1 and
// wrote `mikro-orm-7.2.1.log`; the same session on ours must print the same lines, except:
const deliberate: [string, string | null][] = [
  // We create the database on a connection of its own and open the pool on it; MikroORM switches
  // its connection with `use`.
  ['[query] use `DB`', null],
  // MikroORM's schema.drop() reads the existing tables first; ours drops what the metadata names.
  ["[query] select table_name as table_name, nullif(table_schema, schema()) as schema_name, table_comment as table_comment, table_collation as table_collation from information_schema.tables where table_type = 'BASE TABLE' and table_schema = schema() order by table_name", null],
  ["[query] select table_name as view_name, nullif(table_schema, schema()) as schema_name, view_definition from information_schema.views where table_schema = schema() order by table_name", null],
  // mysql2 inlines 2.5 into the text (a decimal literal, read back as a string); we bind it as a double.
  ['[{"result":2,"s":"x","n":"2.5","b":1}]', '[{"result":2,"s":"x","n":2.5,"b":1}]'],
];

/** An entity for connections that only run raw SQL. */
function thing(mod: typeof mysql | typeof mariadb) {
  return mod.defineEntity({ name: 'Thing', properties: { id: mod.p.integer().primary() } });
}

const reference = readFileSync(new URL('./fixtures/mysql/mikro-orm-7.2.1.log', import.meta.url), 'utf8').trimEnd().split('\n');

for (const [name, mod] of [['mysql', mysql], ['mariadb', mariadb]] as const) {
  test(`@mikro-native/${name}: a whole session prints what @mikro-orm/mysql 7.2.1 printed`, async () => {
    const db = `mikro_native_${name}_session`;
    const admin = await mod.MikroORM.init({ entities: [thing(mod)], host: '127.0.0.1', port: 3306, user: 'root', dbName: 'mysql' });
    await admin.em.execute(`drop database if exists ${db}`);
    const lines: string[] = await session(mod, db);
    await admin.em.execute(`drop database if exists ${db}`);
    await admin.close();
    const expected = reference
      .map(l => l.replaceAll('ref_my', db))
      .flatMap(l => {
        const d = deliberate.find(([from]) => from.replaceAll('DB', db) === l);
        return d ? (d[1] === null ? [] : [d[1]]) : [l];
      });
    expect(lines).toEqual(expected);
  });
}

test('MySQL errors carry errno and sqlState; a refused connection names host and port, never the password', async () => {
  const orm = await mysql.MikroORM.init({ entities: [thing(mysql)], host: '127.0.0.1', port: 3306, user: 'root', dbName: 'mysql' });
  const err = await failure(orm.em.execute('select * from no_such_table'));
  expect(err).toBeInstanceOf(mysql.TableNotFoundException);
  expect([err.code, err.errno, err.sqlState]).toEqual(['ER_NO_SUCH_TABLE', 1146, '42S02']);
  await orm.close();
  const refused = await mysql.MikroORM.init({ entities: [thing(mysql)], host: '127.0.0.1', port: 1, user: 'root', password: 'secret', dbName: 'x' });
  const e = await failure(refused.em.execute('select 1'));
  expect(e).toBeInstanceOf(mysql.ConnectionException);
  expect(e.message).toBe("Cannot connect to MySQL at 127.0.0.1:1 (database '', user 'root'): Connection refused (os error 111)");
  expect(e.message).not.toContain('secret');
  await refused.close();
});

// A MySQL server (none can be had on this machine): set MIKRO_NATIVE_MYSQL_URL, e.g.
// mysql://root:secret@127.0.0.1:3307, to run the session on it. MySQL words some messages
// otherwise than MariaDB, so this checks that the session runs and ends with the data it wrote.
const mysqlUrl = process.env.MIKRO_NATIVE_MYSQL_URL;
if (!mysqlUrl) {
  console.log('SKIP mysql.test.ts: no MySQL server (set MIKRO_NATIVE_MYSQL_URL to run the session on one)');
}
test.skipIf(!mysqlUrl)('@mikro-native/mysql on the MySQL server at MIKRO_NATIVE_MYSQL_URL: the session runs to its end', async () => {
  const lines: string[] = await session(mysql, 'mikro_native_mysql8_session', { clientUrl: mysqlUrl });
  expect(lines.filter(l => l.startsWith('ids ') || l.startsWith('version ') || l === 'count 2')).toEqual(['ids 1 1 1', 'version 2', 'count 2']);
  expect(lines.at(-1)).toBe('1');
});

test('clear() truncates with foreign key checks off, all on one connection, as @mikro-orm/mysql 7.2.1; an empty password is none', async () => {
  const Author = mysql.defineEntity({ name: 'Author', properties: { id: mysql.p.integer().primary(), name: mysql.p.string() } });
  const Book = mysql.defineEntity({ name: 'Book', properties: { id: mysql.p.integer().primary(), author: () => mysql.p.manyToOne(Author) } });
  const lines: string[] = [];
  const orm = await mysql.MikroORM.init({ entities: [Author, Book], host: '127.0.0.1', port: 3306, user: 'root', password: '', dbName: 'mikro_native_mysql_clear', pool: { max: 4 }, debug: ['query'], colors: false, logger: (m: string) => lines.push(m) });
  await orm.schema.refresh();
  const em = orm.em.fork();
  em.create(Book, { author: em.create(Author, { name: 'a' }) });
  await em.flush();
  lines.length = 0;
  await orm.schema.clear();
  expect(lines.map(l => l.replace(/ \[took \d+ ms/, ' [took X ms'))).toEqual([
    '[query] set foreign_key_checks = 0; [took X ms, 0 results]',
    '[query] truncate table `book` [took X ms, 0 rows affected]',
    '[query] truncate table `author` [took X ms, 0 rows affected]',
    '[query] set foreign_key_checks = 1; [took X ms, 0 results]',
  ]);
  expect([await orm.em.fork().count(Book), await orm.em.fork().count(Author)]).toEqual([0, 0]);
  await orm.em.execute('drop database mikro_native_mysql_clear');
  await orm.close();
});

test('upsertMany matches the rows it reads back by their conflict fields as MySQL compares them (case-insensitive text); a boolean default diffs as nothing', async () => {
  const User = mysql.defineEntity({ name: 'User', properties: { id: mysql.p.integer().primary(), email: mysql.p.string().unique(), name: mysql.p.string(), active: mysql.p.boolean().default(true) } });
  const orm = await mysql.MikroORM.init({ entities: [User], host: '127.0.0.1', port: 3306, user: 'root', dbName: 'mikro_native_mysql_upsert' });
  await orm.schema.refresh();
  expect(await orm.schema.getUpdateSchemaSQL()).toBe('');
  await orm.em.fork().insert(User, { email: 'bob@x', name: 'Bob' });
  const [bob, ann] = await orm.em.fork().upsertMany(User, [
    { email: 'BOB@x', name: 'Bob2' },
    { email: 'ann@x', name: 'Ann' },
  ]);
  expect([bob.id, bob.name, ann.id, ann.name]).toEqual([1, 'Bob2', 2, 'Ann']);
  await orm.em.execute('drop database mikro_native_mysql_upsert');
  await orm.close();
});
