import { MikroORM as CoreMikroORM, DatabaseDriver, EntityManager, type Options } from '@mikro-native/core';

export * from '@mikro-native/core';

export declare class SqliteDriver extends DatabaseDriver {}

export declare class MikroORM<EM extends EntityManager = EntityManager> extends CoreMikroORM<SqliteDriver, EM> {}

export declare function defineConfig(options: Options): Options;
