// @mikro-native/sqlite: core re-exported, with the SQLite build of the addon as the driver.
import { MikroORM as CoreMikroORM, DatabaseDriver, loadBinding } from '@mikro-native/core';

export * from '@mikro-native/core';

export class SqliteDriver extends DatabaseDriver {
  static dialect = 'sqlite';
  static binding = loadBinding(import.meta.url, 'sqlite');
}

class SqliteMikroORM extends CoreMikroORM {
  static DRIVER = SqliteDriver;
}

export { SqliteMikroORM as MikroORM };

export function defineConfig(options) {
  return { driver: SqliteDriver, ...options };
}
