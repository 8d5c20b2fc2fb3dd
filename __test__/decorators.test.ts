import { afterEach, describe, expect, test } from 'vitest';
import { EntitySchema, NotImplementedError, defineEntity, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import * as legacyDecorators from '@mikro-native/decorators/legacy';
import * as esDecorators from '@mikro-native/decorators/es';
import { ReflectMetadataProvider } from '@mikro-native/decorators/legacy';
import { compileFixture } from './fixtures/compile.js';
import * as vitestLegacyEntities from './fixtures/vitest-legacy/entities.js';
import { driver, forDriver, queries, setup } from './helpers.js';

// Legacy fixtures need `experimentalDecorators` (+ `emitDecoratorMetadata`), ES fixtures need TypeScript to
// lower TC39 decorators (vitest's oxc transform leaves them in place, and Node cannot run them): both are
// compiled with `tsc` settings of their own, then imported. `fixtures/vitest-legacy` is transformed by vitest.
const legacy = compileFixture('legacy');
const legacyReflect = compileFixture('legacy-reflect');
const es = compileFixture('es');
const legacyEntities = await legacy('entities');
const legacyReflectEntities = await legacyReflect('entities');
const esEntities = await es('entities');

const AuthorDefined = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.string().index(),
    email: p.string().unique(),
    age: p.integer().nullable(),
    born: p.date().nullable(),
    createdAt: p.datetime().onCreate(() => new Date(1000)),
    updatedAt: p.datetime().onCreate(() => new Date(2000)).onUpdate(() => new Date(3000)),
    termsAccepted: p.boolean().default(false),
    bio: p.text().nullable(),
    big: p.bigint().nullable(),
    score: p.float().nullable(),
    price: p.decimal().nullable(),
    wakeUp: p.time().nullable(),
    meta: p.json().nullable(),
    role: p.enum(['admin', 'user']).nullable(),
    uuid: p.uuid().nullable(),
  },
});

const AuthorSchema = new EntitySchema({
  name: 'Author',
  properties: {
    id: { type: 'integer', primary: true, autoincrement: true },
    name: { type: 'string', index: true },
    email: { type: 'string', unique: true },
    age: { type: 'integer', nullable: true },
    born: { type: 'date', nullable: true },
    createdAt: { type: 'datetime', onCreate: () => new Date(1000) },
    updatedAt: { type: 'datetime', onCreate: () => new Date(2000), onUpdate: () => new Date(3000) },
    termsAccepted: { type: 'boolean', default: false },
    bio: { type: 'text', nullable: true },
    big: { type: 'bigint', nullable: true },
    score: { type: 'float', nullable: true },
    price: { type: 'decimal', nullable: true },
    wakeUp: { type: 'time', nullable: true },
    meta: { type: 'json', nullable: true },
    role: { enum: true, items: ['admin', 'user'], nullable: true },
    uuid: { type: 'uuid', nullable: true },
  },
});

// What MikroORM prints for this Author, in every definition style (7.2.2 on SQLite, 7.2.1 on the servers).
const AUTHOR_SQL = forDriver({
  sqlite: [
    'create table `author` (`id` integer not null primary key autoincrement, `name` text not null, `email` text not null, `age` integer null, ' +
      '`born` date null, `created_at` datetime not null, `updated_at` datetime not null, `terms_accepted` integer not null default false, ' +
      '`bio` text null, `big` bigint null, `score` real null, `price` numeric(10,0) null, `wake_up` time null, `meta` json null, ' +
      "`role` text check (`role` in ('admin', 'user')) null, `uuid` text null);",
    'create index `author_name_index` on `author` (`name`);',
    'create unique index `author_email_unique` on `author` (`email`);',
    '',
  ],
  postgresql: [
    "set names 'utf8';",
    '',
    'create table "author" ("id" serial primary key, "name" varchar(255) not null, "email" varchar(255) not null, "age" int null, ' +
      '"born" date null, "created_at" timestamptz not null, "updated_at" timestamptz not null, "terms_accepted" boolean not null default false, ' +
      '"bio" text null, "big" bigint null, "score" real null, "price" numeric(10,0) null, "wake_up" time(0) null, "meta" jsonb null, ' +
      '"role" text null, "uuid" uuid null);',
    'create index "author_name_index" on "author" ("name");',
    'alter table "author" add constraint "author_email_unique" unique ("email");',
    'alter table "author" add constraint "author_role_check" check ("role" in (\'admin\', \'user\'));',
    '',
  ],
  mysql: [
    'set names utf8mb4;',
    '',
    'create table `author` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `email` varchar(255) not null, ' +
      '`age` int null, `born` date null, `created_at` datetime not null, `updated_at` datetime not null, `terms_accepted` tinyint(1) not null default false, ' +
      '`bio` text null, `big` bigint null, `score` float null, `price` numeric(10,0) null, `wake_up` time null, `meta` json null, ' +
      "`role` enum('admin','user') null, `uuid` varchar(36) null) default character set utf8mb4 engine = InnoDB;",
    'alter table `author` add index `author_name_index` (`name`);',
    'alter table `author` add unique `author_email_unique` (`email`);',
    '',
  ],
}).join('\n');

