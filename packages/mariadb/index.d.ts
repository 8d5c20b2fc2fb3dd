import { MikroORM as CoreMikroORM, MySqlFamilyDriver, EntityManager, QueryBuilder, type Options } from '@mikro-native/core';

export * from '@mikro-native/core';

export declare class MariaDbQueryBuilder<T extends object = any> extends QueryBuilder<T> {}

export declare class MariaDbDriver extends MySqlFamilyDriver {}

export declare class MikroORM<EM extends EntityManager = EntityManager> extends CoreMikroORM<MariaDbDriver, EM> {}

export declare function defineConfig(options: Options): Options;
