import { NotImplementedError, ValidationError } from './errors.js';
import { DefaultLogger, type Logger, type LoggerNamespace, type LoggerOptions } from './logger.js';
import { type NamingStrategy, UnderscoreNamingStrategy } from './naming.js';
import type { Constructor, Dictionary } from './typings.js';
import type { DatabaseDriver } from './driver.js';

/** What `onCreateConnection` / `pool.afterCreate` receive. */
export interface NativeConnection {
  /** Loads a SQLite extension (SQLite and libSQL drivers). */
  loadExtension(path: string, entryPoint?: string): void;
  /** Runs raw SQL with no parameters. */
  exec(sql: string): void;
}

export interface PoolOptions {
  min?: number;
  max?: number;
  idleTimeoutMillis?: number;
  /** Server drivers: how long a query waits for a free connection before failing. */
  acquireTimeoutMillis?: number;
  afterCreate?: (connection: NativeConnection, done: (err: Error | null, connection?: NativeConnection) => void) => void;
}

/** A read replica: connection options over the primary's, and a name for the log (its host by default). */
export interface ReplicaOptions {
  name?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string | (() => string | Promise<string>);
  dbName?: string;
  clientUrl?: string;
}

export type DriverClass = (new (config: Configuration) => DatabaseDriver) & { readonly dialect: string };

/** `schemaGenerator`: what `update()`/`getUpdateSchemaSQL()` leave alone. */
export interface SchemaGeneratorOptions {
  /** Tables (names, `schema.table` names or patterns) neither created, altered nor dropped by diffing. */
  skipTables?: (string | RegExp)[];
  /** Schemas whose tables and types diffing ignores (PostgreSQL). */
  ignoreSchema?: string[];
  /** MikroORM's other settings: accepted at their defaults only (`NotImplementedError` otherwise). */
  disableForeignKeys?: boolean;
  createForeignKeyConstraints?: boolean;
  ignoreTriggers?: boolean;
  ignoreRoutines?: boolean;
  ignorePolicies?: boolean;
  skipViews?: (string | RegExp)[];
  skipColumns?: Dictionary<(string | RegExp)[]>;
}

export interface Options {
  entities?: readonly unknown[];
  entitiesTs?: readonly unknown[];
  /** Folder-based discovery: take `entitiesTs` (TypeScript sources) rather than `entities`. Detected when unset (tsx, ts-node, vitest, jest). */
  preferTs?: boolean;
  /** The folder that relative entity paths start from (default: the working directory). */
  baseDir?: string;
  dbName?: string;
  clientUrl?: string;
  driver?: DriverClass;
  driverOptions?: unknown;
  debug?: boolean | LoggerNamespace[];
  logger?: (message: string) => void;
  loggerFactory?: (options: LoggerOptions) => Logger;
  colors?: boolean;
  highlighter?: { highlight(text: string): string };
  batchSize?: number;
  /** How `populate` loads relations by default (`balanced`: to-one relations joined). */
  loadStrategy?: 'select-in' | 'joined' | 'balanced';
  implicitTransactions?: boolean;
  allowGlobalContext?: boolean;
  persistOnCreate?: boolean;
  forceUtcTimezone?: boolean;
  /** The time zone of zone-less datetime columns when `forceUtcTimezone` is off (MySQL; e.g. `'+02:00'`). */
  timezone?: string;
  forceEntityConstructor?: boolean;
  namingStrategy?: Constructor<NamingStrategy>;
  /** `ReflectMetadataProvider` (from `@mikro-native/decorators/legacy`) infers missing `type`s from `design:type`. */
  metadataProvider?: unknown;
  /** Filters for every query of the entities they name (all when `entity` is omitted), by name. */
  filters?: Dictionary<Omit<import('./filters.js').FilterDef, 'name'> & { name?: string }>;
  /** Event subscribers (entity events, flush events), as MikroORM's `subscribers`. */
  subscribers?: readonly import('./events.js').EventSubscriber[];
  pool?: PoolOptions;
  /** Read replicas (server drivers): reads outside transactions go to one of them. */
  replicas?: readonly ReplicaOptions[];
  /** Reads use a replica unless `connectionType: 'write'` (default true). */
  preferReadReplicas?: boolean;
  onCreateConnection?: (connection: NativeConnection) => unknown;
  connect?: boolean;
  ensureDatabase?: boolean;
  host?: string;
  port?: number;
  user?: string;
  password?: string | (() => string | Promise<string>);
  schemaGenerator?: SchemaGeneratorOptions;
  [key: string]: unknown;
}

const DEFAULTS: Required<Pick<Options, 'batchSize' | 'loadStrategy' | 'implicitTransactions' | 'allowGlobalContext' | 'persistOnCreate' | 'forceUtcTimezone' | 'forceEntityConstructor' | 'debug' | 'colors' | 'connect' | 'ensureDatabase' | 'preferReadReplicas'>> = {
  batchSize: 300,
  loadStrategy: 'balanced',
  implicitTransactions: true,
  allowGlobalContext: false,
  persistOnCreate: true,
  forceUtcTimezone: true,
  forceEntityConstructor: false,
  debug: false,
  colors: true,
  connect: true,
  ensureDatabase: true,
  preferReadReplicas: true,
};

