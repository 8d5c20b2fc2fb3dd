import { MikroORM as CoreMikroORM, MySqlFamilyDriver, EntityManager, type Options } from '@mikro-native/core';

export * from '@mikro-native/core';

export declare class MySqlDriver extends MySqlFamilyDriver {}

export declare class MikroORM<EM extends EntityManager = EntityManager> extends CoreMikroORM<MySqlDriver, EM> {}

export declare function defineConfig(options: Options): Options;