// PostgreSQL's line in SQLite's notation is SQLite's; MySQL has no returning and writes default for a missing value.
const AUTHOR_INSERT = forDriver({
  sqlite:
    '[query] insert into `author` (`name`, `email`, `age`, `born`, `created_at`, `updated_at`, `terms_accepted`, `bio`, `big`, `score`, `price`, ' +
    "`wake_up`, `meta`, `role`, `uuid`) values ('Alice', 'a@x', 30, '2000-01-02', 1000, 2000, false, 'hi', '123', 1.5, '12.5', '10:20:30', " +
    "'{\"a\":[1]}', 'admin', '1b4e28ba-2fa1-11d2-883f-0016d3cca427'), ('Bob', 'b@x', null, null, 1000, 2000, false, null, null, null, null, " +
    'null, null, null, null) returning `id` [took X ms, 2 rows affected]',
  mysql:
    '[query] insert into `author` (`name`, `email`, `age`, `born`, `created_at`, `updated_at`, `terms_accepted`, `bio`, `big`, `score`, `price`, ' +
    "`wake_up`, `meta`, `role`, `uuid`) values ('Alice', 'a@x', 30, '2000-01-02', '1970-01-01 00:00:01.000', '1970-01-01 00:00:02.000', false, " +
    "'hi', '123', 1.5, '12.5', '10:20:30', '{\\\"a\\\":[1]}', 'admin', '1b4e28ba-2fa1-11d2-883f-0016d3cca427'), ('Bob', 'b@x', default, default, " +
    "'1970-01-01 00:00:01.000', '1970-01-01 00:00:02.000', false, default, default, default, default, default, default, default, default) " +
    '[took X ms, 2 rows affected]',
});

