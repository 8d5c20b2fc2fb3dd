// @mikro-native/mariadb: core re-exported, with the MySQL build of the addon (a pool), as MariaDB.
import { MikroORM as CoreMikroORM, MySqlFamilyDriver, QueryBuilder, loadBinding } from '@mikro-native/core';

export * from '@mikro-native/core';

/** The query builder of the mariadb package, named as MikroORM's. */
export class MariaDbQueryBuilder extends QueryBuilder {}

export class MariaDbDriver extends MySqlFamilyDriver {
  static dialect = 'mariadb';
  static QueryBuilder = MariaDbQueryBuilder;
  static binding = loadBinding(import.meta.url, 'mariadb');
}

class MariaDbMikroORM extends CoreMikroORM {
  static DRIVER = MariaDbDriver;
}

export { MariaDbMikroORM as MikroORM };

export function defineConfig(options) {
  return { driver: MariaDbDriver, ...options };
}
