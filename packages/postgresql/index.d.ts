import { MikroORM as CoreMikroORM, PooledDriver, EntityManager, type Options } from '@mikro-native/core';

export * from '@mikro-native/core';

export declare class PostgreSqlDriver extends PooledDriver {
  protected ensureDatabaseSql(): string;
  protected managementDbName(): string;
  protected createDatabaseSql(name: string): string;
}

export declare class MikroORM<EM extends EntityManager = EntityManager> extends CoreMikroORM<PostgreSqlDriver, EM> {}

export declare function defineConfig(options: Options): Options;