// Class-level and property-level @Index/@Unique, and a base class without @Entity() (MikroORM's output).
const ORD_POST_SQL = forDriver({
  sqlite: [
    'create table `ord` (`id` integer not null primary key autoincrement, `a` text not null, `b` text not null, `c` text not null, ' +
      "`d` text not null, `e` text not null, `f` text check (`f` in ('a', 'b')) not null, `g` text not null);",
    'create index `ord_a_index` on `ord` (`a`);',
    'create index `ord_b_index` on `ord` (`b`);',
    'create unique index `c_named` on `ord` (`c`);',
    'create index `d_named` on `ord` (`d`);',
    'create unique index `ord_e_unique` on `ord` (`e`);',
    'create index `prop_level_multi` on `ord` (`a`, `b`);',
    'create index `ord_d_a_index` on `ord` (`d`, `a`);',
    'create unique index `cls_u` on `ord` (`b`);',
    '',
    'create table `post` (`id` integer not null primary key autoincrement, `created_at` datetime not null, `title` text not null);',
    '',
  ],
  postgresql: [
    "set names 'utf8';",
    '',
    'create table "ord" ("id" serial primary key, "a" varchar(255) not null, "b" varchar(255) not null, "c" varchar(255) not null, ' +
      '"d" varchar(255) not null, "e" varchar(255) not null, "f" text not null, "g" varchar(255) not null);',
    'create index "ord_a_index" on "ord" ("a");',
    'create index "ord_b_index" on "ord" ("b");',
    'alter table "ord" add constraint "c_named" unique ("c");',
    'create index "d_named" on "ord" ("d");',
    'alter table "ord" add constraint "ord_e_unique" unique ("e");',
    'create index "prop_level_multi" on "ord" ("a", "b");',
    'create index "ord_d_a_index" on "ord" ("d", "a");',
    'alter table "ord" add constraint "cls_u" unique ("b");',
    'alter table "ord" add constraint "ord_f_check" check ("f" in (\'a\', \'b\'));',
    '',
    'create table "post" ("id" serial primary key, "created_at" timestamptz not null, "title" varchar(255) not null);',
    '',
  ],
  mysql: [
    'set names utf8mb4;',
    '',
    'create table `ord` (`id` int unsigned not null auto_increment primary key, `a` varchar(255) not null, `b` varchar(255) not null, ' +
      "`c` varchar(255) not null, `d` varchar(255) not null, `e` varchar(255) not null, `f` enum('a','b') not null, `g` varchar(255) not null) " +
      'default character set utf8mb4 engine = InnoDB;',
    'alter table `ord` add index `ord_a_index` (`a`);',
    'alter table `ord` add index `ord_b_index` (`b`);',
    'alter table `ord` add unique `c_named` (`c`);',
    'alter table `ord` add index `d_named` (`d`);',
    'alter table `ord` add unique `ord_e_unique` (`e`);',
    'alter table `ord` add index `prop_level_multi` (`a`, `b`);',
    'alter table `ord` add index `ord_d_a_index` (`d`, `a`);',
    'alter table `ord` add unique `cls_u` (`b`);',
    '',
    'create table `post` (`id` int unsigned not null auto_increment primary key, `created_at` datetime not null, `title` varchar(255) not null) ' +
      'default character set utf8mb4 engine = InnoDB;',
    '',
  ],
}).join('\n');

// `Object.keys()` of MikroORM 7's `@mikro-orm/decorators/legacy` (`/es`: the same without ReflectMetadataProvider).
const MIKRO_ORM_LEGACY_EXPORTS = (
  'AfterCreate AfterDelete AfterUpdate AfterUpsert BeforeCreate BeforeDelete BeforeUpdate BeforeUpsert Check CreateRequestContext Embeddable ' +
  'Embedded EnsureRequestContext Entity Enum Filter Formula Index ManyToMany ManyToOne OnInit OnLoad OneToMany OneToOne PrimaryKey Property ' +
  'ReflectMetadataProvider SerializedPrimaryKey Transactional Trigger Unique'
).split(' ');
const UNSUPPORTED = MIKRO_ORM_LEGACY_EXPORTS.filter(
  n => !['Entity', 'PrimaryKey', 'Property', 'Enum', 'Index', 'Unique', 'ManyToOne', 'OneToMany', 'ManyToMany', 'BeforeCreate', 'AfterCreate', 'BeforeUpdate', 'AfterUpdate', 'BeforeDelete', 'AfterDelete', 'OnInit', 'OnLoad', 'OneToOne', 'Filter', 'Formula', 'Embedded', 'Embeddable', 'BeforeUpsert', 'AfterUpsert', 'ReflectMetadataProvider'].includes(n),
);

