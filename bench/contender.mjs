// Child-process entry point: runs one contender and writes its JSON result to a file.
// Usage: node --expose-gc contender.mjs <mikro-orm|mikro-native|raw> <result.json>
// Progress goes to stderr; stdout is left to the contender (so stray logging cannot corrupt results).

import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { DB, resolveOptions } from './harness.mjs';

const [name, outFile] = process.argv.slice(2);
if (!name || !outFile) {
  console.error('usage: contender.mjs <mikro-orm|mikro-native|raw> <result.json>');
  process.exit(2);
}

const require = createRequire(import.meta.url);
const NATIVE_ENTRY = new URL(`../packages/${DB}/index.js`, import.meta.url);
// The server contenders live in servers/ (MikroORM 7.2.1 for PostgreSQL and MySQL, their raw drivers).
const serverRequire = createRequire(new URL('./servers/package.json', import.meta.url));
const RAW = { sqlite: ['./raw-better-sqlite3.mjs', 'better-sqlite3'], postgresql: ['./raw-pg.mjs', 'pg'], mysql: ['./raw-mysql2.mjs', 'mysql2'] }[DB];

function readVersion(pkgJsonPath) {
  try {
    return JSON.parse(readFileSync(pkgJsonPath, 'utf8')).version;
  } catch {
    return undefined;
  }
}

const out = { contender: name, db: DB, node: process.version, pid: process.pid };
const write = () => writeFileSync(outFile, JSON.stringify(out, null, 2));
const serializeError = (phase, e) => ({ phase, message: String(e?.message ?? e), stack: e?.stack });

let runWorkload;
try {
  if (name === 'mikro-orm') {
    const api = DB === 'sqlite' ? await import('@mikro-orm/sqlite') : await (await import('./servers/load.mjs')).load(`@mikro-orm/${DB}`);
    out.version = readVersion((DB === 'sqlite' ? require : serverRequire).resolve(`@mikro-orm/${DB}/package.json`));
    const { run } = await import('./workload.mjs');
    runWorkload = (opts) => run(api, opts);
  } else if (name === 'mikro-native') {
    const api = await import(NATIVE_ENTRY.href);
    out.version = readVersion(fileURLToPath(new URL(`../packages/${DB}/package.json`, import.meta.url)));
    const { run } = await import('./workload.mjs');
    runWorkload = (opts) => run(api, opts);
  } else if (name === 'raw') {
    out.version = `${RAW[1]} ${readVersion((DB === 'sqlite' ? require : serverRequire).resolve(`${RAW[1]}/package.json`))}`;
    const { run } = await import(RAW[0]);
    runWorkload = (opts) => run(opts);
  } else {
    throw new Error(`unknown contender ${JSON.stringify(name)}`);
  }
} catch (e) {
  out.error = serializeError('import', e);
  write();
  console.error(`[${name}] import failed: ${e?.stack ?? e}`);
  process.exit(3);
}

try {
  const opts = resolveOptions();
  out.options = { warmup: opts.warmup, runs: opts.runs, rows: opts.rows, lookups: opts.lookups, gc: opts.gc && typeof globalThis.gc === 'function' };
  out.steps = await runWorkload(opts);
  write();
} catch (e) {
  out.error = serializeError('run', e);
  write();
  console.error(`[${name}] run failed: ${e?.stack ?? e}`);
  process.exit(4);
}
