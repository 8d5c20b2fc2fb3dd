// The ORM benchmark workload. Uses only the public MikroORM API, so the same code runs against
// `@mikro-orm/sqlite` and against `@mikro-native/sqlite` (pass the imported module as `api`).
//
// Workload (after MikroORM's tests/bench/basic.bench.ts, described in our own words in the README):
// a `User` entity, an in-memory SQLite database (or the local PostgreSQL/MySQL server, BENCH_DB), 10,000-row create/find/serialize/update/delete steps
// plus a findOne latency step. Every iteration uses a fresh fork; `orm.schema.clear()` after each one.

import { performance } from 'node:perf_hooks';
import { connection, DB, resolveOptions, measure, summarize, median, randomPassword, check, RELATION_AUTHORS, BOOKS_PER_AUTHOR, COLLECTION_ITEMS, LINK_BOOKS, LINK_TAGS, COMPILES, PAGE_SIZE } from './harness.mjs';

/**
 * @param {{ MikroORM: any, defineEntity: any, p: any, wrap: any }} api
 * @param {object} [options] warmup, runs, rows, lookups, steps, gc, log (defaults from BENCH_* env)
 * @returns {Promise<Record<string, { median: number, mean: number, min: number }>>} per-step stats in ms
 */
export async function run({ MikroORM, defineEntity, p, wrap }, options = {}) {
  const opts = resolveOptions(options);
  const N = opts.rows;

  const User = defineEntity({
    name: 'User',
    properties: {
      id: p.integer().primary(),
      name: p.string(),
      email: p.string().unique(),
      password: p.string(),
      age: p.integer().nullable(),
      termsAccepted: p.boolean().default(false),
    },
  });

  // Relation steps: authors with a one-to-many collection of books.
  const Writer = defineEntity({
    name: 'Writer',
    properties: { id: p.integer().primary(), name: p.string(), books: () => p.oneToMany(Novel).mappedBy('writer') },
  });
  const Novel = defineEntity({
    name: 'Novel',
    properties: { id: p.integer().primary(), title: p.string(), writer: () => p.manyToOne(Writer) },
  });

  const Label = defineEntity({ name: 'Label', properties: { id: p.integer().primary(), name: p.string() } });
  const Album = defineEntity({
    name: 'Album',
    properties: { id: p.integer().primary(), title: p.string(), labels: () => p.manyToMany(Label).owner() },
  });

  const orm = new MikroORM({ ...connection(), entities: [User, Writer, Novel, Label, Album] });
  if (DB !== 'sqlite') {
    // A server keeps the tables of the contender before.
    await orm.schema.drop();
  }
  await orm.schema.create();

  const createUsers = async (em, count) => {
    const users = new Array(count);
    for (let i = 0; i < count; i++) {
      users[i] = em.create(User, { name: `User ${i}`, email: `user${i}@example.com`, password: randomPassword() });
    }
    await em.flush();
    return users;
  };

  // setup used by serialize/update/delete: insert N rows in one fork, load them in another
  const insertAndLoad = async () => {
    await createUsers(orm.em.fork(), N);
    const em = orm.em.fork();
    const users = await em.findAll(User);
    check(users.length === N, `setup loaded ${users.length} users, expected ${N}`);
    return { em, users };
  };
  const loadAll = () => orm.em.fork().findAll(User);
  const cleanup = () => orm.schema.clear();

  // checks every toObject() result: a fresh plain object with exactly the entity's six fields
  const KEYS = 'id,name,email,password,age,termsAccepted';
  const verifyObjects = (objects, entities) => {
    check(objects.length === N, `got ${objects.length} objects, expected ${N}`);
    const ids = new Set();
    for (let i = 0; i < objects.length; i++) {
      const o = objects[i];
      const bad = (why) => check(false, `toObject() #${i} ${why}: ${JSON.stringify(o)}`);
      if (o === null || typeof o !== 'object' || Object.getPrototypeOf(o) !== Object.prototype) bad('is not a plain object');
      if (entities && o === entities[i]) bad('returned the entity itself');
      if (Object.keys(o).join(',') !== KEYS) bad(`has keys ${Object.keys(o).join(',')}, expected ${KEYS}`);
      if (typeof o.id !== 'number' || typeof o.name !== 'string' || !/^user\d+@example\.com$/.test(o.email)) bad('has bad id/name/email');
      if (typeof o.password !== 'string' || o.password.length !== 8) bad('has a bad password');
      if (o.age !== null || o.termsAccepted !== false) bad('has bad defaults');
      if (entities && (o.id !== entities[i].id || o.email !== entities[i].email)) bad('does not match its entity');
      ids.add(o.id);
    }
    check(ids.size === N, `toObject() results have ${ids.size} distinct ids, expected ${N}`);
  };

  const result = {};
  const want = new Set(opts.steps);

  try {
    if (want.has('create')) {
      const { samples } = await measure(opts, 'create', {
        body: () => createUsers(orm.em.fork(), N),
        verify: async (_ctx, users) => {
          check(users.every((u) => typeof u.id === 'number'), 'not every created entity got a numeric id');
          const rows = await loadAll();
          check(rows.length === N, `database has ${rows.length} users after create, expected ${N}`);
          const emails = new Set(rows.map((u) => u.email));
          check(users.every((u) => emails.has(u.email)), 'created emails missing from database');
        },
        cleanup,
      });
      result.create = summarize(samples);
    }

    if (want.has('find')) {
      const { samples } = await measure(opts, 'find', {
        setup: () => createUsers(orm.em.fork(), N),
        body: async () => {
          const em = orm.em.fork();
          const users = await em.findAll(User);
          const out = new Array(users.length);
          for (let i = 0; i < users.length; i++) out[i] = wrap(users[i]).toObject();
          return out;
        },
        verify: (_ctx, objects) => verifyObjects(objects),
        cleanup,
      });
      result.find = summarize(samples);
    }

    if (want.has('serialize')) {
      const { samples } = await measure(opts, 'serialize', {
        setup: insertAndLoad,
        body: ({ users }) => {
          const out = new Array(users.length);
          for (let i = 0; i < users.length; i++) out[i] = wrap(users[i]).toObject();
          return out;
        },
        verify: ({ users }, objects) => verifyObjects(objects, users),
        cleanup,
      });
      result.serialize = summarize(samples);
    }

    if (want.has('update')) {
      const { samples } = await measure(opts, 'update', {
        setup: insertAndLoad,
        body: async ({ em, users }) => {
          for (const u of users) u.password = randomPassword();
          await em.flush();
        },
        verify: async ({ users }) => {
          const expected = new Map(users.map((u) => [u.id, u.password]));
          const rows = await loadAll();
          check(rows.length === N, `database has ${rows.length} users after update, expected ${N}`);
          check(rows.every((u) => expected.get(u.id) === u.password), 'updated passwords not persisted');
        },
        cleanup,
      });
      result.update = summarize(samples);
    }

    if (want.has('delete')) {
      const { samples } = await measure(opts, 'delete', {
        setup: insertAndLoad,
        body: async ({ em, users }) => {
          for (const u of users) em.remove(u);
          await em.flush();
        },
        verify: async () => {
          const rows = await loadAll();
          check(rows.length === 0, `database still has ${rows.length} users after delete`);
        },
        cleanup,
      });
      result.delete = summarize(samples);
    }

    const seedWriters = async () => {
      const em = orm.em.fork();
      for (let a = 0; a < RELATION_AUTHORS; a++) {
        const w = em.create(Writer, { name: `Writer ${a}` });
        for (let b = 0; b < BOOKS_PER_AUTHOR; b++) em.create(Novel, { title: `Novel ${a}/${b}`, writer: w });
      }
      await em.flush();
    };
    const verifyWriters = (_ctx, writers) => {
      check(writers.length === RELATION_AUTHORS, `populate loaded ${writers.length} writers, expected ${RELATION_AUTHORS}`);
      for (const w of writers) {
        const books = w.books.getItems();
        check(books.length === BOOKS_PER_AUTHOR, `${w.name} has ${books.length} books, expected ${BOOKS_PER_AUTHOR}`);
        check(books.every((b) => b.writer === w && b.title.startsWith(`Novel ${w.name.substring(7)}/`)), `${w.name} has books of another writer`);
      }
    };
    for (const [step, strategy] of [['populateSelectIn', 'select-in'], ['populateJoined', 'joined']]) {
      if (!want.has(step)) continue;
      const { samples } = await measure(opts, `populate ${RELATION_AUTHORS}x${BOOKS_PER_AUTHOR} (${strategy})`, {
        setup: seedWriters,
        body: () => orm.em.fork().find(Writer, {}, { populate: ['books'], strategy }),
        verify: verifyWriters,
        cleanup,
      });
      result[step] = summarize(samples);
    }

    if (want.has('paginateJoined')) {
      const { samples } = await measure(opts, `page of ${PAGE_SIZE} writers with their books (joined, paginated)`, {
        setup: seedWriters,
        body: () => orm.em.fork().find(Writer, { name: { $like: 'Writer%' } }, { populate: ['books'], strategy: 'joined', orderBy: { name: 'asc' }, limit: PAGE_SIZE, offset: PAGE_SIZE }),
        verify: (_ctx, writers) => {
          check(writers.length === PAGE_SIZE, `the page has ${writers.length} writers, expected ${PAGE_SIZE}`);
          check(writers.every((w) => w.books.getItems().length === BOOKS_PER_AUTHOR), 'a writer of the page lacks books');
        },
        cleanup,
      });
      result.paginateJoined = summarize(samples);
    }

    if (want.has('compile')) {
      // A 3-join QueryBuilder with conditions on each level, compiled to SQL (no database).
      const build = (em, i) =>
        em
          .createQueryBuilder(Novel, 'n')
          .select(['n.id', 'n.title', 'w.name'])
          .leftJoin('n.writer', 'w')
          .leftJoin('w.books', 'b')
          .leftJoin('b.writer', 'w2')
          .where({ 'w.name': { $like: 'Writer%' }, 'b.title': { $ne: null }, 'w2.id': { $gt: i % 10 }, title: { $in: ['a', 'b', 'c'] } })
          .orderBy({ 'w.name': 'asc', id: 'desc' });
      const expected = build(orm.em.fork(), 0).getQuery();
      const { samples } = await measure(opts, `QueryBuilder getQuery() x${COMPILES} (3 joins, conditions)`, {
        body: () => {
          const em = orm.em.fork();
          let last;
          for (let i = 0; i < COMPILES; i++) last = build(em, i).getQuery();
          return last;
        },
        verify: (_ctx, sqlText) => check(sqlText === expected && /join/.test(sqlText), `unexpected SQL: ${sqlText}`),
        cleanup: () => {},
      });
      result.compile = summarize(samples);
    }

    if (want.has('collectionFlush')) {
      const { samples } = await measure(opts, `flush of one parent with ${COLLECTION_ITEMS} collection items`, {
        body: async () => {
          const em = orm.em.fork();
          const w = em.create(Writer, { name: 'Prolific' });
          for (let i = 0; i < COLLECTION_ITEMS; i++) w.books.add(em.create(Novel, { title: `Novel ${i}`, writer: w }));
          await em.flush();
          return w;
        },
        verify: async (_ctx, w) => {
          check(typeof w.id === 'number', 'the parent got no id');
          const count = await orm.em.fork().count(Novel, { writer: w.id });
          check(count === COLLECTION_ITEMS, `database has ${count} items in the collection, expected ${COLLECTION_ITEMS}`);
        },
        cleanup,
      });
      result.collectionFlush = summarize(samples);
    }

    if (want.has('manyToManyFlush')) {
      const { samples } = await measure(opts, `flush of ${LINK_BOOKS} x ${LINK_TAGS} many-to-many links`, {
        body: async () => {
          const em = orm.em.fork();
          const labels = [];
          for (let t = 0; t < LINK_TAGS; t++) labels.push(em.create(Label, { name: `Label ${t}` }));
          for (let b = 0; b < LINK_BOOKS; b++) em.create(Album, { title: `Album ${b}`, labels });
          await em.flush();
        },
        verify: async () => {
          const [{ n }] = await orm.em.fork().execute('select count(*) as n from album_labels');
          check(Number(n) === LINK_BOOKS * LINK_TAGS, `database has ${n} links, expected ${LINK_BOOKS * LINK_TAGS}`);
        },
        cleanup,
      });
      result.manyToManyFlush = summarize(samples);
    }

    if (want.has('findOne')) {
      const L = opts.lookups;
      const { samples, results } = await measure(opts, `findOne x${L}`, {
        setup: async () => (await createUsers(orm.em.fork(), L)).map((u) => ({ id: u.id, email: u.email })),
        body: async (expected) => {
          // per-call times; `wrong` counts missing/mismatched results (a comparison, negligible next to a query)
          const perCall = new Float64Array(expected.length);
          let wrong = 0;
          for (let i = 0; i < expected.length; i++) {
            const t0 = performance.now();
            const u = await orm.em.fork().findOne(User, expected[i].id);
            perCall[i] = performance.now() - t0;
            if (u == null || u.email !== expected[i].email) wrong++;
          }
          return { perCall, wrong };
        },
        verify: (_expected, { wrong }) => check(wrong === 0, `findOne returned ${wrong} wrong or missing entities`),
        cleanup,
        keepResults: true,
      });
      check(results.every((r) => r.wrong === 0), 'findOne returned wrong or missing entities in a measured run');
      const allCalls = [];
      for (const r of results) for (const v of r.perCall) allCalls.push(v * 1000);
      result.findOne = {
        ...summarize(samples),
        lookups: L,
        perCallMedianUs: Math.round(median(allCalls) * 10) / 10,
        perCallMeanUs: Math.round((allCalls.reduce((a, b) => a + b, 0) / allCalls.length) * 10) / 10,
      };
    }
  } finally {
    await orm.close();
  }

  return result;
}
