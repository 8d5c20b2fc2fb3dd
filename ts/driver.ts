import { AsyncLocalStorage } from 'node:async_hooks';
import { schemaSkipper, type Configuration, type NativeConnection } from './config.js';
import * as errors from './errors.js';
import type { LogContext } from './logger.js';
import { engineMetadata } from './metadata/discovery.js';
import { dateFromDb, parseZone, type Zone } from './zone.js';
import type { EntityMetadata } from './metadata/types.js';

/** The napi binding each driver package loads (internal). */
export interface NativeUowHandle {
  clear(): void;
  copyFrom(other: NativeUowHandle): void;
}
export interface NativeOrmHandle {
  connect(): boolean;
  isConnected(): boolean;
  close(): void;
  inTransaction(): boolean;
  compileQuery(query: string): string;
  compileSql(query: string): string;
  queryCacheStats(): string;
  find(uow: NativeUowHandle, query: string, refresh: boolean, log: number): string;
  prepareQuery(query: string): NativeQueryHandle;
  findPrepared(uow: NativeUowHandle, query: NativeQueryHandle, rows: NativeRowsHandle, refresh: boolean): string;
  openStream(query: string, log: number): string;
  streamEntities(uow: NativeUowHandle, id: number, max: number, wholeRoots: boolean): string;
  streamRows(id: number, max: number): string;
  closeStream(id: number): void;
  query(query: string, method: string, log: number): string;
  execute(sql: string, params: string, method: string, log: number): string;
  transaction(op: 'begin' | 'commit' | 'rollback', log: number, isolationLevel?: string, readOnly?: boolean): string;
  flushPreview(uow: NativeUowHandle, message: string): string;
  register(uow: NativeUowHandle, entity: number, row: string): void;
  upsert(uow: NativeUowHandle, query: string, log: number): string;
  upsertPrepared(uow: NativeUowHandle, query: NativeQueryHandle, rows: NativeRowsHandle): string;
  flush(uow: NativeUowHandle, message: string, implicitTransactions: boolean, log: number): string;
  flushPrepare(uow: NativeUowHandle, message: string, pool: unknown, tx: number, log: number, bulk: boolean): NativeFlushHandle | null;
  flushApply(uow: NativeUowHandle, flush: NativeFlushHandle): string;
  createSchemaSql(wrap?: boolean): string[][];
  schemaSql(kind: 'clear', schema?: string | null): string[];
  createSchemaBatches(): string[];
  dropSchemaSql(): string[][];
  dropSchemaBatches(): string[];
  introspectionSql(): [string, string][] | null;
  updateSchemaSql(rows: string, options: string): string[][];
  schemaBatches(groups: string[][]): string[];
  runStatements(statements: string[], method: string, log: number): string;
  loadExtension(path: string, entryPoint?: string | null): void;
  ensureDatabase(log: number): string;
}
/** An entity query compiled for a server driver's pool (opaque). */
export interface NativeQueryHandle {
  readonly __query?: never;
}
/** Rows a server driver's pool read for a prepared query, kept in the addon; their log. */
export interface NativeRowsHandle {
  readonly log: string;
  /** A stream's chunk: the last one. */
  readonly done: boolean;
  /** The rows as a raw result (`{"rows":[…]}`); they leave the handle. */
  takeJson(): string;
}

/** A flush planned for a server driver, run asynchronously on one pooled connection. */
export interface NativeFlushHandle {
  run(implicitTransaction: boolean): Promise<string>;
  /** Whether some statement binds whole columns as arrays (run again without on failure). */
  readonly bulk: boolean;
}
export interface NativeBinding {
  NativeOrm: new (driver: string, metadata: string, options: string) => NativeOrmHandle;
  NativeUow: new () => NativeUowHandle;
  debugPanic(message: string): void;
}

/** How the outermost `begin` opens its transaction. */
export interface BeginOptions {
  isolationLevel?: string;
  readOnly?: boolean;
}

/** How schema statements run: `all` (rows counted as results) or `run` (rows affected), one for all or one each. */
export type StatementMethod = 'all' | 'run' | readonly ('all' | 'run')[];

