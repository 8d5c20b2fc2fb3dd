import type { Configuration } from './config.js';
import type { ReplicaOptions } from './config.js';
import { DatabaseDriver, type NativeStreamHandle, type StreamHandle, type StatementMethod, type BeginOptions, type ConnectionType, type LogConnection, type NativeQueryHandle, type NativeRowsHandle, type NativeUowHandle, type RawResult, type TxContext } from './driver.js';
import { ConnectionException, DriverException, NotImplementedError, ValidationError } from './errors.js';
import { rawParam } from './raw.js';

/** The pool class a server driver's build exports (`NativePool`). */
export interface NativePool {
  execute(tx: number, sql: string, params: string, method: string, log: number): Promise<string>;
  executeScript(statements: string[], methods: string[], log: number): Promise<string>;
  transaction(tx: number, op: string, log: number, isolationLevel?: string, readOnly?: boolean): Promise<string>;
  queryPrepared(tx: number, query: NativeQueryHandle, log: number, affected: boolean): Promise<NativeRowsHandle>;
  executePrepared(tx: number, query: NativeQueryHandle, method: string, log: number): Promise<string>;
  close(): Promise<void>;
  openStream(tx: number, query: NativeQueryHandle, log: number): Promise<NativeStreamHandle>;
}

/** A server driver's build: its pool class, opened by `NativePool.connect(options)`. */
interface PoolBinding {
  NativePool: { connect(options: string): Promise<NativePool> };
}

/** A pool and the connection its log lines name (with read replicas only). */
interface Target {
  pool: NativePool;
  via?: LogConnection;
}

/**
 * A driver for a database server: a pool of connections in the addon, reached by asynchronous
 * calls, and one pool per read replica. The SQL compiler and the unit of work are the engine's,
 * as for SQLite.
 */
export abstract class PooledDriver extends DatabaseDriver {
  private pool?: NativePool;
  private connecting?: Promise<NativePool>;
  private replicaPools?: Promise<{ name: string; pool: NativePool }[]>;
  /** Streams not read to the end, closed with the pool (each holds a connection). */
  private readonly streams = new Set<NativeStreamHandle>();
  /** The id of the next transaction (each pins a connection of the pool while it is open). */
  private nextTx = 1;

  constructor(config: Configuration) {
    super(config);
  }

  override async connect(): Promise<void> {
    if (this.pool) {
      return;
    }
    // Concurrent first calls share one connect: a second pool would be opened and leaked.
    this.connecting ??= this.openConfigured();
    try {
      this.pool = await this.connecting;
    } finally {
      this.connecting = undefined;
    }
  }

  /** Checks the options, ensures the database (once per ORM) and opens the pool. */
  private async openConfigured(): Promise<NativePool> {
    const c = this.config;
    // Options this driver does not honour yet fail loudly rather than being ignored.
    const dialect = (this.constructor as unknown as { dialect: string }).dialect;
    const unsupported = [
      ['schema', this.supportsSchemas ? undefined : c.get('schema')],
      ['onCreateConnection', c.get('onCreateConnection')],
      ['pool.afterCreate', c.get('pool')?.afterCreate],
    ].filter(([, v]) => v !== undefined);
    if (unsupported.length > 0) {
      throw new NotImplementedError(`${unsupported.map(([k]) => `'${String(k)}'`).join(', ')} on ${dialect} is not implemented in mikro-native yet`);
    }
    const options = await this.poolOptions();
    // Once per ORM, as MikroORM: on the management database, the database is looked up and
    // created when missing.
    if (c.get('ensureDatabase') !== false && !this.databaseEnsured && c.get('dbName')) {
      this.databaseEnsured = true;
      const admin = await this.open(JSON.stringify({ ...options, dbName: this.managementDbName() }));
      try {
        const via = this.via('write');
        const found = await this.jsonAsync<RawResult>(() => admin.execute(0, this.ensureDatabaseSql(), JSON.stringify([c.get('dbName')]), 'all', this.logLevel()), via);
        if (found.rows.length === 0) {
          await this.jsonAsync(() => admin.execute(0, this.createDatabaseSql(String(c.get('dbName'))), '[]', 'all', this.logLevel()), via);
        }
      } finally {
        await admin.close();
      }
    }
    return this.open(JSON.stringify(options));
  }

