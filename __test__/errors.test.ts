import { afterEach, describe, expect, test } from 'vitest';
import {
  ConstraintViolationException,
  DatabaseObjectExistsException,
  DatabaseObjectNotFoundException,
  DriverException,
  EntitySchema,
  InvalidFieldNameException,
  MetadataError,
  NotImplementedError,
  NotNullConstraintViolationException,
  ServerException,
  SqliteDriver,
  SyntaxErrorException,
  TableExistsException,
  TableNotFoundException,
  ValidationError,
  defineEntity,
  p,
  type MikroORM,
} from '@mikro-native/sqlite';
import { Author } from './entities.js';
import { driver, failure, forDriver, setup, take } from './helpers.js';

let orm: MikroORM | undefined;
let lines: string[];
let dbName: string;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function init() {
  const ctx = await setup({ entities: [Author] });
  orm = ctx.orm;
  lines = ctx.lines;
  dbName = ctx.dbName;
  return orm.em.fork();
}

/**
 * The database's own error texts and codes, as MikroORM 7.2.1 reports them on the servers (the MySQL
 * package runs against MariaDB here, so its texts are MariaDB's).
 */
const errors = forDriver({
  sqlite: driver.errors,
  postgresql: {
    ...driver.errors,
    syntax: { sql: 'selec 1', code: '42601', message: 'syntax error at or near "selec"' },
    tableNotFound: (table: string) => ({ code: '42P01', message: `relation "${table}" does not exist` }),
    invalidField: (column: string) => ({ code: '42703', message: `column "${column}" does not exist` }),
    tableExists: (table: string) => ({ code: '42P07', message: `relation "${table}" already exists` }),
  },
  mysql: {
    ...driver.errors,
    syntax: {
      sql: 'selec 1',
      code: 'ER_PARSE_ERROR',
      message: "You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version for the right syntax to use near 'selec 1' at line 1",
    },
    tableNotFound: (table: string) => ({ code: 'ER_NO_SUCH_TABLE', message: `Table '${dbName}.${table}' doesn't exist` }),
    invalidField: (column: string) => ({ code: 'ER_BAD_FIELD_ERROR', message: `Unknown column '${column}' in 'SELECT'` }),
    tableExists: (table: string) => ({ code: 'ER_TABLE_EXISTS_ERROR', message: `Table '${table}' already exists` }),
  },
});
/** The clock's 1000 ms and the key read back in an insert's log line: MySQL writes dates as text and has no `returning`. */
const ts = forDriver({ sqlite: '1000', mysql: "'1970-01-01 00:00:01.000'" });
const returning = forDriver({ sqlite: ' returning `id`', mysql: '' });

/** The error class chain up to `Error`, e.g. `['SyntaxErrorException', 'ServerException', …]`. */
function chain(e: object): string[] {
  const out: string[] = [];
  for (let proto = Object.getPrototypeOf(e); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    out.push(proto.constructor.name);
  }
  return out;
}

