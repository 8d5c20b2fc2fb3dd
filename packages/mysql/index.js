// @mikro-native/mysql: core re-exported, with the MySQL build of the addon (a pool).
import { MikroORM as CoreMikroORM, MySqlFamilyDriver, loadBinding } from '@mikro-native/core';

export * from '@mikro-native/core';

export class MySqlDriver extends MySqlFamilyDriver {
  static dialect = 'mysql';
  static binding = loadBinding(import.meta.url, 'mysql');
}

class MySqlMikroORM extends CoreMikroORM {
  static DRIVER = MySqlDriver;
}

export { MySqlMikroORM as MikroORM };

export function defineConfig(options) {
  return { driver: MySqlDriver, ...options };
}