const styles: [string, unknown, object][] = [
  ['legacy decorators, explicit types', legacyEntities.Author, {}],
  ['legacy decorators + reflect-metadata', legacyReflectEntities.Author, { metadataProvider: ReflectMetadataProvider }],
  ['legacy decorators + reflect-metadata, transformed by vitest', vitestLegacyEntities.Author, { metadataProvider: ReflectMetadataProvider }],
  ['ES decorators', esEntities.Author, {}],
  ['EntitySchema', AuthorSchema, {}],
  ['defineEntity', AuthorDefined, {}],
];

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe.each(styles)('Author defined with %s', (_style, Author, options) => {
  test('create schema SQL is what MikroORM prints', async () => {
    const ctx = await setup({ entities: [Author], ...options });
    orm = ctx.orm;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(AUTHOR_SQL);
  });

  test('persist and find', async () => {
    const ctx = await setup({ entities: [Author], ...options });
    orm = ctx.orm;
    const em = orm.em.fork();
    const entity = Author as any;
    em.create(entity, {
      name: 'Alice', email: 'a@x', age: 30, born: '2000-01-02', bio: 'hi', big: 123n, score: 1.5, price: '12.5',
      wakeUp: '10:20:30', meta: { a: [1] }, role: 'admin', uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
    });
    em.create(entity, { name: 'Bob', email: 'b@x' });
    await em.flush();
    expect(queries(ctx.lines)).toEqual(['[query] begin', AUTHOR_INSERT, '[query] commit']);

    const found = await orm.em.fork().find(entity, {}, { orderBy: { id: 'asc' } });
    if (typeof Author === 'function') {
      expect(found[0]).toBeInstanceOf(Author);
    }
    expect(found.map(a => wrap(a).toObject())).toEqual([
      {
        id: 1, name: 'Alice', email: 'a@x', age: 30, born: '2000-01-02', createdAt: new Date(1000), updatedAt: new Date(2000),
        // The servers' numeric(10,0) rounds the decimal.
        termsAccepted: false, bio: 'hi', big: '123', score: 1.5, price: forDriver({ sqlite: '12.5', postgresql: '13', mysql: '13' }), wakeUp: '10:20:30', meta: { a: [1] }, role: 'admin',
        uuid: '1b4e28ba-2fa1-11d2-883f-0016d3cca427',
      },
      {
        id: 2, name: 'Bob', email: 'b@x', age: null, born: null, createdAt: new Date(1000), updatedAt: new Date(2000), termsAccepted: false,
        bio: null, big: null, score: null, price: null, wakeUp: null, meta: null, role: null, uuid: null,
      },
    ]);
  });
});

describe.each([
  ['legacy', legacyEntities],
  ['ES', esEntities],
])('%s decorators', (_flavour, entities) => {
  test('@Index/@Unique on classes and properties, properties of a base class', async () => {
    const ctx = await setup({ entities: [entities.Post, entities.Ord] });
    orm = ctx.orm;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(ORD_POST_SQL);
    const em = orm.em.fork();
    const post = em.create(entities.Post, { title: 'hello' });
    await em.flush();
    expect(post.id).toBe(1);
    const found = await orm.em.fork().findOneOrFail(entities.Post, { title: 'hello' });
    expect(wrap(found).toObject()).toEqual({ id: 1, createdAt: new Date(1000), title: 'hello' });
  });


  test('@Enum(() => TsEnum): numeric enums without their reverse mappings', async () => {
    const ctx = await setup({ entities: [entities.Setting] });
    orm = ctx.orm;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: [
          "create table `setting` (`id` integer not null primary key autoincrement, `level` integer not null, `color` text check (`color` in ('red', 'blue')) not null);",
          '',
        ],
        postgresql: [
          "set names 'utf8';",
          '',
          'create table "setting" ("id" serial primary key, "level" smallint not null, "color" text not null);',
          'alter table "setting" add constraint "setting_color_check" check ("color" in (\'red\', \'blue\'));',
          '',
        ],
        mysql: [
          'set names utf8mb4;',
          '',
          "create table `setting` (`id` int unsigned not null auto_increment primary key, `level` tinyint not null, `color` enum('red','blue') not null) default character set utf8mb4 engine = InnoDB;",
          '',
        ],
      }).join('\n'),
    );
    const em = orm.em.fork();
    em.create(entities.Setting, { level: entities.Level.High, color: entities.Color.Blue });
    await em.flush();
    expect(queries(ctx.lines)[1]).toBe(
      forDriver({
        sqlite: "[query] insert into `setting` (`level`, `color`) values (1, 'blue') returning `id` [took X ms, 1 row affected]",
        mysql: "[query] insert into `setting` (`level`, `color`) values (1, 'blue') [took X ms, 1 row affected]",
      }),
    );
    const found = await orm.em.fork().find(entities.Setting, {});
    expect(found.map(s => wrap(s).toObject())).toEqual([{ id: 1, level: 1, color: 'blue' }]);
  });
});