  /** The pool's connection options: the configured ones, with a replica's over them. */
  private async poolOptions(replica: ReplicaOptions = {}): Promise<Record<string, unknown>> {
    const c = this.config;
    const secret = replica.password ?? c.get('password');
    const pool = c.get('pool');
    return {
      dialect: (this.constructor as unknown as { dialect: string }).dialect,
      timezone: this.timezone,
      clientUrl: replica.clientUrl ?? c.get('clientUrl'),
      dbName: replica.dbName ?? c.get('dbName'),
      host: replica.host ?? c.get('host'),
      port: replica.port ?? c.get('port'),
      user: replica.user ?? c.get('user'),
      password: typeof secret === 'function' ? await secret() : secret,
      pool: { min: pool?.min, max: pool?.max, idleTimeoutMillis: pool?.idleTimeoutMillis, acquireTimeoutMillis: pool?.acquireTimeoutMillis },
    };
  }

  private get replicas(): readonly ReplicaOptions[] {
    return this.config.get('replicas') ?? [];
  }

  /** The connection log lines name when there are replicas: a replica's name or host, the primary's host. */
  private via(type: ConnectionType, replica?: ReplicaOptions): LogConnection | undefined {
    if (this.replicas.length === 0) {
      return undefined;
    }
    const c = this.config;
    const host = (o: { host?: string; clientUrl?: string }) => o.host ?? (o.clientUrl ? new URL(o.clientUrl).hostname : undefined);
    return { type, name: replica?.name ?? (replica && host(replica)) ?? host({ host: c.get('host'), clientUrl: c.get('clientUrl') }) ?? 'localhost' };
  }

  /** A pool per replica; when one fails to open, the others are closed and the error thrown. */
  private async openReplicas(): Promise<{ name: string; pool: NativePool }[]> {
    const opened = await Promise.allSettled(this.replicas.map(async r => ({ name: this.via('read', r)!.name, pool: await this.open(JSON.stringify(await this.poolOptions(r))) })));
    const failed = opened.find(o => o.status === 'rejected');
    if (failed) {
      await Promise.all(opened.map(o => (o.status === 'fulfilled' ? o.value.pool.close() : undefined)));
      throw failed.reason;
    }
    return opened.map(o => (o as PromiseFulfilledResult<{ name: string; pool: NativePool }>).value);
  }

  /**
   * The pool a query runs on: a replica (chosen at random, as MikroORM) for `read` outside a
   * transaction, else the primary.
   */
  private async target(tx: TxContext | undefined, type: ConnectionType = 'write'): Promise<Target> {
    if (type === 'read' && this.replicas.length > 0 && !this.inTransaction(tx)) {
      this.replicaPools ??= this.openReplicas();
      let pools: { name: string; pool: NativePool }[];
      try {
        pools = await this.replicaPools;
      } catch (e) {
        this.replicaPools = undefined;
        throw e;
      }
      const r = pools[Math.floor(Math.random() * pools.length)];
      return { pool: r.pool, via: { type: 'read', name: r.name } };
    }
    await this.connect();
    return { pool: this.pool!, via: this.via('write') };
  }

  private async open(options: string): Promise<NativePool> {
    try {
      return await (this.binding as unknown as PoolBinding).NativePool.connect(options);
    } catch (e) {
      throw this.convertError(e);
    }
  }

  /** The query that looks the database up (its name is the one parameter). */
  protected abstract ensureDatabaseSql(): string;

  /** The database a connection can always open (to create the configured one). */
  protected abstract managementDbName(): string | undefined;

  /** `create database "name"`. */
  protected abstract createDatabaseSql(name: string): string;

  /** Whether tables can live in schemas of their own (the `schema` option; PostgreSQL). */
  get supportsSchemas(): boolean {
    return false;
  }

  override get supportsDefaultValues(): boolean {
    return true;
  }

  override get concurrentTransactions(): boolean {
    return true;
  }

