import { afterEach, describe, expect, test } from 'vitest';
import { defineEntity, p, wrap, type MikroORM } from '@mikro-native/sqlite';
import * as legacy from '@mikro-native/decorators/legacy';
import { forDriver, setup, take } from './helpers.js';

// Expected SQL and results were produced by MikroORM 7.2.2 running the same calls.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Book).mappedBy('author') } });
const Book = defineEntity({
  name: 'Book',
  properties: {
    id: p.integer().primary(),
    title: p.string(),
    price: p.float(),
    priceTaxed: p.float().formula(cols => `${cols.price} * 1.19`),
    upper: p.string().formula(a => `upper(${a}.title)`),
    author: () => p.manyToOne(Author),
    bio: p.text().lazy().nullable(),
  },
});
const Plain = defineEntity({ name: 'Plain', properties: { id: p.integer().primary(), price: p.float(), doubled: p.formula<number>(cols => `${cols.price} * 2`) } });

let orm: MikroORM | undefined;
let lines: string[];
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function init() {
  const ctx = await setup({ entities: [Author, Book, Plain], schema: false });
  orm = ctx.orm;
  lines = ctx.lines;
  return ctx;
}

/** The logged statements without timing. */
const sql = () => take(lines).map(l => l.replace(/ \[took X ms.*\]$/, ''));

describe('formulas and lazy properties', () => {
  test('formulas are selected, not stored; lazy properties are left out until populated', async () => {
    await init();
    expect(await orm!.schema.getCreateSchemaSQL()).toContain(
      forDriver({
        sqlite: 'create table `book` (`id` integer not null primary key autoincrement, `title` text not null, `price` real not null, `author_id` integer not null, `bio` text null, ',
        postgresql: 'create table "book" ("id" serial primary key, "title" varchar(255) not null, "price" real not null, "author_id" int not null, "bio" text null);\n',
        mysql:
          'create table `book` (`id` int unsigned not null auto_increment primary key, `title` varchar(255) not null, `price` float not null, `author_id` int unsigned not null, `bio` text null) default character set utf8mb4 engine = InnoDB;\n',
      }),
    );
    await orm!.schema.create();
    let em = orm!.em.fork();
    em.create(Book, { title: 'b1', price: 100, author: em.create(Author, { name: 'A' }), bio: 'long' });
    em.create(Plain, { price: 2 });
    take(lines);
    await em.flush();
    expect(sql()).toContain(
      forDriver({
        sqlite: "[query] insert into `book` (`title`, `price`, `author_id`, `bio`) values ('b1', 100, 1, 'long') returning `id`",
        mysql: "[query] insert into `book` (`title`, `price`, `author_id`, `bio`) values ('b1', 100, 1, 'long')",
      }),
    );

    em = orm!.em.fork();
    const [b] = await em.find(Book, { priceTaxed: { $gt: 100 } }, { orderBy: { priceTaxed: 'desc' } });
    expect([b.priceTaxed, b.upper, b.bio]).toEqual([119, 'B1', undefined]);
    expect(sql()).toEqual([
      '[query] select `b0`.`id`, `b0`.`title`, `b0`.`price`, `b0`.`author_id`, b0.price * 1.19 as `price_taxed`, upper(b0.title) as `upper` from `book` as `b0` where b0.price * 1.19 > 100 order by b0.price * 1.19 desc',
    ]);
    expect(wrap(b).toObject()).toEqual({ id: 1, title: 'b1', price: 100, priceTaxed: 119, upper: 'B1', author: 1 });
    // Changing a column writes only it; the formula keeps its loaded value.
    b.price = 200;
    await em.flush();
    expect(sql()).toEqual(['[query] begin', '[query] update `book` set `price` = 200 where `id` = 1', '[query] commit']);
    expect(b.priceTaxed).toBe(119);
    await em.populate(b, ['bio']);
    expect(b.bio).toBe('long');
    expect(sql()).toEqual(['[query] select `b0`.`id`, `b0`.`bio` from `book` as `b0` where `b0`.`id` in (1)']);

    em = orm!.em.fork();
    expect((await em.find(Book, {}, { populate: ['bio'] })).map(x => x.bio)).toEqual(['long']);
    expect((await em.find(Book, {}, { fields: ['title', 'priceTaxed'] })).map(x => [x.title, x.priceTaxed])).toEqual([['b1', 238]]);
    expect(sql()).toEqual([
      '[query] select `b0`.*, b0.price * 1.19 as `price_taxed`, upper(`b0`.title) as `upper` from `book` as `b0`',
      '[query] select `b0`.`id`, `b0`.`title`, b0.price * 1.19 as `price_taxed` from `book` as `b0`',
    ]);
    em = orm!.em.fork();
    const [a] = await em.find(Author, {}, { populate: ['books'], strategy: 'joined' });
    expect(a.books.getItems().map(x => [x.priceTaxed, x.bio])).toEqual([[238, undefined]]);
    expect(sql()).toEqual([
      '[query] select `a0`.*, `b1`.`id` as `b1__id`, `b1`.`title` as `b1__title`, `b1`.`price` as `b1__price`, b1.price * 1.19 as `b1__price_taxed`, upper(b1.title) as `b1__upper`, `b1`.`author_id` as `b1__author_id` from `author` as `a0` left join `book` as `b1` on `a0`.`id` = `b1`.`author_id`',
    ]);
    expect((await em.find(Plain, {})).map(x => x.doubled)).toEqual([4]);
    expect(sql()).toEqual(['[query] select `p0`.*, p0.price * 2 as `doubled` from `plain` as `p0`']);
    expect(await em.count(Book, { priceTaxed: { $gt: 1 } })).toBe(1);
    expect(sql()).toEqual(['[query] select count(*) as `count` from `book` as `b0` where b0.price * 1.19 > 1']);
  });

  test('@Formula() on a decorated class', async () => {
    class Item {
      id!: number;
      price!: number;
      doubled!: number;
    }
    legacy.PrimaryKey({ type: 'integer' })(Item.prototype, 'id');
    legacy.Property({ type: 'float' })(Item.prototype, 'price');
    legacy.Formula(cols => `${cols.price} * 2`, { type: 'float' })(Item.prototype, 'doubled');
    legacy.Entity()(Item);
    const ctx = await setup({ entities: [Item] });
    orm = ctx.orm;
    const em = orm.em.fork();
    em.create(Item, { price: 1.5 });
    await em.flush();
    expect((await orm.em.fork().find(Item, {})).map(i => i.doubled)).toEqual([3]);
  });
});