test('inferred types need ReflectMetadataProvider (as in MikroORM)', async () => {
  await expect(driver.MikroORM.init({ entities: [legacyReflectEntities.Author], ...driver.connection, dbName: driver.dbName() })).rejects.toThrow(
    "Please provide either 'type' or 'entity' attribute in Author.id.",
  );
});

test('ReflectMetadataProvider subclasses are honoured', async () => {
  class MyProvider extends ReflectMetadataProvider {}
  orm = await driver.MikroORM.init({ entities: [legacyReflectEntities.Author], ...driver.connection, dbName: driver.dbName(), metadataProvider: MyProvider });
  expect(await orm.schema.getCreateSchemaSQL()).toBe(AUTHOR_SQL);
});

test('exports have the names of @mikro-orm/decorators', () => {
  expect(Object.keys(legacyDecorators).sort()).toEqual(MIKRO_ORM_LEGACY_EXPORTS);
  expect(Object.keys(esDecorators).sort()).toEqual(MIKRO_ORM_LEGACY_EXPORTS.filter(n => n !== 'ReflectMetadataProvider'));
});

describe('decorators that are not implemented yet', () => {
  test.each(UNSUPPORTED)('@%s() throws NotImplementedError when applied', name => {
    class Target {}
    const legacyDecorator = (legacyDecorators as any)[name]();
    expect(() => legacyDecorator(Target.prototype, 'prop')).toThrow(NotImplementedError);
    expect(() => legacyDecorator(Target.prototype, 'prop')).toThrow(`@${name}() is not implemented in mikro-native yet (used on Target.prop)`);
    const esDecorator = (esDecorators as any)[name]();
    expect(() => esDecorator(undefined, { kind: 'field', name: 'prop', metadata: {} })).toThrow(NotImplementedError);
    expect(() => esDecorator(undefined, { kind: 'field', name: 'prop', metadata: {} })).toThrow(`@${name}() is not implemented in mikro-native yet (used on field prop)`);
  });

  test('a class using one fails when it is defined', async () => {
    await expect(legacy('unsupported')).rejects.toThrow(NotImplementedError);
    await expect(legacy('unsupported')).rejects.toThrow('@SerializedPrimaryKey() is not implemented in mikro-native yet (used on Book.one)');
    await expect(es('unsupported')).rejects.toThrow(NotImplementedError);
    await expect(es('unsupported')).rejects.toThrow('@SerializedPrimaryKey() is not implemented in mikro-native yet (used on field one)');
  });
});

