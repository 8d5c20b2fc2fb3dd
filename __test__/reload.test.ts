import { afterEach, expect, test } from 'vitest';
import { defineEntity, p, type MikroORM } from '@mikro-native/sqlite';
import { setup, take } from './helpers.js';

// An entity loaded again takes the values that changed in the database, except those changed
// in memory since it was loaded, as MikroORM merges data. The same calls on
// @mikro-orm/postgresql 7.2.1 gave these values and wrote these flushes.

const Publisher = defineEntity({ name: 'Publisher', properties: { id: p.integer().primary(), name: p.string() } });
const Author = defineEntity({
  name: 'Author',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    age: p.integer().nullable(),
    born: p.datetime().nullable(),
    meta: p.json<{ x: number }>().nullable(),
    publisher: () => p.manyToOne(Publisher).nullable(),
  },
});

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

test('loading again merges the new database values into the entity, keeping the ones changed in memory', async () => {
  const ctx = await setup({ entities: [Author, Publisher] });
  orm = ctx.orm;
  const seed = orm.em.fork();
  seed.create(Publisher, { name: 'P1' });
  seed.create(Publisher, { name: 'P2' });
  seed.create(Author, { name: 'a', age: 1, born: new Date('2020-01-01T00:00:00.000Z'), meta: { x: 1 }, publisher: 1 });
  await seed.flush();
  const em = orm.em.fork();
  const other = orm.em.fork();
  const a = await em.findOneOrFail(Author, 1);

  await other.nativeUpdate(Author, { id: 1 }, { name: 'b', age: 2, born: new Date('2021-01-01T00:00:00.000Z'), meta: { x: 2 }, publisher: 2 });
  expect(await em.find(Author, {})).toEqual([a]);
  expect([a.name, a.age, a.born?.toISOString(), a.meta, a.publisher?.id]).toEqual(['b', 2, '2021-01-01T00:00:00.000Z', { x: 2 }, 2]);

  // A value changed in memory stays; the flush writes only it.
  a.age = 5;
  await other.nativeUpdate(Author, { id: 1 }, { name: 'c', age: 3 });
  await em.find(Author, {}, { populate: ['publisher'] });
  expect([a.name, a.age, a.publisher?.name]).toEqual(['c', 5, 'P2']);
  take(ctx.lines);
  await em.flush();
  expect(take(ctx.lines)).toEqual(['[query] begin', '[query] update `author` set `age` = 5 where `id` = 1 [took X ms, 1 row affected]', '[query] commit']);

  // Joined relations merge too; refresh takes every value.
  await other.nativeUpdate(Publisher, { id: 2 }, { name: 'P2x' });
  await em.find(Author, {}, { populate: ['publisher'] });
  expect(a.publisher?.name).toBe('P2x');
  await other.nativeUpdate(Author, { id: 1 }, { age: 9 });
  await em.refresh(a);
  expect([a.name, a.age]).toEqual(['c', 9]);
  take(ctx.lines);
  await em.flush();
  expect(take(ctx.lines)).toEqual([]);
});

test('an inline embeddable loaded again takes its new column values too; nothing is written back', async () => {
  const Address = defineEntity({ name: 'Address', embeddable: true, properties: { street: p.string(), city: p.string() } });
  const Person = defineEntity({ name: 'Person', properties: { id: p.integer().primary(), name: p.string(), address: () => p.embedded(Address) } });
  const ctx = await setup({ entities: [Person, Address] });
  orm = ctx.orm;
  const seed = orm.em.fork();
  seed.create(Person, { name: 'a', address: { street: 's', city: 'Rome' } });
  await seed.flush();
  const em = orm.em.fork();
  const a = await em.findOneOrFail(Person, 1);
  await orm.em.fork().execute('update person set address_city = ? where id = 1', ['Paris']);
  await em.find(Person, {});
  expect([a.address.street, a.address.city]).toEqual(['s', 'Paris']);
  take(ctx.lines);
  await em.flush();
  expect(take(ctx.lines)).toEqual([]);
});
