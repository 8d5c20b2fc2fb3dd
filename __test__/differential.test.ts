import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, expect, test } from 'vitest';
import * as api from '@mikro-native/sqlite';
import { MikroORM, DefaultLogger, type LogContext, type LoggerOptions } from '@mikro-native/sqlite';
// @ts-expect-error: plain ESM shared with the recorder, without typings
import { bind, cases } from './differential/corpus.mjs';
// @ts-expect-error: plain ESM shared with the recorder, without typings
import { makeEntities } from './differential/entities.mjs';

/*
 * The differential test: every call of `differential/corpus.mjs` (QueryBuilder and EntityManager)
 * runs here and its SQL and parameters are compared with what MikroORM 7.2 produced for the same
 * call (`differential/mikro-orm/<dialect>.json`, recorded by `differential/record.mjs`).
 * `differential/identical.json` lists the calls known to be identical: each must stay so, and a
 * call that becomes identical must be added (run with UPDATE_DIFFERENTIAL=1 to rewrite the list).
 */

interface Case {
  name: string;
  kind: 'qb' | 'em';
  fn: (em: unknown) => unknown;
}
interface Recorded {
  name: string;
  kind: 'qb' | 'em';
  sql: string | null;
  params: unknown;
  error: string | null;
  queries?: { sql: string; params: unknown }[];
}

const DIR = new URL('./differential/', import.meta.url);
const recorded = (dialect: string): Map<string, Recorded> =>
  new Map((JSON.parse(readFileSync(new URL(`mikro-orm/${dialect}.json`, DIR), 'utf8')) as Recorded[]).map(r => [r.name, r]));
const identicalFile = new URL('identical.json', DIR);
const known = JSON.parse(readFileSync(identicalFile, 'utf8')) as Record<string, string[]>;
/** Calls where mikro-native differs on purpose (see the README), with the reason. */
const deliberate = JSON.parse(readFileSync(new URL('deliberate.json', DIR), 'utf8')) as Record<string, Record<string, string>>;
const found: Record<string, string[]> = {};

/** Values as the recorder writes them (Dates and fragments as markers). */
function ser(v: unknown): unknown {
  if (v instanceof Date) {
    return { $date: v.toISOString() };
  }
  if (typeof v === 'bigint') {
    return { $bigint: v.toString() };
  }
  if (v instanceof api.RawQueryFragment) {
    return { $raw: v.sql, params: ser(v.params) };
  }
  if (Array.isArray(v)) {
    return v.map(ser);
  }
  return v;
}

let captured: { sql: string; params: unknown }[] | undefined;
class CaptureLogger extends DefaultLogger {
  constructor(options: LoggerOptions) {
    super(options);
  }
  override logQuery(ctx: LogContext & { query: string; params?: unknown[] }): void {
    captured?.push({ sql: ctx.query, params: ser(ctx.params ?? []) });
  }
}

async function seed(orm: MikroORM, E: Record<string, any>): Promise<void> {
  const em = orm.em.fork();
  const pubs = [em.create(E.Publisher, { id: 1, name: 'Local Press', type: 'local' }), em.create(E.Publisher, { id: 2, name: 'Global Books', type: 'global' })];
  const authors = [
    em.create(E.Author, { id: 1, name: 'Jon Snow', email: 'jon@example.com', age: 30, born: '1990-01-01' }),
    em.create(E.Author, { id: 2, name: 'Arya Stark', email: 'arya@example.com', age: 18, born: '2006-03-04' }),
    em.create(E.Author, { id: 3, name: 'Tyrion', email: 'tyrion@example.com', age: null, born: null }),
  ];
  const tags = ['fantasy', 'drama', 'war', 'kids'].map((name, i) => em.create(E.Tag, { id: i + 1, name }));
  const created = new Date('2024-01-01T00:00:00.000Z');
  const books = [
    em.create(E.Book, { id: 1, title: 'Winter', price: '10', createdAt: created, author: authors[0], publisher: pubs[0], tags: [tags[0], tags[1]] }),
    em.create(E.Book, { id: 2, title: 'Wall', price: '20', createdAt: created, author: authors[0], publisher: pubs[1], tags: [tags[2]] }),
    em.create(E.Book, { id: 3, title: 'Needle', price: null, createdAt: created, author: authors[1], publisher: null, tags: [tags[0], tags[3]] }),
    em.create(E.Book, { id: 4, title: 'Wine', price: '5', createdAt: created, author: authors[2], publisher: pubs[1], tags: [] }),
    em.create(E.Book, { id: 5, title: 'Dragons', price: '50', createdAt: created, author: authors[2], publisher: pubs[0], tags: [tags[0], tags[1], tags[2]] }),
  ];
  await em.flush();
  authors[0].favouriteBook = books[1];
  authors[2].favouriteBook = books[4];
  await em.flush();
}

/** Runs one case; returns what it produced, in the recorder's shape. */
async function run(orm: MikroORM, c: Case): Promise<Omit<Recorded, 'name' | 'kind'>> {
  const em = orm.em.fork();
  const out: Omit<Recorded, 'name' | 'kind'> = { sql: null, params: null, error: null };
  const fail = (e: unknown) => `${(e as Error)?.constructor?.name ?? 'Error'}: ${(e as Error)?.message ?? String(e)}`;
  if (c.kind === 'qb') {
    try {
      const qb = (await c.fn(em)) as { getQuery(): string; getParams(): unknown[] };
      out.sql = qb.getQuery();
      out.params = ser(qb.getParams());
    } catch (e) {
      out.error = fail(e);
    }
    return out;
  }
  captured = [];
  try {
    await c.fn(em);
  } catch (e) {
    out.error = fail(e);
  }
  out.queries = captured;
  captured = undefined;
  out.sql = out.queries.map(q => q.sql).join(';\n') || null;
  return out;
}

