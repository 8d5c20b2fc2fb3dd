import { afterAll, expect, test } from 'vitest';
import * as mysql from '@mikro-native/mysql';
import * as postgresql from '@mikro-native/postgresql';
import * as sqlite from '@mikro-native/sqlite';
import { queries } from './helpers.js';

// String arrays (p.array(), ArrayType): a native text[] on PostgreSQL, comma-joined text on
// MySQL and SQLite, elements quoted where they need it. The PostgreSQL and MySQL log lines are
// what @mikro-orm/postgresql and @mikro-orm/mysql 7.2.1 printed for the same calls here.

const dbName = 'mikro_native_arrays';
const targets = [
  ['sqlite', sqlite, { dbName: ':memory:' }],
  ['postgresql', postgresql, { dbName, host: '127.0.0.1', port: 5432, user: 'postgres' }],
  ['mysql', mysql, { dbName, host: '127.0.0.1', port: 3306, user: 'root' }],
] as const;

afterAll(async () => {
  for (const [name, mod, connection] of targets.slice(1)) {
    const Admin = mod.defineEntity({ name: 'Admin', properties: { id: mod.p.integer().primary() } });
    const orm = await mod.MikroORM.init({ ...connection, entities: [Admin], dbName: name === 'postgresql' ? 'postgres' : 'mysql' });
    await orm.em.execute(`drop database if exists ${dbName}`);
    await orm.close();
  }
});

const expectedLogs: Record<string, string[]> = {
  postgresql: [
    '[query] begin',
    `[query] insert into "post" ("tags", "nums") values ( E'{a,"b,c","d\\\\"e",f''g}', '{}'), ('{}', default) returning "id" [took X ms, 2 rows affected]`,
    '[query] commit',
    '[query] select "p0".* from "post" as "p0" order by "p0"."id" asc [took X ms, 2 results]',
    '[query] begin',
    `[query] update "post" set "tags" = E'{a,"b,c","d\\\\"e",f''g,h}' where "id" = 1 [took X ms, 1 row affected]`,
    '[query] commit',
    '[query] begin',
    `[query] update "post" set "tags" = '{z}' where "id" = 2 [took X ms, 1 row affected]`,
    '[query] commit',
    `[query] select "p0".* from "post" as "p0" where "p0"."tags" @> '{a}' [took X ms, 1 result]`,
    `[query] select "p0".* from "post" as "p0" where "p0"."tags" && '{z,q}' [took X ms, 1 result]`,
    `[query] select "p0".* from "post" as "p0" where "p0"."tags" <@ '{z,q}' [took X ms, 1 result]`,
  ],
  mysql: [
    '[query] begin',
    "[query] insert into `post` (`tags`, `nums`) values ('a,\\\"b,c\\\",\\\"d\\\\\\\"e\\\",f\\'g', ''), ('', default) [took X ms, 2 rows affected]",
    '[query] commit',
    '[query] select `p0`.* from `post` as `p0` order by `p0`.`id` asc [took X ms, 2 results]',
    '[query] begin',
    "[query] update `post` set `tags` = 'a,\\\"b,c\\\",\\\"d\\\\\\\"e\\\",f\\'g,h' where `id` = 1 [took X ms, 1 row affected]",
    '[query] commit',
    '[query] begin',
    "[query] update `post` set `tags` = 'z' where `id` = 2 [took X ms, 1 row affected]",
    '[query] commit',
  ],
};

for (const [name, mod, connection] of targets) {
  test(`${name}: arrays are written, read back, changed in place and compared`, async () => {
    const Post = mod.defineEntity({ name: 'Post', properties: { id: mod.p.integer().primary(), tags: mod.p.array(), nums: mod.p.array().nullable() } });
    const lines: string[] = [];
    const orm = await mod.MikroORM.init({ ...connection, entities: [Post], debug: ['query', 'query-params'], colors: false, logger: (m: string) => lines.push(m) });
    await orm.schema.refresh();
    lines.length = 0;
    const em = orm.em.fork();
    em.create(Post, { tags: ['a', 'b,c', 'd"e', "f'g"], nums: [] });
    em.create(Post, { tags: [] });
    await em.flush();
    const em2 = orm.em.fork();
    const all = await em2.find(Post, {}, { orderBy: { id: 'asc' } });
    expect(all.map(x => [x.tags, x.nums])).toEqual([
      [['a', 'b,c', 'd"e', "f'g"], []],
      [[], null],
    ]);
    all[0].tags.push('h');
    await em2.flush();
    all[1].tags = ['z'];
    await em2.flush();
    // Nothing changed: nothing written.
    await em2.flush();
    if (name === 'postgresql') {
      expect((await em2.fork().find(Post, { tags: { $contains: ['a'] } })).map(x => x.id)).toEqual([1]);
      expect((await em2.fork().find(Post, { tags: { $overlap: ['z', 'q'] } })).map(x => x.id)).toEqual([2]);
      expect((await em2.fork().find(Post, { tags: { $contained: ['z', 'q'] } })).map(x => x.id)).toEqual([2]);
    }
    if (expectedLogs[name]) {
      expect(queries(lines)).toEqual(expectedLogs[name]);
    }
    const again = await orm.em.fork().findOneOrFail(Post, 1);
    expect(again.tags).toEqual(['a', 'b,c', 'd"e', "f'g", 'h']);
    if (name === 'postgresql') {
      // Raw results give text[] as arrays, as node-pg does under @mikro-orm/postgresql.
      expect(await orm.em.fork().execute('select tags, nums from post order by id')).toEqual([
        { tags: ['a', 'b,c', 'd"e', "f'g", 'h'], nums: [] },
        { tags: ['z'], nums: null },
      ]);
      expect(await orm.em.fork().execute(`select array['x', null, 'NULL', '']::text[] as a`)).toEqual([{ a: ['x', null, 'NULL', ''] }]);
    }
    await orm.close();
  });
}
