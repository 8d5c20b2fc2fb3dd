import { afterEach, describe, expect, test } from 'vitest';
import type { MikroORM } from '@mikro-native/sqlite';
import { Author } from './entities.js';
import { driver, emptyDatabaseOptions, failure, queries } from './helpers.js';

let orm: MikroORM | undefined;
afterEach(async () => {
  await orm?.close();
  orm = undefined;
});

async function init(options: Record<string, unknown>) {
  const lines: string[] = [];
  const database = await emptyDatabaseOptions();
  orm = await driver.MikroORM.init({ entities: [Author], ...database, ensureDatabase: false, logger: (m: string) => lines.push(m), ...options });
  return lines;
}

describe('debug namespaces', () => {
  test("['query'] logs SQL with placeholders; 'query-params' inlines them", async () => {
    const lines = await init({ debug: ['query'], colors: false });
    await orm!.schema.create();
    lines.length = 0;
    await orm!.em.fork().find(Author, { name: 'x' });
    expect(queries(lines)).toEqual(['[query] select `a0`.* from `author` as `a0` where `a0`.`name` = ? [took X ms, 0 results]']);
  });

  test('debug: false logs nothing', async () => {
    const lines = await init({ colors: false });
    await orm!.schema.create();
    await orm!.em.fork().find(Author, { name: 'x' });
    expect(lines).toEqual([]);
  });
});

describe('colors', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of ['NO_COLOR', 'MIKRO_ORM_NO_COLOR', 'FORCE_COLOR', 'MIKRO_ORM_COLORS']) {
      if (saved[k] === undefined) {
        delete process.env[k];
      } else {
        process.env[k] = saved[k];
      }
    }
  });

  const clearEnv = () => {
    for (const k of ['NO_COLOR', 'MIKRO_ORM_NO_COLOR', 'FORCE_COLOR', 'MIKRO_ORM_COLORS']) {
      delete process.env[k];
    }
  };

  test('on by default, also when the output is not a terminal; a failed query is red', async () => {
    clearEnv();
    const lines = await init({ debug: ['query', 'query-params'] });
    await orm!.schema.create();
    lines.length = 0;
    await orm!.em.fork().find(Author, { name: 'x' });
    await failure(orm!.em.fork().execute('selec 1'));
    expect(queries(lines)).toEqual([
      "\u001b[90m[query] \u001b[39mselect `a0`.* from `author` as `a0` where `a0`.`name` = 'x'\u001b[90m [took X ms, 0 results]\u001b[39m",
      '\u001b[90m[query] \u001b[39m\u001b[31mselec 1\u001b[90m [took X ms]\u001b[39m\u001b[39m',
    ]);
  });

  test.each([
    ['colors: false', {}, { colors: false }],
    ['NO_COLOR=1', { NO_COLOR: '1' }, {}],
    ['MIKRO_ORM_NO_COLOR=1', { MIKRO_ORM_NO_COLOR: '1' }, {}],
    ['FORCE_COLOR=0', { FORCE_COLOR: '0' }, {}],
    ['MIKRO_ORM_COLORS=false', { MIKRO_ORM_COLORS: 'false' }, {}],
  ])('off with %s', async (_name, env, options) => {
    clearEnv();
    Object.assign(process.env, env);
    const lines = await init({ debug: ['query', 'query-params'], ...options });
    await orm!.em.fork().execute('select 1');
    expect(queries(lines)).toEqual(['[query] select 1 [took X ms, 1 result]']);
  });
});