/** An open stream: SQLite's stream id, or a server driver's stream and its prepared query. */
export type StreamHandle = { id: number } | { stream: NativeStreamHandle; query: NativeQueryHandle };

/** A server pool's streaming select (see `NativePool.openStream`). */
export interface NativeStreamHandle {
  readonly log: string;
  next(max: number, wholeRoots: boolean): Promise<NativeRowsHandle>;
  close(): void;
}

/** Which connection a query runs on: the primary (`write`) or a read replica (`read`). */
export type ConnectionType = 'read' | 'write';

/** The connection a log line names when read replicas are configured. */
export interface LogConnection {
  type: ConnectionType;
  name: string;
}

/** One open transaction (its savepoints included); forks made inside it with `keepTransactionContext` share it. */
export interface TxContext {
  active: boolean;
  /** Server drivers: the transaction's id in the pool, and its open levels. */
  id?: number;
  depth?: number;
}

const txStorage = new AsyncLocalStorage<TxContext>();

interface LogEntry {
  sql: string;
  params?: unknown[];
  took?: number;
  results?: number;
  affected?: number;
  /** The statement failed (logged in red, as MikroORM). */
  error?: boolean;
}

/** What raw SQL answers: its rows, or for a write the affected rows (and the last insert id). */
export interface RawResult {
  rows: Record<string, unknown>[];
  affectedRows: number;
  insertId?: number;
}

const ERROR_TAG = '\u0001mikro-native:';
const ERROR_CLASSES: Record<string, new (e: Error & { code?: string }) => Error> = {
  UniqueConstraintViolationException: errors.UniqueConstraintViolationException,
  NotNullConstraintViolationException: errors.NotNullConstraintViolationException,
  ForeignKeyConstraintViolationException: errors.ForeignKeyConstraintViolationException,
  TableNotFoundException: errors.TableNotFoundException,
  TableExistsException: errors.TableExistsException,
  InvalidFieldNameException: errors.InvalidFieldNameException,
  SyntaxErrorException: errors.SyntaxErrorException,
  DeadlockException: errors.DeadlockException,
  LockWaitTimeoutException: errors.LockWaitTimeoutException,
  ConnectionException: errors.ConnectionException,
  DriverException: errors.DriverException,
};

/** Base of every driver: owns the native handle, logs queries and maps errors. */
export abstract class DatabaseDriver {
  static readonly dialect: string;
  static readonly binding: NativeBinding;
  native!: NativeOrmHandle;
  private metadata: EntityMetadata[] = [];
  protected databaseEnsured = false;
  /** The transaction holding the connection, and the work waiting for it. */
  private txOwner?: TxContext;
  private txWaiters: (() => void)[] = [];

  constructor(readonly config: Configuration) {}

  get binding(): NativeBinding {
    return (this.constructor as typeof DatabaseDriver).binding;
  }

  /** The connection reads use unless told: `read` (a replica) with `preferReadReplicas` (the default). */
  get readConnection(): ConnectionType {
    return this.config.get('preferReadReplicas') === false ? 'write' : 'read';
  }

  /** Whether releasing a savepoint fires the commit events (not on MySQL, as in MikroORM). */
  get savepointCommitEvents(): boolean {
    return true;
  }

  /** Whether a row of a multi-row insert can leave a column to its `default` (not SQLite). */
  get supportsDefaultValues(): boolean {
    return false;
  }

  /** Whether inserts return columns (`returning`); MySQL reads them back with a select. */
  get supportsReturning(): boolean {
    return true;
  }

  get dialect(): string {
    return (this.constructor as typeof DatabaseDriver).dialect;
  }

  /**
   * The zone of zone-less datetime columns: undefined for UTC (`forceUtcTimezone`, the default);
   * with it off, `timezone` or `'local'` where the dialect has such columns (MySQL).
   */
  get timezone(): string | undefined {
    return undefined;
  }

  #zone?: Zone;