describe('database errors map to MikroORM exception classes', () => {
  test('SyntaxErrorException', async () => {
    const em = await init();
    const err = await failure(em.execute(errors.syntax.sql));
    expect(err).toBeInstanceOf(SyntaxErrorException);
    expect(err).toBeInstanceOf(ServerException);
    expect(chain(err)).toEqual(['SyntaxErrorException', 'ServerException', 'DriverException', 'Error']);
    expect(err.name).toBe('SyntaxErrorException');
    expect({ code: err.code, message: err.message }).toEqual({ code: errors.syntax.code, message: errors.syntax.message });
    expect([err.errno, err.sqlState, err.sqlMessage, err.errmsg]).toEqual(
      forDriver<unknown[]>({ sqlite: [undefined, undefined, undefined, undefined], mysql: [1064, '42000', errors.syntax.message, undefined] }),
    );
    // A failed query is logged with the timing only.
    expect(take(lines)).toEqual([`[query] ${errors.syntax.sql} [took X ms]`]);
  });

  test('TableNotFoundException', async () => {
    const em = await init();
    const err = await failure(em.execute('select * from nonexistent'));
    expect(err).toBeInstanceOf(TableNotFoundException);
    expect(err).toBeInstanceOf(DatabaseObjectNotFoundException);
    expect(chain(err)).toEqual(['TableNotFoundException', 'DatabaseObjectNotFoundException', 'ServerException', 'DriverException', 'Error']);
    expect({ code: err.code, message: err.message }).toEqual(errors.tableNotFound('nonexistent'));

    // Through the ORM, on a dropped table: the generated SQL is logged, then the error.
    await orm!.schema.drop();
    lines.length = 0;
    const viaFind = await failure(em.find(Author, {}));
    expect(viaFind).toBeInstanceOf(TableNotFoundException);
    expect(viaFind.message).toBe(errors.tableNotFound('author').message);
    expect(take(lines)).toEqual(['[query] select `a0`.* from `author` as `a0` [took X ms]']);

    em.create(Author, { name: 'd', email: 'd@d' });
    const viaFlush = await failure(em.flush());
    expect(viaFlush).toBeInstanceOf(TableNotFoundException);
    expect(take(lines)).toEqual([
      '[query] begin',
      `[query] insert into \`author\` (\`name\`, \`email\`, \`created_at\`, \`updated_at\`, \`terms_accepted\`) values ('d', 'd@d', ${ts}, ${ts}, false)${returning} [took X ms]`,
      '[query] rollback',
    ]);
  });

  test('InvalidFieldNameException', async () => {
    const em = await init();
    const err = await failure(em.execute('select nocolumn from author'));
    expect(err).toBeInstanceOf(InvalidFieldNameException);
    expect(chain(err)).toEqual(['InvalidFieldNameException', 'ServerException', 'DriverException', 'Error']);
    expect({ code: err.code, message: err.message }).toEqual(errors.invalidField('nocolumn'));
  });

  test('TableExistsException', async () => {
    const em = await init();
    const err = await failure(em.execute('create table author (id int)'));
    expect(err).toBeInstanceOf(TableExistsException);
    expect(err).toBeInstanceOf(DatabaseObjectExistsException);
    expect({ code: err.code, message: err.message }).toEqual(errors.tableExists('author'));
  });

  test('NotNullConstraintViolationException via em.insert', async () => {
    const em = await init();
    const err = await failure(em.insert(Author, { name: 'a', email: 'a@a' }));
    expect(err).toBeInstanceOf(NotNullConstraintViolationException);
    expect(err).toBeInstanceOf(ConstraintViolationException);
    expect(chain(err)).toEqual(['NotNullConstraintViolationException', 'ConstraintViolationException', 'ServerException', 'DriverException', 'Error']);
    expect({ code: err.code, message: err.message }).toEqual(
      forDriver({
        sqlite: driver.errors.notNull('author', 'created_at'),
        postgresql: {
          code: '23502',
          message:
            'null value in column "created_at" of relation "author" violates not-null constraint\n - detail: Failing row contains (1, a, a@a, null, null, null, null, f, null, null, null, null, null, null, null, null).',
        },
        // MySQL (strict mode) refuses the insert for the column without a default.
        mysql: { code: 'ER_NO_DEFAULT_FOR_FIELD', message: "Field 'created_at' doesn't have a default value" },
      }),
    );
  });

  test('a missing SQL function is a DriverException ($re without a regexp function)', async () => {
    const em = await init();
    if (driver.name !== 'sqlite') {
      // The servers have regular expressions: `~` on PostgreSQL, `regexp` on MySQL (as MikroORM 7.2.1 writes them).
      expect(await em.find(Author, { name: { $re: '^A' } })).toEqual([]);
      const op = forDriver({ sqlite: 'regexp', postgresql: '~' });
      expect(take(lines)).toEqual([`[query] select \`a0\`.* from \`author\` as \`a0\` where \`a0\`.\`name\` ${op} '^A' [took X ms, 0 results]`]);
      return;
    }
    const err = await failure(em.find(Author, { name: { $re: '^A' } }));
    expect(err.constructor).toBe(DriverException);
    expect(err.message).toBe('no such function: regexp');
    expect(take(lines)).toEqual(["[query] select `a0`.* from `author` as `a0` where `a0`.`name` regexp '^A' [took X ms]"]);
  });

  test('the error carries the failing statement', async () => {
    const em = await init();
    const err = await failure(em.execute('select ? as a from nonexistent', ["it's"]));
    // MySQL escapes the quote with a backslash. MikroORM 7.2.1's PostgreSQL errors carry no
    // statement; ours do.
    expect(err.sql).toBe(forDriver({ sqlite: "select 'it''s' as a from nonexistent", mysql: "select 'it\\'s' as a from nonexistent" }));
  });
});

