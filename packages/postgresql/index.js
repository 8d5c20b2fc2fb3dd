// @mikro-native/postgresql: core re-exported, with the PostgreSQL build of the addon (a pool).
import { createRequire } from 'node:module';
import { MikroORM as CoreMikroORM, PooledDriver } from '@mikro-native/core';

export * from '@mikro-native/core';

const require = createRequire(import.meta.url);

function loadBinding() {
  const platform = `${process.platform}-${process.arch}${process.platform === 'linux' ? '-gnu' : ''}`;
  try {
    return require(`./mikro-native.${platform}.node`);
  } catch (local) {
    try {
      return require(`@mikro-native/postgresql-${platform}`);
    } catch {
      throw new Error(`@mikro-native/postgresql: no native build for ${platform} (run \`npm run build\` in the repository, or install @mikro-native/postgresql-${platform}): ${local.message}`);
    }
  }
}

export class PostgreSqlDriver extends PooledDriver {
  static dialect = 'postgresql';
  static binding = loadBinding();

  openPool(options) {
    return PostgreSqlDriver.binding.NativePool.connect(options);
  }

  ensureDatabaseSql() {
    return 'select 1 from pg_database where datname = ?';
  }

  managementDbName() {
    return 'postgres';
  }

  createDatabaseSql(name) {
    return `create database "${name.replace(/"/g, '""')}"`;
  }
}

class PostgreSqlMikroORM extends CoreMikroORM {
  static DRIVER = PostgreSqlDriver;
}

export { PostgreSqlMikroORM as MikroORM };

export function defineConfig(options) {
  return { driver: PostgreSqlDriver, ...options };
}