/** Identical: the same SQL and parameters (for `em` calls, every statement), or the same error. */
function identical(ours: Omit<Recorded, 'name' | 'kind'>, theirs: Recorded): boolean {
  if (theirs.error || ours.error) {
    return theirs.kind === 'qb' && ours.error === theirs.error;
  }
  if (theirs.kind === 'em') {
    return JSON.stringify(ours.queries) === JSON.stringify(theirs.queries);
  }
  return ours.sql === theirs.sql && JSON.stringify(ours.params) === JSON.stringify(theirs.params);
}

/**
 * The engine's SQL for another dialect, without its driver: QueryBuilder calls only compile.
 * Transactions (the lock cases need one) begin and end without a connection.
 */
function compileOnly(dialect: string): typeof api.SqliteDriver {
  return class extends api.SqliteDriver {
    static override dialect = dialect;
    override transaction(): void {}
    override async ensureConnected(): Promise<void> {}
  };
}

async function differential(dialect: 'sqlite' | 'postgresql' | 'mysql'): Promise<void> {
  const E = makeEntities(api);
  const options = { entities: Object.values(E), debug: ['query'] as const, colors: false, loggerFactory: (o: LoggerOptions) => new CaptureLogger(o) };
  const orm =
    dialect === 'sqlite'
      ? await MikroORM.init({ ...options, dbName: ':memory:' })
      : await MikroORM.init({ ...options, dbName: 'test', driver: compileOnly(dialect) as never });
  if (dialect === 'sqlite') {
    await orm.schema.create();
    await seed(orm, E);
  }
  bind({ Author: E.Author, Book: E.Book, Publisher: E.Publisher, Tag: E.Tag, sql: api.sql, raw: api.raw, ref: api.ref, QueryOrder: api.QueryOrder, QueryFlag: api.QueryFlag, LockMode: api.LockMode, JoinType: api.JoinType, dialect });
  const theirs = recorded(dialect);
  const same: string[] = [];
  const report: unknown[] = [];
  // Without a server, the other dialects compile QueryBuilder calls only.
  const list = (cases as Case[]).filter(c => dialect === 'sqlite' || c.kind === 'qb');
  const first = new Map<string, unknown>();
  for (const c of list) {
    const r = theirs.get(c.name);
    const ours = await run(orm, c);
    first.set(c.name, ours);
    if (r && identical(ours, r)) {
      same.push(c.name);
    } else {
      report.push({ name: c.name, ours, theirs: r });
    }
  }
  // Again, through the compiled-query cache (debug builds also check each hit by a full compile).
  const stats = () => JSON.parse(orm.em.getDriver().native.queryCacheStats()) as { hits: number };
  const hits = stats().hits;
  const qbCases = list.filter(c => c.kind === 'qb');
  for (const c of qbCases) {
    expect(await run(orm, c), c.name).toEqual(first.get(c.name));
  }
  console.log(`compiled-query cache, second run: ${stats().hits - hits} hits for ${qbCases.length} calls (getQuery and getParams each compile)`);
  expect(stats().hits - hits, 'cache hits on the second run').toBeGreaterThan(qbCases.length / 2);
  if (process.env.DIFFERENTIAL_REPORT) {
    writeFileSync(`${process.env.DIFFERENTIAL_REPORT}-${dialect}.json`, JSON.stringify(report, null, 1));
  }
  await orm.close();
  found[dialect] = same;
  const total = list.length;
  const chosen = Object.keys(deliberate[dialect] ?? {});
  console.log(
    `differential ${dialect}: ${same.length} of ${total} calls identical to MikroORM 7.2 (${((100 * same.length) / total).toFixed(1)}%), ${chosen.length} different on purpose`,
  );
  expect(same.filter(n => chosen.includes(n)), 'calls listed as deliberately different are identical').toEqual([]);
  const lost = (known[dialect] ?? []).filter(n => !same.includes(n));
  expect(lost, 'calls that were identical to MikroORM and are not anymore').toEqual([]);
  const gained = same.filter(n => !(known[dialect] ?? []).includes(n));
  if (!process.env.UPDATE_DIFFERENTIAL) {
    expect(gained, 'calls now identical to MikroORM: add them to differential/identical.json (UPDATE_DIFFERENTIAL=1)').toEqual([]);
  }
}

test('SQL and parameters identical to MikroORM 7.2: sqlite', async () => {
  await differential('sqlite');
});

test('SQL and parameters identical to MikroORM 7.2: postgresql (QueryBuilder)', async () => {
  await differential('postgresql');
});

test('SQL and parameters identical to MikroORM 7.2: mysql (QueryBuilder)', async () => {
  await differential('mysql');
});

afterAll(() => {
  if (process.env.UPDATE_DIFFERENTIAL) {
    writeFileSync(identicalFile, `${JSON.stringify({ ...known, ...found }, null, 1)}\n`);
  }
});
