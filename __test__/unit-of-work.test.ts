import { afterEach, beforeEach, expect, test } from 'vitest';
import { defineEntity, NotImplementedError, p, type MikroORM } from '@mikro-native/sqlite';
import { failure, forDriver, setup } from './helpers.js';

// What em.getUnitOfWork() shows was checked against MikroORM 7.2.2 running the same calls.

const Author = defineEntity({ name: 'Author', properties: { id: p.integer().primary(), name: p.string() } });
const Book = defineEntity({ name: 'Book', properties: { id: p.integer().primary(), title: p.string(), author: () => p.manyToOne(Author) } });

let orm: MikroORM;
beforeEach(async () => {
  ({ orm } = await setup({ entities: [Author, Book] }));
});
afterEach(async () => {
  await orm.close();
});

test('the identity map, entities by key and the persist and remove stacks', async () => {
  const em = orm.em.fork();
  const uow = em.getUnitOfWork();
  const a = em.create(Author, { name: 'A' });
  em.create(Book, { title: 'x', author: a });
  // New entities have no key yet: they wait in the persist stack.
  expect([uow.getIdentityMap().keys(), uow.getPersistStack().size]).toEqual([[], 2]);
  await em.flush();
  const map = uow.getIdentityMap();
  expect([map.keys(), map.size, uow.getPersistStack().size]).toEqual([['Author-1', 'Book-1'], 2, 0]);
  expect(map.values().map(e => e.constructor.name)).toEqual(['Author', 'Book']);
  expect(uow.getById(Author, 1)).toBe(a);
  expect(uow.getById(Author, 2)).toBeUndefined();
  expect(map.get('Author-1')).toBe(a);
  expect(map.getByHash(em.getMetadata(Author), '1')).toBe(a);
  em.remove(a);
  expect(uow.getRemoveStack().has(a)).toBe(true);
  // Another fork has its own identity map.
  expect(orm.em.fork().getUnitOfWork().getIdentityMap().keys()).toEqual([]);
  em.clear();
  expect(uow.getIdentityMap().keys()).toEqual([]);
  const err = await failure(() => uow.computeChangeSets());
  expect(err).toBeInstanceOf(NotImplementedError);
});

test('em.map() turns a raw row into a managed entity', async () => {
  const Person = defineEntity({ name: 'Person', properties: { id: p.integer().primary(), fullName: p.string(), active: p.boolean(), born: p.datetime().nullable(), meta: p.json<{ a: number }>().nullable() } });
  const { orm: other } = await setup({ entities: [Person] });
  const em = other.em.fork();
  await em.execute(
    forDriver({
      sqlite: `insert into person (id, full_name, active, born, meta) values (1, 'A', 1, 1700000000000, '{"a":1}')`,
      postgresql: `insert into person (id, full_name, active, born, meta) values (1, 'A', true, '2023-11-14T22:13:20.000Z', '{"a":1}')`,
      mysql: `insert into person (id, full_name, active, born, meta) values (1, 'A', 1, '2023-11-14 22:13:20', '{"a":1}')`,
    }),
  );
  const [row] = (await em.execute('select * from person')) as Record<string, unknown>[];
  const person = em.map(Person, row);
  expect([person.fullName, person.active, person.born?.toISOString(), person.meta]).toEqual(['A', true, '2023-11-14T22:13:20.000Z', { a: 1 }]);
  expect(em.map(Person, row)).toBe(person);
  person.fullName = 'B';
  await em.flush();
  expect(await em.execute('select full_name from person')).toEqual([{ full_name: 'B' }]);
  await other.close();
});
