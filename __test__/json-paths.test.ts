import { expect, test } from 'vitest';
import { defineEntity, MikroORM, p, SqliteDriver } from '@mikro-native/sqlite';

// Expected SQL and parameters were produced by MikroORM 7.2 (`getQuery()` / `getParams()` of the
// same QueryBuilder calls) for each dialect.

const Address = defineEntity({ name: 'Address', embeddable: true, properties: { street: p.string(), city: p.string().nullable() } });
const User = defineEntity({
  name: 'User',
  properties: { id: p.integer().primary(), meta: p.json().nullable(), tags: p.json().nullable(), addr: () => p.embedded(Address).object().nullable(), addrs: () => p.embedded(Address).array().nullable() },
});

const CASES: Record<string, unknown> = {
  path: { meta: { foo: 'bar' } },
  nested: { meta: { a: { b: 1 } } },
  op: { meta: { n: { $gt: 5 } } },
  range: { meta: { n: { $gte: 1, $lt: 5 } } },
  inop: { meta: { k: { $in: ['x', 'y'] } } },
  nullv: { meta: { k: null } },
  two: { meta: { a: 1, b: 'x' } },
  bool: { meta: { ok: true } },
  embObj: { addr: { city: 'c1' } },
  embArr: { addrs: { city: 'c1' } },
  contains: { tags: { $contains: ['a'] } },
  hasKey: { meta: { $hasKey: 'foo' } },
};

const EXPECTED: Record<string, Record<string, [string, unknown[]]>> = {
  sqlite: {
    path: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.foo') = ?", ['bar']],
    nested: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.a.b') = ?", [1]],
    op: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.n') > ?", [5]],
    range: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.n') >= ? and json_extract(`u`.`meta`, '$.n') < ?", [1, 5]],
    inop: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.k') in (?, ?)", ['x', 'y']],
    nullv: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.k') is null", []],
    two: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.a') = ? and json_extract(`u`.`meta`, '$.b') = ?", [1, 'x']],
    bool: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.ok') = ?", [true]],
    embObj: ["select `u`.* from `user` as `u` where json_extract(`u`.`addr`, '$.city') = ?", ['c1']],
    embArr: ["select `u`.* from `user` as `u` where exists (select 1 from json_each(`u`.`addrs`) as `__je0` where json_extract(`__je0`.value, '$.city') = ?)", ['c1']],
    contains: ['select `u`.* from `user` as `u` where `u`.`tags` @> ?', ['["a"]']],
    hasKey: ['select `u`.* from `user` as `u` where `u`.`meta` \\? ?', ['foo']],
  },
  postgresql: {
    path: ['select "u".* from "user" as "u" where "u"."meta"->>\'foo\' = ?', ['bar']],
    nested: ['select "u".* from "user" as "u" where ("u"."meta"->\'a\'->>\'b\')::float8 = ?', [1]],
    op: ['select "u".* from "user" as "u" where ("u"."meta"->>\'n\')::float8 > ?', [5]],
    range: ['select "u".* from "user" as "u" where ("u"."meta"->>\'n\')::float8 >= ? and ("u"."meta"->>\'n\')::float8 < ?', [1, 5]],
    inop: ['select "u".* from "user" as "u" where "u"."meta"->>\'k\' in (?, ?)', ['x', 'y']],
    nullv: ['select "u".* from "user" as "u" where "u"."meta"->>\'k\' is null', []],
    two: ['select "u".* from "user" as "u" where ("u"."meta"->>\'a\')::float8 = ? and "u"."meta"->>\'b\' = ?', [1, 'x']],
    bool: ['select "u".* from "user" as "u" where ("u"."meta"->>\'ok\')::bool = ?', [true]],
    embObj: ['select "u".* from "user" as "u" where "u"."addr"->>\'city\' = ?', ['c1']],
    embArr: ['select "u".* from "user" as "u" where exists (select 1 from jsonb_array_elements("u"."addrs") as "__je0" where "__je0"->>\'city\' = ?)', ['c1']],
    contains: ['select "u".* from "user" as "u" where "u"."tags" @> ?', ['["a"]']],
    hasKey: ['select "u".* from "user" as "u" where "u"."meta" \\? ?', ['foo']],
  },
  mysql: {
    path: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.foo') = ?", ['bar']],
    nested: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.a.b') = ?", [1]],
    op: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.n') > ?", [5]],
    range: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.n') >= ? and json_extract(`u`.`meta`, '$.n') < ?", [1, 5]],
    inop: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.k') in (?, ?)", ['x', 'y']],
    nullv: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.k') is null", []],
    two: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.a') = ? and json_extract(`u`.`meta`, '$.b') = ?", [1, 'x']],
    bool: ["select `u`.* from `user` as `u` where json_extract(`u`.`meta`, '$.ok') = ?", [true]],
    embObj: ["select `u`.* from `user` as `u` where json_extract(`u`.`addr`, '$.city') = ?", ['c1']],
    embArr: [
      "select `u`.* from `user` as `u` where (select 1 from json_table(`u`.`addrs`, '$[*]' columns (`city` text path '$.city')) as `__je0` where `__je0`.`city` = ? limit 1) is not null",
      ['c1'],
    ],
    contains: ['select `u`.* from `user` as `u` where `u`.`tags` @> ?', ['["a"]']],
    hasKey: ['select `u`.* from `user` as `u` where `u`.`meta` \\? ?', ['foo']],
  },
};

test('conditions on keys inside JSON properties and PostgreSQL JSON operators, per dialect', async () => {
  for (const dialect of ['sqlite', 'postgresql', 'mysql']) {
    const driver = class extends SqliteDriver {
      static override dialect = dialect;
    };
    const orm = await MikroORM.init({ entities: [User, Address], dbName: dialect === 'sqlite' ? ':memory:' : 'test', driver: driver as never });
    for (const [name, where] of Object.entries(CASES)) {
      const qb = orm.em.fork().createQueryBuilder(User, 'u').where(where as never);
      const expected = EXPECTED[dialect][name];
      expect([name, qb.getQuery(), qb.getParams()]).toEqual([name, ...expected]);
    }
    await orm.close();
  }
});
