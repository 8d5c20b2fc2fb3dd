import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { MikroORM, defineEntity, p, type NativeConnection } from '@mikro-native/sqlite';
import { tempFolder } from './helpers.js';

const Thing = defineEntity({ name: 'Thing', properties: { id: p.integer().primary() } });

/** Compiles a real SQLite extension (`half(x)`) against the bundled SQLite's sqlite3ext.h. */
function buildExtension(): string {
  const meta = JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--features', 'sqlite'], { encoding: 'utf8', maxBuffer: 64 << 20 })) as {
    packages: { name: string; manifest_path: string }[];
  };
  const sys = meta.packages.find(pkg => pkg.name === 'libsqlite3-sys');
  if (!sys) {
    throw new Error('libsqlite3-sys not found in cargo metadata');
  }
  const include = join(dirname(sys.manifest_path), 'sqlite3');
  const dir = tempFolder('mikro-native-ext-');
  const src = join(dir, 'half.c');
  writeFileSync(
    src,
    `#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1
static void half(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
  (void)argc;
  sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) / 2.0);
}
int sqlite3_extension_init(sqlite3 *db, char **err, const sqlite3_api_routines *api) {
  (void)err;
  SQLITE_EXTENSION_INIT2(api);
  return sqlite3_create_function(db, "half", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, 0, half, 0, 0);
}
`,
  );
  const out = join(dir, 'half.so');
  execFileSync('gcc', ['-shared', '-fPIC', `-I${include}`, src, '-o', out]);
  return out;
}

describe('SQLite extensions through connection hooks', () => {
  let ext: string;
  beforeAll(() => {
    ext = buildExtension();
  }, 120_000);

  test('pool.afterCreate(conn, done) with conn.loadExtension(path)', async () => {
    let calls = 0;
    const orm = new MikroORM({
      entities: [Thing],
      dbName: ':memory:',
      pool: {
        afterCreate: (conn: NativeConnection, done: (err: Error | null, conn?: NativeConnection) => void) => {
          calls++;
          conn.loadExtension(ext);
          done(null, conn);
        },
      },
    });
    const rows = await orm.em.fork().execute('select half(5) as h');
    expect(rows).toEqual([{ h: 2.5 }]);
    expect(calls).toBe(1);
    await orm.close();
  });

  test('onCreateConnection(conn) runs on each new connection', async () => {
    const seen: string[] = [];
    const orm = await MikroORM.init({
      entities: [Thing],
      dbName: ':memory:',
      onCreateConnection: async conn => {
        seen.push('connected');
        conn.loadExtension(ext);
      },
    });
    expect(await orm.isConnected()).toBe(false);
    expect(await orm.em.fork().execute('select half(9) as h', [], 'get')).toEqual({ h: 4.5 });
    await orm.close();
    await orm.connect();
    expect(await orm.em.fork().execute('select half(1) as h', [], 'get')).toEqual({ h: 0.5 });
    expect(seen).toEqual(['connected', 'connected']);
    await orm.close();
  });

  test('without the extension the function is missing, with a named driver error', async () => {
    const orm = new MikroORM({ entities: [Thing], dbName: ':memory:' });
    await expect(orm.em.fork().execute('select half(2) as h')).rejects.toThrow('no such function: half');
    await orm.close();
  });

  test('a failing hook surfaces its error', async () => {
    const orm = new MikroORM({
      entities: [Thing],
      dbName: ':memory:',
      pool: { afterCreate: (conn: NativeConnection, done: (err: Error | null) => void) => done(new Error('hook failed')) },
    });
    await expect(orm.em.fork().execute('select 1')).rejects.toThrow('hook failed');
    await orm.close();
  });
});