describe('bad input is reported with names', () => {
  test('unknown entity', async () => {
    const em = await init();
    class Unregistered {}
    for (const call of [() => em.find('Nope', {}), () => em.find(Unregistered, {}), () => em.create(Unregistered, {})]) {
      const err = await failure(call);
      expect(err).toBeInstanceOf(MetadataError);
      expect(err).toBeInstanceOf(ValidationError);
      expect(err.name).toBe('MetadataError');
    }
    expect((await failure(() => em.find('Nope', {}))).message).toBe('Metadata for entity Nope not found');
    expect((await failure(() => em.find(Unregistered, {}))).message).toBe('Metadata for entity Unregistered not found');
    expect(take(lines)).toEqual([]);
  });

  test('unknown properties in where, orderBy and fields', async () => {
    const em = await init();
    const where = await failure(em.find(Author, { foo: 1 } as never));
    expect(where.constructor).toBe(Error);
    expect(where.message).toBe('Trying to query by not existing property Author.foo');
    // An unknown operator at the top level is an unknown property too.
    expect((await failure(em.find(Author, { $foo: 1 } as never))).message).toBe('Trying to query by not existing property Author.$foo');
    const order = await failure(em.find(Author, {}, { orderBy: { foo: 'asc' } as never }));
    expect(order.constructor).toBe(Error);
    expect(order.message).toBe('Trying to order by not existing property Author.foo');
    // MikroORM 7.2.2 fails here with an internal TypeError; we name the property.
    expect((await failure(em.find(Author, {}, { fields: ['foo'] }))).message).toBe('Trying to query by not existing property Author.foo');
    expect(take(lines)).toEqual([]);
  });

  test('a value of the wrong type names the property', async () => {
    const em = await init();
    const err = await failure(em.find(Author, { age: 'abc' } as never));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toBe('Trying to set Author.age of type \'integer\' to "abc" (expected an integer)');
    // Numeric strings are fine (route parameters).
    expect(await em.find(Author, { id: '1' } as never)).toEqual([]);
  });

  test('unknown operators and unimplemented features throw NotImplementedError', async () => {
    const em = await init();
    const op = await failure(em.find(Author, { name: { $foo: 1 } } as never));
    expect(op).toBeInstanceOf(NotImplementedError);
    expect(op.message).toBe('Not implemented in mikro-native yet: operator $foo (used on Author.name)');
    const json = await failure(em.find(Author, { meta: { a: { $foo: 1 } } }));
    expect(json).toBeInstanceOf(NotImplementedError);
    expect(json.message).toBe('Not implemented in mikro-native yet: operator $foo on a key inside a JSON property or a raw() key');
    expect(take(lines)).toEqual([]);
  });

  test('MikroORM API that is not implemented yet says so', async () => {
    const em = await init();
    for (const [call, what] of [
      [() => em.createQueryBuilder(Author).populate(['books']), 'qb.populate() (relations)'],
      [() => em.createQueryBuilder(Author).cache(), 'qb.cache() (result cache)'],
    ] as const) {
      const err = await failure(call);
      expect(err).toBeInstanceOf(NotImplementedError);
      expect(err.message).toBe(`${what} is not implemented in mikro-native yet`);
    }
  });

  test('an invalid order direction', async () => {
    const em = await init();
    const err = await failure(em.find(Author, {}, { orderBy: { name: 'sideways' } as never }));
    expect(err).toBeInstanceOf(ValidationError);
    expect(err.message).toMatch(/^Invalid order direction "sideways" for Author\.name/);
  });
});

