import { MikroORM as CoreMikroORM, PooledDriver, EntityManager, type NativePool, type Options } from '@mikro-native/core';

export * from '@mikro-native/core';

export declare class MariaDbDriver extends PooledDriver {
  protected openPool(options: string): Promise<NativePool>;
  protected dateParam(d: Date): string;
  protected ensureDatabaseSql(): string;
  protected managementDbName(): string | undefined;
  protected createDatabaseSql(name: string): string;
}

export declare class MikroORM<EM extends EntityManager = EntityManager> extends CoreMikroORM<MariaDbDriver, EM> {}

export declare function defineConfig(options: Options): Options;