  /** Transactions of different forks run side by side, each on its own connection. */
  override async acquireTransaction(): Promise<TxContext> {
    return { active: true, id: this.nextTx++, depth: 0 };
  }

  override releaseTransaction(tx: TxContext): void {
    if (!this.inTransaction(tx)) {
      tx.active = false;
    }
  }

  /**
   * Nothing waits for another transaction: each has a connection of its own. Each query opens
   * the pool it runs on (the primary is not opened for reads that go to a replica).
   */
  override async ensureConnected(): Promise<void> {}

  override async transaction(op: 'begin' | 'commit' | 'rollback', options: BeginOptions = {}, tx?: TxContext): Promise<void> {
    if (!tx?.id) {
      throw new ValidationError(`Cannot ${op}: no transaction is active`);
    }
    const { pool, via } = await this.target(tx);
    const log = await this.awaitNative(() => pool.transaction(tx.id!, op, this.logLevel(), options.isolationLevel, options.readOnly));
    tx.depth = (tx.depth ?? 0) + (op === 'begin' ? 1 : -1);
    this.writeLog(JSON.parse(log) as never, via);
  }

  override inTransaction(tx?: TxContext): boolean {
    return (tx?.depth ?? 0) > 0;
  }

  override isConnected(): boolean {
    return this.pool !== undefined;
  }

  override async close(): Promise<void> {
    for (const s of this.streams) {
      s.close();
    }
    this.streams.clear();
    const pool = this.pool;
    const replicas = this.replicaPools;
    this.pool = undefined;
    this.replicaPools = undefined;
    await pool?.close();
    const opened = await replicas?.catch(() => []);
    await Promise.all((opened ?? []).map(r => r.pool.close()));
    await super.close();
  }

  /** A select streaming from the server on a connection of its own (or its transaction's), read as chunks are asked for. */
  override async openStream(query: string, tx?: TxContext): Promise<StreamHandle> {
    const { pool, via } = await this.target(tx, 'write');
    const q = this.call(() => this.native.prepareQuery(query));
    let stream: NativeStreamHandle;
    try {
      stream = await pool.openStream(txId(tx), q, this.logLevel());
    } catch (e) {
      throw this.convertError(e);
    }
    this.writeLog(JSON.parse(stream.log) as never, via);
    this.streams.add(stream);
    return { stream, query: q };
  }

  override async streamEntities<T>(handle: StreamHandle, uow: NativeUowHandle, max: number, wholeRoots: boolean): Promise<T & { done: boolean }> {
    const { stream, query } = handle as { stream: NativeStreamHandle; query: NativeQueryHandle };
    const rows = await this.nextChunk(stream, max, wholeRoots);
    return { ...this.json<T>(() => this.native.findPrepared(uow, query, rows, false)), done: rows.done };
  }

  override async streamRows(handle: StreamHandle, max: number): Promise<{ rows: Record<string, unknown>[]; done: boolean }> {
    const { stream } = handle as { stream: NativeStreamHandle };
    const rows = await this.nextChunk(stream, max, false);
    return { ...(JSON.parse(rows.takeJson()) as { rows: Record<string, unknown>[] }), done: rows.done };
  }

  override closeStream(handle: StreamHandle): void {
    const { stream } = handle as { stream: NativeStreamHandle };
    this.streams.delete(stream);
    stream.close();
  }

  private async nextChunk(stream: NativeStreamHandle, max: number, wholeRoots: boolean): Promise<NativeRowsHandle> {
    let rows: NativeRowsHandle;
    try {
      rows = await stream.next(max, wholeRoots);
    } catch (e) {
      this.streams.delete(stream);
      throw this.convertError(e);
    }
    if (rows.done) {
      this.streams.delete(stream);
    }
    return rows;
  }

  /** Compiled here, run by the pool, and its rows registered in `uow` by the engine (the rows stay in the addon). */
  override async find<T>(uow: NativeUowHandle, query: string, refresh: boolean, tx?: TxContext, type?: ConnectionType): Promise<T> {
    const target = await this.target(tx, type);
    const q = this.call(() => this.native.prepareQuery(query));
    const rows = await this.readPrepared(target, q, false, tx);
    return this.json<T>(() => this.native.findPrepared(uow, q, rows, refresh));
  }

