import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// `MIKRO_NATIVE_TEST_DRIVER` (sqlite by default) picks the driver `__test__/helpers.ts` gives the
// suites. Every shared file runs on every driver; the files that open their own servers run in
// the SQLite pass only.
const driver = process.env.MIKRO_NATIVE_TEST_DRIVER ?? 'sqlite';
const own = ['postgresql', 'mysql', 'usage', 'transaction-options', 'differential', 'replicas', 'schema-update', 'arrays', 'pg-schema', 'pg-schema-diff', 'mysql-timezone', 'index-types'];
const include =
  driver === 'sqlite'
    ? ['__test__/**/*.test.ts']
    : readdirSync(new URL('./__test__/', import.meta.url))
        .filter(f => f.endsWith('.test.ts') && !own.includes(f.slice(0, -8)))
        .map(f => `__test__/${f}`);

export default defineConfig({
  test: {
    include,
    testTimeout: 30000,
    pool: 'forks',
  },
});
