import { afterEach, expect, test } from 'vitest';
import { defineEntity, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import { forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Car = defineEntity({ name: 'Car', properties: { name: p.string().primary(), year: p.integer().primary(), price: p.integer() } });
const User = defineEntity({
  name: 'User',
  properties: { id: p.integer().primary(), name: p.string(), profile: () => p.oneToOne(Profile).mappedBy('user').nullable() },
});
const Profile = defineEntity({ name: 'Profile', properties: { user: () => p.oneToOne(User).primary(), bio: p.string() } });
const UserStat = defineEntity({ name: 'UserStat', properties: { user: () => p.manyToOne(User).primary(), day: p.integer().primary(), n: p.integer() } });

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

test('composite primary keys and foreign keys as primary keys', async () => {
  const ctx = await setup({ entities: [Car, User, Profile, UserStat], schema: false });
  orm = ctx.orm;
  const sql = () => take(ctx.lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));
  expect(await orm.schema.getCreateSchemaSQL()).toBe(
    forDriver({
      sqlite: [
        'create table `car` (`name` text not null, `year` integer not null, `price` integer not null, primary key (`name`, `year`));\n',
        'create table `user` (`id` integer not null primary key autoincrement, `name` text not null);\n',
        'create table `profile` (`user_id` integer not null primary key, `bio` text not null, constraint `profile_user_id_foreign` foreign key (`user_id`) references `user` (`id`) on update cascade on delete cascade);\n',
        'create table `user_stat` (`user_id` integer not null, `day` integer not null, `n` integer not null, primary key (`user_id`, `day`), constraint `user_stat_user_id_foreign` foreign key (`user_id`) references `user` (`id`));\ncreate index `user_stat_user_id_index` on `user_stat` (`user_id`);\n',
      ],
      postgresql: [
        "set names 'utf8';\n",
        'create table "car" ("name" varchar(255) not null, "year" int not null, "price" int not null, primary key ("name", "year"));\n',
        'create table "user" ("id" serial primary key, "name" varchar(255) not null);\n',
        'create table "profile" ("user_id" int not null, "bio" varchar(255) not null, primary key ("user_id"));\n',
        'create table "user_stat" ("user_id" int not null, "day" int not null, "n" int not null, primary key ("user_id", "day"));\n',
        'alter table "profile" add constraint "profile_user_id_foreign" foreign key ("user_id") references "user" ("id") on update cascade on delete cascade;\n',
        'alter table "user_stat" add constraint "user_stat_user_id_foreign" foreign key ("user_id") references "user" ("id");\n',
      ],
      mysql: [
        'set names utf8mb4;\n',
        'create table `car` (`name` varchar(255) not null, `year` int unsigned not null, `price` int not null, primary key (`name`, `year`)) default character set utf8mb4 engine = InnoDB;\n',
        'create table `user` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;\n',
        'create table `profile` (`user_id` int unsigned not null, `bio` varchar(255) not null, primary key (`user_id`)) default character set utf8mb4 engine = InnoDB;\n',
        'create table `user_stat` (`user_id` int unsigned not null, `day` int unsigned not null, `n` int not null, primary key (`user_id`, `day`)) default character set utf8mb4 engine = InnoDB;\nalter table `user_stat` add index `user_stat_user_id_index` (`user_id`);\n',
        'alter table `profile` add constraint `profile_user_id_foreign` foreign key (`user_id`) references `user` (`id`) on update cascade on delete cascade;\n',
        'alter table `user_stat` add constraint `user_stat_user_id_foreign` foreign key (`user_id`) references `user` (`id`);\n',
      ],
    }).join('\n'),
  );
  await orm.schema.create();
  sql();

  let em = orm.em.fork();
  em.create(Car, { name: 'a', year: 2020, price: 1 });
  em.create(Car, { name: 'b', year: 2021, price: 2 });
  const u = em.create(User, { name: 'u' });
  em.create(Profile, { user: u, bio: 'b' });
  em.create(UserStat, { user: u, day: 1, n: 1 });
  em.create(UserStat, { user: u, day: 2, n: 2 });
  await em.flush();
  expect(sql()).toEqual([
    '[query] begin',
    forDriver({ sqlite: "[query] insert into `user` (`name`) values ('u') returning `id`", mysql: "[query] insert into `user` (`name`) values ('u')" }),
    '[query] insert into `user_stat` (`user_id`, `day`, `n`) values (1, 1, 1), (1, 2, 2)',
    "[query] insert into `profile` (`user_id`, `bio`) values (1, 'b')",
    "[query] insert into `car` (`name`, `year`, `price`) values ('a', 2020, 1), ('b', 2021, 2)",
    '[query] commit',
  ]);

  em = orm.em.fork();
  const car = (await em.findOne(Car, ['a', 2020]))!;
  expect(sql()).toEqual(["[query] select `c0`.* from `car` as `c0` where (`c0`.`name`, `c0`.`year`) in (('a', 2020)) limit 1"]);
  expect(wrap(car).toObject()).toEqual({ name: 'a', year: 2020, price: 1 });
  expect(wrap(car).getPrimaryKey()).toEqual({ name: 'a', year: 2020 });
  expect(await em.findOne(Car, ['a', 2020])).toBe(car);
  expect(em.getReference(Car, ['a', 2020])).toBe(car);
  expect(sql()).toEqual([]);
  const ref = orm.em.fork().getReference(Car, ['b', 2021]);
  expect([wrap(ref).isInitialized(), ref.name, ref.year]).toEqual([false, 'b', 2021]);

  car.price = 5;
  em.remove(await em.findOneOrFail(Car, { name: 'b' }));
  await em.flush();
  expect(sql()).toEqual([
    "[query] select `c0`.* from `car` as `c0` where `c0`.`name` = 'b' limit 1",
    '[query] begin',
    "[query] update `car` set `price` = 5 where `name` = 'a' and `year` = 2020",
    "[query] delete from `car` where (`name`, `year`) in (('b', 2021))",
    '[query] commit',
  ]);
  expect(await orm.em.fork().count(Car, { price: { $gt: 0 } })).toBe(1);
  const upserted = await orm.em.fork().upsert(Car, { name: 'a', year: 2020, price: 7 });
  expect(wrap(upserted).toObject()).toEqual({ name: 'a', year: 2020, price: 7 });
  expect(sql()).toEqual([
    '[query] select count(*) as `count` from `car` as `c0` where `c0`.`price` > 0',
    forDriver({
      sqlite: "[query] insert into `car` (`name`, `year`, `price`) values ('a', 2020, 7) on conflict (`name`, `year`) do update set `price` = excluded.`price`",
      mysql: "[query] insert into `car` (`name`, `year`, `price`) values ('a', 2020, 7) on duplicate key update `price` = values(`price`)",
    }),
  ]);

  // A one-to-one as the primary key: found by the target's key, written as it.
  em = orm.em.fork();
  const profile = (await em.findOne(Profile, 1))!;
  expect(await em.findOne(Profile, { user: 1 })).toBe(profile);
  expect(wrap(profile).getPrimaryKey()).toBe(1);
  expect(wrap(profile).toObject()).toEqual({ user: 1, bio: 'b' });
  profile.bio = 'x';
  await em.flush();
  expect(sql()).toEqual([
    '[query] select `p0`.* from `profile` as `p0` where `p0`.`user_id` = 1 limit 1',
    '[query] begin',
    "[query] update `profile` set `bio` = 'x' where `user_id` = 1",
    '[query] commit',
  ]);
  const users = await orm.em.fork().find(User, {}, { populate: ['profile'] });
  expect(sql()).toEqual([
    '[query] select `u0`.*, `p1`.`user_id` as `p1__user_id`, `p1`.`bio` as `p1__bio` from `user` as `u0` left join `profile` as `p1` on `u0`.`id` = `p1`.`user_id`',
  ]);
  expect(users.map(x => wrap(x).toObject())).toEqual([{ id: 1, name: 'u', profile: { user: 1, bio: 'x' } }]);

  // A many-to-one in a composite key.
  em = orm.em.fork();
  const stats = await em.find(UserStat, { user: 1 }, { orderBy: { day: 'asc' }, populate: ['user'] });
  expect(sql()).toEqual([
    '[query] select `u0`.*, `u1`.`id` as `u1__id`, `u1`.`name` as `u1__name` from `user_stat` as `u0` inner join `user` as `u1` on `u0`.`user_id` = `u1`.`id` where `u0`.`user_id` = 1 order by `u0`.`day` asc',
  ]);
  expect(stats.map(x => wrap(x).toObject())).toEqual([
    { user: { id: 1, name: 'u' }, day: 1, n: 1 },
    { user: { id: 1, name: 'u' }, day: 2, n: 2 },
  ]);
  expect(wrap(stats[0]).getPrimaryKey()).toEqual({ user: 1, day: 1 });
  expect(em.getReference(UserStat, [1, 2])).toBe(stats[1]);
  const statRef = orm.em.fork().getReference(UserStat, [1, 2]);
  expect([wrap(statRef).isInitialized(), wrap(statRef.user).isInitialized(), statRef.user.id, statRef.day]).toEqual([false, false, 1, 2]);
  stats[0].n = 9;
  em.remove(stats[1]);
  await em.flush();
  expect(sql()).toEqual([
    '[query] begin',
    '[query] update `user_stat` set `n` = 9 where `user_id` = 1 and `day` = 1',
    '[query] delete from `user_stat` where (`user_id`, `day`) in ((1, 2))',
    '[query] commit',
  ]);
  em.remove(await em.findOneOrFail(Profile, 1));
  await em.flush();
  expect(sql()).toEqual([
    '[query] select `p0`.* from `profile` as `p0` where `p0`.`user_id` = 1 limit 1',
    '[query] begin',
    '[query] delete from `profile` where `user_id` in (1)',
    '[query] commit',
  ]);
  const left = await orm.em.fork().find(UserStat, {});
  expect(left.map(x => wrap(x).toObject())).toEqual([{ user: 1, day: 1, n: 9 }]);
});

test('many-to-one and one-to-many over a composite key', async () => {
  const Vehicle = defineEntity({
    name: 'Car',
    properties: { name: p.string().primary(), year: p.integer().primary(), price: p.integer(), owners: () => p.oneToMany(CarOwner).mappedBy('car') },
  });
  const CarOwner = defineEntity({ name: 'CarOwner', properties: { id: p.integer().primary(), name: p.string(), car: () => p.manyToOne(Vehicle).nullable() } });
  const ctx = await setup({ entities: [Vehicle, CarOwner], schema: false });
  orm = ctx.orm;
  const sql = () => take(ctx.lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));
  expect(await orm.schema.getCreateSchemaSQL()).toBe(
    forDriver({
      sqlite:
        'create table `car` (`name` text not null, `year` integer not null, `price` integer not null, primary key (`name`, `year`));\n\n' +
        'create table `car_owner` (`id` integer not null primary key autoincrement, `name` text not null, `car_name` text null, `car_year` integer null, constraint `car_owner_car_name_car_year_foreign` foreign key (`car_name`, `car_year`) references `car` (`name`, `year`) on update cascade on delete set null);\n' +
        'create index `car_owner_car_name_car_year_index` on `car_owner` (`car_name`, `car_year`);\n',
      postgresql:
        "set names 'utf8';\n\n" +
        'create table "car" ("name" varchar(255) not null, "year" int not null, "price" int not null, primary key ("name", "year"));\n\n' +
        'create table "car_owner" ("id" serial primary key, "name" varchar(255) not null, "car_name" varchar(255) null, "car_year" int null);\n\n' +
        'alter table "car_owner" add constraint "car_owner_car_name_car_year_foreign" foreign key ("car_name", "car_year") references "car" ("name", "year") on update cascade on delete set null;\n',
      mysql:
        'set names utf8mb4;\n\n' +
        'create table `car` (`name` varchar(255) not null, `year` int unsigned not null, `price` int not null, primary key (`name`, `year`)) default character set utf8mb4 engine = InnoDB;\n\n' +
        'create table `car_owner` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null, `car_name` varchar(255) null, `car_year` int unsigned null) default character set utf8mb4 engine = InnoDB;\n' +
        'alter table `car_owner` add index `car_owner_car_name_car_year_index` (`car_name`, `car_year`);\n\n' +
        'alter table `car_owner` add constraint `car_owner_car_name_car_year_foreign` foreign key (`car_name`, `car_year`) references `car` (`name`, `year`) on update cascade on delete set null;\n',
    }),
  );
  await orm.schema.create();
  sql();
  let em = orm.em.fork();
  const a = em.create(Vehicle, { name: 'a', year: 2020, price: 1 });
  em.create(Vehicle, { name: 'b', year: 2021, price: 2 });
  em.create(CarOwner, { name: 'o', car: a });
  await em.flush();

  const joined = await orm.em.fork().find(CarOwner, {}, { populate: ['car'] });
  expect(joined.map(x => wrap(x).toObject())).toEqual([{ id: 1, name: 'o', car: { name: 'a', year: 2020, price: 1 } }]);
  const [plain] = await orm.em.fork().find(CarOwner, {});
  expect([wrap(plain).toObject(), wrap(plain.car!).isInitialized(), plain.car!.name, plain.car!.year]).toEqual([{ id: 1, name: 'o', car: { name: 'a', year: 2020 } }, false, 'a', 2020]);
  expect(await orm.em.fork().count(CarOwner, { car: { name: 'a' } })).toBe(1);
  expect(await orm.em.fork().count(CarOwner, { car: ['a', 2020] })).toBe(1);
  expect(sql()).toEqual([
    '[query] begin',
    "[query] insert into `car` (`name`, `year`, `price`) values ('a', 2020, 1), ('b', 2021, 2)",
    forDriver({
      sqlite: "[query] insert into `car_owner` (`name`, `car_name`, `car_year`) values ('o', 'a', 2020) returning `id`",
      mysql: "[query] insert into `car_owner` (`name`, `car_name`, `car_year`) values ('o', 'a', 2020)",
    }),
    '[query] commit',
    '[query] select `c0`.*, `c1`.`name` as `c1__name`, `c1`.`year` as `c1__year`, `c1`.`price` as `c1__price` from `car_owner` as `c0` left join `car` as `c1` on `c0`.`car_name` = `c1`.`name` and `c0`.`car_year` = `c1`.`year`',
    '[query] select `c0`.* from `car_owner` as `c0`',
    "[query] select count(*) as `count` from `car_owner` as `c0` where `c0`.`car_name` = 'a'",
    "[query] select count(*) as `count` from `car_owner` as `c0` where (`c0`.`car_name`, `c0`.`car_year`) = ('a', 2020)",
  ]);

  em = orm.em.fork();
  const owner = await em.findOneOrFail(CarOwner, 1);
  owner.car = em.getReference(Vehicle, ['b', 2021]);
  await em.flush();
  owner.car = null;
  await em.flush();
  owner.car = await em.findOneOrFail(Vehicle, { name: 'a' });
  await em.flush();
  await wrap(em.getReference(Vehicle, ['b', 2021])).init();
  expect(sql()).toEqual([
    '[query] select `c0`.* from `car_owner` as `c0` where `c0`.`id` = 1 limit 1',
    '[query] begin',
    "[query] update `car_owner` set `car_name` = 'b', `car_year` = 2021 where `id` = 1",
    '[query] commit',
    '[query] begin',
    forDriver({
      sqlite: '[query] update `car_owner` set `car_name` = null, `car_year` = null where `id` = 1',
      mysql: '[query] update `car_owner` set `car_name` = NULL, `car_year` = NULL where `id` = 1',
    }),
    '[query] commit',
    "[query] select `c0`.* from `car` as `c0` where `c0`.`name` = 'a' limit 1",
    '[query] begin',
    "[query] update `car_owner` set `car_name` = 'a', `car_year` = 2020 where `id` = 1",
    '[query] commit',
    "[query] select `c0`.* from `car` as `c0` where (`c0`.`name`, `c0`.`year`) in (('b', 2021)) limit 1",
  ]);

  const expected = [
    { name: 'a', year: 2020, price: 1, owners: [{ id: 1, name: 'o', car: { name: 'a', year: 2020 } }] },
    { name: 'b', year: 2021, price: 2, owners: [] },
  ];
  const selectIn = await orm.em.fork().find(Vehicle, {}, { populate: ['owners'], orderBy: { name: 'asc' } });
  expect(selectIn.map(x => wrap(x).toObject())).toEqual(expected);
  const viaJoin = await orm.em.fork().find(Vehicle, {}, { populate: ['owners'], strategy: 'joined', orderBy: { name: 'asc' } });
  expect(viaJoin.map(x => wrap(x).toObject())).toEqual(expected);
  expect(sql()).toEqual([
    '[query] select `c0`.* from `car` as `c0` order by `c0`.`name` asc',
    "[query] select `c0`.* from `car_owner` as `c0` where (`c0`.`car_name`, `c0`.`car_year`) in (('a', 2020), ('b', 2021))",
    '[query] select `c0`.*, `o1`.`id` as `o1__id`, `o1`.`name` as `o1__name`, `o1`.`car_name` as `o1__car_name`, `o1`.`car_year` as `o1__car_year` from `car` as `c0` left join `car_owner` as `o1` on `c0`.`name` = `o1`.`car_name` and `c0`.`year` = `o1`.`car_year` order by `c0`.`name` asc',
  ]);
  expect(wrap(selectIn[0]).getSerializedPrimaryKey()).toBe('a~~~2020');
});
