// Shared measurement helpers for the benchmark contenders (ORM workload and raw driver baseline).
// Protocol per step: `warmup` unmeasured + `runs` measured iterations; each iteration runs an optional
// untimed setup, then the timed body (performance.now()), then an untimed cleanup.

import { performance } from 'node:perf_hooks';

/** The database: `sqlite` (in memory, the default), or the local `postgresql` / `mysql` server. */
export const DB = process.env.BENCH_DB ?? 'sqlite';
if (!['sqlite', 'postgresql', 'mysql'].includes(DB)) throw new Error(`BENCH_DB must be sqlite, postgresql or mysql, got ${JSON.stringify(DB)}`);

/** The connection options of the database under test (servers: their own database, created when missing). */
export function connection() {
  if (DB === 'postgresql') return { dbName: 'mikro_native_bench', host: '127.0.0.1', port: 5432, user: 'postgres' };
  if (DB === 'mysql') return { dbName: 'mikro_native_bench', host: '127.0.0.1', port: 3306, user: 'root' };
  return { dbName: ':memory:' };
}

export const STEP_NAMES = ['create', 'find', 'serialize', 'update', 'delete', 'findOne', 'populateSelectIn', 'populateJoined', 'collectionFlush', 'manyToManyFlush', 'paginateJoined', 'compile'];

/** The compile step: QueryBuilder getQuery() calls per run. */
export const COMPILES = 100_000;
/** The paginated joined find: writers per page. */
export const PAGE_SIZE = 100;

/** Relation steps: authors x books per author for populate, items in one collection for the flush. */
export const RELATION_AUTHORS = 1_000;
export const BOOKS_PER_AUTHOR = 10;
export const COLLECTION_ITEMS = 10_000;
/** Many-to-many step: books x tags, every book linked to every tag (10,000 links). */
export const LINK_BOOKS = 1_000;
export const LINK_TAGS = 10;

function envInt(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number.parseInt(raw, 10);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  return n;
}

/** Merge explicit options over environment (BENCH_*) over defaults. */
export function resolveOptions(options = {}) {
  const envSteps = process.env.BENCH_STEPS ? process.env.BENCH_STEPS.split(',').map((s) => s.trim()).filter(Boolean) : undefined;
  const resolved = {
    warmup: options.warmup ?? envInt('BENCH_WARMUP', 5),
    runs: options.runs ?? envInt('BENCH_RUNS', 20),
    rows: options.rows ?? envInt('BENCH_ROWS', 10_000),
    lookups: options.lookups ?? envInt('BENCH_LOOKUPS', 1_000),
    steps: options.steps ?? envSteps ?? STEP_NAMES,
    gc: options.gc ?? process.env.BENCH_GC === '1',
    log: options.log ?? ((msg) => process.stderr.write(msg)),
  };
  if (resolved.runs < 1) throw new Error('runs must be >= 1');
  for (const s of resolved.steps) {
    if (!STEP_NAMES.includes(s)) throw new Error(`unknown step ${JSON.stringify(s)} (known: ${STEP_NAMES.join(', ')})`);
  }
  return resolved;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** 8 random base-36 characters. */
export function randomPassword() {
  let s = '';
  for (let i = 0; i < 8; i++) s += ALPHABET[(Math.random() * 36) | 0];
  return s;
}

const round3 = (v) => Math.round(v * 1000) / 1000;

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return NaN;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** Summary of timing samples (ms). */
export function summarize(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const pct = (q) => s[Math.max(0, Math.ceil((q / 100) * s.length) - 1)];
  return {
    runs: s.length,
    median: round3(median(s)),
    mean: round3(s.reduce((a, b) => a + b, 0) / s.length),
    min: round3(s[0]),
    p90: round3(pct(90)),
    max: round3(s[s.length - 1]),
  };
}

/**
 * Run one step.
 * @param {object} opts resolved options
 * @param {string} title
 * @param {{ setup?: () => any, body: (ctx: any) => any, verify?: (ctx: any, result: any) => any,
 *          cleanup: () => any, keepResults?: boolean }} step
 *   `verify` runs (untimed) after the first iteration only, to catch a contender that skips work.
 *   `keepResults`: collect the body's return values of measured iterations (off by default so large
 *   entity lists are not retained across iterations).
 * @returns {Promise<{ samples: number[], results: any[] }>} measured samples (ms) and body return values
 */
export async function measure(opts, title, { setup, body, verify, cleanup, keepResults = false }) {
  const samples = [];
  const results = [];
  const total = opts.warmup + opts.runs;
  opts.log(`${title}: `);
  for (let i = 0; i < total; i++) {
    const ctx = setup ? await setup() : undefined;
    if (opts.gc && typeof globalThis.gc === 'function') globalThis.gc();
    const t0 = performance.now();
    const result = await body(ctx);
    const dt = performance.now() - t0;
    if (i === 0 && verify) await verify(ctx, result);
    if (i >= opts.warmup) {
      samples.push(dt);
      if (keepResults) results.push(result);
    }
    await cleanup();
    // One event-loop turn between iterations (untimed, same for every contender), as a server
    // has between requests: Node runs deferred native finalizers only in such turns.
    await new Promise(resolve => setImmediate(resolve));
    opts.log(i < opts.warmup ? 'w' : '.');
  }
  opts.log(` median ${round3(median(samples))} ms\n`);
  return { samples, results };
}

export function check(cond, message) {
  if (!cond) throw new Error(`verification failed: ${message}`);
}