describe('metadata errors at init', () => {
  const init = (entities: unknown[], extra: object = {}) => () => new driver.MikroORM({ entities, dbName: ':memory:', ...extra });

  test('entity without a primary key', async () => {
    const err = await failure(init([defineEntity({ name: 'NoPk', properties: { name: p.string() } })]));
    expect(err).toBeInstanceOf(MetadataError);
    expect(err.message).toBe('NoPk entity is missing @PrimaryKey()');
    const err2 = await failure(init([new EntitySchema({ name: 'NoPk2', properties: { name: { type: 'string' } } })]));
    expect(err2.message).toBe('NoPk2 entity is missing @PrimaryKey()');
  });

  test('duplicate table names, duplicate field names', async () => {
    const t1 = defineEntity({ name: 'T1', tableName: 'same', properties: { id: p.integer().primary() } });
    const t2 = defineEntity({ name: 'T2', tableName: 'same', properties: { id: p.integer().primary() } });
    const err = await failure(init([t1, t2]));
    expect(err).toBeInstanceOf(MetadataError);
    expect(err.message).toBe('Duplicate table names are not allowed: same');

    const d1 = defineEntity({ name: 'Dup', properties: { id: p.integer().primary() } });
    const d2 = defineEntity({ name: 'Dup', properties: { id: p.integer().primary() } });
    expect((await failure(init([d1, d2]))).message).toBe('Duplicate table names are not allowed: dup');

    const cols = defineEntity({ name: 'DupCol', properties: { id: p.integer().primary(), a: p.string().fieldName('x'), b: p.string().fieldName('x') } });
    const err3 = await failure(init([cols]));
    expect(err3).toBeInstanceOf(MetadataError);
    expect(err3.message).toBe("Duplicate fieldNames are not allowed: DupCol.a (fieldName: 'x'), DupCol.b (fieldName: 'x')");
  });

  test('no entities, no database', async () => {
    const none = await failure(init([]));
    expect(none.constructor).toBe(Error);
    expect(none.message).toBe('No entities found, please use `entities` option');
    const noDb = await failure(() => new driver.MikroORM({ entities: [Author] }));
    expect(noDb.message).toBe('No database specified, please fill in `dbName` or `clientUrl` option');
  });

  test('property options that are not implemented yet fail at init', async () => {
    for (const [option, value, message] of [
      ['generated', 'a + b', "generated columns are not implemented in mikro-native yet (Book.rev: 'generated')"],
      ['eager', true, "eager loading are not implemented in mikro-native yet (Book.rev: 'eager')"],
    ] as const) {
      const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), rev: { type: 'integer', [option]: value } as never } });
      const err = await failure(init([Author, Book]));
      expect(err).toBeInstanceOf(NotImplementedError);
      expect(err.message).toBe(message);
    }
  });

  test('an embedded property needs an embeddable; embeddables inside embeddables are not implemented yet', async () => {
    const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), cover: { kind: 'embedded', entity: () => Author } as never } });
    const err = await failure(init([Author, Book]));
    expect(err).toBeInstanceOf(MetadataError);
    expect(err.message).toBe("Book.cover embeds Author, which is not an embeddable (set 'embeddable: true')");
    const Color = defineEntity({ name: 'Color', embeddable: true, properties: { name: p.string() } });
    const Cover = defineEntity({ name: 'Cover', embeddable: true, properties: { color: () => p.embedded(Color) } });
    const Book2 = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), cover: () => p.embedded(Cover) } });
    const err2 = await failure(init([Author, Book2]));
    expect(err2).toBeInstanceOf(NotImplementedError);
    expect(err2.message).toBe('relations and nested embeddables inside an embeddable are not implemented in mikro-native yet (Book.cover.color)');
  });
});

describe('Rust panics', () => {
  test('a panic in the addon reaches JS as an Error, and the process goes on', async () => {
    const binding = (SqliteDriver as unknown as { binding: { debugPanic(message: string): void } }).binding;
    const err = await failure(() => binding.debugPanic('boom from rust'));
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe('boom from rust');
    // The addon still works afterwards.
    const em = await init();
    expect(await em.execute('select 1 as x')).toEqual([{ x: 1 }]);
  });
});

test('arrays of other types than strings are not implemented yet and say so', async () => {
  const { MikroORM } = await import('@mikro-native/sqlite');
  const init = (tags: ReturnType<typeof p.type>) =>
    (async () => MikroORM.init({ entities: [defineEntity({ name: 'Tagged', properties: { id: p.integer().primary(), tags } })], dbName: ':memory:' }))();
  await expect(init(p.type('int[]'))).rejects.toThrow(NotImplementedError);
  await expect(init(p.type('int[]'))).rejects.toThrow("Not implemented in mikro-native yet: arrays of other types than strings (type 'int[]')");
});
