// @mikro-native/mysql: core re-exported, with the MySQL build of the addon (a pool).
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
      return require(`@mikro-native/mysql-${platform}`);
    } catch {
      throw new Error(`@mikro-native/mysql: no native build for ${platform} (run \`npm run build\` in the repository, or install @mikro-native/mysql-${platform}): ${local.message}`);
    }
  }
}

export class MySqlDriver extends PooledDriver {
  static dialect = 'mysql';
  static binding = loadBinding();

  openPool(options) {
    return MySqlDriver.binding.NativePool.connect(options);
  }

  /** `YYYY-MM-DD HH:MM:SS.mmm` (UTC): MySQL rejects ISO text with `T` and `Z`. */
  dateParam(d) {
    return d.toISOString().replace('T', ' ').replace('Z', '');
  }

  ensureDatabaseSql() {
    return 'select 1 from information_schema.schemata where schema_name = ?';
  }

  managementDbName() {
    return undefined;
  }

  createDatabaseSql(name) {
    return `create database \`${name.replace(/`/g, '``')}\`;`;
  }
}

class MySQLMikroORM extends CoreMikroORM {
  static DRIVER = MySqlDriver;
}

export { MySQLMikroORM as MikroORM };

export function defineConfig(options) {
  return { driver: MySqlDriver, ...options };
}
