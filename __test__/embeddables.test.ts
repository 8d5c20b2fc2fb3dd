import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, EntitySchema, NotImplementedError, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import * as legacy from '@mikro-native/decorators/legacy';
import { failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Address = defineEntity({ name: 'Address', embeddable: true, properties: { street: p.string(), city: p.string().nullable() } });
const User = defineEntity({
  name: 'User',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    address: () => p.embedded(Address),
    billing: () => p.embedded(Address).nullable().prefix('bill_'),
    meta: () => p.embedded(Address).object().nullable(),
  },
});

let orm: MikroORM | undefined;
let lines: string[];
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

/** The logged statements without timing. */
const sql = () => take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));

describe('embeddables', () => {
  test('inline columns with a prefix, or one JSON column; instances of the embeddable; diffs per column', async () => {
    const ctx = await setup({ entities: [User, Address], schema: false });
    orm = ctx.orm;
    lines = ctx.lines;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite:
          'create table `user` (`id` integer not null primary key autoincrement, `name` text not null, `address_street` text not null, `address_city` text null, `bill_street` text null, `bill_city` text null, `meta` json null);\n',
        postgresql:
          `set names 'utf8';\n\n` +
          'create table "user" ("id" serial primary key, "name" varchar(255) not null, "address_street" varchar(255) not null, "address_city" varchar(255) null, "bill_street" varchar(255) null, "bill_city" varchar(255) null, "meta" jsonb null);\n',
        mysql:
          'set names utf8mb4;\n\n' +
          'create table `user` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `address_street` varchar(255) not null, `address_city` varchar(255) null, `bill_street` varchar(255) null, `bill_city` varchar(255) null, `meta` json null) default character set utf8mb4 engine = InnoDB;\n',
      }),
    );
    await orm.schema.create();
    let em = orm.em.fork();
    const u = em.create(User, { name: 'u', address: { street: 's1', city: 'c1' }, meta: { street: 'ms', city: null } });
    expect(u.address).toBeInstanceOf(Address.class);
    take(lines);
    await em.flush();
    expect(sql()).toContain(
      forDriver({
        sqlite: `[query] insert into \`user\` (\`name\`, \`address_street\`, \`address_city\`, \`meta\`) values ('u', 's1', 'c1', '{"street":"ms","city":null}') returning \`id\``,
        // The MySQL log escapes the quotes inside string literals.
        mysql: `[query] insert into \`user\` (\`name\`, \`address_street\`, \`address_city\`, \`meta\`) values ('u', 's1', 'c1', '{\\"street\\":\\"ms\\",\\"city\\":null}')`,
      }),
    );

    em = orm.em.fork();
    const [x] = await em.find(User, { address: { city: 'c1' } }, { orderBy: { address: { city: 'desc' } } });
    expect(sql()).toEqual(["[query] select `u0`.* from `user` as `u0` where `u0`.`address_city` = 'c1' order by `u0`.`address_city` desc"]);
    expect(x.address).toBeInstanceOf(Address.class);
    expect(x.meta).toBeInstanceOf(Address.class);
    expect([{ ...x.address }, x.billing, { ...x.meta }]).toEqual([{ street: 's1', city: 'c1' }, null, { street: 'ms', city: null }]);
    expect(wrap(x).toObject()).toEqual({ id: 1, name: 'u', address: { street: 's1', city: 'c1' }, billing: null, meta: { street: 'ms', city: null } });

    x.address.city = 'c2';
    await em.flush();
    x.billing = em.create(User, { name: 'tmp', address: { street: 'b', city: 'bc' } }, { persist: false }).address;
    await em.flush();
    x.meta!.city = 'mc';
    await em.flush();
    x.billing = null;
    await em.flush();
    expect(sql()).toEqual([
      '[query] begin',
      "[query] update `user` set `address_city` = 'c2' where `id` = 1",
      '[query] commit',
      '[query] begin',
      "[query] update `user` set `bill_street` = 'b', `bill_city` = 'bc' where `id` = 1",
      '[query] commit',
      '[query] begin',
      forDriver({
        sqlite: `[query] update \`user\` set \`meta\` = '{"street":"ms","city":"mc"}' where \`id\` = 1`,
        mysql: `[query] update \`user\` set \`meta\` = '{\\"street\\":\\"ms\\",\\"city\\":\\"mc\\"}' where \`id\` = 1`,
      }),
      '[query] commit',
      '[query] begin',
      forDriver({
        sqlite: '[query] update `user` set `bill_street` = null, `bill_city` = null where `id` = 1',
        mysql: '[query] update `user` set `bill_street` = NULL, `bill_city` = NULL where `id` = 1',
      }),
      '[query] commit',
    ]);
    // assign() makes embeddable instances too.
    em.assign(x, { billing: { street: 'a', city: 'b' } });
    expect(x.billing).toBeInstanceOf(Address.class);
    // Conditions inside a JSON column name the key's path.
    take(lines);
    expect((await orm.em.fork().find(User, { meta: { street: 'ms' } })).map(u => u.id)).toEqual([1]);
    expect(sql()).toEqual([
      forDriver({
        sqlite: "[query] select `u0`.* from `user` as `u0` where json_extract(`u0`.`meta`, '$.street') = 'ms'",
        postgresql: "[query] select `u0`.* from `user` as `u0` where `u0`.`meta`->>'street' = 'ms'",
        mysql: "[query] select `u0`.* from `user` as `u0` where json_extract(`u0`.`meta`, '$.street') = 'ms'",
      }),
    ]);
  });

  test('EntitySchema without a prefix, and decorated classes', async () => {
    const Point = new EntitySchema({ name: 'Point', embeddable: true, properties: { x: { type: 'integer' }, y: { type: 'integer' } } });
    const Shape = new EntitySchema({ name: 'Shape', properties: { id: { type: 'integer', primary: true }, at: { kind: 'embedded', entity: () => Point, prefix: false } } });
    class Money {
      amount!: number;
      currency!: string;
    }
    legacy.Property({ type: 'integer' })(Money.prototype, 'amount');
    legacy.Property({ type: 'string' })(Money.prototype, 'currency');
    legacy.Embeddable()(Money);
    class Order {
      id!: number;
      total!: Money;
    }
    legacy.PrimaryKey({ type: 'integer' })(Order.prototype, 'id');
    legacy.Embedded(() => Money)(Order.prototype, 'total');
    legacy.Entity()(Order);
    const ctx = await setup({ entities: [Shape, Point, Order, Money], schema: false });
    orm = ctx.orm;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: [
          'create table `order` (`id` integer not null primary key autoincrement, `total_amount` integer not null, `total_currency` text not null);',
          '',
          'create table `shape` (`id` integer not null primary key autoincrement, `x` integer not null, `y` integer not null);',
          '',
        ],
        postgresql: [
          "set names 'utf8';",
          '',
          'create table "order" ("id" serial primary key, "total_amount" int not null, "total_currency" varchar(255) not null);',
          '',
          'create table "shape" ("id" serial primary key, "x" int not null, "y" int not null);',
          '',
        ],
        mysql: [
          'set names utf8mb4;',
          '',
          'create table `order` (`id` int unsigned not null auto_increment primary key, `total_amount` int not null, `total_currency` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `shape` (`id` int unsigned not null auto_increment primary key, `x` int not null, `y` int not null) default character set utf8mb4 engine = InnoDB;',
          '',
        ],
      }).join('\n'),
    );
    await orm.schema.create();
    const em = orm.em.fork();
    em.create(Order, { total: { amount: 5, currency: 'EUR' } });
    em.create(Shape, { at: { x: 1, y: 2 } } as never);
    await em.flush();
    const [o] = await orm.em.fork().find(Order, {});
    expect(o.total).toBeInstanceOf(Money);
    expect({ ...o.total }).toEqual({ amount: 5, currency: 'EUR' });
    expect(await orm.em.fork().count(Shape, { at: { x: 1 } } as never)).toBe(1);
  });

  test('arrays of embeddables: one JSON column of instances, rewritten whole when changed', async () => {
    const Addr = defineEntity({ name: 'Address', embeddable: true, properties: { street: p.string(), city: p.string().nullable() } });
    const Person = defineEntity({ name: 'User', properties: { id: p.integer().primary(), name: p.string(), addresses: () => p.embedded(Addr).array() } });
    const ctx = await setup({ entities: [Addr, Person], schema: false });
    orm = ctx.orm;
    lines = ctx.lines;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: 'create table `user` (`id` integer not null primary key autoincrement, `name` text not null, `addresses` json not null);\n',
        postgresql: `set names 'utf8';\n\ncreate table "user" ("id" serial primary key, "name" varchar(255) not null, "addresses" jsonb not null);\n`,
        mysql:
          'set names utf8mb4;\n\ncreate table `user` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `addresses` json not null) default character set utf8mb4 engine = InnoDB;\n',
      }),
    );
    await orm.schema.create();
    take(lines);
    let em = orm.em.fork();
    const u = em.create(Person, { name: 'u1', addresses: [{ street: 's1', city: 'c1' }, { street: 's2' }] });
    expect(u.addresses.map(a => a.constructor.name)).toEqual(['Address', 'Address']);
    await em.flush();
    em = orm.em.fork();
    const [x] = await em.find(Person, {}, { orderBy: { id: 'asc' } });
    expect(x.addresses[1]).toBeInstanceOf(Addr.class);
    expect(wrap(x).toObject()).toEqual({ id: 1, name: 'u1', addresses: [{ street: 's1', city: 'c1' }, { street: 's2' }] });
    x.addresses.push({ street: 's3', city: 'c3' });
    await em.flush();
    const a = em.create(Addr, { street: 's4', city: 'c4' });
    expect(a).toBeInstanceOf(Addr.class);
    x.addresses.push(a);
    await em.flush();
    x.addresses[1].city = 'c2';
    await em.flush();
    await em.flush();
    x.addresses = [];
    await em.flush();
    expect(sql()).toEqual(
      forDriver({
        sqlite: [
          '[query] begin',
          `[query] insert into \`user\` (\`name\`, \`addresses\`) values ('u1', '[{"street":"s1","city":"c1"},{"street":"s2"}]') returning \`id\``,
          '[query] commit',
          '[query] select `u0`.* from `user` as `u0` order by `u0`.`id` asc',
          '[query] begin',
          `[query] update \`user\` set \`addresses\` = '[{"street":"s1","city":"c1"},{"street":"s2"},{"street":"s3","city":"c3"}]' where \`id\` = 1`,
          '[query] commit',
          '[query] begin',
          `[query] update \`user\` set \`addresses\` = '[{"street":"s1","city":"c1"},{"street":"s2"},{"street":"s3","city":"c3"},{"street":"s4","city":"c4"}]' where \`id\` = 1`,
          '[query] commit',
          '[query] begin',
          `[query] update \`user\` set \`addresses\` = '[{"street":"s1","city":"c1"},{"street":"s2","city":"c2"},{"street":"s3","city":"c3"},{"street":"s4","city":"c4"}]' where \`id\` = 1`,
          '[query] commit',
          '[query] begin',
          "[query] update `user` set `addresses` = '[]' where `id` = 1",
          '[query] commit',
        ],
        mysql: [
          '[query] begin',
          `[query] insert into \`user\` (\`name\`, \`addresses\`) values ('u1', '[{\\"street\\":\\"s1\\",\\"city\\":\\"c1\\"},{\\"street\\":\\"s2\\"}]')`,
          '[query] commit',
          '[query] select `u0`.* from `user` as `u0` order by `u0`.`id` asc',
          '[query] begin',
          `[query] update \`user\` set \`addresses\` = '[{\\"street\\":\\"s1\\",\\"city\\":\\"c1\\"},{\\"street\\":\\"s2\\"},{\\"street\\":\\"s3\\",\\"city\\":\\"c3\\"}]' where \`id\` = 1`,
          '[query] commit',
          '[query] begin',
          `[query] update \`user\` set \`addresses\` = '[{\\"street\\":\\"s1\\",\\"city\\":\\"c1\\"},{\\"street\\":\\"s2\\"},{\\"street\\":\\"s3\\",\\"city\\":\\"c3\\"},{\\"street\\":\\"s4\\",\\"city\\":\\"c4\\"}]' where \`id\` = 1`,
          '[query] commit',
          '[query] begin',
          `[query] update \`user\` set \`addresses\` = '[{\\"street\\":\\"s1\\",\\"city\\":\\"c1\\"},{\\"street\\":\\"s2\\",\\"city\\":\\"c2\\"},{\\"street\\":\\"s3\\",\\"city\\":\\"c3\\"},{\\"street\\":\\"s4\\",\\"city\\":\\"c4\\"}]' where \`id\` = 1`,
          '[query] commit',
          '[query] begin',
          "[query] update `user` set `addresses` = '[]' where `id` = 1",
          '[query] commit',
        ],
      }),
    );
    // A condition on the items holds when some item matches (json_each), as MikroORM.
    x.addresses = [{ street: 's1', city: 'c1' }, { street: 's2' }] as never;
    await em.flush();
    take(lines);
    expect((await orm.em.fork().find(Person, { addresses: { city: 'c1' } } as never)).length).toBe(1);
    expect((await orm.em.fork().find(Person, { addresses: { city: 'zz' } } as never)).length).toBe(0);
    expect(sql()).toEqual(
      forDriver({
        sqlite: [
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.city') = 'c1')",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from json_each(`u0`.`addresses`) as `__je0` where json_extract(`__je0`.value, '$.city') = 'zz')",
        ],
        postgresql: [
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where `__je0`->>'city' = 'c1')",
          "[query] select `u0`.* from `user` as `u0` where exists (select 1 from jsonb_array_elements(`u0`.`addresses`) as `__je0` where `__je0`->>'city' = 'zz')",
        ],
        mysql: [
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`city` text path '$.city')) as `__je0` where `__je0`.`city` = 'c1' limit 1) is not null",
          "[query] select `u0`.* from `user` as `u0` where (select 1 from json_table(`u0`.`addresses`, '$[*]' columns (`city` text path '$.city')) as `__je0` where `__je0`.`city` = 'zz' limit 1) is not null",
        ],
      }),
    );
  });
});
