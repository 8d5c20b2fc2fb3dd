import { Configuration, type DriverClass, type Options } from './config.js';
import type { DatabaseDriver } from './driver.js';
import { decorateEntity } from './entity/helper.js';
import { EventManager } from './events.js';
import { EntityManager } from './entity-manager.js';
import { discoverEntities, usesReflection } from './metadata/discovery.js';
import { discoverPaths, prefersTs } from './metadata/folders.js';
import { MetadataRegistry } from './metadata/registry.js';
import type { EntityMetadata } from './metadata/types.js';
import { SchemaGenerator } from './schema-generator.js';
import type { EntityName } from './typings.js';

export const VERSION = '0.1.0';

/** Folder-based discovery: the entity paths and globs replaced by the entities their files export. */
async function withDiscoveredPaths(options: Options): Promise<Options> {
  const ts = prefersTs(options.preferTs) && (options.entitiesTs?.length ?? 0) > 0;
  const list = (ts ? options.entitiesTs : options.entities) ?? [];
  const paths = list.filter((e): e is string => typeof e === 'string');
  if (paths.length === 0) {
    return ts ? { ...options, entities: list } : options;
  }
  const found = await discoverPaths(paths, options.baseDir ?? process.cwd());
  return { ...options, entities: [...list.filter(e => typeof e !== 'string'), ...found] };
}

/** Set while `MikroORM.init()` constructs, so discovery logs as MikroORM does per entry point. */
let initializing = false;

/** The ORM: configuration, discovered metadata, the driver and the global EntityManager. */
export class MikroORM<Driver extends DatabaseDriver = DatabaseDriver, EM extends EntityManager = EntityManager> {
  /** Driver packages set this so `new MikroORM()` / `MikroORM.init()` need no `driver` option. */
  static DRIVER?: DriverClass;

  readonly config: Configuration;
  readonly driver: Driver;
  readonly em: EM;
  private readonly metadata: MetadataRegistry;
  private schemaGenerator?: SchemaGenerator;

  /** Async variant of the constructor; like MikroORM 7, it does not connect yet. */
  static async init<D extends DatabaseDriver = DatabaseDriver, E extends EntityManager = EntityManager>(options: Options): Promise<MikroORM<D, E>> {
    options = await withDiscoveredPaths(options);
    initializing = true;
    try {
      return new this(options) as MikroORM<D, E>;
    } finally {
      initializing = false;
    }
  }

  constructor(options: Options) {
    const defaultDriver = (new.target as typeof MikroORM).DRIVER;
    this.config = new Configuration(options, defaultDriver);
    const logger = this.config.getLogger();
    logger.log('info', `MikroORM version: ${VERSION} (mikro-native)`);
    const started = Date.now();
    logger.log('discovery', `ORM entity discovery started${initializing ? '' : ' in sync mode'}`);
    const entities = this.config.get('entities') ?? [];
    const DriverCls = this.config.getDriverClass();
    const platform = { name: (DriverCls as unknown as { dialect: string }).dialect };
    const metas = discoverEntities(entities, this.config.getNamingStrategy(), { useReflection: usesReflection(this.config.get('metadataProvider')), platform });
    for (const m of metas) {
      logger.log('discovery', `- processing entity ${m.className}`);
      decorateEntity(m);
    }
    logger.log('discovery', `- entity discovery finished, found ${metas.length} entities, took ${Date.now() - started} ms`);
    this.metadata = new MetadataRegistry(metas);
    this.driver = new DriverCls(this.config) as Driver;
    this.driver.init(metas);
    const events = new EventManager(this.metadata);
    for (const s of this.config.get('subscribers') ?? []) {
      events.registerSubscriber(s);
    }
    this.em = new EntityManager({ config: this.config, driver: this.driver, metadata: this.metadata, events }, true) as EM;
  }

  get schema(): SchemaGenerator {
    return (this.schemaGenerator ??= new SchemaGenerator(this.driver));
  }

  getSchemaGenerator(): SchemaGenerator {
    return this.schema;
  }

  getMetadata(): MetadataRegistry;
  getMetadata<T>(entityName: EntityName<T>): EntityMetadata<T>;
  getMetadata<T>(entityName?: EntityName<T>): MetadataRegistry | EntityMetadata<T> {
    return entityName ? this.metadata.get(entityName) : this.metadata;
  }

  async connect(): Promise<Driver> {
    await this.driver.connect();
    return this.driver;
  }

  async isConnected(): Promise<boolean> {
    return this.driver.isConnected();
  }

  async checkConnection(): Promise<{ ok: true } | { ok: false; reason: string; error?: Error }> {
    if (!this.driver.isConnected()) {
      return { ok: false, reason: 'Connection not established' };
    }
    try {
      await this.driver.executeRaw('select 1', [], 'get', undefined, false);
      return { ok: true };
    } catch (e) {
      return { ok: false, reason: (e as Error).message, error: e as Error };
    }
  }

  async close(_force = false): Promise<void> {
    await this.driver.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
