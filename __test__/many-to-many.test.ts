import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, EntitySchema, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import { failure, forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), tags: () => p.manyToMany(Tag).owner().inversedBy('books') } });
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string(), books: () => p.manyToMany(Book).mappedBy('tags') } });

const BookSchema = new EntitySchema({
  name: 'Book',
  properties: { id: { type: 'integer', primary: true }, title: { type: 'string' }, tags: { kind: 'm:n', entity: () => TagSchema, owner: true, inversedBy: 'books' } },
});
const TagSchema = new EntitySchema({
  name: 'Tag',
  properties: { id: { type: 'integer', primary: true }, name: { type: 'string' }, books: { kind: 'm:n', entity: () => BookSchema, mappedBy: 'tags' } },
});

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

describe.each([
  ['defineEntity', [Book, Tag]],
  ['EntitySchema', [BookSchema, TagSchema]],
] as const)('many-to-many (%s)', (_style, entities) => {
  async function init() {
    const ctx = await setup({ entities: [...entities], schema: false });
    orm = ctx.orm;
    return ctx;
  }

  /** B1 with T1, T2 and B2 with T2, T3. */
  async function seed() {
    const em = orm!.em.fork();
    const [t1, t2, t3] = ['T1', 'T2', 'T3'].map(name => em.create('Tag', { name })) as any[];
    em.create('Book', { title: 'B1', tags: [t1, t2] });
    const b2 = em.create('Book', { title: 'B2' }) as any;
    b2.tags.add(t2, t3);
    expect([t2.books.isInitialized(), t2.books.count()]).toEqual([true, 2]);
    await em.flush();
  }

  test('the pivot table, the links written after both sides, select-in loading from either side', async () => {
    const { lines } = await init();
    expect(await orm!.schema.getCreateSchemaSQL()).toBe(
      forDriver({
        sqlite: [
          'create table `book` (`id` integer not null primary key autoincrement, `title` text not null);',
          '',
          'create table `tag` (`id` integer not null primary key autoincrement, `name` text not null);',
          '',
          'create table `book_tags` (`book_id` integer not null, `tag_id` integer not null, primary key (`book_id`, `tag_id`), constraint `book_tags_book_id_foreign` foreign key (`book_id`) references `book` (`id`) on update cascade on delete cascade, constraint `book_tags_tag_id_foreign` foreign key (`tag_id`) references `tag` (`id`) on update cascade on delete cascade);',
          'create index `book_tags_book_id_index` on `book_tags` (`book_id`);',
          'create index `book_tags_tag_id_index` on `book_tags` (`tag_id`);',
          '',
        ],
        postgresql: [
          "set names 'utf8';",
          '',
          'create table "book" ("id" serial primary key, "title" varchar(255) not null);',
          '',
          'create table "tag" ("id" serial primary key, "name" varchar(255) not null);',
          '',
          'create table "book_tags" ("book_id" int not null, "tag_id" int not null, primary key ("book_id", "tag_id"));',
          '',
          'alter table "book_tags" add constraint "book_tags_book_id_foreign" foreign key ("book_id") references "book" ("id") on update cascade on delete cascade;',
          'alter table "book_tags" add constraint "book_tags_tag_id_foreign" foreign key ("tag_id") references "tag" ("id") on update cascade on delete cascade;',
          '',
        ],
        mysql: [
          'set names utf8mb4;',
          '',
          'create table `book` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `tag` (`id` int unsigned not null auto_increment primary key, `name` varchar(255) not null) default character set utf8mb4 engine = InnoDB;',
          '',
          'create table `book_tags` (`book_id` int unsigned not null, `tag_id` int unsigned not null, primary key (`book_id`, `tag_id`)) default character set utf8mb4 engine = InnoDB;',
          'alter table `book_tags` add index `book_tags_book_id_index` (`book_id`);',
          'alter table `book_tags` add index `book_tags_tag_id_index` (`tag_id`);',
          '',
          'alter table `book_tags` add constraint `book_tags_book_id_foreign` foreign key (`book_id`) references `book` (`id`) on update cascade on delete cascade;',
          'alter table `book_tags` add constraint `book_tags_tag_id_foreign` foreign key (`tag_id`) references `tag` (`id`) on update cascade on delete cascade;',
          '',
        ],
      }).join('\n'),
    );
    await orm!.schema.create();
    lines.length = 0;
    await seed();
    expect(take(lines)).toEqual(
      forDriver({
        sqlite: [
          '[query] begin',
          "[query] insert into `tag` (`name`) values ('T1'), ('T2'), ('T3') returning `id` [took X ms, 3 rows affected]",
          "[query] insert into `book` (`title`) values ('B1'), ('B2') returning `id` [took X ms, 2 rows affected]",
          '[query] insert into `book_tags` (`tag_id`, `book_id`) values (1, 1), (2, 1), (2, 2), (3, 2) [took X ms, 4 rows affected]',
          '[query] commit',
        ],
        mysql: [
          '[query] begin',
          "[query] insert into `tag` (`name`) values ('T1'), ('T2'), ('T3') [took X ms, 3 rows affected]",
          "[query] insert into `book` (`title`) values ('B1'), ('B2') [took X ms, 2 rows affected]",
          '[query] insert into `book_tags` (`tag_id`, `book_id`) values (1, 1), (2, 1), (2, 2), (3, 2) [took X ms, 4 rows affected]',
          '[query] commit',
        ],
      }),
    );

    const books = (await orm!.em.fork().find('Book', {}, { populate: ['tags'], orderBy: { id: 'asc' } })) as any[];
    expect(books.map(b => wrap(b).toObject())).toEqual([
      { id: 1, title: 'B1', tags: [{ id: 1, name: 'T1' }, { id: 2, name: 'T2' }] },
      { id: 2, title: 'B2', tags: [{ id: 2, name: 'T2' }, { id: 3, name: 'T3' }] },
    ]);
    const tags = (await orm!.em.fork().find('Tag', {}, { populate: ['books'], orderBy: { id: 'asc' } })) as any[];
    expect(tags.map(t => wrap(t).toObject())).toEqual([
      { id: 1, name: 'T1', books: [{ id: 1, title: 'B1' }] },
      { id: 2, name: 'T2', books: [{ id: 1, title: 'B1' }, { id: 2, title: 'B2' }] },
      { id: 3, name: 'T3', books: [{ id: 2, title: 'B2' }] },
    ]);
    expect(take(lines)).toEqual([
      '[query] select `b0`.* from `book` as `b0` order by `b0`.`id` asc [took X ms, 2 results]',
      '[query] select `b0`.`tag_id`, `b0`.`book_id`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book_tags` as `b0` inner join `tag` as `t1` on `b0`.`tag_id` = `t1`.`id` where `b0`.`book_id` in (1, 2) [took X ms, 4 results]',
      '[query] select `t0`.* from `tag` as `t0` order by `t0`.`id` asc [took X ms, 3 results]',
      '[query] select `b0`.`book_id`, `b0`.`tag_id`, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title` from `book_tags` as `b0` inner join `book` as `b1` on `b0`.`book_id` = `b1`.`id` where `b0`.`tag_id` in (1, 2, 3) [took X ms, 4 results]',
    ]);
  });

  test('removed links are deleted before new ones are inserted; removing the owner cascades', async () => {
    const { lines } = await init();
    await orm!.schema.create();
    await seed();
    const em = orm!.em.fork();
    const b = (await em.findOneOrFail('Book', 1)) as any;
    lines.length = 0;
    await b.tags.init();
    expect(take(lines)).toEqual([
      '[query] select `b0`.`tag_id`, `b0`.`book_id`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book_tags` as `b0` inner join `tag` as `t1` on `b0`.`tag_id` = `t1`.`id` where `b0`.`book_id` in (1) [took X ms, 2 results]',
    ]);
    b.tags.remove(b.tags[0]);
    b.tags.add(em.getReference('Tag', 3));
    await em.flush();
    b.tags.removeAll();
    await em.flush();
    // Nothing left to write.
    await em.flush();
    expect(take(lines)).toEqual([
      '[query] begin',
      '[query] delete from `book_tags` where `tag_id` = 1 and `book_id` = 1 [took X ms, 1 row affected]',
      '[query] insert into `book_tags` (`tag_id`, `book_id`) values (3, 1) [took X ms, 1 row affected]',
      '[query] commit',
      '[query] begin',
      '[query] delete from `book_tags` where ((`tag_id` = 2 and `book_id` = 1) or (`tag_id` = 3 and `book_id` = 1)) [took X ms, 2 rows affected]',
      '[query] commit',
    ]);
    const em2 = orm!.em.fork();
    const b2 = await em2.findOneOrFail('Book', 2, { populate: ['tags'] });
    em2.remove(b2);
    lines.length = 0;
    await em2.flush();
    expect(take(lines)).toEqual(['[query] begin', '[query] delete from `book` where `id` in (2) [took X ms, 1 row affected]', '[query] commit']);
    // PostgreSQL's count(*) is a bigint, read as a string.
    expect(await orm!.em.fork().execute('select count(*) as n from book_tags')).toEqual([{ n: forDriver<number | string>({ sqlite: 0, postgresql: '0' }) }]);
  });

  test('a failed flush keeps the links to write, and the retry writes them', async () => {
    await init();
    await orm!.schema.create();
    await seed();
    const em = orm!.em.fork();
    const b = (await em.findOneOrFail('Book', 1, { populate: ['tags'] })) as any;
    b.tags.add(em.getReference('Tag', 99));
    expect((await failure(em.flush())).name).toBe('ForeignKeyConstraintViolationException');
    b.tags.remove(em.getReference('Tag', 99));
    b.tags.add(em.getReference('Tag', 3));
    await em.flush();
    expect(await orm!.em.fork().execute('select tag_id from book_tags where book_id = 1 order by tag_id')).toEqual([{ tag_id: 1 }, { tag_id: 2 }, { tag_id: 3 }]);
  });

  test('joined loading: the pivot and the items joined, rows paired into collections, from either side', async () => {
    const { lines } = await init();
    await orm!.schema.create();
    await seed();
    let em = orm!.em.fork();
    take(lines);
    const books = (await em.find('Book', {}, { populate: ['tags'], strategy: 'joined', orderBy: { id: 'asc' } })) as any[];
    expect(books.map(b => [b.title, b.tags.isInitialized(), b.tags.getItems().map((t: any) => t.name)])).toEqual([
      ['B1', true, ['T1', 'T2']],
      ['B2', true, ['T2', 'T3']],
    ]);
    em = orm!.em.fork();
    const tags = (await em.find('Tag', {}, { populate: ['books'], strategy: 'joined', orderBy: { id: 'asc' } })) as any[];
    expect(tags.map(t => [t.name, t.books.getItems().map((b: any) => b.title)])).toEqual([
      ['T1', ['B1']],
      ['T2', ['B1', 'B2']],
      ['T3', ['B2']],
    ]);
    const one = (await orm!.em.fork().findOne('Book', 1, { populate: ['tags'], strategy: 'joined' })) as any;
    expect(wrap(one).toObject()).toEqual({ id: 1, title: 'B1', tags: [{ id: 1, name: 'T1' }, { id: 2, name: 'T2' }] });
    expect(take(lines).map(l => l.replace(/ \[took.*$/, ''))).toEqual([
      '[query] select `b0`.*, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `t1` on `b2`.`tag_id` = `t1`.`id` order by `b0`.`id` asc',
      '[query] select `t0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title` from `tag` as `t0` left join `book_tags` as `b2` on `t0`.`id` = `b2`.`tag_id` left join `book` as `b1` on `b2`.`book_id` = `b1`.`id` order by `t0`.`id` asc',
      '[query] select `b0`.*, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `t1` on `b2`.`tag_id` = `t1`.`id` where `b0`.`id` = 1',
    ]);
  });
});

describe('many-to-many orderBy', () => {
  test('items load in the collection order, from either side; populateOrderBy wins', async () => {
    const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), tags: () => p.manyToMany(Tag).orderBy({ name: 'desc' }) } });
    const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string(), books: () => p.manyToMany(Book).mappedBy('tags').orderBy({ title: 'asc' }) } });
    const { orm, lines } = await setup({ entities: [Book, Tag] });
    try {
      let em = orm.em.fork();
      const a = em.create(Tag, { name: 'A' });
      const b = em.create(Tag, { name: 'B' });
      em.create(Book, { title: 'x', tags: [a, b] });
      em.create(Book, { title: 'y', tags: [b] });
      await em.flush();
      em = orm.em.fork();
      take(lines);
      const [x] = await em.find(Book, {}, { populate: ['tags'] });
      expect(x.tags.getItems().map(t => t.name)).toEqual(['B', 'A']);
      const tb = await em.findOneOrFail(Tag, { name: 'B' });
      await tb.books.init();
      expect(tb.books.getItems().map(t => t.title)).toEqual(['x', 'y']);
      expect(take(lines).map(l => l.replace(/ \[took.*$/, ''))).toEqual([
        '[query] select `b0`.* from `book` as `b0`',
        '[query] select `b0`.`tag_id`, `b0`.`book_id`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name` from `book_tags` as `b0` inner join `tag` as `t1` on `b0`.`tag_id` = `t1`.`id` where `b0`.`book_id` in (1, 2) order by `t1`.`name` desc',
        "[query] select `t0`.* from `tag` as `t0` where `t0`.`name` = 'B' limit 1",
        '[query] select `b0`.`book_id`, `b0`.`tag_id`, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title` from `book_tags` as `b0` inner join `book` as `b1` on `b0`.`book_id` = `b1`.`id` where `b0`.`tag_id` in (2) order by `b1`.`title` asc',
      ]);
      em = orm.em.fork();
      const [x2] = await em.find(Book, {}, { populate: ['tags'], populateOrderBy: { tags: { name: 'asc' } } });
      expect(x2.tags.getItems().map(t => t.name)).toEqual(['A', 'B']);
    } finally {
      await orm.close();
    }
  });
});
