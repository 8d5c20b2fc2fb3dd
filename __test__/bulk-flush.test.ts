import { afterEach, expect, test } from 'vitest';
import { defineEntity, p, UniqueConstraintViolationException, wrap, type EntityManager, type MikroORM } from '@mikro-native/sqlite';
import { driver, failure, setup } from './helpers.js';

// Without a query log, the PostgreSQL driver writes a flush's rows as one array per column
// (`unnest`) instead of MikroORM's batches of rows. These tests run the same flushes with the
// log on (MikroORM's statements) and off, and compare what the database holds and how a failure
// reads. On the other drivers both runs take MikroORM's statements.

enum Level {
  Low = 1,
  High = 2,
}

const Shelf = defineEntity({
  name: 'Shelf',
  properties: {
    id: p.integer().primary(),
    label: p.string(),
    items: () => p.oneToMany(Item).mappedBy('shelf'),
    tags: () => p.manyToMany(Tag).owner(),
  },
});
const Tag = defineEntity({ name: 'Tag', properties: { id: p.integer().primary(), name: p.string().unique() } });
const Item = defineEntity({
  name: 'Item',
  properties: {
    id: p.integer().primary(),
    name: p.string(),
    code: p.string().unique(),
    note: p.text().nullable(),
    count: p.integer().nullable(),
    big: p.bigint().nullable(),
    ratio: p.double().nullable(),
    price: p.decimal().precision(10).scale(2).nullable(),
    done: p.boolean().default(false),
    at: p.datetime().nullable(),
    day: p.date().nullable(),
    meta: p.json().nullable(),
    role: p.enum(['admin', 'user']).nullable(),
    level: p.enum(() => Level).nullable(),
    uuid: p.uuid().nullable(),
    data: p.blob().nullable(),
    shelf: () => p.manyToOne(Shelf),
  },
});

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

/** A new ORM on an emptied database, with the query log on or off. */
async function init(log: boolean) {
  await orm?.close();
  const ctx = await setup({ entities: [Shelf, Tag, Item], ...(log ? {} : { debug: false, logger: undefined }) });
  orm = ctx.orm;
  return ctx;
}

/** Awkward text: quotes, backslashes, braces and commas (array literal syntax), non-ASCII. */
const awkward = (i: number) => [`Item ${i}`, `quote " back \\ single ' {a,b}`, `NULL`, `é✓ 🙂 ${i}`, ''][i % 5];

function fill(em: EntityManager, shelf: object, i: number) {
  return em.create(Item, {
    name: awkward(i),
    code: `c${i}`,
    note: i % 2 ? null : `note\n${i}\ttab`,
    count: i % 3 ? i : null,
    big: i % 4 ? String(9007199254740993n + BigInt(i)) : null,
    ratio: i % 2 ? i / 8 : null,
    price: i % 2 ? `${i}.25` : null,
    done: i % 2 === 0,
    at: i % 3 ? new Date(Date.UTC(2024, 0, 2, 3, 4, 5) + i * 1000) : null,
    day: i % 3 ? `2024-02-${String((i % 28) + 1).padStart(2, '0')}` : null,
    meta: i % 2 ? { n: i, s: `it's "q" \\ {x}`, list: [1, null, 'a,b'] } : null,
    role: i % 3 === 0 ? 'admin' : i % 3 === 1 ? 'user' : null,
    level: i % 2 ? Level.High : Level.Low,
    uuid: i % 2 ? `123e4567-e89b-12d3-a456-${String(426614174000 + i).padStart(12, '0')}` : null,
    data: i % 3 ? Buffer.from([0, i % 256, 0xfe, 0x5c, 0x22]) : null,
    shelf: shelf as never,
  });
}

/** Every table's rows, in key order. */
async function dump(em: EntityManager) {
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of [['shelf', 'id'], ['tag', 'id'], ['item', 'id'], ['shelf_tags', 'shelf_id, tag_id']]) {
    out[table] = await em.execute(`select * from ${table} order by ${order}`);
  }
  return out;
}