describe('relations are defined the same way in every style', () => {
  function trimName(this: { name: string }): void {
    this.name = this.name.trim();
  }
  const WriterDefined = defineEntity({
    name: 'Writer',
    properties: { id: p.integer().primary(), name: p.string(), novels: () => p.oneToMany(NovelDefined).mappedBy('writer') },
    hooks: { beforeCreate: [trimName] },
  });
  const PressDefined = defineEntity({ name: 'Press', properties: { id: p.integer().primary(), name: p.string() } });
  const NovelDefined = defineEntity({
    name: 'Novel',
    properties: {
      id: p.integer().primary(),
      title: p.string(),
      writer: () => p.manyToOne(WriterDefined),
      press: () => p.manyToOne(PressDefined).nullable().ref(),
    },
  });
  const WriterSchema = new EntitySchema({
    name: 'Writer',
    properties: { id: { type: 'integer', primary: true }, name: { type: 'string' }, novels: { kind: '1:m', entity: () => NovelSchema, mappedBy: 'writer' } },
    hooks: { beforeCreate: [trimName] },
  });
  const PressSchema = new EntitySchema({ name: 'Press', properties: { id: { type: 'integer', primary: true }, name: { type: 'string' } } });
  const NovelSchema = new EntitySchema({
    name: 'Novel',
    properties: {
      id: { type: 'integer', primary: true },
      title: { type: 'string' },
      writer: { kind: 'm:1', entity: () => WriterSchema },
      press: { kind: 'm:1', entity: () => PressSchema, nullable: true, ref: true },
    },
  });
  const relationStyles: [string, () => Promise<unknown[]>, object][] = [
    ['defineEntity', async () => [WriterDefined, NovelDefined, PressDefined], {}],
    ['EntitySchema', async () => [WriterSchema, NovelSchema, PressSchema], {}],
    ['legacy decorators', async () => Object.values(await legacy('relations')), {}],
    ['ES decorators', async () => Object.values(await es('relations')), {}],
    ['legacy decorators, reflected types', async () => Object.values(await legacyReflect('relations')), { metadataProvider: ReflectMetadataProvider }],
  ];

  test.each(relationStyles)('%s', async (_name, entities, options) => {
    const { orm, lines } = await setup({ entities: await entities(), ...options });
    try {
      expect(await orm.schema.getCreateSchemaSQL()).toBe(
        forDriver({
          sqlite: [
            'create table `press` (`id` integer not null primary key autoincrement, `name` text not null);',
            '',
            'create table `writer` (`id` integer not null primary key autoincrement, `name` text not null);',
            '',
            'create table `novel` (`id` integer not null primary key autoincrement, `title` text not null, `writer_id` integer not null, `press_id` integer null, constraint `novel_writer_id_foreign` foreign key (`writer_id`) references `writer` (`id`), constraint `novel_press_id_foreign` foreign key (`press_id`) references `press` (`id`) on delete set null);',
            'create index `novel_writer_id_index` on `novel` (`writer_id`);',
            'create index `novel_press_id_index` on `novel` (`press_id`);',
            '',
          ],
          postgresql: [
            "set names 'utf8';",
            '',
            'create table "press" ("id" serial primary key, "name" varchar(255) not null);',
            '',
            'create table "writer" ("id" serial primary key, "name" varchar(255) not null);',
            '',
            'create table "novel" ("id" serial primary key, "title" varchar(255) not null, "writer_id" int not null, "press_id" int null);',
            '',
            'alter table "novel" add constraint "novel_writer_id_foreign" foreign key ("writer_id") references "writer" ("id");',
            'alter table "novel" add constraint "novel_press_id_foreign" foreign key ("press_id") references "press" ("id") on delete set null;',
            '',
          ],
          mysql: [
            'set names utf8mb4;',
            '',
            'create table `press` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
            '',
            'create table `writer` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
            '',
            'create table `novel` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null, `writer_id` int unsigned not null, `press_id` int unsigned null) default character set utf8mb4 engine = InnoDB;',
            'alter table `novel` add index `novel_writer_id_index` (`writer_id`);',
            'alter table `novel` add index `novel_press_id_index` (`press_id`);',
            '',
            'alter table `novel` add constraint `novel_writer_id_foreign` foreign key (`writer_id`) references `writer` (`id`);',
            'alter table `novel` add constraint `novel_press_id_foreign` foreign key (`press_id`) references `press` (`id`) on delete set null;',
            '',
          ],
        }).join('\n'),
      );
      const em = orm.em.fork();
      const w = em.create('Writer', { name: '  W  ' }) as any;
      em.create('Novel', { title: 'N1', writer: w, press: em.create('Press', { name: 'P' }) });
      em.create('Novel', { title: 'N2', writer: w });
      expect(w.novels.count()).toBe(2);
      await em.flush();
      const [loaded] = (await orm.em.fork().find('Writer', {}, { populate: ['novels.press'] })) as any[];
      expect(wrap(loaded).toObject()).toEqual({
        id: 1,
        name: 'W',
        novels: [
          { id: 1, title: 'N1', writer: 1, press: { id: 1, name: 'P' } },
          { id: 2, title: 'N2', writer: 1, press: null },
        ],
      });
      expect(loaded.novels[0].press.constructor.name).toBe('Reference');
      // The press is joined to the novels (MikroORM's balanced loading; checked against @mikro-orm/sqlite 7.2.2 too).
      expect(queries(lines).slice(-2)).toEqual([
        '[query] select `w0`.* from `writer` as `w0` [took X ms, 1 result]',
        '[query] select `n0`.*, `p1`.`id` as `p1__id`, `p1`.`name` as `p1__name` from `novel` as `n0` left join `press` as `p1` on `n0`.`press_id` = `p1`.`id` where `n0`.`writer_id` in (1) [took X ms, 2 results]',
      ]);
    } finally {
      await orm.close();
    }
  });
});