  override async upsert<T>(uow: NativeUowHandle, query: string, tx?: TxContext, reload?: string): Promise<T> {
    const target = await this.target(tx);
    const q = this.call(() => this.native.prepareQuery(query));
    let rows = await this.readPrepared(target, q, true, tx);
    if (reload) {
      const r = this.call(() => this.native.prepareQuery(reload));
      rows = await this.readPrepared(target, r, false, tx);
    }
    return this.json<T>(() => this.native.upsertPrepared(uow, q, rows));
  }

  /** Runs a prepared query on the pool and writes its log. */
  private async readPrepared({ pool, via }: Target, q: NativeQueryHandle, affected: boolean, tx: TxContext | undefined): Promise<NativeRowsHandle> {
    let rows: unknown;
    try {
      rows = await pool.queryPrepared(txId(tx), q, this.logLevel(), affected);
    } catch (e) {
      throw this.convertError(e);
    }
    if (rows instanceof Error) {
      throw this.convertError(rows);
    }
    const read = rows as NativeRowsHandle;
    this.writeLog(JSON.parse(read.log) as never, via);
    return read;
  }

  override async query<T>(query: string, method: 'all' | 'get' | 'run', tx?: TxContext, type?: ConnectionType): Promise<T> {
    const { pool, via } = await this.target(tx, type);
    const q = this.call(() => this.native.prepareQuery(query));
    return this.jsonAsync<T>(() => pool.executePrepared(txId(tx), q, method, this.logLevel()), via);
  }

  /** A schema script, on one connection (session settings hold for the statements after them). */
  override async runStatements(statements: string[], method: StatementMethod): Promise<void> {
    const { pool, via } = await this.target(undefined);
    const methods = typeof method === 'string' ? [method] : [...method];
    const log = await this.awaitNative(() => pool.executeScript(statements, methods, this.logLevel()));
    this.writeLog(JSON.parse(log) as never, via);
  }

  /** Planned by the engine, run by the pool on one connection, applied by the engine. */
  override async flush<T>(uow: NativeUowHandle, message: string, implicitTransactions: boolean, tx?: TxContext): Promise<T> {
    const { pool, via } = await this.target(tx);
    const level = this.logLevel();
    // Columns may go as arrays in place of MikroORM's statements where no log shows them and a
    // failure rolls the flush's own transaction back: then it runs again in MikroORM's
    // statements, which fail as MikroORM's do (or succeed, if the cause has gone meanwhile).
    const bulk = level === 0 && implicitTransactions && !tx;
    let flush = this.call(() => this.native.flushPrepare(uow, message, pool, txId(tx), level, bulk));
    if (!flush) {
      return { entities: [], log: [] } as T;
    }
    let log: string;
    try {
      log = await this.awaitNative(() => flush!.run(implicitTransactions));
    } catch (e) {
      // Not a connection failure: a commit that failed there may have gone through.
      if (!flush.bulk || !(e instanceof DriverException) || e instanceof ConnectionException) {
        throw e;
      }
      flush = this.call(() => this.native.flushPrepare(uow, message, pool, txId(tx), level, false))!;
      log = await this.awaitNative(() => flush!.run(implicitTransactions));
    }
    this.writeLog(JSON.parse(log) as never, via);
    const ran = flush;
    return this.json<T>(() => this.native.flushApply(uow, ran));
  }

  /** Dates go as the dialect stores datetimes (in the pool's zone), bigints as text. */
  override async executeRaw(sql: string, params: readonly unknown[], method: 'all' | 'get' | 'run', tx?: TxContext, log = true): Promise<RawResult> {
    const { pool, via } = await this.target(tx);
    const p = JSON.stringify(params.map(rawParam));
    return this.jsonAsync<RawResult>(() => pool.execute(txId(tx), sql, p, method, log ? this.logLevel() : 0), via);
  }
}

/** The pool's id of an open transaction (0: none, a pooled connection). */
function txId(tx: TxContext | undefined): number {
  return tx && (tx.depth ?? 0) > 0 ? tx.id! : 0;
}