/** Inserts (a collection, links between new rows), updates of several column sets, moves to a new row, removals. */
async function scenario(o: MikroORM) {
  const em = o.em.fork();
  const tags = [0, 1, 2, 3, 4].map(t => em.create(Tag, { name: `tag ${t}` }));
  const shelves = [0, 1, 2].map(s => em.create(Shelf, { label: `shelf ${s}`, tags: tags.slice(s) }));
  for (let i = 0; i < 40; i++) {
    fill(em, shelves[i % 3], i);
  }
  await em.flush();

  const em2 = o.em.fork();
  const items = await em2.find(Item, {}, { orderBy: { id: 'asc' } });
  const otherShelves = await em2.find(Shelf, {}, { orderBy: { id: 'asc' } });
  for (const [n, item] of items.entries()) {
    item.name = `${item.name} changed ${n}`;
    if (n % 2) {
      item.count = n * 10;
      item.meta = { changed: n, q: '"' };
      item.at = new Date(Date.UTC(2025, 5, 6, 7, 8, 9) + n * 1000);
    }
    if (n % 5 === 0) {
      item.shelf = otherShelves[(n + 1) % 3];
      item.note = null;
      item.data = Buffer.from('\\x{}"');
      item.done = !item.done;
      item.price = null;
    }
  }
  await em2.flush();

  const em3 = o.em.fork();
  const fresh = em3.create(Shelf, { label: 'fresh' });
  const moved = await em3.find(Item, { id: { $lte: 12 } }, { orderBy: { id: 'asc' } });
  for (const [n, item] of moved.entries()) {
    item.shelf = n % 2 ? fresh : item.shelf;
    item.ratio = n;
  }
  await em3.flush();

  const em4 = o.em.fork();
  for (const item of await em4.find(Item, { id: { $gt: 30 } })) {
    em4.remove(item);
  }
  const shelf = await em4.findOneOrFail(Shelf, { label: 'shelf 0' }, { populate: ['tags'] });
  shelf.tags.remove(shelf.tags.getItems().slice(0, 2));
  await em4.flush();
  return dump(o.em.fork());
}

test('a flush without a query log writes what one with a log writes', async () => {
  const { lines } = await init(true);
  const logged = await scenario(orm!);
  expect(lines.length).toBeGreaterThan(10);
  const quiet = await init(false);
  const unlogged = await scenario(orm!);
  expect(quiet.lines).toEqual([]);
  expect(unlogged).toEqual(logged);
  expect(unlogged.item).toHaveLength(30);
  expect(unlogged.shelf_tags).toHaveLength(3 + 4 + 5 - 2);

  // The values read back as written.
  const em = orm!.em.fork();
  const items = await em.find(Item, {}, { orderBy: { id: 'asc' } });
  expect(items.map(i => i.name.replace(/ changed \d+$/, ''))).toEqual(Array.from({ length: 30 }, (_, i) => awkward(i)));
  expect(items[1]).toMatchObject({ count: 10, meta: { changed: 1, q: '"' }, price: '1.25', level: Level.High, uuid: '123e4567-e89b-12d3-a456-426614174001' });
  expect(items[1].at).toEqual(new Date(Date.UTC(2025, 5, 6, 7, 8, 10)));
  expect(items[2]).toMatchObject({ note: 'note\n2\ttab', count: 2, done: true, day: '2024-02-03', role: null });
  expect(items[5].data).toEqual(Buffer.from('\\x{}"'));
  expect(items[4].data).toEqual(Buffer.from([0, 4, 0xfe, 0x5c, 0x22]));
  expect(items[7].meta).toEqual({ changed: 7, q: '"' });
  expect(items[9].big).toBe(9007199254741002n);
  expect((await em.findOneOrFail(Shelf, { label: 'fresh' }, { populate: ['items'] })).items.getItems().map(i => i.id).sort((x, y) => x - y)).toEqual([2, 4, 6, 8, 10, 12]);
});

