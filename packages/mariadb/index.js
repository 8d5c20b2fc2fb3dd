// @mikro-native/mariadb: core re-exported, with the MySQL build of the addon (a pool), as MariaDB.
import { MikroORM as CoreMikroORM, MySqlFamilyDriver, loadBinding } from '@mikro-native/core';

export * from '@mikro-native/core';

export class MariaDbDriver extends MySqlFamilyDriver {
  static dialect = 'mariadb';
  static binding = loadBinding(import.meta.url, 'mariadb');
}

class MariaDbMikroORM extends CoreMikroORM {
  static DRIVER = MariaDbDriver;
}

export { MariaDbMikroORM as MikroORM };

export function defineConfig(options) {
  return { driver: MariaDbDriver, ...options };
}