export type ResolvedOptions = Options & typeof DEFAULTS;

/** `defineConfig` for type checking; the driver packages preset `driver`. */
export function defineConfig(options: Options): Options {
  return options;
}

export class Configuration {
  private readonly options: ResolvedOptions;
  private readonly logger: Logger;
  private readonly namingStrategy: NamingStrategy;

  constructor(options: Options, defaultDriver?: DriverClass) {
    this.options = { ...DEFAULTS, ...options } as ResolvedOptions;
    this.options.driver ??= defaultDriver;
    const env = process.env.MIKRO_ORM_ALLOW_GLOBAL_CONTEXT;
    if (env != null && options.allowGlobalContext === undefined) {
      this.options.allowGlobalContext = env === 'true' || env === '1';
    }
    if (!this.options.driver) {
      throw new ValidationError('No driver specified, please fill in the `driver` option or use `defineConfig` helper from a driver package (e.g. @mikro-native/sqlite)');
    }
    if (!this.options.dbName && !this.options.clientUrl) {
      throw new Error('No database specified, please fill in `dbName` or `clientUrl` option');
    }
    if (!Number.isInteger(this.options.batchSize) || this.options.batchSize < 1) {
      throw new ValidationError(`Invalid 'batchSize' option: expected a positive integer, got ${String(this.options.batchSize)}`);
    }
    checkSchemaGenerator(this.options.schemaGenerator);
    const loggerOptions: LoggerOptions = {
      writer: this.options.logger ?? ((m: string) => console.log(m)),
      debugMode: this.options.debug,
      colors: this.options.colors,
      highlighter: this.options.highlighter,
    };
    this.logger = this.options.loggerFactory?.(loggerOptions) ?? new DefaultLogger(loggerOptions);
    this.namingStrategy = new (this.options.namingStrategy ?? UnderscoreNamingStrategy)();
  }

  get<K extends keyof ResolvedOptions>(key: K): ResolvedOptions[K] {
    return this.options[key];
  }

  set<K extends keyof ResolvedOptions>(key: K, value: ResolvedOptions[K]): void {
    this.options[key] = value;
  }

  getAll(): ResolvedOptions {
    return this.options;
  }

  getLogger(): Logger {
    return this.logger;
  }

  getNamingStrategy(): NamingStrategy {
    return this.namingStrategy;
  }

  getDriverClass(): DriverClass {
    return this.options.driver as DriverClass;
  }

  getClientUrl(): string {
    return this.options.clientUrl ?? this.options.dbName ?? '';
  }

  /** The database file/name without a URL scheme. */
  getDbName(): string {
    return (this.options.dbName ?? this.options.clientUrl ?? '').replace(/^(file|sqlite):(\/\/)?/, '');
  }
}

/**
 * Whether the schema generator leaves a table alone, by its name (`schema.table` outside the
 * default schema): its schema is in `ignoreSchema`, or it matches `skipTables` by its bare or full
 * name, case-insensitively, as MikroORM.
 */
export function schemaSkipper(options: SchemaGeneratorOptions = {}): (name: string) => boolean {
  const { skipTables = [], ignoreSchema = [] } = options;
  const ignored = (name: string): boolean => {
    const dot = name.lastIndexOf('.');
    return dot >= 0 && ignoreSchema.includes(name.slice(0, dot));
  };
  const matches = (pattern: string | RegExp, name: string): boolean => {
    if (typeof pattern === 'string') {
      return pattern.toLowerCase() === name.toLowerCase();
    }
    pattern.lastIndex = 0;
    return pattern.test(name);
  };
  return (name: string): boolean => {
    const bare = name.slice(name.lastIndexOf('.') + 1);
    return ignored(name) || skipTables.some(t => matches(t, bare) || matches(t, name));
  };
}

/** Settings of `schemaGenerator` other than `skipTables`/`ignoreSchema` are built only at their defaults. */
function checkSchemaGenerator(options: SchemaGeneratorOptions | undefined): void {
  const defaults: Dictionary = { disableForeignKeys: false, createForeignKeyConstraints: true, ignoreTriggers: false, ignoreRoutines: false, ignorePolicies: false, skipViews: [], skipColumns: {} };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (key === 'skipTables' || key === 'ignoreSchema' || value === undefined) {
      continue;
    }
    // Compared as JSON: an empty `skipViews` list or `skipColumns` map is the default too.
    if (!(key in defaults) || JSON.stringify(value) !== JSON.stringify(defaults[key])) {
      throw new NotImplementedError(`schemaGenerator.${key} (${JSON.stringify(value)}) is not implemented in mikro-native yet; skipTables and ignoreSchema are`);
    }
  }
}

export type { Dictionary };
