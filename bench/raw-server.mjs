// Raw-driver baseline for a database server: the user steps of workload.mjs (create, find,
// serialize, update, delete, findOne) written directly against the driver, as a careful
// hand-written data layer would: one transaction per write step, multi-row statements of 300
// rows (MikroORM's batch size), rows mapped to plain objects. The relation steps are not written
// for the servers (the table shows n/a there). `driver` (raw-pg.mjs, raw-mysql2.mjs) supplies the
// connection, the placeholders and the insert that gives back keys.

import { performance } from 'node:perf_hooks';
import { resolveOptions, measure, summarize, median, randomPassword, check } from './harness.mjs';

const BATCH = 300;

/**
 * @param {{ open(): Promise<void>, query(sql: string, params?: unknown[]): Promise<object[]>,
 *   insertIds(sql: string, params: unknown[], count: number): Promise<number[]>, ph(n: number): string,
 *   q(name: string): string, schema: string[], bool(v: unknown): boolean, close(): Promise<void> }} driver
 */
export async function runServer(driver, options = {}) {
  const opts = resolveOptions(options);
  const N = opts.rows;
  await driver.open();
  for (const sql of driver.schema) await driver.query(sql);
  const { q, ph } = driver;
  const user = q('user');
  const toObject = (r) => ({ id: r.id, name: r.name, email: r.email, password: r.password, age: r.age, termsAccepted: driver.bool(r.terms_accepted) });
  const inTx = async (fn) => {
    await driver.query('begin');
    try {
      await fn();
      await driver.query('commit');
    } catch (e) {
      await driver.query('rollback');
      throw e;
    }
  };
  const batches = (items) => {
    const out = [];
    for (let i = 0; i < items.length; i += BATCH) out.push(items.slice(i, i + BATCH));
    return out;
  };

  const createUsers = async (count) => {
    const users = new Array(count);
    for (let i = 0; i < count; i++) users[i] = { id: undefined, name: `User ${i}`, email: `user${i}@example.com`, password: randomPassword(), age: null, termsAccepted: false };
    await inTx(async () => {
      for (const chunk of batches(users)) {
        const params = [];
        const rows = chunk.map((u) => {
          params.push(u.name, u.email, u.password);
          return `(${ph(params.length - 2)}, ${ph(params.length - 1)}, ${ph(params.length)}, false)`;
        });
        const ids = await driver.insertIds(`insert into ${user} (${q('name')}, ${q('email')}, ${q('password')}, ${q('terms_accepted')}) values ${rows.join(', ')}`, params, chunk.length);
        chunk.forEach((u, i) => (u.id = ids[i]));
      }
    });
    return users;
  };
  const loadAll = async () => (await driver.query(`select * from ${user}`)).map(toObject);
  const insertAndLoad = async () => {
    await createUsers(N);
    const users = await loadAll();
    check(users.length === N, `setup loaded ${users.length} rows, expected ${N}`);
    return { users };
  };
  const cleanup = () => driver.query(`delete from ${user}`);
  const verifyObjects = (objects) => {
    check(objects.length === N, `got ${objects.length} objects, expected ${N}`);
    const o = objects[0];
    check(typeof o.id === 'number' && o.age === null && o.termsAccepted === false && o.password.length === 8, `bad object ${JSON.stringify(o)}`);
  };

  const result = {};
  const want = new Set(opts.steps);
  try {
    if (want.has('create')) {
      const { samples } = await measure(opts, 'create', {
        body: () => createUsers(N),
        verify: async (_ctx, users) => {
          check(users.every((u) => typeof u.id === 'number'), 'missing ids');
          check((await loadAll()).length === N, 'row count after create');
        },
        cleanup,
      });
      result.create = summarize(samples);
    }
    if (want.has('find')) {
      const { samples } = await measure(opts, 'find', {
        setup: () => createUsers(N),
        body: () => loadAll(),
        verify: (_ctx, objects) => verifyObjects(objects),
        cleanup,
      });
      result.find = summarize(samples);
    }
    if (want.has('serialize')) {
      const { samples } = await measure(opts, 'serialize', {
        setup: insertAndLoad,
        body: ({ users }) => users.map((u) => ({ ...u })),
        verify: (_ctx, objects) => verifyObjects(objects),
        cleanup,
      });
      result.serialize = summarize(samples);
    }
    if (want.has('update')) {
      const { samples } = await measure(opts, 'update', {
        setup: insertAndLoad,
        body: async ({ users }) => {
          for (const u of users) u.password = randomPassword();
          await inTx(async () => {
            for (const chunk of batches(users)) {
              const params = [];
              const whens = chunk.map((u) => {
                params.push(u.id, u.password);
                return `when ${ph(params.length - 1)} then ${ph(params.length)}`;
              });
              const ids = chunk.map((u) => {
                params.push(u.id);
                return ph(params.length);
              });
              await driver.query(`update ${user} set ${q('password')} = case ${q('id')} ${whens.join(' ')} end where ${q('id')} in (${ids.join(', ')})`, params);
            }
          });
        },
        verify: async ({ users }) => {
          const expected = new Map(users.map((u) => [u.id, u.password]));
          check((await loadAll()).every((u) => expected.get(u.id) === u.password), 'updated passwords not persisted');
        },
        cleanup,
      });
      result.update = summarize(samples);
    }
    if (want.has('delete')) {
      const { samples } = await measure(opts, 'delete', {
        setup: insertAndLoad,
        body: ({ users }) =>
          inTx(async () => {
            for (const chunk of batches(users)) await driver.query(`delete from ${user} where ${q('id')} in (${chunk.map((_, i) => ph(i + 1)).join(', ')})`, chunk.map((u) => u.id));
          }),
        verify: async () => check((await loadAll()).length === 0, 'rows left after delete'),
        cleanup,
      });
      result.delete = summarize(samples);
    }
    if (want.has('findOne')) {
      const L = opts.lookups;
      const one = `select * from ${user} where ${q('id')} = ${ph(1)} limit 1`;
      const { samples, results } = await measure(opts, `findOne x${L}`, {
        setup: () => createUsers(L),
        body: async (expected) => {
          const perCall = new Float64Array(expected.length);
          let wrong = 0;
          for (let i = 0; i < expected.length; i++) {
            const t0 = performance.now();
            const [row] = await driver.query(one, [expected[i].id]);
            const u = row && toObject(row);
            perCall[i] = performance.now() - t0;
            if (u == null || u.email !== expected[i].email) wrong++;
          }
          return { perCall, wrong };
        },
        verify: (_expected, { wrong }) => check(wrong === 0, `findOne returned ${wrong} wrong or missing rows`),
        cleanup,
        keepResults: true,
      });
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
    await driver.close();
  }
  return result;
}
