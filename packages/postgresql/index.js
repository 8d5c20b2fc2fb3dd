// @mikro-native/postgresql: core re-exported, with the PostgreSQL build of the addon (a pool).
import { MikroORM as CoreMikroORM, PooledDriver, loadBinding } from '@mikro-native/core';

export * from '@mikro-native/core';

export class PostgreSqlDriver extends PooledDriver {
  static dialect = 'postgresql';
  static binding = loadBinding(import.meta.url, 'postgresql');

  get supportsSchemas() {
    return true;
  }

  get defaultSchema() {
    return 'public';
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
