// @mikro-native/sqlite: core re-exported, with the SQLite build of the addon as the driver.
import { createRequire } from 'node:module';
import { MikroORM as CoreMikroORM, DatabaseDriver } from '@mikro-native/core';

export * from '@mikro-native/core';

const require = createRequire(import.meta.url);

function loadBinding() {
  const platform = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
  try {
    return require(`./mikro-native.${platform}.node`);
  } catch (local) {
    try {
      return require(`@mikro-native/sqlite-${platform}`);
    } catch {
      throw new Error(`@mikro-native/sqlite: no native build for ${platform} (run \`npm run build\` in the repository, or install @mikro-native/sqlite-${platform}): ${local.message}`);
    }
  }
}

export class SqliteDriver extends DatabaseDriver {
  static dialect = 'sqlite';
  static binding = loadBinding();
}

class SqliteMikroORM extends CoreMikroORM {
  static DRIVER = SqliteDriver;
}

export { SqliteMikroORM as MikroORM };

export function defineConfig(options) {
  return { driver: SqliteDriver, ...options };
}