test('a failing flush without a query log fails as MikroORM statements fail, and changes nothing', async () => {
  const messages: string[] = [];
  for (const log of [true, false]) {
    await init(log);
    const em = orm!.em.fork();
    const shelf = em.create(Shelf, { label: 'one' });
    for (let i = 0; i < 20; i++) {
      fill(em, shelf, i);
    }
    await em.flush();
    const em2 = orm!.em.fork();
    const s2 = await em2.findOneOrFail(Shelf, { label: 'one' });
    const added = Array.from({ length: 20 }, (_, i) => fill(em2, s2, 100 + i));
    added[13].code = 'c7';
    const err = await failure(em2.flush());
    expect(err).toBeInstanceOf(UniqueConstraintViolationException);
    messages.push(err.message);
    // The failing statement (`sql`, ours) is MikroORM's insert (SQLite's may leave out
    // `returning`, which it does not need without a log).
    expect(err.sql).toContain(driver.name === 'postgresql' ? 'insert into "item"' : 'insert into `item`');
    expect(err.sql).not.toContain('unnest');
    expect(await orm!.em.fork().count(Item)).toBe(20);
    expect(wrap(added[0], true).__em).toBeDefined();
    // Mended, the same flush goes through.
    added[13].code = 'c113';
    await em2.flush();
    expect(await orm!.em.fork().count(Item)).toBe(40);
    const items = await em2.find(Item, { id: { $gt: 20 } }, { orderBy: { id: 'asc' } });
    expect(items.map(i => i.code)).toEqual(added.map(i => i.code));
  }
  expect(messages[1]).toBe(messages[0]);
});

test('updates without a query log: rows changing different columns, and references to rows of the same flush', async () => {
  await init(false);
  const em = orm!.em.fork();
  const shelf = em.create(Shelf, { label: 'a' });
  for (let i = 0; i < 10; i++) {
    fill(em, shelf, i);
  }
  await em.flush();
  const em2 = orm!.em.fork();
  const items = await em2.find(Item, {}, { orderBy: { id: 'asc' } });
  const b = em2.create(Shelf, { label: 'b' });
  items.forEach((item, n) => {
    if (n < 3) item.name = `only name ${n}`;
    else if (n < 6) item.count = 1000 + n;
    else if (n < 8) item.shelf = b;
    else Object.assign(item, { name: `both ${n}`, count: 2000 + n });
  });
  await em2.flush();
  const rows = (await orm!.em.fork().execute('select id, name, count, shelf_id from item order by id')) as { id: number; name: string; count: number | null; shelf_id: number }[];
  expect(rows.map(r => [r.id, r.name, r.count, r.shelf_id])).toEqual(
    items.map((_, n) => [
      n + 1,
      n < 3 ? `only name ${n}` : n >= 8 ? `both ${n}` : awkward(n),
      n >= 3 && n < 6 ? 1000 + n : n >= 8 ? 2000 + n : n % 3 ? n : null,
      n >= 6 && n < 8 ? b.id : shelf.id,
    ]),
  );
});

test('a text longer than its column fails without a query log as with one (never cut short)', async () => {
  const outcomes: { message?: string; lengths: number[] }[] = [];
  for (const log of [true, false]) {
    await init(log);
    const em = orm!.em.fork();
    const shelf = em.create(Shelf, { label: 's' });
    for (let i = 0; i < 3; i++) {
      fill(em, shelf, i).name = i === 1 ? 'x'.repeat(300) : `n${i}`;
    }
    const err = await em.flush().then(
      () => undefined,
      (e: Error) => e,
    );
    const items = await orm!.em.fork().find(Item, {}, { orderBy: { id: 'asc' } });
    outcomes.push({ message: err?.message, lengths: items.map(i => i.name.length) });
  }
  expect(outcomes[1]).toEqual(outcomes[0]);
  // SQLite keeps any length; the servers reject the row and write nothing.
  expect(outcomes[0]).toEqual(driver.name === 'sqlite' ? { message: undefined, lengths: [2, 300, 2] } : { message: expect.stringContaining('too long'), lengths: [] });
});