  /** A datetime column's raw value as a `Date` (zone-less text in `timezone`, parsed once). */
  readonly dateFromDb = (v: unknown): Date => dateFromDb(v, (this.#zone ??= parseZone(this.timezone)));

  /** The schema unqualified table names live in (PostgreSQL's `public`); none where tables have no schemas. */
  get defaultSchema(): string | undefined {
    return undefined;
  }

  /** Sends the metadata to the engine once. */
  init(metadata: EntityMetadata[]): void {
    this.metadata = metadata;
    const options = { dbName: this.config.getDbName(), batchSize: this.config.get('batchSize'), timezone: this.timezone };
    this.native = this.call(() => new this.binding.NativeOrm(this.dialect, engineMetadata(metadata, this.config.getNamingStrategy(), this.config.get('schema') as string | undefined, this.defaultSchema, schemaSkipper(this.config.get('schemaGenerator'))), JSON.stringify(options)));
  }

  getMetadata(): EntityMetadata[] {
    return this.metadata;
  }

  createUow(): NativeUowHandle {
    return new this.binding.NativeUow();
  }

  /** 0: off, 1: SQL with `?`, 2: parameters inlined (the `query-params` namespace). */
  logLevel(): number {
    const logger = this.config.getLogger();
    if (!logger.isEnabled('query')) {
      return 0;
    }
    return logger.isEnabled('query-params') ? 2 : 1;
  }

  writeLog(entries: LogEntry[] | null | undefined, connection?: LogConnection): void {
    if (!entries || entries.length === 0) {
      return;
    }
    const logger = this.config.getLogger();
    for (const e of entries) {
      const context: LogContext = { query: e.sql, params: e.params, took: e.took, results: e.results, affected: e.affected, level: e.error ? 'error' : undefined, connection };
      logger.logQuery(context);
    }
  }

  /** Runs a native call, turning engine errors into MikroORM's classes (and logging what ran). */
  call<T>(fn: () => T): T {
    let res: T;
    try {
      res = fn();
    } catch (e) {
      throw this.convertError(e);
    }
    // napi-rs returns (rather than throws) `Err` results of `catch_unwind` methods.
    if (res instanceof Error) {
      throw this.convertError(res);
    }
    return res;
  }

  /** Calls the engine and parses its JSON answer, writing its log lines. */
  json<T>(fn: () => string): T {
    const res = JSON.parse(this.call(fn)) as T & { log?: LogEntry[] };
    this.writeLog(res.log);
    return res;
  }

  /** An asynchronous native call's answer (server drivers); engine errors as MikroORM's classes. */
  protected async awaitNative(fn: () => Promise<string>): Promise<string> {
    let res: unknown;
    try {
      res = await fn();
    } catch (e) {
      throw this.convertError(e);
    }
    // napi-rs resolves (rather than rejects) with the `Err` of some calls, as it returns them.
    if (res instanceof Error) {
      throw this.convertError(res);
    }
    return res as string;
  }

  /** Awaits an asynchronous engine call (server drivers) and parses its JSON answer, writing its log lines. */
  async jsonAsync<T>(fn: () => Promise<string>, connection?: LogConnection): Promise<T> {
    const text = await this.awaitNative(fn);
    const res = JSON.parse(text) as T & { log?: LogEntry[] };
    this.writeLog(res.log, connection);
    return res;
  }

  /** Starts streaming a query's rows (`em.stream()`, `qb.stream()`). */
  async openStream(query: string, _tx?: TxContext): Promise<StreamHandle> {
    return this.json<{ id: number }>(() => this.native.openStream(query, this.logLevel()));
  }

  /** A stream's next chunk as entities registered in `uow` (a root's rows kept together with `wholeRoots`). */
  async streamEntities<T>(stream: StreamHandle, uow: NativeUowHandle, max: number, wholeRoots: boolean): Promise<T & { done: boolean }> {
    return this.json<T & { done: boolean }>(() => this.native.streamEntities(uow, (stream as { id: number }).id, max, wholeRoots));
  }

  /** A stream's next chunk as raw rows. */
  async streamRows(stream: StreamHandle, max: number): Promise<{ rows: Record<string, unknown>[]; done: boolean }> {
    return this.json<{ rows: Record<string, unknown>[]; done: boolean }>(() => this.native.streamRows((stream as { id: number }).id, max));
  }

  /** Stops a stream before its end. */
  closeStream(stream: StreamHandle): void {
    this.call(() => this.native.closeStream((stream as { id: number }).id));
  }

  /** An entity query (the engine's query model as JSON): its rows, registered in `uow`. */
  async find<T>(uow: NativeUowHandle, query: string, refresh: boolean, _tx?: TxContext, _type?: ConnectionType): Promise<T> {
    return this.json<T>(() => this.native.find(uow, query, refresh, this.logLevel()));
  }

  /** A query that is not an entity query (counts, QueryBuilder writes, native updates). */
  async query<T>(query: string, method: 'all' | 'get' | 'run', _tx?: TxContext, _type?: ConnectionType): Promise<T> {
    return this.json<T>(() => this.native.query(query, method, this.logLevel()));
  }

  /** Writes the flush message's changes: keys of inserted rows and updated rows, by entity. */
  flush<T>(uow: NativeUowHandle, message: string, implicitTransactions: boolean, _tx?: TxContext): T | Promise<T> {
    return this.json<T>(() => this.native.flush(uow, message, implicitTransactions, this.logLevel()));
  }

  /**
   * `em.upsert()`: the statement's rows, registered in `uow` as loaded entities. `reload` is the
   * select that reads the generated columns back where inserts return none.
   */
  async upsert<T>(uow: NativeUowHandle, query: string, _tx?: TxContext, _reload?: string): Promise<T> {
    return this.json<T>(() => this.native.upsert(uow, query, this.logLevel()));
  }

  /** Schema statements, in order. */
  async runStatements(statements: string[], method: StatementMethod): Promise<void> {
    if (typeof method === 'string') {
      this.runLogged(() => this.native.runStatements(statements, method, this.logLevel()));
      return;
    }
    statements.forEach((sql, n) => this.runLogged(() => this.native.runStatements([sql], method[n] ?? method[method.length - 1], this.logLevel())));
  }

  /** Raw SQL (`em.execute()`) with bound parameters; `log: false` leaves it out of the log. */
  async executeRaw(sql: string, params: readonly unknown[], method: 'all' | 'get' | 'run', _tx?: TxContext, log = true): Promise<RawResult> {
    await this.ensureConnected();
    const p = JSON.stringify(params.map(v => (v instanceof Date ? v.getTime() : typeof v === 'bigint' ? v.toString() : v)));
    return this.json<RawResult>(() => this.native.execute(sql, p, method, log ? this.logLevel() : 0));
  }

  /** Calls the engine for an answer that is only a log (a JSON array), writing it. */
  runLogged(fn: () => string): void {
    this.writeLog(JSON.parse(this.call(fn)) as LogEntry[]);
  }

  /** `begin`, `commit` or `rollback` (savepoints when nested). */
  transaction(op: 'begin' | 'commit' | 'rollback', options: BeginOptions = {}, _tx?: TxContext): void | Promise<void> {
    this.runLogged(() => this.native.transaction(op, this.logLevel(), options.isolationLevel, options.readOnly));
  }

  /** Whether a transaction is open on the connection. */
  inTransaction(_tx?: TxContext): boolean {
    return this.native.isConnected() && this.native.inTransaction();
  }

  convertError(e: unknown): unknown {
    if (!(e instanceof Error) || !e.message.startsWith(ERROR_TAG)) {
      return e;
    }
    const payload = JSON.parse(e.message.substring(ERROR_TAG.length)) as { kind: string; message: string; code?: string; sql?: string; errno?: number; sqlState?: string; log?: LogEntry[] };
    this.writeLog(payload.log);
    // mysql2's `sqlMessage`: the server's message.
    const sqlMessage = payload.errno === undefined ? undefined : payload.message;
    const cause = Object.assign(new Error(payload.message), { code: payload.code, sql: payload.sql, errno: payload.errno, sqlState: payload.sqlState, sqlMessage });
    const Cls = ERROR_CLASSES[payload.kind];
    if (Cls) {
      const err = new Cls(cause);
      err.stack = `${err.name}: ${err.message}\n${(new Error().stack ?? '').split('\n').slice(2).join('\n')}`;
      return err;
    }
    switch (payload.kind) {
      case 'NotImplementedError':
        return new errors.NotImplementedError(payload.message);
      case 'MetadataError':
        return new errors.MetadataError(payload.message);
      case 'OptimisticLockError':
        return new errors.OptimisticLockError(payload.message);
      case 'Error':
        // MikroORM reports bad property names in queries as plain errors.
        return new Error(payload.message);
      default:
        return new errors.ValidationError(payload.message);
    }
  }

  /**
   * Opens the connection on first use (connection hooks, ensure-database check). While a
   * transaction holds the connection, work from outside it (`tx` is the caller's transaction)
   * waits until it ends, so it neither reads uncommitted rows nor lands in a rollback.
   */
  async ensureConnected(tx?: TxContext): Promise<void> {
    await this.waitForConnection(tx);
    if (this.isConnected()) {
      return;
    }
    await this.connect();
  }

  /** The transaction the current async call chain runs in (inside `em.transactional()`). */
  currentTransaction(): TxContext | undefined {
    const tx = txStorage.getStore();
    return tx?.active ? tx : undefined;
  }

  protected async waitForConnection(tx?: TxContext): Promise<void> {
    while (this.txOwner && this.txOwner !== tx && this.txOwner !== txStorage.getStore()) {
      await new Promise<void>(resolve => this.txWaiters.push(resolve));
    }
  }

  /** Waits for the connection and takes it for a new transaction. */
  async acquireTransaction(): Promise<TxContext> {
    await this.waitForConnection();
    const tx: TxContext = { active: true };
    this.txOwner = tx;
    return tx;
  }

  /** Ends `tx` when its outermost level is done, and lets waiting work run. */
  releaseTransaction(tx: TxContext): void {
    if (this.inTransaction() && this.txOwner === tx) {
      return;
    }
    tx.active = false;
    if (this.txOwner === tx) {
      this.txOwner = undefined;
      const waiters = this.txWaiters;
      this.txWaiters = [];
      waiters.forEach(w => w());
    }
  }

  /** Runs `fn` outside any transaction of the calling chain (a new transaction may start). */
  runOutsideTransaction<R>(fn: () => R): R {
    return txStorage.exit(fn);
  }

  /** Whether transactions of different forks can be open at once (a pool: one connection each). */
  get concurrentTransactions(): boolean {
    return false;
  }

  /** Runs `fn` so that everything it awaits belongs to transaction `tx`. */
  runInTransaction<R>(tx: TxContext, fn: () => R): R {
    return txStorage.run(tx, fn);
  }

  async connect(): Promise<void> {
    const opened = this.call(() => this.native.connect());
    if (!opened) {
      return;
    }
    const conn = this.connectionHandle();
    const hook = this.config.get('onCreateConnection');
    if (hook) {
      await hook(conn);
    }
    const afterCreate = this.config.get('pool')?.afterCreate;
    if (afterCreate) {
      await new Promise<void>((resolve, reject) => afterCreate(conn, err => (err ? reject(err) : resolve())));
    }
    // Once per ORM, as MikroORM: a reconnect after `close()` does not check again.
    if (this.config.get('ensureDatabase') !== false && !this.databaseEnsured) {
      this.databaseEnsured = true;
      this.json(() => `{"log":${this.native.ensureDatabase(this.logLevel())}}`);
    }
  }

  private connectionHandle(): NativeConnection {
    return {
      loadExtension: (path: string, entryPoint?: string) => this.call(() => this.native.loadExtension(path, entryPoint ?? null)),
      exec: (sql: string) => {
        this.json(() => this.native.execute(sql, '[]', 'run', this.logLevel()));
      },
    };
  }

  isConnected(): boolean {
    return this.native.isConnected();
  }

  async close(): Promise<void> {
    this.call(() => this.native.close());
    if (this.txOwner) {
      this.releaseTransaction(this.txOwner);
    }
  }
}
