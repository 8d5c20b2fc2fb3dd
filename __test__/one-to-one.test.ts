import { afterEach, describe, expect, test } from 'vitest';
import { EntitySchema, defineEntity, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const User = defineEntity({ name: 'User', properties: { id: p.integer().primary(), name: p.string(), profile: () => p.oneToOne(Profile).mappedBy('user').nullable() } });
const Profile = defineEntity({ name: 'Profile', properties: { id: p.integer().primary(), bio: p.string(), user: () => p.oneToOne(User).owner().inversedBy('profile') } });

const UserSchema = new EntitySchema({
  name: 'User',
  properties: { id: { type: 'integer', primary: true }, name: { type: 'string' }, profile: { kind: '1:1', entity: () => ProfileSchema, mappedBy: 'user', nullable: true } },
});
const ProfileSchema = new EntitySchema({
  name: 'Profile',
  properties: { id: { type: 'integer', primary: true }, bio: { type: 'string' }, user: { kind: '1:1', entity: () => UserSchema, owner: true, inversedBy: 'profile' } },
});

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe.each([
  ['defineEntity', [User, Profile]],
  ['EntitySchema', [UserSchema, ProfileSchema]],
] as const)('one-to-one (%s)', (_style, entities) => {
  test('a unique foreign key on the owner; the inverse side is read through a join', async () => {
    const { orm: o, lines } = await setup({ entities: [...entities], schema: false });
    orm = o;
    expect(await orm.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: [
          'create table `user` (`id` integer not null primary key autoincrement, `name` text not null);',
          '',
          'create table `profile` (`id` integer not null primary key autoincrement, `bio` text not null, `user_id` integer not null, constraint `profile_user_id_foreign` foreign key (`user_id`) references `user` (`id`));',
          'create unique index `profile_user_id_unique` on `profile` (`user_id`);',
          '',
        ],
        postgresql: [
          "set names 'utf8';",
          '',
          'create table "user" ("id" serial primary key, "name" varchar(255) not null);',
          '',
          'create table "profile" ("id" serial primary key, "bio" varchar(255) not null, "user_id" int not null);',
          'alter table "profile" add constraint "profile_user_id_unique" unique ("user_id");',
          '',
          'alter table "profile" add constraint "profile_user_id_foreign" foreign key ("user_id") references "user" ("id");',
          '',
        ],
        mysql: [
          'set names utf8mb4;',
          '',
          'create table `user` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `profile` (`id` int unsigned not null auto_increment primary key, `bio` varchar(255) not null, `user_id` int unsigned not null) default character set utf8mb4 engine = InnoDB;',
          'alter table `profile` add unique `profile_user_id_unique` (`user_id`);',
          '',
          'alter table `profile` add constraint `profile_user_id_foreign` foreign key (`user_id`) references `user` (`id`);',
          '',
        ],
      }).join('\n'),
    );
    await orm.schema.create();
    lines.length = 0;
    const em = orm.em.fork();
    const u = em.create('User', { name: 'U' }) as any;
    const pr = em.create('Profile', { bio: 'B', user: u });
    expect(u.profile).toBe(pr);
    await em.flush();
    expect(take(lines)).toEqual(
      forDriver({
        sqlite: [
          '[query] begin',
          "[query] insert into `user` (`name`) values ('U') returning `id` [took X ms, 1 row affected]",
          "[query] insert into `profile` (`bio`, `user_id`) values ('B', 1) returning `id` [took X ms, 1 row affected]",
          '[query] commit',
        ],
        mysql: [
          '[query] begin',
          "[query] insert into `user` (`name`) values ('U') [took X ms, 1 row affected]",
          "[query] insert into `profile` (`bio`, `user_id`) values ('B', 1) [took X ms, 1 row affected]",
          '[query] commit',
        ],
      }),
    );

    const users = (await orm.em.fork().find('User', {})) as any[];
    expect(users.map(x => wrap(x).toObject())).toEqual([{ id: 1, name: 'U', profile: 1 }]);
    expect(wrap(users[0].profile).isInitialized()).toBe(false);
    const profiles = (await orm.em.fork().find('Profile', {})) as any[];
    expect(profiles.map(x => wrap(x).toObject())).toEqual([{ id: 1, bio: 'B', user: 1 }]);
    const populated = (await orm.em.fork().find('User', {}, { populate: ['profile'] })) as any[];
    expect(populated.map(x => wrap(x).toObject())).toEqual([{ id: 1, name: 'U', profile: { id: 1, bio: 'B', user: 1 } }]);
    await orm.em.fork().find('User', {}, { populate: ['profile'], strategy: 'select-in' });
    await orm.em.fork().find('Profile', {}, { populate: ['user'] });
    expect(take(lines)).toEqual([
      '[query] select `u0`.*, `p1`.`id` as `p1__id` from `user` as `u0` left join `profile` as `p1` on `u0`.`id` = `p1`.`user_id` [took X ms, 1 result]',
      '[query] select `p0`.* from `profile` as `p0` [took X ms, 1 result]',
      '[query] select `u0`.*, `p1`.`id` as `p1__id`, `p1`.`bio` as `p1__bio`, `p1`.`user_id` as `p1__user_id` from `user` as `u0` left join `profile` as `p1` on `u0`.`id` = `p1`.`user_id` [took X ms, 1 result]',
      '[query] select `u0`.*, `p1`.`id` as `p1__id`, `p1`.`bio` as `p1__bio`, `p1`.`user_id` as `p1__user_id` from `user` as `u0` left join `profile` as `p1` on `u0`.`id` = `p1`.`user_id` [took X ms, 1 result]',
      '[query] select `p0`.*, `u1`.`id` as `u1__id`, `u1`.`name` as `u1__name` from `profile` as `p0` inner join `user` as `u1` on `p0`.`user_id` = `u1`.`id` [took X ms, 1 result]',
    ]);
  });

  test('a user without a profile, and the unique key refusing a second profile', async () => {
    const ctx = await setup({ entities: [...entities] });
    orm = ctx.orm;
    const em = orm.em.fork();
    const lonely = em.create('User', { name: 'Lonely' }) as any;
    const u = em.create('User', { name: 'U' }) as any;
    em.create('Profile', { bio: 'B', user: u });
    await em.flush();
    const [l] = (await orm.em.fork().find('User', { name: 'Lonely' })) as any[];
    expect(l.profile).toBeNull();
    expect(lonely.profile).toBeUndefined();
    const em2 = orm.em.fork();
    em2.create('Profile', { bio: 'again', user: em2.getReference('User', u.id) });
    const err = await em2.flush().catch(e => e);
    expect(err.name).toBe('UniqueConstraintViolationException');
  });
});
