import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup, take } from './helpers.js';

// Conditions on the items of an array of embeddables. The expected SQL is what MikroORM 7.2.1
// (@mikro-orm/sqlite 7.2.2, /postgresql, /mysql) logged for the same calls, with one exception
// on MySQL: MikroORM declares a boolean key's json_table column `unsigned`, which neither MariaDB
// nor MySQL take as a column type (its query fails); ours is `boolean`.

const Address = defineEntity({
  name: 'Address',
  embeddable: true,
  properties: { street: p.string(), city: p.string().nullable(), num: p.integer().nullable(), ok: p.boolean().nullable() },
});
const User = defineEntity({ name: 'User', properties: { id: p.integer().primary(), name: p.string(), addresses: () => p.embedded(Address).array().nullable() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

/** Which users (by name) match each condition, and the selects logged. */
async function run(wheres: object[]) {
  const ctx = await setup({ entities: [User, Address] });
  orm = ctx.orm;
  const em = orm.em.fork();
  em.create(User, { name: 'u1', addresses: [{ street: 's1', city: 'c1', num: 3, ok: true }, { street: 's2', num: 7, ok: false }] });
  em.create(User, { name: 'u2', addresses: [{ street: 's3', city: 'c2', num: 1 }] });
  em.create(User, { name: 'u3', addresses: [] });
  await em.flush();
  take(ctx.lines);
  const found: string[][] = [];
  for (const where of wheres) {
    const users = await orm.em.fork().find(User, where as never, { orderBy: { id: 'asc' } });
    found.push(users.map(u => u.name));
  }
  return { found, sql: take(ctx.lines).map(l => l.replace(/ order by .*$/, '')) };
}

describe('conditions on the items of an array of embeddables', () => {
  test('some item matches: keys cast by their property type; $and, $or, $not', async () => {
    const { found, sql } = await run([
      { addresses: { street: 's1', city: 'c1' } },
      { addresses: { num: { $gt: 5 } } },
      { addresses: { ok: true } },
      { addresses: { $or: [{ street: 's3' }, { city: 'c1', num: 3 }] } },
      { addresses: { $and: [{ city: 'c1' }, { num: 7 }] } },
      { addresses: { $not: { city: 'c2' } } },
      { addresses: { num: { $in: [1, 7] } } },
      { name: 'u1', addresses: { city: null } },
    ]);
    expect(found).toEqual([['u1'], ['u1'], ['u1'], ['u1', 'u2'], [], ['u1', 'u3'], ['u1', 'u2'], ['u1']]);
    expect(sql).toEqual(
      forDriver({
        sqlite: [
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.street') = 's1' and json_extract(`__je0`.value, '$.city') = 'c1')",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.num') > 5)",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.ok') = true)",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where (json_extract(`__je0`.value, '$.street') = 's3' or json_extract(`__je0`.value, '$.city') = 'c1' and json_extract(`__je0`.value, '$.num') = 3))",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where (json_extract(`__je0`.value, '$.city') = 'c1' and json_extract(`__je0`.value, '$.num') = 7))",
          "[query] select `u0`.* from `user` as `u0` where not exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.city') = 'c2')",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.num') in (1, 7))",
          "[query] select `u0`.* from `user` as `u0` where `u0`.`name` = 'u1' and exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.city') is null)",
        ],
        postgresql: [
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where `__je0`->>'street' = 's1' and `__je0`->>'city' = 'c1')",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where (`__je0`->>'num')::float8 > 5)",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where (`__je0`->>'ok')::bool = true)",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where (`__je0`->>'street' = 's3' or `__je0`->>'city' = 'c1' and (`__je0`->>'num')::float8 = 3))",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where (`__je0`->>'city' = 'c1' and (`__je0`->>'num')::float8 = 7))",
          "[query] select `u0`.* from `user` as `u0` where not exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where `__je0`->>'city' = 'c2')",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where (`__je0`->>'num')::float8 in (1, 7))",
          "[query] select `u0`.* from `user` as `u0` where `u0`.`name` = 'u1' and exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where `__je0`->>'city' is null)",
        ],
        mysql: [
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`street` text path '$.street', `city` text path '$.city')) as `__je0` where `__je0`.`street` = 's1' and `__je0`.`city` = 'c1' limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`num` double path '$.num')) as `__je0` where `__je0`.`num` > 5 limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`ok` boolean path '$.ok')) as `__je0` where `__je0`.`ok` = true limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`street` text path '$.street', `city` text path '$.city', `num` double path '$.num')) as `__je0` where (`__je0`.`street` = 's3' or `__je0`.`city` = 'c1' and `__je0`.`num` = 3) limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`city` text path '$.city', `num` double path '$.num')) as `__je0` where (`__je0`.`city` = 'c1' and `__je0`.`num` = 7) limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where not (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`city` text path '$.city')) as `__je0` where `__je0`.`city` = 'c2' limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`num` double path '$.num')) as `__je0` where `__je0`.`num` in (1, 7) limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where `u0`.`name` = 'u1' and (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`city` text path '$.city')) as `__je0` where `__je0`.`city` is null limit 1) is not null",
        ],
      }),
    );
  });

  test('conditions on the column itself stay on the column; other operators among item keys are named', async () => {
    const { found, sql } = await run([{ addresses: { $ne: null } }]);
    expect(found).toEqual([['u1', 'u2', 'u3']]);
    expect(sql).toEqual(['[query] select `u0`.* from `user` as `u0` where `u0`.`addresses` is not null']);
    await expect(orm!.em.fork().find(User, { addresses: { city: 'c1', $ne: null } } as never)).rejects.toThrow(
      'Not implemented in mikro-native yet: operator $ne among the conditions on the items of User.addresses',
    );
  });
});
