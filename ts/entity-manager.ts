import { inspect } from 'node:util';
import type { Configuration } from './config.js';
import { filterConditions, withConditions, type FilterDef, type FilterOptions, type FilterSources } from './filters.js';
import type { ConnectionType, DatabaseDriver, NativeUowHandle, StreamHandle, TxContext } from './driver.js';
import { convertFromDb, createHydrator, createMerger, embed, engineValue, keyPart, type FlushContext } from './entity/codegen.js';
import { MetadataStorage } from './metadata/storage.js';
import { Collection } from './entity/collection.js';
import { ENTITY_EVENTS, type ChangeSet, type EntityEvent, type EventManager } from './events.js';
import { Reference } from './entity/reference.js';
import { assign, helper, identityKey, initHelper, nextIdentitySeq, type AssignOptions, type WrappedEntity } from './entity/helper.js';
import { NotFoundError, NotImplementedError, OptimisticLockError, TransactionStateError, ValidationError } from './errors.js';
import type { MetadataRegistry } from './metadata/registry.js';
import { EntitySchema } from './metadata/entity-schema.js';
import type { EntityMetadata, EntityProperty } from './metadata/types.js';
import { QueryBuilder } from './query-builder.js';
import { Cursor, cursorCondition, cursorOrder, type FindByCursorOptions } from './cursor.js';
import { engineReplacer, needsReplacer, raw } from './raw.js';
import { EntityRepository } from './repository.js';
import { RequestContext } from './request-context.js';
import { UnitOfWork } from './unit-of-work.js';
import type { Dictionary, EntityData, EntityName, FilterQuery, Loaded, OrderDefinition, Primary, RequiredEntityData } from './typings.js';

export interface FindOptions<T, P extends string = never> {
  orderBy?: OrderDefinition<T>;
  limit?: number;
  offset?: number;
  fields?: readonly string[];
  exclude?: readonly string[];
  refresh?: boolean;
  populate?: readonly (P | '*')[] | boolean;
  /** How relations are loaded: `joined` (one query), `select-in` (one query per relation) or
   * `balanced` (MikroORM 7's default: to-one relations joined). */
  strategy?: LoadStrategy;
  flushMode?: 'auto' | 'commit' | 'always';
  /** Pessimistic modes lock the selected rows (inside a transaction). */
  lockMode?: LockMode;
  /** Conditions on populated relations: an object by relation, `'infer'` (the `where`'s own
   * conditions on them) or `'all'` (the default: populated collections load every item). */
  populateWhere?: FilterQuery<T> | 'all' | 'infer';
  /** The order of populated relations' items, by relation. */
  populateOrderBy?: OrderDefinition<T>;
  /** Filters: `false` turns all off, names enable, `{ name: false | args }` turns off or passes arguments. */
  filters?: FilterOptions;
  /** `write` reads from the primary when read replicas are configured (reads use a replica by default). */
  connectionType?: ConnectionType;
}

/** `em.stream()` options: those of `find` (no cursor or strategy: relations are always joined). */
export interface StreamOptions<T, P extends string = never> extends Omit<FindOptions<T, P>, 'strategy' | 'refresh'> {
  where?: FilterQuery<T>;
  /** Rows read per step (default 100); entities are still yielded one at a time. */
  chunkSize?: number;
  /** `false` yields one entity per row: a joined collection then holds at most one item. */
  mergeResults?: boolean;
}

/** Conditions and order for the relations a select-in populate loads, by relation name. */
interface PopulateScope {
  where?: Dictionary;
  orderBy?: Dictionary;
  /** The find's `filters` option, for the queries of every level. */
  filters?: FilterOptions;
}

/** The populate scope of a find: `populateWhere` (or, with `'infer'`, the `where`) and `populateOrderBy`. */
function populateScope(where: unknown, options: FindOptions<any, any>): PopulateScope | undefined {
  const pw = options.populateWhere;
  const scopeWhere = pw === 'infer' ? where : pw === 'all' ? undefined : pw;
  const orderBy = options.populateOrderBy as Dictionary | undefined;
  if (!scopeWhere && !orderBy && options.filters === undefined) {
    return undefined;
  }
  return { where: scopeWhere && typeof scopeWhere === 'object' ? (scopeWhere as Dictionary) : undefined, orderBy, filters: options.filters };
}

/** The scope below relation `name`. */
function subScope(scope: PopulateScope | undefined, name: string): PopulateScope | undefined {
  const where = scope?.where?.[name];
  const orderBy = scope?.orderBy?.[name];
  const filters = scope?.filters;
  return where || orderBy || filters !== undefined ? { where: where as Dictionary | undefined, orderBy: orderBy as Dictionary | undefined, filters } : undefined;
}

/** Scalar conditions of a relation's scope (what its own query filters by). */
function scopeWhere(scope: PopulateScope | undefined): Dictionary {
  return scope?.where && typeof scope.where === 'object' ? scope.where : {};
}

/** MikroORM's lock modes. */
export enum LockMode {
  NONE = 0,
  OPTIMISTIC = 1,
  PESSIMISTIC_READ = 2,
  PESSIMISTIC_WRITE = 3,
  PESSIMISTIC_PARTIAL_WRITE = 4,
  PESSIMISTIC_WRITE_OR_FAIL = 5,
  PESSIMISTIC_PARTIAL_READ = 6,
  PESSIMISTIC_READ_OR_FAIL = 7,
}

export interface LockOptions {
  /** `OPTIMISTIC`: the version the entity must have. */
  lockVersion?: number | Date;
}

export type LoadStrategy = 'select-in' | 'joined' | 'balanced';

/** What a populate hint loads how, and the paths `toObject()` then nests. */
interface PopulatePlan {
  joined: string[];
  selectIn: string[];
  paths: string[];
  /** Lazy scalar properties to select too. */
  lazy?: string[];
}

/** The engine's answer to an entity query: root columns, joined entities, inverse one-to-one keys. */
export interface FindAnswer {
  n: number;
  cols: (unknown[] | null)[];
  /** `[row, property, previous value]` of entities loaded before whose values changed. */
  merged?: [number, number, unknown][];
  joined?: { entity: number; path: string; n: number; cols: (unknown[] | null)[]; merged?: [number, number, unknown][]; pairs?: [unknown, unknown][] }[];
  inverse?: Dictionary<unknown[]>;
  repeats?: boolean;
}

const NO_POPULATE: PopulatePlan = { joined: [], selectIn: [], paths: [] };
export interface FindOneOptions<T, P extends string = never> extends Omit<FindOptions<T, P>, 'limit'> {
  failHandler?: (entityName: string, where: unknown) => Error;
}
export interface UpsertOptions<T = any> {
  onConflictFields?: (keyof T & string)[];
  onConflictAction?: 'merge' | 'ignore';
  onConflictMergeFields?: (keyof T & string)[];
}
export interface CreateOptions {
  persist?: boolean;
  managed?: boolean;
}
export interface ForkOptions {
  clear?: boolean;
  useContext?: boolean;
  /** Work in the parent's open transaction (as MikroORM; always on SQLite's one connection). */
  keepTransactionContext?: boolean;
}
/** Transaction isolation levels (as MikroORM's `IsolationLevel`). */
export enum IsolationLevel {
  READ_UNCOMMITTED = 'read uncommitted',
  READ_COMMITTED = 'read committed',
  SNAPSHOT = 'snapshot',
  REPEATABLE_READ = 'repeatable read',
  SERIALIZABLE = 'serializable',
}

/** How `em.transactional()` relates to a transaction already open (as MikroORM's). */
export enum TransactionPropagation {
  /** Join the current transaction or create a new one if none exists. */
  REQUIRED = 'required',
  /** Always create a new transaction, suspending the current one if it exists. */
  REQUIRES_NEW = 'requires_new',
  /** A savepoint within the current transaction, or a new transaction if none exists (the default). */
  NESTED = 'nested',
  /** Execute non-transactionally, suspending the current transaction if one exists. */
  NOT_SUPPORTED = 'not_supported',
  /** Join the current transaction if one exists, otherwise execute non-transactionally. */
  SUPPORTS = 'supports',
  /** Join the current transaction; throw if none exists. */
  MANDATORY = 'mandatory',
  /** Execute non-transactionally; throw if a transaction exists. */
  NEVER = 'never',
}

export interface TransactionOptions {
  /** Read-only access (the outermost transaction only; SQLite ignores it, as MikroORM does). */
  readOnly?: boolean;
  /** The isolation level (the outermost transaction only; SQLite has one level, as in MikroORM). */
  isolationLevel?: IsolationLevel | `${IsolationLevel}`;
  /** `em.transactional()` only; `NESTED` by default. */
  propagation?: TransactionPropagation | `${TransactionPropagation}`;
}

/** What an EntityManager shares with its forks. */
export interface OrmContext {
  config: Configuration;
  driver: DatabaseDriver;
  metadata: MetadataRegistry;
  events: EventManager;
}

let counter = 0;

async function notImplemented(what: string): Promise<never> {
  throw new NotImplementedError(`${what} is not implemented in mikro-native yet`);
}
/** Whether a filter holds values plain JSON cannot carry: bigints or entity instances. */
/**
 * `fields: ['title', 'author.name']`: the relation is joined and populated with those of its
 * properties (and its key); the root selects its own fields and the relation's key column.
 */
function relationFields<O extends FindOptions<any, any>>(meta: EntityMetadata, options: O): O & { populateFields?: Dictionary<string[]> } {
  const dotted = options.fields?.filter(f => f.includes('.'));
  if (!dotted?.length) {
    return options;
  }
  const populateFields: Dictionary<string[]> = {};
  for (const f of dotted) {
    const [rel, prop] = [f.substring(0, f.indexOf('.')), f.substring(f.indexOf('.') + 1)];
    if (meta.properties[rel]?.kind !== 'm:1' || prop.includes('.')) {
      throw new NotImplementedError(`fields through ${meta.className}.${rel} ('${f}') are implemented for a many-to-one and one level only in mikro-native yet`);
    }
    (populateFields[rel] ??= []).push(prop);
  }
  const rels = Object.keys(populateFields);
  const own = options.fields!.filter(f => !f.includes('.'));
  const populate = [...((Array.isArray(options.populate) ? options.populate : []) as string[]), ...rels.filter(r => !(options.populate as string[] | undefined)?.includes(r))];
  return { ...options, fields: [...own, ...rels.filter(r => !own.includes(r))], populate, populateFields, strategy: options.strategy ?? 'joined' };
}

/** The engine value of a many-to-one property: the target's key, or a marker for a target
 * inserted by the same flush. */
function referenceValue(v: unknown, newIndex: Map<object, [number, number]>): unknown {
  const target = Reference.unwrapReference(v as object);
  const h = (target as { __helper?: WrappedEntity })?.__helper;
  if (!h) {
    // A bare key (`mapToPk`, or a key assigned directly).
    return typeof target === 'bigint' ? (target as bigint).toString() : target;
  }
  const meta = h.__meta;
  const pk = meta.properties[meta.primaryKeys[0]];
  const id = (target as Dictionary)[pk.name];
  if (id == null) {
    const at = newIndex.get(target);
    if (!at) {
      throw new ValidationError(`${meta.className} entity without a primary key is referenced but not persisted: ${inspect(target)}`);
    }
    return { new: at };
  }
  return engineValue(pk, id);
}

const NO_PATHS: readonly string[] = Object.freeze([]);

function changeSet(type: ChangeSet['type'], entity: object, payload: Dictionary): ChangeSet {
  return { type, entity, name: helper(entity).__meta.className, payload };
}

/** A populate path (`author.country`) and its prefixes, checked against the metadata. */
function relationPath(meta: EntityMetadata, path: string): string[] {
  const out: string[] = [];
  let m = meta;
  let prefix = '';
  for (const name of path.split('.')) {
    const prop = m.properties[name];
    if (!prop || prop.kind === 'scalar') {
      const what = prop ? `is not a relation` : `does not exist`;
      throw new ValidationError(`Cannot populate ${meta.className}.${path}: ${m.className}.${name} ${what}`);
    }
    prefix = prefix ? `${prefix}.${name}` : name;
    out.push(prefix);
    m = prop.targetMeta!;
  }
  return out;
}

/** The relation properties along a checked populate path. */
function relationProps(meta: EntityMetadata, path: string): EntityProperty[] {
  const out: EntityProperty[] = [];
  let m = meta;
  for (const name of path.split('.')) {
    const prop = m.properties[name];
    out.push(prop);
    m = prop.targetMeta!;
  }
  return out;
}

/** Adds populate paths to an entity's (what its `toObject()` nests). */
function mergePopulate(entity: object, paths: readonly string[]): void {
  const h = helper(entity);
  if (h.__populate !== true && paths.length > 0) {
    h.__populate = [...new Set([...h.__populate, ...paths])];
  }
}

/** Sets the loaded collection `prop` of each owner to the items pointing at it. */
function fillCollections(owners: object[], prop: EntityProperty, items: object[]): void {
  const byOwner = new Map<object, object[]>(owners.map(o => [o, []]));
  for (const item of items) {
    const owner = Reference.unwrapReference((item as Dictionary)[prop.mappedBy!] as object);
    byOwner.get(owner)?.push(item);
  }
  for (const [owner, list] of byOwner) {
    ((owner as Dictionary)[prop.name] as Collection<object>).hydrate(list);
  }
}

/** Creates the entity's collection for `prop` unless it has one. */
function initCollection(entity: object, prop: EntityProperty, initialized: boolean): Collection<object> {
  const existing = (entity as Dictionary)[prop.name];
  if (existing instanceof Collection) {
    existing.setProperty(prop);
    return existing;
  }
  const coll = new Collection<object>(entity, undefined, initialized);
  coll.setProperty(prop);
  (entity as Dictionary)[prop.name] = coll;
  return coll;
}

/** The class of an embeddable (`defineEntity({ embeddable: true })`, `@Embeddable()`), if `name` is one. */
function embeddableClass(name: unknown): { prototype: object } | undefined {
  if (name instanceof EntitySchema) {
    return name.meta.embeddable ? name.class : undefined;
  }
  if (typeof name === 'function' && MetadataStorage.getMetadata().get(name as never)?.embeddable) {
    return name as { prototype: object };
  }
  return undefined;
}

/** Many-to-many items grouped by their owner's identity key, from (owner key, item key) pairs. */
function itemsByOwner(items: object[], pairs: [unknown, unknown][]): Map<unknown, object[]> {
  const byKey = new Map(items.map(e => [helper(e).getIdentityKey(), e]));
  const out = new Map<unknown, object[]>();
  for (const [owner, item] of pairs) {
    const e = byKey.get(identityKey([item]));
    if (e) {
      const key = identityKey([owner]);
      const list = out.get(key) ?? [];
      list.push(e);
      out.set(key, list);
    }
  }
  return out;
}

/** Every relation path (`populate: ['*']`), not revisiting an entity type on a path. */
function allRelationPaths(meta: EntityMetadata, prefix = '', seen: EntityMetadata[] = [meta]): string[] {
  const out: string[] = [];
  for (const p of [...meta.runtime.references, ...meta.collections]) {
    const path = prefix ? `${prefix}.${p.name}` : p.name;
    out.push(path);
    if (!seen.includes(p.targetMeta!)) {
      out.push(...allRelationPaths(p.targetMeta!, path, [...seen, p.targetMeta!]));
    }
  }
  return out;
}

/** Filter to engine JSON: `Date` as ISO text, `bigint` as text, entities as their primary key;
 * values of custom-typed properties converted by their type. */
function filterJson(where: unknown, meta?: EntityMetadata): string {
  if ((meta?.runtime.embedded || meta?.runtime.customTypes) && where && typeof where === 'object') {
    where = rewriteFilter(meta, where as Dictionary, true);
  }
  return JSON.stringify(where ?? {}, needsReplacer(where) ? engineReplacer : undefined);
}

/** `,"filterJoins":[…]` of a query (references joined for their targets' filters), or nothing. */
function filterJoinsJson(meta: EntityMetadata, joins: { path: string; where: unknown }[] | undefined): string {
  if (!joins) {
    return '';
  }
  return `,"filterJoins":[${joins.map(j => `{"path":${JSON.stringify(j.path)},"where":${filterJson(j.where, relationProps(meta, j.path).pop()!.targetMeta)}}`).join(',')}]`;
}

const VALUE_OPERATORS = new Set(['$eq', '$ne', '$gt', '$gte', '$lt', '$lte', '$in', '$nin', '$like', '$not']);

/**
 * A filter (or, without `convert`, an order) rewritten for the engine: inline embeddables named
 * by column property (`{ address: { city } }` is `{ 'address.city': … }`), and with `convert`
 * the values of custom-typed properties converted to database values.
 */
function rewriteFilter(meta: EntityMetadata, where: Dictionary, convert: boolean): Dictionary {
  const value = (prop: EntityProperty | undefined, v: unknown) => (convert && prop?.customType ? convertValue(prop, v) : v);
  const out: Dictionary = {};
  for (const [k, v] of Object.entries(where)) {
    const prop = meta.properties[k];
    if (k === '$and' || k === '$or') {
      out[k] = (v as Dictionary[]).map(w => rewriteFilter(meta, w, convert));
    } else if (k === '$not') {
      out[k] = rewriteFilter(meta, v as Dictionary, convert);
    } else if (prop?.kind === 'embedded' && v && typeof v === 'object' && !Array.isArray(v) && !Object.keys(v).some(op => op.startsWith('$'))) {
      for (const [child, cv] of Object.entries(v)) {
        out[`${k}.${child}`] = value(prop.embeddedProps!.find(p => p.embedded![1] === child), cv);
      }
    } else {
      out[k] = value(prop, v);
    }
  }
  return out;
}

function convertValue(prop: EntityProperty, v: unknown): unknown {
  if (v == null) {
    return v;
  }
  if (Array.isArray(v)) {
    return v.map(i => convertValue(prop, i));
  }
  if (typeof v === 'object' && Object.keys(v).length > 0 && Object.keys(v).every(k => VALUE_OPERATORS.has(k))) {
    return Object.fromEntries(Object.entries(v).map(([op, arg]) => [op, convertValue(prop, arg)]));
  }
  return prop.customType!.convertToDatabaseValue(v, prop.platform!);
}

function normalizeOrder(orderBy: unknown): Dictionary[] {
  if (!orderBy) {
    return [];
  }
  return (Array.isArray(orderBy) ? [...orderBy] : [orderBy]) as Dictionary[];
}

/** @internal Closes the cursors of streams whose iterators were dropped unfinished. */
export const abandonedStreams = new FinalizationRegistry<{ driver: DatabaseDriver; stream: StreamHandle }>(({ driver, stream }) => {
  try {
    driver.closeStream(stream);
  } catch {
    // The ORM is closed: the cursor went with the connection.
  }
});

/**
 * The order of a stream with joined collections: each root's rows must be adjacent for it to
 * come out once and complete, so the root's key follows the root's own order terms (before any
 * term on a relation, which would interleave roots).
 */
function rootRowsTogether(meta: EntityMetadata, orderBy: Dictionary[]): Dictionary[] {
  // One term per entry, in order.
  const order = orderBy.flatMap(o => Object.entries(o).map(([k, v]) => ({ [k]: v })));
  const onRoot = (o: Dictionary) => Object.keys(o).every(k => meta.properties[k] && !meta.properties[k].targetMeta);
  const split = order.findIndex(o => !onRoot(o));
  const at = split < 0 ? order.length : split;
  const keys = Object.fromEntries(meta.primaryKeys.map(pk => [pk, 'asc']));
  if (meta.primaryKeys.every(pk => order.slice(0, at).some(o => pk in o))) {
    return orderBy;
  }
  return [...order.slice(0, at), keys, ...order.slice(at)];
}

/** Entity manager: identity map of entity instances and the API of MikroORM's `EntityManager`. */
export class EntityManager {
  readonly id = ++counter;
  readonly name = 'default';
  /** @internal */ readonly uow: NativeUowHandle;
  /** @internal */ readonly identityMap: Map<unknown, object>[];
  /** @internal The transaction this EntityManager works in (set by begin / transactional). */
  txContext?: TxContext;
  /** A fork without `keepTransactionContext` on a server: the transaction of the code that runs it is not its own. */
  private outsideTransactions = false;
  /** @internal */ persistStack = new Set<object>();
  /** @internal */ removeStack = new Set<object>();
  /** @internal Filters added with `addFilter()`, by name. */ filters: Dictionary<FilterDef> = {};
  /** @internal Filter arguments set with `setFilterParams()`, by filter name. */ filterParams: Dictionary<Dictionary> = {};

  constructor(
    /** @internal */ readonly ctx: OrmContext,
    readonly global = false,
  ) {
    this.uow = ctx.driver.createUow();
    const maps = ctx.metadata.all().map(() => new Map());
    // A single-table hierarchy shares one identity map (its root's), keyed by primary key.
    this.identityMap = ctx.metadata.all().map(m => maps[m.root?.index ?? m.index]);
  }

  get config(): Configuration {
    return this.ctx.config;
  }

  /** The state of this EntityManager's unit of work: identity map, persist and remove stacks. */
  getUnitOfWork(): UnitOfWork {
    return new UnitOfWork(this.getContext());
  }

  getDriver(): DatabaseDriver {
    return this.ctx.driver;
  }

  getMetadata(): MetadataRegistry;
  getMetadata<T>(entityName: EntityName<T>): EntityMetadata<T>;
  getMetadata<T>(entityName?: EntityName<T>): MetadataRegistry | EntityMetadata<T> {
    return entityName ? this.ctx.metadata.get(entityName) : this.ctx.metadata;
  }

  /** The EntityManager to work on: a request context's fork, or this one unless it is global. */
  getContext(validate = true): EntityManager {
    if (!this.global) {
      return this;
    }
    const fromContext = RequestContext.getEntityManager();
    if (fromContext) {
      return fromContext;
    }
    if (validate && !this.config.get('allowGlobalContext')) {
      throw new ValidationError(
        "Using global EntityManager instance methods for context specific actions is disallowed. If you need to work with the global instance's identity map, use `allowGlobalContext` configuration option or `fork()` instead.",
      );
    }
    return this;
  }

  /** @internal The open transaction this EntityManager's work belongs to, if any. */
  activeTransaction(): TxContext | undefined {
    if (this.txContext?.active) {
      return this.txContext;
    }
    return this.outsideTransactions ? undefined : this.ctx.driver.currentTransaction();
  }

  /** @internal Connects if needed; waits while a transaction this em is not part of runs. */
  async ready(): Promise<DatabaseDriver> {
    const driver = this.ctx.driver;
    await driver.ensureConnected(this.activeTransaction());
    return driver;
  }

  fork(options: ForkOptions = {}): EntityManager {
    const source = this.getContext(false);
    const fork = new (this.constructor as new (ctx: OrmContext, global: boolean) => EntityManager)(this.ctx, false);
    // A fork made inside a transaction works in it when asked, as MikroORM; on a driver with one
    // connection always (other work would wait for the transaction forever).
    // (A request context's fork stands for the global em, which works in the running transaction.)
    const keep = options.keepTransactionContext || options.useContext || !this.ctx.driver.concurrentTransactions;
    fork.txContext = keep ? source.activeTransaction() : undefined;
    fork.outsideTransactions = !keep;
    fork.filters = { ...source.filters };
    fork.filterParams = { ...source.filterParams };
    if (options.clear === false) {
      fork.uow.copyFrom(source.uow);
      source.identityMap.forEach((m, i) => m.forEach((e, k) => fork.identityMap[i].set(k, e)));
      // Entities persisted but not flushed yet go along, as in MikroORM.
      source.persistStack.forEach(e => fork.persistStack.add(e));
    }
    return fork;
  }

  clear(): void {
    const em = this.getContext();
    em.identityMap.forEach(m => m.clear());
    em.persistStack.clear();
    em.removeStack.clear();
    em.uow.clear();
  }

  getRepository<T extends object, R extends EntityRepository<T> = EntityRepository<T>>(entityName: EntityName<T>): R {
    const meta = this.ctx.metadata.get(entityName);
    return new EntityRepository<T>(this, meta.class as EntityName<T>) as R;
  }

  /** Shortcut of `getRepository()`. */
  repo<T extends object, R extends EntityRepository<T> = EntityRepository<T>>(entityName: EntityName<T>): R {
    return this.getRepository<T, R>(entityName);
  }

  /** The flush mode of this EntityManager (`auto` by default). */
  setFlushMode(flushMode?: 'auto' | 'commit' | 'always'): void {
    this.getContext(false).flushModeOverride = flushMode;
  }

  /** @internal */ flushModeOverride?: 'auto' | 'commit' | 'always';

  /** Registers a filter for the queries of this EntityManager (and its forks made afterwards). */
  addFilter(options: FilterDef): void {
    this.getContext(false).filters[options.name] = options;
  }

  /** Sets the arguments of a filter whose condition is a function. */
  setFilterParams(name: string, args: Dictionary): void {
    this.getContext(false).filterParams[name] = args;
  }

  getFilterParams<T extends Dictionary = Dictionary>(name: string): T {
    return this.getContext(false).filterParams[name] as T;
  }

  /** @internal Where a query's filters come from. */
  filterSources(): FilterSources {
    const configured = Object.entries(this.config.get('filters') ?? {}).map(([name, def]) => ({ ...def, name: def.name ?? name }));
    return {
      global: [...configured, ...Object.values(this.filters)],
      params: this.filterParams,
      names: (entity, meta) => this.ctx.metadata.find(entity as EntityName<object>) === meta,
      em: this,
    };
  }

  /** @internal Whether any filter may apply to a query with these options. */
  filtersApply(options: { filters?: FilterOptions }): boolean {
    const any = this.ctx.metadata.hasEntityFilters || Object.keys(this.filters).length > 0 || this.config.get('filters') !== undefined;
    return any && options.filters !== false;
  }

  /** @internal `where` with the root's filters, and the references joined for their targets'
   * filters (call when `filtersApply()`; without filters a query takes no extra await). */
  async applyFilters(meta: EntityMetadata, where: unknown, options: { filters?: FilterOptions }, type: 'read' | 'update' | 'delete' = 'read'): Promise<{ where: unknown; filterJoins?: { path: string; where: unknown }[] }> {
    const sources = this.filterSources();
    const own = await filterConditions(meta, options, type, sources, options);
    if (type !== 'read') {
      return { where: withConditions(meta, where, own) };
    }
    const filterJoins: { path: string; where: unknown }[] = [];
    const join = async (path: string, target: EntityMetadata) => {
      const conds = await filterConditions(target, options, type, sources, options);
      if (conds.length > 0 && !filterJoins.some(j => j.path === path)) {
        filterJoins.push({ path, where: conds.length === 1 ? conds[0] : { $and: conds } });
      }
    };
    for (const p of meta.props) {
      if (p.kind === 'm:1') {
        await join(p.name, p.targetMeta!);
      }
    }
    // Relations loaded by joining (collections, nested references) take their targets' filters too.
    for (const path of this.populatePlan(meta, options as FindOptions<any, any>).joined) {
      const props = relationProps(meta, path);
      await join(path, props[props.length - 1].targetMeta!);
    }
    return { where: withConditions(meta, where, own), filterJoins: filterJoins.length > 0 ? filterJoins : undefined };
  }

  /**
   * Makes an entity managed by this EntityManager without a query: an entity instance (from
   * another EntityManager, or detached), or data with the primary key, taken as the database state.
   * An entity already in the identity map is returned as it is.
   */
  merge<T extends object>(entity: T): T;
  merge<T extends object>(entityName: EntityName<T>, data: EntityData<T> | RequiredEntityData<T>): T;
  merge<T extends object>(entityOrName: T | EntityName<T>, data?: EntityData<T> | RequiredEntityData<T>): T {
    const em = this.getContext();
    let entity: Dictionary;
    let meta: EntityMetadata;
    if (data === undefined) {
      entity = entityOrName as Dictionary;
      meta = helper(entity).__meta;
    } else {
      meta = em.ctx.metadata.get(entityOrName as EntityName<T>);
      if (meta.primaryKeys.some(pk => (data as Dictionary)[pk] == null)) {
        throw new ValidationError(`You cannot merge entity '${meta.className}' without identifier!`);
      }
      const existing = em.fromIdentityMap(meta, Object.fromEntries(meta.primaryKeys.map(pk => [pk, (data as Dictionary)[pk]])));
      if (existing) {
        return existing as T;
      }
      entity = Object.create(meta.prototype as object) as Dictionary;
      meta.runtime.assignData(entity, data, em);
      for (const p of meta.collections) {
        initCollection(entity, p, false);
      }
    }
    const h = initHelper(entity, meta, em, true);
    const map = em.identityMap[meta.index];
    const found = map.get(h.getIdentityKey());
    if (found && found !== entity) {
      return found as T;
    }
    h.__loadedAll = meta.runtime.loadedAll.every(k => entity[meta.props[k].name] !== undefined);
    const row = meta.runtime.state(entity, { ref: v => referenceValue(v, new Map()) });
    em.ctx.driver.call(() => em.ctx.driver.native.register(em.uow, meta.index, JSON.stringify(row)));
    map.set(h.getIdentityKey(), entity);
    return entity as T;
  }

  /**
   * Locks a loaded entity. `OPTIMISTIC` checks its version against `lockVersion` (no query);
   * pessimistic modes select its row with the dialect's lock clause, inside a transaction.
   */
  async lock<T extends object>(entity: T, lockMode: LockMode, options: LockOptions | number | Date = {}): Promise<void> {
    const em = this.getContext();
    const opts = typeof options === 'number' || options instanceof Date ? { lockVersion: options } : options;
    const h = helper(entity);
    const meta = h.__meta;
    if (lockMode === LockMode.NONE) {
      return;
    }
    if (lockMode === LockMode.OPTIMISTIC) {
      const version = meta.props.find(p => p.version);
      if (!version) {
        throw new OptimisticLockError(`Cannot obtain optimistic lock on unversioned entity ${meta.className}`, entity);
      }
      const expected = opts.lockVersion instanceof Date ? opts.lockVersion.getTime() : opts.lockVersion;
      const actual = (entity as Dictionary)[version.name];
      const current = actual instanceof Date ? actual.getTime() : actual;
      if (expected !== undefined && expected !== current) {
        throw new OptimisticLockError(`The optimistic lock failed, version ${expected} was expected, but is actually ${current}`, entity);
      }
      return;
    }
    if (!em.activeTransaction()) {
      throw new ValidationError('An open transaction is required for this operation');
    }
    if (!h.hasPrimaryKey()) {
      throw new ValidationError(`Cannot lock ${meta.className} entity without a primary key (flush it first)`);
    }
    const where = Object.fromEntries(meta.primaryKeys.map(pk => [pk, (entity as Dictionary)[pk]]));
    const rest = JSON.stringify({ kind: 'select', entity: meta.index, alias: meta.alias, selectOne: true, lockMode });
    const query = `${rest.substring(0, rest.length - 1)},"where":${filterJson(where, meta)}}`;
    const driver = await em.ready();
    await driver.query(query, 'all', em.activeTransaction());
  }

  // ---- MikroORM API that mikro-native does not implement yet: a clear error instead of
  // `is not a function`.

  /**
   * A page of `first` entities after a cursor (or `last` before one), ordered by `orderBy`, with
   * whether more pages exist and (unless `includeCount: false`) the total count.
   */
  async findByCursor<T extends object>(entityName: EntityName<T>, options: FindByCursorOptions<T>): Promise<Cursor<T>> {
    const em = this.getContext();
    const meta = em.ctx.metadata.get(entityName);
    const { where = {}, orderBy, first, last, after, before, includeCount = true, ...rest } = options;
    const order = cursorOrder(meta, orderBy);
    const backward = last !== undefined && first === undefined;
    const size = first ?? last;
    const conditions: Dictionary[] = Object.keys(where).length > 0 ? [where] : [];
    if (after !== undefined) {
      conditions.push(cursorCondition(order, after, true));
    }
    if (before !== undefined) {
      conditions.push(cursorCondition(order, before, false));
    }
    const cond = (conditions.length === 1 ? conditions[0] : conditions.length > 1 ? { $and: conditions } : {}) as FilterQuery<T>;
    const totalCount = includeCount ? await em.count(entityName, where as FilterQuery<T>) : undefined;
    // Backwards, the page is read in the reverse order and turned around.
    const pageOrder = order.map(([name, dir]) => ({ [name]: backward === (dir === 'asc') ? 'desc' : 'asc' }));
    const found = (await em.find(entityName, cond, { ...(rest as FindOptions<T>), orderBy: pageOrder as OrderDefinition<T>, limit: size === undefined ? undefined : size + 1 })) as T[];
    const more = size !== undefined && found.length > size;
    const items = more ? found.slice(0, size) : found;
    if (backward) {
      items.reverse();
    }
    return new Cursor(items, totalCount, backward ? more : after !== undefined, backward ? before !== undefined : more, order);
  }
  /**
   * Streams the matching entities, one at a time, reading `chunkSize` rows per step. Entities
   * are not managed: each chunk has an identity map of its own. Relations are always joined, and a
   * root with a joined collection comes once, complete (unless `mergeResults: false`).
   */
  async *stream<T extends object, P extends string = never>(entityName: EntityName<T>, options: StreamOptions<T, P> = {}): AsyncIterableIterator<Loaded<T, P>> {
    const em = this.getContext();
    const meta = em.ctx.metadata.get(entityName);
    const hint = options.populate === true ? ['*'] : options.populate || [];
    const populate = hint.includes('*') ? allRelationPaths(meta) : [...hint];
    const findOptions = { ...relationFields(meta, options as FindOptions<T, P>), populate, strategy: 'joined' as LoadStrategy };
    const toMany = populate.some(path => relationProps(meta, path).some(p => p.kind === '1:m' || p.kind === 'm:n'));
    if (toMany && options.mergeResults !== false && options.orderBy) {
      findOptions.orderBy = rootRowsTogether(meta, normalizeOrder(options.orderBy)) as OrderDefinition<T>;
    }
    const filtered = em.filtersApply(findOptions) ? await em.applyFilters(meta, options.where ?? {}, findOptions) : { where: options.where ?? {}, filterJoins: undefined };
    const query = em.queryJson(meta, filtered.where, findOptions, options.limit, meta.alias, filtered.filterJoins);
    const plan = em.populatePlan(meta, findOptions);
    yield* em.streamQuery(meta, query, plan, options.chunkSize ?? 100, options.mergeResults !== false) as AsyncIterableIterator<Loaded<T, P>>;
  }

  /** @internal Streams an entity query's results, hydrated chunk by chunk outside this identity map. */
  async *streamQuery(meta: EntityMetadata, query: string, plan: PopulatePlan, chunkSize: number, merge: boolean): AsyncIterableIterator<object> {
    if (!Number.isInteger(chunkSize) || chunkSize < 1) {
      throw new ValidationError(`Invalid chunkSize ${String(chunkSize)} for ${meta.className}: expected a positive integer`);
    }
    const driver = await this.ready();
    const stream = await driver.openStream(query, this.activeTransaction());
    // A stream dropped unfinished (no `break`, no end) would keep its statement open: its cursor
    // is closed when the iterator is collected.
    const token = {};
    abandonedStreams.register(token, { driver, stream }, token);
    let done = false;
    // One fork, cleared per chunk: each chunk's entities are a graph of their own, and what the
    // stream holds stays bounded by the chunk size.
    const fork = this.fork({ keepTransactionContext: true });
    try {
      while (!done) {
        fork.clear();
        // Without merging, every row is an entity graph of its own.
        const res = await driver.streamEntities<FindAnswer>(stream, fork.uow, merge ? chunkSize : 1, merge);
        done = res.done;
        yield* await fork.hydrateAnswer(meta, res, false, plan);
      }
    } finally {
      abandonedStreams.unregister(token);
      if (!done) {
        driver.closeStream(stream);
      }
    }
  }
  /** Counts by the values of `groupBy` (keys of several properties joined by `~~~`). */
  async countBy<T extends object>(entityName: EntityName<T>, groupBy: string | readonly string[], options: { where?: FilterQuery<T> } = {}): Promise<Dictionary<number>> {
    const em = this.getContext();
    const meta = em.ctx.metadata.get(entityName);
    const fields = typeof groupBy === 'string' ? [groupBy] : [...groupBy];
    const qb = new QueryBuilder<T>(meta as EntityMetadata<T>, em, meta.alias).select([...fields, raw('count(*) as cnt')]).groupBy(fields);
    if (options.where) {
      qb.where(options.where);
    }
    const rows = (await qb.execute('all')) as Dictionary[];
    const out: Dictionary<number> = {};
    for (const row of rows) {
      out[fields.map(f => String(row[f])).join('~~~')] = Number(row.cnt);
    }
    return out;
  }
  /** A raw result row (column names, database values) as a managed entity, merged into the identity map. */
  map<T extends object>(entityName: EntityName<T>, result: Dictionary): T {
    const meta = this.getContext().ctx.metadata.get(entityName);
    return this.merge(entityName, meta.runtime.mapRow(result, this.ctx.driver.dateFromDb) as EntityData<T>);
  }
  getKysely(): never {
    throw new NotImplementedError('em.getKysely() is not available in mikro-native (no Kysely instance); use em.execute() or the QueryBuilder');
  }
  callRoutine(..._args: unknown[]): Promise<never> {
    return notImplemented('em.callRoutine()');
  }

  /** `type`: `write` runs its selects on the primary when read replicas are configured. */
  createQueryBuilder<T extends object>(entityName: EntityName<T>, alias?: string, type?: ConnectionType): QueryBuilder<T> {
    const meta = this.ctx.metadata.get(entityName);
    // A driver may name its own builder class (mariadb's MariaDbQueryBuilder, as MikroORM).
    const Builder = (this.ctx.driver.constructor as { QueryBuilder?: typeof QueryBuilder }).QueryBuilder ?? QueryBuilder;
    return new Builder<T>(meta, this.getContext(false), alias, type);
  }

  qb<T extends object>(entityName: EntityName<T>, alias?: string, type?: ConnectionType): QueryBuilder<T> {
    return this.createQueryBuilder(entityName, alias, type);
  }

  getConnection(): { execute: (sql: string, params?: unknown[], method?: 'all' | 'get' | 'run') => Promise<unknown> } {
    return { execute: (sql, params, method) => this.execute(sql, params, method) };
  }

  // ---- reading

  async find<T extends object, P extends string = never>(entityName: EntityName<T>, where: FilterQuery<T>, options: FindOptions<T, P> = {}): Promise<Loaded<T, P>[]> {
    const em = this.getContext();
    const meta = em.ctx.metadata.get(entityName);
    await em.autoFlush(meta, options.flushMode);
    return em.findInternal(meta, where, relationFields(meta, options), options.limit) as Promise<Loaded<T, P>[]>;
  }

  async findAll<T extends object, P extends string = never>(entityName: EntityName<T>, options: FindOptions<T, P> & { where?: FilterQuery<T> } = {}): Promise<Loaded<T, P>[]> {
    return this.find(entityName, options.where ?? ({} as FilterQuery<T>), options);
  }

  async findOne<T extends object, P extends string = never>(entityName: EntityName<T>, where: FilterQuery<T>, options: FindOneOptions<T, P> = {}): Promise<Loaded<T, P> | null> {
    const em = this.getContext();
    const meta = em.ctx.metadata.get(entityName);
    await em.autoFlush(meta, options.flushMode);
    // A loaded entity in the identity map answers, unless relations are to be populated.
    if (!options.refresh && !(Array.isArray(options.populate) ? options.populate.length > 0 : options.populate)) {
      const cached = em.fromIdentityMap(meta, where);
      if (cached && helper(cached).__loadedAll) {
        return cached as Loaded<T, P>;
      }
    }
    // With a joined collection the rows of one entity are many: MikroORM then drops the limit.
    const joinsCollection = em.populatePlan(meta, options).joined.some(path => relationProps(meta, path).some(p => p.kind === '1:m' || p.kind === 'm:n'));
    const [found] = await em.findInternal(meta, where, options, joinsCollection ? undefined : 1);
    return (found ?? null) as Loaded<T, P> | null;
  }

  async findOneOrFail<T extends object, P extends string = never>(entityName: EntityName<T>, where: FilterQuery<T>, options: FindOneOptions<T, P> = {}): Promise<Loaded<T, P>> {
    const found = await this.findOne(entityName, where, options);
    if (!found) {
      const meta = this.ctx.metadata.get(entityName);
      throw options.failHandler?.(meta.className, where) ?? NotFoundError.findOneFailed(meta.className, where);
    }
    return found;
  }

  async findAndCount<T extends object, P extends string = never>(entityName: EntityName<T>, where: FilterQuery<T>, options: FindOptions<T, P> = {}): Promise<[Loaded<T, P>[], number]> {
    // The count joins the relations the find joins, as MikroORM.
    const plan = this.populatePlan(this.getContext().ctx.metadata.get(entityName), options);
    const count = await this.count(entityName, where, { filters: options.filters, populate: plan.joined, connectionType: options.connectionType });
    const items = await this.find(entityName, where, options);
    return [items, count];
  }

  async count<T extends object>(entityName: EntityName<T>, where: FilterQuery<T> = {} as FilterQuery<T>, options: { filters?: FilterOptions; populate?: readonly string[]; connectionType?: ConnectionType } = {}): Promise<number> {
    const em = this.getContext();
    const meta = em.ctx.metadata.get(entityName);
    await em.autoFlush(meta);
    const driver = await em.ready();
    const filtered = em.filtersApply(options) ? await em.applyFilters(meta, where, options) : { where, filterJoins: undefined };
    const joins = filterJoinsJson(meta, filtered.filterJoins);
    const populate = options.populate?.length ? `,"populate":${JSON.stringify(options.populate)}` : '';
    const query = `{"kind":"count","entity":${meta.index},"alias":${JSON.stringify(meta.alias)}${populate}${joins},"where":${filterJson(filtered.where, meta)}}`;
    const res = await driver.query<{ rows: { count: number }[] }>(query, 'get', em.activeTransaction(), options.connectionType ?? driver.readConnection);
    return Number(res.rows[0]?.count ?? 0);
  }

  /** @internal */
  fromIdentityMap(meta: EntityMetadata, where: unknown): object | undefined {
    let pks: unknown[] = [where];
    if (where && typeof where === 'object' && !Array.isArray(where)) {
      const keys = Object.keys(where);
      if (keys.length !== meta.primaryKeys.length || !meta.primaryKeys.every(pk => keys.includes(pk))) {
        return undefined;
      }
      pks = meta.primaryKeys.map(pk => (where as Dictionary)[pk]);
    } else if (Array.isArray(where) && where.length === meta.primaryKeys.length && meta.primaryKeys.length > 1 && !where.some(Array.isArray)) {
      pks = where;
    } else if (meta.primaryKeys.length !== 1) {
      return undefined;
    }
    if (pks.some(pk => pk === null || (typeof pk === 'object' && !(pk instanceof Date)))) {
      return undefined;
    }
    const e = this.identityMap[meta.index].get(identityKey(pks)) as { __helper: WrappedEntity } | undefined;
    return e && e.__helper.__initialized && (!meta.root || e instanceof meta.class) ? e : undefined;
  }

  /** @internal */
  async autoFlush(meta: EntityMetadata, mode?: string): Promise<void> {
    const flushMode = mode ?? this.flushModeOverride ?? this.config.get('flushMode') ?? 'auto';
    if (flushMode === 'commit') {
      return;
    }
    if (flushMode === 'always') {
      return this.flush();
    }
    for (const e of this.persistStack) {
      if ((e as { __meta: EntityMetadata }).__meta === meta) {
        return this.flush();
      }
    }
    for (const e of this.removeStack) {
      if ((e as { __meta: EntityMetadata }).__meta === meta) {
        return this.flush();
      }
    }
  }

  /** @internal */
  queryJson(meta: EntityMetadata, where: unknown, options: FindOptions<any, any> & { populateFields?: Dictionary<string[]> }, limit?: number, alias = meta.alias, filterJoins?: { path: string; where: unknown }[]): string {
    let fields: string[] | undefined;
    if (options.fields) {
      fields = [...meta.primaryKeys, ...options.fields.filter(f => !meta.primaryKeys.includes(f))];
    } else if (options.exclude) {
      fields = meta.props.filter(p => p.primary || !options.exclude!.includes(p.name)).map(p => p.name);
    }
    const orderBy = normalizeOrder(options.orderBy).map(o => (meta.runtime.embedded ? rewriteFilter(meta, o, false) : o));
    for (const o of orderBy) {
      for (const k in o) {
        if (!meta.properties[k] && !meta.props.some(p => p.name === k)) {
          throw new Error(`Trying to order by not existing property ${meta.className}.${k}`);
        }
      }
    }
    const plan = this.populatePlan(meta, options);
    const populate = plan.joined;
    const scope = populateScope(where, options);
    for (const head of new Set(populate.map(p => p.split('.')[0]))) {
      if (scope?.where?.[head] !== undefined) {
        // A joined relation's populateWhere goes into its join condition.
        filterJoins = [...(filterJoins ?? []), { path: head, where: scope.where[head] }];
      }
      if (scope?.orderBy?.[head] !== undefined) {
        orderBy.push({ [head]: scope.orderBy[head] });
      }
    }
    // A joined collection keeps its own order (`orderBy` of the one-to-many), after the query's.
    for (const path of populate) {
      const last = relationProps(meta, path).pop()!;
      if (last.kind === '1:m' && last.orderBy) {
        for (const [k, dir] of Object.entries(last.orderBy as Dictionary)) {
          orderBy.push({ [`${path}.${k}`]: dir });
        }
      }
      if (last.kind === 'm:n' && last.pivotMeta!.primaryKeys.length === 1) {
        // A fixed-order collection: its links' key (the pivot's node is `path[pivot]`).
        orderBy.push({ [`${path}[pivot].${last.pivotMeta!.primaryKeys[0]}`]: 'asc' });
      }
    }
    // The filter is serialized once and spliced in (it may need the special-value replacer).
    const lockMode = options.lockMode && options.lockMode > LockMode.OPTIMISTIC ? options.lockMode : undefined;
    if (lockMode && !this.activeTransaction()) {
      throw new ValidationError('An open transaction is required for this operation');
    }
    const loadLazy = plan.lazy ? true : undefined;
    const populateWhereInfer = options.populateWhere === 'infer' && populate.length > 0 ? true : undefined;
    const rest = JSON.stringify({ kind: 'select', entity: meta.index, alias, fields, orderBy, limit: limit ?? undefined, offset: options.offset, populate, lockMode, loadLazy, populateFields: options.populateFields, populateWhereInfer });
    const joins = filterJoinsJson(meta, filterJoins);
    return `${rest.substring(0, rest.length - 1)}${joins},"where":${filterJson(where, meta)}}`;
  }

  /** @internal */
  async findInternal(meta: EntityMetadata, where: unknown, options: FindOptions<any, any>, limit?: number): Promise<object[]> {
    const filtered = this.filtersApply(options) ? await this.applyFilters(meta, where, options) : { where, filterJoins: undefined };
    where = filtered.where;
    const query = this.queryJson(meta, where, options, limit, meta.alias, filtered.filterJoins);
    const plan = this.populatePlan(meta, options);
    const found = await this.runFind(meta, query, !!options.refresh, plan, options.connectionType);
    if (plan.selectIn.length > 0) {
      const strategy = options.strategy ?? this.config.get('loadStrategy') ?? 'balanced';
      await this.populateSelectIn(meta, found, plan.selectIn, !!options.refresh, populateScope(where, options), strategy);
    }
    return found;
  }

  /** @internal Splits a populate hint: to-one relations are joined unless `select-in` (or `*`). */
  populatePlan(meta: EntityMetadata, options: { populate?: readonly string[] | boolean; strategy?: LoadStrategy }): PopulatePlan {
    let hint = options.populate === true ? ['*'] : options.populate || [];
    if (hint.length === 0) {
      return NO_POPULATE;
    }
    // Lazy scalar properties are populated by selecting them with the entity.
    const lazy = hint.filter(h => meta.properties[h]?.lazy && meta.properties[h].kind === 'scalar');
    if (lazy.length > 0) {
      hint = hint.filter(h => !lazy.includes(h));
      return { ...this.populatePlan(meta, { ...options, populate: hint }), lazy };
    }
    const all = hint.includes('*');
    const paths = all ? allRelationPaths(meta) : [...new Set(hint.flatMap(p => relationPath(meta, p)))];
    const strategy = options.strategy ?? this.config.get('loadStrategy') ?? 'balanced';
    if (all || strategy === 'select-in') {
      // An inverse one-to-one is always joined (its owner holds the key), as in MikroORM.
      const inverse = (path: string) => !path.includes('.') && meta.properties[path].kind === '1:1';
      return { joined: paths.filter(inverse), selectIn: paths.filter(p => !inverse(p)), paths };
    }
    if (strategy === 'joined') {
      return { joined: paths, selectIn: [], paths };
    }
    // Balanced: to-one relations are joined; a collection (and what is below it) is select-in.
    const toOneOnly = (path: string) => relationProps(meta, path).every(p => p.kind === 'm:1' || p.kind === '1:1');
    return { joined: paths.filter(toOneOnly), selectIn: paths.filter(p => !toOneOnly(p)), paths };
  }

  /**
   * Loads the relations on `paths` of `entities`, one query per relation and level. `balanced`:
   * the to-one relations below a collection are joined to its query, as MikroORM does.
   */
  private async populateSelectIn(meta: EntityMetadata, entities: object[], paths: string[], refresh: boolean, scope?: PopulateScope, strategy: LoadStrategy = 'select-in'): Promise<void> {
    const heads = [...new Set(paths.map(p => p.split('.')[0]))];
    for (const name of heads) {
      const prop = meta.properties[name];
      const target = prop.targetMeta!;
      const rest = paths.filter(p => p.startsWith(`${name}.`)).map(p => p.substring(name.length + 1));
      const sub = subScope(scope, name);
      if (prop.kind === '1:1') {
        throw new NotImplementedError(`Populating the one-to-one ${meta.className}.${name} below another relation is not implemented in mikro-native yet`);
      }
      if (prop.kind === '1:m' || prop.kind === 'm:n') {
        const toOne = strategy === 'balanced' ? rest.filter(p => relationProps(target, p).every(r => r.kind === 'm:1' || r.kind === '1:1')) : [];
        const items = prop.kind === '1:m' ? await this.loadCollections(entities, prop, refresh, sub, toOne) : await this.loadPivotCollections(entities, prop, refresh, sub, toOne);
        for (const t of items) {
          mergePopulate(t, rest);
        }
        const deeper = rest.filter(p => !toOne.includes(p));
        if (deeper.length > 0) {
          await this.populateSelectIn(target, items, deeper, refresh, sub, strategy);
        }
        continue;
      }
      const targets = new Set<object>();
      const missing = new Map<unknown, true>();
      for (const e of entities) {
        const t = Reference.unwrapReference((e as Dictionary)[name] as object) as { __helper?: WrappedEntity } | null | undefined;
        if (t?.__helper) {
          targets.add(t);
          if (!t.__helper.__initialized || refresh) {
            missing.set(t.__helper.getPrimaryKey(), true);
          }
        }
      }
      if (missing.size > 0) {
        const pks = target.primaryKeys;
        const keys = [...missing.keys()];
        // A composite key: `(name, year) in ((?, ?), …)`.
        const where = pks.length > 1 ? keys.map(k => pks.map(n => (k as Dictionary)[n])) : { [pks[0]]: { $in: keys } };
        await this.findInternal(target, where, { refresh, filters: sub?.filters }, undefined);
      }
      for (const t of targets) {
        mergePopulate(t, rest);
      }
      if (rest.length > 0) {
        await this.populateSelectIn(target, [...targets], rest, refresh, sub, strategy);
      }
    }
  }

  /**
   * Loads the collection `prop` of every owner in `owners` with one query (the items' to-one
   * relations on `joined` joined to it); returns the items.
   */
  private async loadCollections(owners: object[], prop: EntityProperty, refresh: boolean, scope?: PopulateScope, joined: string[] = []): Promise<object[]> {
    const pending = owners.filter(o => refresh || !((o as Dictionary)[prop.name] as Collection<object>).isInitialized());
    const keys = [...new Set(pending.map(o => helper(o).getPrimaryKey()))];
    const orderBy = (scope?.orderBy ?? prop.orderBy) as FindOptions<any, any>['orderBy'];
    const where = { [prop.mappedBy!]: { $in: keys }, ...scopeWhere(scope) };
    const populate = joined.length > 0 ? joined : undefined;
    const items = keys.length > 0 ? await this.findInternal(prop.targetMeta!, where, { refresh, orderBy, filters: scope?.filters, populate, strategy: 'joined' }, undefined) : [];
    fillCollections(pending, prop, items);
    return owners.flatMap(o => ((o as Dictionary)[prop.name] as Collection<object>).getItems());
  }

  /**
   * @internal Loads the many-to-many collection `prop` of `owners` with one query on the pivot
   * table joined to the items (MikroORM's shape); returns the items.
   */
  async loadPivotCollections(owners: object[], prop: EntityProperty, refresh: boolean, scope?: PopulateScope, joined: string[] = []): Promise<object[]> {
    const pending = owners.filter(o => refresh || !((o as Dictionary)[prop.name] as Collection<object>).isInitialized());
    const keys = [...new Set(pending.map(o => helper(o).getPrimaryKey()))];
    if (keys.length > 0) {
      const byOwner = await this.pivotItems(prop, keys, refresh, { where: scopeWhere(scope), orderBy: scope?.orderBy ?? prop.orderBy, filters: scope?.filters, joined });
      for (const o of pending) {
        ((o as Dictionary)[prop.name] as Collection<object>).hydrate(byOwner.get(helper(o).getIdentityKey()) ?? []);
      }
    }
    return owners.flatMap(o => ((o as Dictionary)[prop.name] as Collection<object>).getItems());
  }

  /** @internal The items of the many-to-many `prop` of the owners with these keys, read
   * through the pivot table (optionally only those matching `where`, with the to-one relations
   * on `joined` joined), by owner key. */
  async pivotItems(prop: EntityProperty, keys: unknown[], refresh: boolean, options: { where?: unknown; orderBy?: unknown; limit?: number; offset?: number; filters?: FilterOptions; joined?: string[] } = {}): Promise<Map<unknown, object[]>> {
    const pivot = prop.pivotMeta!;
    const [ownerProp, itemProp] = [prop.pivotOwner!, prop.pivotItem!];
    // A fixed-order collection's links come in the order of their key.
    const fixed = pivot.primaryKeys.length === 1 ? pivot.primaryKeys[0] : undefined;
    const orderBy: Dictionary[] = normalizeOrder(options.orderBy).map(o => ({ [itemProp.name]: o }));
    if (fixed && orderBy.length === 0) {
      orderBy.push({ [fixed]: 'asc' });
    }
    const fields = [...(fixed ? [fixed] : []), itemProp.name, ownerProp.name];
    const populate = [itemProp.name, ...(options.joined ?? []).flatMap(p => relationPath(prop.targetMeta!, p)).map(p => `${itemProp.name}.${p}`)];
    const rest = JSON.stringify({ kind: 'select', entity: pivot.index, alias: pivot.alias, fields, populate: [...new Set(populate)], orderBy, limit: options.limit, offset: options.offset });
    const where: Dictionary = { [ownerProp.name]: { $in: keys } };
    // The items' own filters apply, then the scope's conditions.
    const item = this.filtersApply(options) ? await filterConditions(prop.targetMeta!, options, 'read', this.filterSources(), options) : [];
    if (options.where && Object.keys(options.where).length > 0) {
      item.push(options.where as Dictionary);
    }
    if (item.length === 1) {
      where[itemProp.name] = item[0];
    } else if (item.length > 1) {
      where.$and = item.map(c => ({ [itemProp.name]: c }));
    }
    const query = `${rest.substring(0, rest.length - 1)},"where":${filterJson(where)}}`;
    const driver = await this.ready();
    const res = await driver.find<{ n: number; cols: (unknown[] | null)[]; joined?: { entity: number; n: number; cols: (unknown[] | null)[]; merged?: [number, number, unknown][] }[] }>(this.uow, query, refresh, this.activeTransaction(), driver.readConnection);
    const target = prop.targetMeta!;
    // The items' joined relations first, so the items' references find them loaded.
    for (const j of (res.joined ?? []).slice(1)) {
      this.hydrate(this.ctx.metadata.all()[j.entity], j.cols, j.n, refresh, j.merged);
    }
    const loaded = res.joined?.[0] ? this.hydrate(target, res.joined[0].cols, res.joined[0].n, refresh, res.joined[0].merged) : [];
    await this.announceLoaded();
    const ownerCol = res.cols[pivot.props.indexOf(ownerProp)] ?? [];
    const itemCol = res.cols[pivot.props.indexOf(itemProp)] ?? [];
    return itemsByOwner(loaded, ownerCol.map((owner, i) => [owner, itemCol[i]] as [unknown, unknown]));
  }

  /** Loads relations of already loaded entities (select-in), as MikroORM's `em.populate()`. */
  async populate<T extends object>(entities: T | T[], populate: readonly string[] | boolean, options: { refresh?: boolean } = {}): Promise<T | T[]> {
    const list = (Array.isArray(entities) ? entities : [entities]).filter(e => e != null);
    if (list.length === 0) {
      return entities;
    }
    const em = this.getContext();
    const meta = helper(list[0]).__meta;
    const plan = em.populatePlan(meta, { populate, strategy: 'select-in' });
    if (plan.lazy) {
      // Lazy properties: one query for the entities' keys and those columns.
      const pk = meta.primaryKeys[0];
      const keys = list.map(e => (e as Dictionary)[pk]);
      await em.findInternal(meta, { [pk]: { $in: keys } }, { fields: plan.lazy }, undefined);
    }
    await em.populateSelectIn(meta, list, plan.paths, !!options.refresh);
    for (const e of list) {
      const h = helper(e);
      h.__populate = h.__populate === true ? true : [...new Set([...h.__populate, ...plan.paths])];
    }
    return entities;
  }

  /** @internal Runs an entity query and hydrates the batch through the identity map. */
  async runFind(meta: EntityMetadata, query: string, refresh: boolean, plan: PopulatePlan = NO_POPULATE, type?: ConnectionType): Promise<object[]> {
    const driver = await this.ready();
    const res = await driver.find<FindAnswer>(this.uow, query, refresh, this.activeTransaction(), type ?? driver.readConnection);
    return this.hydrateAnswer(meta, res, refresh, plan);
  }

  /** @internal Hydrates the engine's answer to an entity query through the identity map. */
  async hydrateAnswer(meta: EntityMetadata, res: FindAnswer, refresh: boolean, plan: PopulatePlan): Promise<object[]> {
    if (res.n === 0) {
      return [];
    }
    // Joined entities first, so the root rows' references find them loaded.
    const byPath = new Map<string, object[]>();
    for (const j of res.joined ?? []) {
      const target = this.ctx.metadata.all()[j.entity];
      const rest = plan.paths.filter(p => p.startsWith(`${j.path}.`)).map(p => p.substring(j.path.length + 1));
      const loaded = this.hydrate(target, j.cols, j.n, refresh, j.merged);
      for (const e of loaded) {
        helper(e).__populate = rest;
      }
      byPath.set(j.path, loaded);
    }
    let found = this.hydrate(meta, res.cols, res.n, refresh, res.merged);
    for (const [name, keys] of Object.entries(res.inverse ?? {})) {
      // The inverse side of a one-to-one: the owner's key, read through the join.
      const prop = meta.properties[name];
      for (let i = 0; i < found.length; i++) {
        const key = keys[i];
        const other = key == null ? null : this.reference(prop.targetMeta!, key);
        (found[i] as Dictionary)[name] = other && prop.ref ? Reference.create(other) : other;
      }
    }
    await this.announceLoaded();
    if (res.repeats) {
      // A joined collection repeats its owner's row per item.
      found = [...new Set(found)];
    }
    if (plan.paths.length > 0) {
      for (const e of found) {
        helper(e).__populate = plan.paths;
      }
      for (const j of res.joined ?? []) {
        const props = relationProps(meta, j.path);
        const prop = props[props.length - 1];
        const parent = j.path.includes('.') ? j.path.substring(0, j.path.lastIndexOf('.')) : '';
        const owners = parent ? byPath.get(parent) ?? [] : found;
        if (prop.kind === '1:m') {
          fillCollections(owners, prop, byPath.get(j.path) ?? []);
        } else if (prop.kind === 'm:n' && j.pairs) {
          // Rows pair owners with items (owner key, item key).
          const byOwner = itemsByOwner(byPath.get(j.path) ?? [], j.pairs);
          for (const o of owners) {
            ((o as Dictionary)[prop.name] as Collection<object>).hydrate(byOwner.get(helper(o).getIdentityKey()) ?? []);
          }
        }
      }
    }
    return found;
  }

  /** `merged`: values entities loaded before have new in the database (see `createMerger`). */
  private hydrate(meta: EntityMetadata, cols: (unknown[] | null)[], n: number, refresh: boolean, merged?: [number, number, unknown][]): object[] {
    const out = meta.root ? this.hydrateHierarchy(meta, cols, n, refresh) : this.hydrateAs(meta, cols, n, refresh);
    if (merged) {
      (meta.runtime.merge ??= createMerger(meta))(out, cols, merged, this);
    }
    return out;
  }

  /** Single-table inheritance: each row becomes an instance of the entity its discriminator names. */
  private hydrateHierarchy(meta: EntityMetadata, cols: (unknown[] | null)[], n: number, refresh: boolean): object[] {
    const root = meta.root!;
    const disc = cols[meta.props.findIndex(p => p.discriminator)];
    const rows = new Map<EntityMetadata, number[]>();
    for (let i = 0; i < n; i++) {
      const m = (disc && root.discriminatorMap!.get(String(disc[i]))) || meta;
      let list = rows.get(m);
      if (!list) {
        rows.set(m, (list = []));
      }
      list.push(i);
    }
    const out = new Array<object>(n);
    const map = this.identityMap[root.index];
    for (const [m, idx] of rows) {
      const sub = cols.map(c => c && idx.map(i => c[i]));
      const pk = sub[m.props.findIndex(p => p.primary)];
      for (const k of pk ?? []) {
        // A reference created as a parent entity becomes the entity its row belongs to.
        const e = map.get(typeof k === 'bigint' ? k.toString() : k) as { __helper: WrappedEntity } | undefined;
        if (e && !e.__helper.__initialized && !(e instanceof m.class)) {
          Object.setPrototypeOf(e, m.prototype as object);
        }
      }
      this.hydrateAs(m, sub, idx.length, refresh).forEach((e, j) => (out[idx[j]] = e));
    }
    return out;
  }

  private hydrateAs(meta: EntityMetadata, cols: (unknown[] | null)[], n: number, refresh: boolean): object[] {
    const present = cols.map(c => c !== null);
    if (n > 0 && meta.props.some((p, i) => p.primary && !present[i])) {
      // Rows without the primary key (`select(['name'])`) cannot become managed entities.
      throw new ValidationError(`You cannot merge entity '${meta.className}' without identifier!`);
    }
    const shape = present.map(p => (p ? '1' : '0')).join('');
    let hydrate = meta.runtime.hydrators.get(shape);
    if (!hydrate) {
      hydrate = createHydrator(meta, present);
      meta.runtime.hydrators.set(shape, hydrate);
    }
    const events = this.ctx.events;
    const announce = events.hasListeners('onInit', meta) || events.hasListeners('onLoad', meta);
    const init =
      meta.collections.length === 0 && !announce
        ? (e: object) => initHelper(e, meta, this, true, NO_PATHS)
        : (e: object) => {
            initHelper(e, meta, this, true, NO_PATHS);
            for (const p of meta.collections) {
              initCollection(e, p, false);
            }
            if (announce) {
              this.loaded.push(e);
            }
          };
    const out = hydrate(cols, n, this.identityMap[meta.index], refresh, init, this);
    if (meta.runtime.loadedAll.every(i => present[i])) {
      for (const e of out) {
        helper(e).__loadedAll = true;
      }
    }
    return out;
  }

  /** @internal Entities loaded since the last `announceLoaded()` whose type has onInit/onLoad listeners. */
  loaded: object[] = [];

  /** Runs `onInit` then `onLoad` for the entities just loaded, as MikroORM does after a query. */
  private async announceLoaded(): Promise<void> {
    if (this.loaded.length === 0) {
      return;
    }
    const loaded = this.loaded;
    this.loaded = [];
    const events = this.ctx.events;
    for (const e of loaded) {
      events.dispatchSync('onInit', { entity: e, em: this, meta: helper(e).__meta });
    }
    for (const e of loaded) {
      await events.dispatch('onLoad', { entity: e, em: this, meta: helper(e).__meta });
    }
  }

  getReference<T extends object>(entityName: EntityName<T>, id: Primary<T> | Primary<T>[]): T {
    const em = this.getContext();
    const meta = em.ctx.metadata.get(entityName);
    const ids = (Array.isArray(id) ? id : [id]) as unknown[];
    const key = identityKey(ids);
    const map = em.identityMap[meta.index];
    const existing = map.get(key);
    if (existing) {
      return existing as T;
    }
    const entity = Object.create(meta.prototype as object) as Dictionary;
    meta.primaryKeys.forEach((pk, i) => {
      // A relation in the key holds a reference to its target.
      const p = meta.properties[pk];
      const v = ids[i];
      entity[pk] = p.kind === 'm:1' && !p.mapToPk && (typeof v !== 'object' || v === null) ? em.reference(p.targetMeta!, v) : v;
    });
    initHelper(entity, meta, em, false);
    map.set(key, entity);
    return entity as T;
  }

  async refresh<T extends object>(entity: T, _options: { refresh?: boolean } = {}): Promise<T | null> {
    const h = helper(entity);
    const em = h.__em ?? this.getContext();
    const meta = h.__meta;
    const where = meta.primaryKeys.length > 1 ? [meta.primaryKeys.map(pk => keyPart((entity as Dictionary)[pk], 0))] : Object.fromEntries(meta.primaryKeys.map(pk => [pk, (entity as Dictionary)[pk]]));
    const [found] = await (em as EntityManager).findInternal(meta, where, { refresh: true }, 1);
    return (found as T) ?? null;
  }

  async refreshOrFail<T extends object>(entity: T): Promise<T> {
    const found = await this.refresh(entity);
    if (!found) {
      throw NotFoundError.findOneFailed(helper(entity).__meta.className, helper(entity).getPrimaryKey());
    }
    return found;
  }

  // ---- writing

  create<T extends object>(entityName: EntityName<T>, data: RequiredEntityData<T>, options: CreateOptions = {}): T {
    const embeddable = embeddableClass(entityName);
    if (embeddable) {
      // An embeddable is a value: an instance with the data, nothing to manage.
      return embed(embeddable, data) as T;
    }
    const em = this.getContext();
    let meta = em.ctx.metadata.get(entityName);
    const disc = meta.root && (data as Dictionary)[meta.props.find(p => p.discriminator)!.name];
    if (disc !== undefined && disc !== null) {
      // Single-table inheritance: the discriminator value picks the entity.
      meta = meta.root!.discriminatorMap!.get(String(disc)) ?? meta;
    }
    const entity = em.construct(meta, data as Dictionary) as T;
    if (options.persist ?? em.config.get('persistOnCreate')) {
      em.persist(entity);
    }
    return entity;
  }

  /** @internal Builds a new entity: constructor with named params, data, then defaults and `onCreate`. */
  construct(meta: EntityMetadata, data: Dictionary): object {
    const Cls = meta.class as unknown as new (...args: unknown[]) => Dictionary;
    const params = meta.constructorParams;
    const entity = params.length > 0 ? new Cls(...params.map(p => data[p])) : new Cls();
    meta.runtime.assignData(entity, data, this);
    for (const p of meta.collections) {
      const items = data[p.name];
      const coll = initCollection(entity, p, true);
      if (Array.isArray(items)) {
        coll.add(...items.map(i => (i && typeof i === 'object' && !(i as { __helper?: unknown }).__helper && !(i instanceof Reference) ? this.create(p.targetMeta!.class, i) : i)));
      }
    }
    for (const p of meta.inverses) {
      const v = data[p.name];
      if (v != null) {
        const other = Reference.unwrapReference((typeof v === 'object' && !(v as { __helper?: unknown }).__helper && !(v instanceof Reference) ? this.create(p.targetMeta!.class, v) : v) as object) as Dictionary;
        entity[p.name] = p.ref ? Reference.create(other) : other;
        other[p.inverse!.name] = p.inverse!.ref ? Reference.create(entity) : entity;
      }
    }
    // A new item joins its owner's loaded collection; a one-to-one's other side points back.
    for (const p of meta.runtime.references) {
      const owner = Reference.unwrapReference(entity[p.name] as object) as Dictionary | null | undefined;
      if (p.oneToOne && p.inverse && owner) {
        owner[p.inverse.name] = p.inverse.ref ? Reference.create(entity) : entity;
        continue;
      }
      const coll = p.inverse && owner ? owner[p.inverse.name] : undefined;
      if (coll instanceof Collection && coll.isInitialized() && !coll.contains(entity)) {
        coll.add(entity);
      }
    }
    meta.runtime.applyDefaults(entity, this);
    initHelper(entity, meta, this, true).__managed = false;
    if (this.ctx.events.hasListeners('onInit', meta)) {
      this.ctx.events.dispatchSync('onInit', { entity, em: this, meta });
    }
    return entity;
  }


  persist<T extends object>(entity: T | T[]): this {
    const em = this.getContext();
    if (Array.isArray(entity)) {
      entity.forEach(e => em.persistOne(e));
    } else {
      em.persistOne(entity);
    }
    return this;
  }

  private persistOne(e: object): void {
    const h = helper(e);
    if (h.__managed && this.identityMap[h.__meta.index].has(h.getIdentityKey())) {
      this.removeStack.delete(e);
      return;
    }
    h.__em = this;
    this.persistStack.add(e);
  }

  /** Marks entities for removal at the next flush, cascading along `Cascade.REMOVE` relations
   * and `orphanRemoval` collections (their loaded items only, as MikroORM). */
  remove<T extends object>(entity: T | T[]): this {
    const em = this.getContext();
    for (const e of Array.isArray(entity) ? entity : [entity]) {
      em.removeOne(Reference.unwrapReference(e as object));
    }
    return this;
  }

  private removeOne(e: object): void {
    if (this.removeStack.has(e) || this.persistStack.delete(e)) {
      return;
    }
    const h = (e as { __helper?: WrappedEntity }).__helper;
    if (!h?.__managed) {
      return;
    }
    this.removeStack.add(e);
    for (const p of h.__meta.runtime.cascadeRemove) {
      const v = (e as Dictionary)[p.name];
      if (v instanceof Collection) {
        for (const item of v.isInitialized() ? v.getItems() : []) {
          this.removeOne(item);
        }
      } else if (v != null && typeof v === 'object') {
        this.removeOne(Reference.unwrapReference(v));
      }
    }
  }

  assign<T extends object>(entity: T, data: EntityData<T>, options: AssignOptions = {}): T {
    return assign(entity, data, { em: this.getContext(), ...options });
  }

  async flush(): Promise<void> {
    const em = this.getContext();
    await em.ready();
    if (em.ctx.events.active) {
      await em.flushWithEvents();
    } else {
      const written = em.flushInternal();
      if (written) {
        await written;
      }
    }
  }

  /**
   * A flush with entity hooks or subscribers: `beforeFlush`, `onFlush`, then, in the flush's
   * transaction, the `before*` hooks of every change, the statements, the `after*` hooks, and
   * `afterFlush` once committed.
   */
  private async flushWithEvents(): Promise<void> {
    const events = this.ctx.events;
    await events.dispatchFlush('beforeFlush', { em: this });
    this.cascadePersist();
    const preview = this.flushInternal(true)!;
    await events.dispatchFlush('onFlush', { em: this });
    if (preview.empty) {
      await events.dispatchFlush('afterFlush', { em: this });
      return;
    }
    const changes: ChangeSet[] = [
      ...[...this.persistStack].map(e => changeSet('create', e, helper(e).__meta.runtime.toObject(e, true, NO_PATHS))),
      ...preview.updates,
      ...[...this.removeStack].map(e => changeSet('delete', e, {})),
    ];
    const own = this.config.get('implicitTransactions') && !this.activeTransaction();
    if (own) {
      await this.begin();
    }
    const tx = this.txContext;
    const run = async (when: 'before' | 'after') => {
      for (const cs of changes) {
        const event = `${when}${cs.type[0].toUpperCase()}${cs.type.substring(1)}` as EntityEvent;
        await events.dispatch(event, { entity: cs.entity, em: this, meta: helper(cs.entity).__meta, changeSet: cs });
      }
    };
    try {
      await run('before');
      const written = this.flushInternal();
      if (written) {
        await written;
      }
      await run('after');
      if (own) {
        await this.finishTransaction(tx!, 'commit');
      }
    } catch (e) {
      if (own && this.ctx.driver.inTransaction(tx)) {
        await this.finishTransaction(tx!, 'rollback');
      }
      throw e;
    }
    await events.dispatchFlush('afterFlush', { em: this });
  }

  /** @internal One message to the engine with every new, managed and removed entity. With
   * `preview`, nothing is written: the engine tells what would change. */
  flushInternal(preview?: false): Promise<void> | undefined;
  flushInternal(preview: true): { empty: boolean; updates: ChangeSet[] } | undefined;
  flushInternal(preview = false): { empty: boolean; updates: ChangeSet[] } | undefined | Promise<void> {
    const metas = this.ctx.metadata.all();
    type Group = {
      meta: EntityMetadata;
      insert: Dictionary[];
      insertRows: unknown[][];
      created: (Dictionary | undefined)[];
      managed: Dictionary[];
      managedRows: unknown[][];
      managedSeq: number[];
      remove: unknown[][];
      removed: object[];
      insertAt?: number;
      removeAt?: number;
      ignoreConflicts?: boolean;
    };
    const groups: (Group | undefined)[] = new Array(metas.length);
    // A single-table hierarchy is flushed as its root (one table, one snapshot map).
    const group = (entity: EntityMetadata): Group => {
      const meta = entity.root ?? entity;
      return (groups[meta.index] ??= { meta, insert: [], insertRows: [], created: [], managed: [], managedRows: [], managedSeq: [], remove: [], removed: [] });
    };

    this.cascadePersist();
    let persisted = 0;
    // Where each new entity sits in the message: references to it become `{"new":[entity,row]}`.
    const newIndex = new Map<object, [number, number]>();
    for (const e of this.persistStack) {
      const meta = (e as { __meta: EntityMetadata }).__meta;
      // MikroORM visits the new items of a many-to-many collection before its owner.
      for (const p of meta.runtime.links) {
        const coll = (e as Dictionary)[p.name];
        const item = coll instanceof Collection ? coll.getItems(false).find(i => this.persistStack.has(i)) : undefined;
        if (item) {
          group(p.targetMeta!).insertAt ??= persisted++;
        }
      }
      const g = group(meta);
      g.insertAt ??= persisted++;
      newIndex.set(e, [g.meta.index, g.insert.length]);
      g.insert.push(e as Dictionary);
    }
    const ctx: FlushContext = { ref: v => referenceValue(v, newIndex) };
    for (const g of groups) {
      for (const e of g?.insert ?? []) {
        // onCreate/default values land on the entity only once the flush succeeded.
        g!.insertRows.push((g!.meta.root ? helper(e).__meta : g!.meta).runtime.insertState(e, this, ctx));
        g!.created.push(ctx.pending);
      }
    }
    let removed = 0;
    for (const e of this.removeStack) {
      const meta = (e as { __meta: EntityMetadata }).__meta;
      const g = group(meta);
      g.removeAt ??= removed++;
      const pks = meta.primaryKeys;
      g.remove.push(pks.length === 1 ? [engineValue(meta.properties[pks[0]], (e as Dictionary)[pks[0]])] : pks.map(pk => engineValue(meta.properties[pk], (e as Dictionary)[pk])));
      g.removed.push(e);
    }
    for (const meta of metas) {
      const map = this.identityMap[meta.index];
      if (map.size === 0 || (meta.root && meta.root !== meta)) {
        continue;
      }
      const { onUpdate } = meta.runtime;
      // Entities of a single-table hierarchy each write their own discriminator value.
      const state: typeof meta.runtime.state = meta.root ? (e, c) => helper(e).__meta.runtime.state(e, c) : meta.runtime.state;
      let g: Group | undefined;
      for (const e of map.values()) {
        if (!(e as { __helper: WrappedEntity }).__helper.__initialized || this.removeStack.has(e)) {
          continue;
        }
        g ??= group(meta);
        const row = state(e, ctx);
        for (let i = 0; i < onUpdate.length; i++) {
          row.push(engineValue(onUpdate[i], onUpdate[i].onUpdate!(e, this)));
        }
        g.managed.push(e as Dictionary);
        g.managedRows.push(row);
        g.managedSeq.push((e as { __helper: WrappedEntity }).__helper.__seq);
      }
    }
    // Many-to-many links: owning collections whose items changed since loading or the last flush.
    const linked: Collection<object>[] = [];
    const owners = new Set<object>();
    for (const meta of metas) {
      if (meta.runtime.links.length > 0) {
        for (const e of this.identityMap[meta.index].values()) {
          owners.add(e);
        }
      }
    }
    for (const e of this.persistStack) {
      if ((e as { __meta: EntityMetadata }).__meta.runtime.links.length > 0) {
        owners.add(e);
      }
    }
    for (const owner of owners) {
      const meta = (owner as { __meta: EntityMetadata }).__meta;
      for (const p of meta.runtime.links) {
        const coll = (owner as Dictionary)[p.name];
        if (!(coll instanceof Collection) || this.removeStack.has(owner)) {
          continue;
        }
        const { added, removed } = coll.pivotChanges(!!p.fixedOrder);
        if (added.length === 0 && removed.length === 0) {
          continue;
        }
        linked.push(coll);
        const pivot = p.pivotMeta!;
        const g = group(pivot);
        // Items added to a collection never loaded may be linked already.
        g.ignoreConflicts ||= !coll.isInitialized();
        for (const item of added) {
          g.insertRows.push(pivot.runtime.insertState({ [p.pivotOwner!.name]: owner, [p.pivotItem!.name]: item }, this, ctx));
        }
        for (const item of removed) {
          g.remove.push([referenceValue(owner, newIndex), referenceValue(item, newIndex)]);
        }
      }
    }
    const present = groups.filter((g): g is Group => g !== undefined);
    if (present.length === 0) {
      return preview ? { empty: true, updates: [] } : undefined;
    }
    const message = JSON.stringify({
      entities: present.map(g => ({
        entity: g.meta.index,
        insert: g.insertRows,
        managed: g.managedRows,
        onUpdate: g.meta.runtime.onUpdateIndexes,
        remove: g.remove,
        insertAt: g.insertAt,
        ignoreConflicts: g.ignoreConflicts,
        managedSeq: g.managedSeq,
        removeAt: g.removeAt,
      })),
    });
    const driver = this.ctx.driver;
    if (preview) {
      const p = JSON.parse(driver.call(() => driver.native.flushPreview(this.uow, message))) as { empty: boolean; entities: { entity: number; updated: [number, number[]][] }[] };
      const updates: ChangeSet[] = [];
      for (const r of p.entities) {
        const g = groups[r.entity]!;
        for (const [row, props] of r.updated) {
          const e = g.managed[row];
          updates.push(changeSet('update', e, Object.fromEntries(props.map(i => [g.meta.props[i].name, e[g.meta.props[i].name]]))));
        }
      }
      return { empty: p.empty && linked.length === 0, updates };
    }
    type Written = { entities: { entity: number; ids: unknown[]; updated: number[] }[] };
    // A sync driver (SQLite) answers at once: the flush then takes no extra turn of the event loop.
    const written = driver.flush<Written>(this.uow, message, this.config.get('implicitTransactions'), this.activeTransaction());
    const apply = (res: Written): void => {
      for (const coll of linked) {
        coll.markPersisted();
      }
      for (const r of res.entities) {
        const g = groups[r.entity]!;
        const meta = g.meta;
        if (meta.pivot) {
          continue;
        }
        const map = this.identityMap[meta.index];
        const auto = meta.primaryKeys.length === 1 && meta.properties[meta.primaryKeys[0]].autoincrement ? meta.primaryKeys[0] : undefined;
        const version = meta.props.find(p => p.version)?.name;
        g.insert.forEach((e, i) => {
          const created = g.created[i];
          if (created) {
            Object.assign(e, created);
          }
          if (auto && e[auto] == null && r.ids[i] != null) {
            e[auto] = convertFromDb(meta.properties[auto], r.ids[i]);
          }
          if (version && e[version] == null) {
            e[version] = 1;
          }
          const h = helper(e);
          h.__managed = true;
          h.__em = this;
          h.__seq = nextIdentitySeq();
          h.__loadedAll = meta.runtime.loadedAll.every(k => e[meta.props[k].name] !== undefined);
          map.set(h.getIdentityKey(), e);
        });
        for (const idx of r.updated) {
          const e = g.managed[idx];
          if (version) {
            e[version] = (e[version] as number) + 1;
          }
          const row = g.managedRows[idx];
          const base = row.length - meta.runtime.onUpdate.length;
          meta.runtime.onUpdate.forEach((p, k) => {
            const v = row[base + k];
            e[p.name] = p.columnKind === 'datetime' && typeof v === 'number' ? new Date(v) : v;
          });
        }
        for (const e of g.removed) {
          const h = helper(e);
          map.delete(h.getIdentityKey());
          h.__managed = false;
          h.__em = undefined;
        }
      }
      this.persistStack.clear();
      this.removeStack.clear();
    };
    if (written instanceof Promise) {
      return written.then(apply);
    }
    apply(written);
    return undefined;
  }

  /** @internal Adds new entities reachable along persist-cascading relations to the persist stack. */
  cascadePersist(): void {
    const add = (target: object | null | undefined) => {
      const h = (target as { __helper?: WrappedEntity } | null | undefined)?.__helper;
      if (h && !h.__managed && !this.persistStack.has(target!)) {
        this.persistStack.add(target!);
      }
    };
    const visit = (e: object) => {
      for (const p of (e as { __meta: EntityMetadata }).__meta.runtime.cascadePersist) {
        const v = (e as Dictionary)[p.name];
        if (v instanceof Collection) {
          if (v.isInitialized()) {
            for (const item of v.getItems()) {
              add(item);
            }
          }
        } else {
          add(Reference.unwrapReference(v as object));
        }
      }
    };
    for (const e of this.persistStack) {
      visit(e);
    }
    for (const meta of this.ctx.metadata.all()) {
      if (meta.runtime.cascadePersist.length > 0) {
        for (const e of this.identityMap[meta.index].values()) {
          if ((e as { __helper: WrappedEntity }).__helper.__initialized) {
            visit(e);
          }
        }
      }
    }
  }

  /** @internal The entity with this key in the identity map, or a new not-loaded reference to it. */
  reference(meta: EntityMetadata, pk: unknown): object {
    const map = this.identityMap[meta.index];
    const composite = Array.isArray(pk);
    const key = composite ? identityKey(pk) : typeof pk === 'bigint' ? pk.toString() : pk;
    let e = map.get(key);
    if (!e) {
      e = Object.create(meta.prototype as object) as object;
      if (composite) {
        meta.primaryKeys.forEach((name, n) => ((e as Dictionary)[name] = (pk as unknown[])[n]));
      } else {
        (e as Dictionary)[meta.primaryKeys[0]] = pk;
      }
      initHelper(e, meta, this, false, NO_PATHS);
      for (const p of meta.collections) {
        initCollection(e, p, false);
      }
      map.set(key, e);
    }
    return e;
  }

  /** @internal Loads a not-loaded reference (`Reference.load()`). */
  async loadReference(entity: object): Promise<object | null> {
    const h = helper(entity);
    const meta = h.__meta;
    // A composite key is looked up as `(a, b) in ((?, ?))`, as MikroORM.
    const where = meta.primaryKeys.length > 1 ? [meta.primaryKeys.map(pk => keyPart((entity as Dictionary)[pk], 0))] : h.getPrimaryKey();
    const [found] = await this.findInternal(meta, where, {}, 1);
    return found ?? null;
  }

  // ---- upsert

  /**
   * Inserts the entity, or updates the row it conflicts with (`insert … on conflict … do update`),
   * and returns it managed, as MikroORM's `em.upsert()`.
   */
  async upsert<T extends object>(entityNameOrEntity: EntityName<T> | T, data?: EntityData<T> | T, options: UpsertOptions<T> = {}): Promise<T> {
    const [entity] = await this.upsertRows(entityNameOrEntity, data === undefined ? undefined : [data], options);
    return entity as T;
  }

  async upsertMany<T extends object>(entityNameOrEntities: EntityName<T> | T[], data?: (EntityData<T> | T)[], options: UpsertOptions<T> = {}): Promise<T[]> {
    if (Array.isArray(entityNameOrEntities)) {
      return entityNameOrEntities.length === 0 ? [] : ((await this.upsertRows(entityNameOrEntities[0], entityNameOrEntities.slice(1), options, true, true)) as T[]);
    }
    return (await this.upsertRows(entityNameOrEntities, data ?? [], options, false, true)) as T[];
  }

  /** `many`: `upsertMany()`, whose rows also return their keys (to match them up), as MikroORM. */
  private async upsertRows(target: unknown, rows: unknown[] | undefined, options: UpsertOptions<any>, firstIsEntity = false, many = false): Promise<object[]> {
    const em = this.getContext();
    const byEntity = firstIsEntity || (rows === undefined && typeof target === 'object' && target !== null && !(target instanceof EntitySchema));
    const meta = byEntity ? helper(target as object).__meta : em.ctx.metadata.get(target as EntityName<object>);
    const all = (byEntity ? [target, ...(rows ?? [])] : (rows ?? [])) as Dictionary[];
    if (all.length === 0) {
      return [];
    }
    // `beforeUpsert` may still change the data.
    const events = em.ctx.events;
    if (events.hasListeners('beforeUpsert', meta)) {
      for (const r of all) {
        await events.dispatch('beforeUpsert', { entity: r, em, meta });
      }
    }
    const given = all.map(r => ((r as { __helper?: unknown }).__helper ? r : undefined));
    const data = all.map(r => {
      const o: Dictionary = {};
      const keys = (r as { __helper?: unknown }).__helper ? meta.props.map(p => p.name).filter(k => r[k] !== undefined) : Object.keys(r);
      for (const k of keys) {
        const p = meta.properties[k];
        if (!p || p.kind === '1:m' || p.kind === 'm:n' || p.kind === '1:1') {
          continue;
        }
        o[k] = p.kind === 'm:1' && !p.mapToPk ? referenceValue(r[k], new Map()) : engineValue(p, r[k]);
      }
      return o;
    });
    const driver = await em.ready();
    // One statement, where a row without a property writes the column's `default` and only
    // the properties of every row are merged; SQLite has no `default` in `values`, so there
    // rows with the same properties go in one statement each. Both as MikroORM.
    const groups = new Map<string, number[]>();
    data.forEach((d, i) => {
      const sig = driver.supportsDefaultValues ? '' : Object.keys(d).join('\u0000');
      groups.set(sig, [...(groups.get(sig) ?? []), i]);
    });
    const found = new Array<object>(data.length);
    for (const rowsOf of groups.values()) {
      const part = rowsOf.map(i => data[i]);
      // As MikroORM: the first row's properties are the ones merged; what a row lacks is returned.
      const keys = Object.keys(part[0]);
      const common = keys.filter(k => part.every(d => k in d));
      const pk = meta.primaryKeys;
      const unique = meta.props.find(p => p.unique && keys.includes(p.name)) ?? meta.uniques.map(u => u.properties).find(u => u.every(k => keys.includes(k)));
      const fields = (options.onConflictFields as string[] | undefined) ?? (pk.every(k => keys.includes(k)) ? pk : unique ? (Array.isArray(unique) ? unique : [unique.name]) : undefined);
      if (!fields) {
        throw new ValidationError(`Unique property value required for upsert, provide one of: ${[...pk, ...meta.props.filter(p => p.unique).map(p => p.name)].join(', ')}`);
      }
      const merge = (options.onConflictMergeFields as string[] | undefined) ?? keys.filter(k => !fields.includes(k));
      const returning = meta.props.filter(p => !common.includes(p.name) || (many && p.primary)).map(p => p.name);
      const query = JSON.stringify(
        { kind: 'insert', entity: meta.index, data: part, onConflict: { fields, merge, ignore: options.onConflictAction === 'ignore' }, returning },
        (_k, v) => (typeof v === 'bigint' ? v.toString() : v),
      );
      // Without `returning`, the columns come back by a select on the conflict fields (the
      // pk first; upsertMany's rows also return the conflict fields, to match them up), as MikroORM.
      const by = (d: Dictionary) => Object.fromEntries(fields.map(f => [f, d[f]]));
      const reload =
        driver.supportsReturning || returning.every(n => common.includes(n))
        ? undefined
        : JSON.stringify({
            kind: 'select',
            entity: meta.index,
            alias: 'a0',
            // Explicit merge fields are read back too, as MikroORM does.
            fields: [...new Set([...pk, ...returning, ...((options.onConflictMergeFields as string[] | undefined) ?? []), ...(many ? fields : [])])],
            where: many ? { $or: part.map(by) } : by(part[0]),
            limit: many ? undefined : 1,
          });
      const res = await driver.upsert<{ n: number; cols: (unknown[] | null)[] }>(em.uow, query, em.activeTransaction(), reload);
      em.hydrate(meta, res.cols, res.n, true).forEach((e, j) => (found[rowsOf[j]] = e));
    }
    await em.announceLoaded();
    // An entity instance that was upserted becomes the managed one.
    const out = found.map((e, i) => {
      const mine = given[i];
      if (!mine || mine === e) {
        return e;
      }
      for (const p of meta.props) {
        mine[p.name] = (e as Dictionary)[p.name];
      }
      const h = initHelper(mine, meta, em, true, NO_PATHS);
      em.identityMap[meta.index].set(h.getIdentityKey(), mine);
      em.persistStack.delete(mine);
      return mine;
    });
    if (events.hasListeners('afterUpsert', meta)) {
      for (const e of out) {
        await events.dispatch('afterUpsert', { entity: e, em, meta });
      }
    }
    return out;
  }

  // ---- native operations (no unit of work, no hooks)

  async insert<T extends object>(entityNameOrEntity: EntityName<T> | T, data?: EntityData<T> | T): Promise<Primary<T>> {
    const [id] = await this.insertRows(entityNameOrEntity, data === undefined ? undefined : [data]);
    return id as Primary<T>;
  }

  async insertMany<T extends object>(entityNameOrEntities: EntityName<T> | T[], data?: (EntityData<T> | T)[]): Promise<Primary<T>[]> {
    if (Array.isArray(entityNameOrEntities)) {
      if (entityNameOrEntities.length === 0) {
        return [];
      }
      return this.insertRows(entityNameOrEntities[0], entityNameOrEntities.slice(1), true) as Promise<Primary<T>[]>;
    }
    return this.insertRows(entityNameOrEntities, data ?? []) as Promise<Primary<T>[]>;
  }

  private async insertRows(target: unknown, rows: unknown[] | undefined, firstIsEntity = false): Promise<unknown[]> {
    const em = this.getContext(false);
    let meta: EntityMetadata;
    let all: unknown[];
    if (firstIsEntity || (rows === undefined && typeof target === 'object' && target !== null)) {
      meta = helper(target as object).__meta;
      all = [target, ...(rows ?? [])];
    } else {
      meta = em.ctx.metadata.get(target as EntityName<object>);
      all = rows ?? [];
    }
    if (all.length === 0) {
      return [];
    }
    const entities: Dictionary[] = [];
    const data = all.map(row => {
      const r = row as Dictionary;
      if ((r as { __helper?: unknown }).__helper) {
        entities.push(r);
        meta.runtime.applyDefaults(r, em);
        const o: Dictionary = {};
        for (const p of meta.props) {
          if (r[p.name] !== undefined) {
            o[p.name] = engineValue(p, r[p.name]);
          }
        }
        return o;
      }
      const o: Dictionary = {};
      for (const [k, v] of Object.entries(r)) {
        o[k] = meta.properties[k] ? engineValue(meta.properties[k], v) : v;
      }
      return o;
    });
    const driver = await em.ready();
    const query = JSON.stringify({ kind: 'insert', entity: meta.index, data }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
    const res = await driver.query<{ rows: Dictionary[]; insertId?: number }>(query, 'run', em.activeTransaction());
    const pk = meta.primaryKeys[0];
    const pkField = meta.properties[pk].fieldName;
    const pkProp = meta.properties[pk];
    // Without `returning` (MySQL), generated keys follow the insert id of the first row.
    const first = res.insertId;
    const ids =
      res.rows.length > 0
        ? res.rows.map(r => (r[pkField] == null ? r[pkField] : convertFromDb(pkProp, r[pkField])))
        : all.map((d, i) => (d as Dictionary)[pk] ?? (pkProp.autoincrement && first != null ? first + i : undefined));
    entities.forEach((e, i) => {
      if (e[pk] == null) {
        e[pk] = ids[i];
      }
    });
    return ids;
  }

  async nativeUpdate<T extends object>(entityName: EntityName<T>, where: FilterQuery<T>, data: EntityData<T>, options: { filters?: FilterOptions } = {}): Promise<number> {
    const em = this.getContext(false);
    const meta = em.ctx.metadata.get(entityName);
    const driver = await em.ready();
    const values: Dictionary = {};
    for (const [k, v] of Object.entries(data)) {
      values[k] = meta.properties[k] ? engineValue(meta.properties[k], v) : v;
    }
    const filtered = em.filtersApply(options) ? await em.applyFilters(meta, where, options, 'update') : { where };
    const query = `{"kind":"update","entity":${meta.index},"where":${filterJson(filtered.where, meta)},"data":[${JSON.stringify(values)}]}`;
    return (await driver.query<{ affectedRows: number }>(query, 'run', em.activeTransaction())).affectedRows;
  }

  async nativeDelete<T extends object>(entityName: EntityName<T>, where: FilterQuery<T>, options: { filters?: FilterOptions } = {}): Promise<number> {
    const em = this.getContext(false);
    const meta = em.ctx.metadata.get(entityName);
    const driver = await em.ready();
    const filtered = em.filtersApply(options) ? await em.applyFilters(meta, where, options, 'delete') : { where };
    const query = `{"kind":"delete","entity":${meta.index},"where":${filterJson(filtered.where, meta)}}`;
    return (await driver.query<{ affectedRows: number }>(query, 'run', em.activeTransaction())).affectedRows;
  }

  /** Raw SQL: `all` → rows, `get` → first row, `run` → `{ affectedRows, insertId, row, rows }`. */
  async execute<R = any>(sql: string, params: readonly unknown[] = [], method: 'all' | 'get' | 'run' = 'all'): Promise<R> {
    const em = this.getContext(false);
    const driver = await em.ready();
    const res = await driver.executeRaw(sql, params, method, em.activeTransaction());
    if (method === 'get') {
      return res.rows[0] as R;
    }
    if (method === 'run') {
      return { affectedRows: res.affectedRows, insertId: res.insertId, row: res.rows[0], rows: res.rows } as R;
    }
    return res.rows as R;
  }

  // ---- transactions

  async begin(options: TransactionOptions = {}): Promise<void> {
    const em = this.getContext(false);
    const driver = this.ctx.driver;
    const current = em.activeTransaction();
    const events = this.ctx.events.transactional ? this.ctx.events : undefined;
    await events?.dispatchTransaction('beforeTransactionStart', { em, transaction: current });
    if (current) {
      // Nested: a savepoint in the open transaction.
      await em.ready();
      em.txContext = current;
      const begun = driver.transaction('begin', {}, current);
      if (begun) {
        await begun;
      }
      await events?.dispatchTransaction('afterTransactionStart', { em, transaction: current });
      return;
    }
    const tx = await driver.acquireTransaction();
    try {
      await driver.ensureConnected(tx);
      const begun = driver.transaction('begin', options, tx);
      if (begun) {
        await begun;
      }
    } catch (e) {
      driver.releaseTransaction(tx);
      throw e;
    }
    em.txContext = tx;
    await events?.dispatchTransaction('afterTransactionStart', { em, transaction: tx });
  }

  async commit(): Promise<void> {
    const em = this.getContext(false);
    const tx = em.requireTransaction();
    await em.flush();
    await em.finishTransaction(tx, 'commit');
  }

  async rollback(): Promise<void> {
    const em = this.getContext(false);
    const tx = em.requireTransaction();
    await em.finishTransaction(tx, 'rollback');
    em.persistStack.clear();
    em.removeStack.clear();
  }

  private requireTransaction(): TxContext {
    const tx = this.activeTransaction();
    if (!tx || !this.ctx.driver.inTransaction(tx)) {
      throw new ValidationError('An open transaction is required for this operation');
    }
    return tx;
  }

  /** Commits or rolls back one level, with the transaction events around it. */
  private async finishTransaction(tx: TxContext, op: 'commit' | 'rollback'): Promise<void> {
    // MikroORM's MySQL driver releases a savepoint without the commit events.
    const quiet = op === 'commit' && (tx.depth ?? 0) > 1 && !this.ctx.driver.savepointCommitEvents;
    const events = this.ctx.events.transactional && !quiet ? this.ctx.events : undefined;
    const [before, after] = op === 'commit' ? (['beforeTransactionCommit', 'afterTransactionCommit'] as const) : (['beforeTransactionRollback', 'afterTransactionRollback'] as const);
    try {
      await events?.dispatchTransaction(before, { em: this, transaction: tx });
    } finally {
      const ended = this.endTransaction(tx, op);
      if (ended) {
        await ended;
      }
    }
    await events?.dispatchTransaction(after, { em: this, transaction: tx });
  }

  /** Commits or rolls back one level; the outermost level gives the connection back. */
  private endTransaction(tx: TxContext, op: 'commit' | 'rollback'): void | Promise<void> {
    const driver = this.ctx.driver;
    let ended: void | Promise<void>;
    try {
      ended = driver.transaction(op, {}, tx);
    } catch (e) {
      driver.releaseTransaction(tx);
      throw e;
    }
    if (ended) {
      // A server driver: the connection is released once the statement ran.
      return ended.finally(() => driver.releaseTransaction(tx));
    }
    driver.releaseTransaction(tx);
  }

  isInTransaction(): boolean {
    return !!this.getContext(false).activeTransaction();
  }

  /**
   * Runs `cb` in a transaction on a fork; commits (after flushing the fork) or rolls back. With an
   * open transaction, `propagation` decides: a savepoint (`NESTED`, the default), joining it
   * (`REQUIRED`, `SUPPORTS`, `MANDATORY`) or an error (`NEVER`). Without one, `SUPPORTS`,
   * `NOT_SUPPORTED` and `NEVER` run without a transaction, and `MANDATORY` is an error.
   */
  async transactional<R>(cb: (em: this) => Promise<R> | R, options: TransactionOptions = {}): Promise<R> {
    const parent = this.getContext(false);
    const propagation = options.propagation ?? TransactionPropagation.NESTED;
    const open = this.ctx.driver.inTransaction(parent.activeTransaction());
    switch (propagation) {
      case TransactionPropagation.NESTED:
      case TransactionPropagation.REQUIRES_NEW:
      case TransactionPropagation.REQUIRED:
        break;
      case TransactionPropagation.SUPPORTS:
      case TransactionPropagation.MANDATORY:
        if (!open && propagation === TransactionPropagation.MANDATORY) {
          throw TransactionStateError.requiredTransactionNotFound(propagation);
        }
        break;
      case TransactionPropagation.NOT_SUPPORTED:
      case TransactionPropagation.NEVER:
        if (open && propagation === TransactionPropagation.NEVER) {
          throw TransactionStateError.transactionNotAllowed(propagation);
        }
        break;
      default:
        throw TransactionStateError.invalidPropagation(String(propagation));
    }
    const driver = this.ctx.driver;
    if (open && (propagation === TransactionPropagation.REQUIRES_NEW || propagation === TransactionPropagation.NOT_SUPPORTED)) {
      // The open transaction is left aside: the work runs on another connection, outside it.
      if (!driver.concurrentTransactions) {
        throw new NotImplementedError(`Not implemented in mikro-native yet: em.transactional() with propagation '${propagation}' inside an open transaction on ${driver.dialect} (one connection)`);
      }
      const outside = parent.fork({ clear: false }) as this;
      outside.txContext = undefined;
      const ret = await driver.runOutsideTransaction(() => outside.transactional(cb, options));
      parent.adopt(outside);
      return ret;
    }
    const joins = open && propagation !== TransactionPropagation.NESTED;
    const withoutTransaction = !open && ([TransactionPropagation.SUPPORTS, TransactionPropagation.NOT_SUPPORTED, TransactionPropagation.NEVER] as string[]).includes(propagation);
    if (joins || withoutTransaction) {
      // Joined (or no transaction at all): the fork's work goes back to the caller's context.
      const fork = parent.fork({ clear: false }) as this;
      fork.txContext = parent.activeTransaction();
      const ret = await cb(fork);
      await fork.flush();
      parent.adopt(fork);
      return ret;
    }
    const fork = parent.fork({ clear: false, keepTransactionContext: true }) as this;
    await fork.begin(options);
    const tx = fork.txContext!;
    try {
      const ret = await driver.runInTransaction(tx, () => cb(fork));
      await driver.runInTransaction(tx, () => fork.flush());
      await fork.finishTransaction(tx, 'commit');
      parent.adopt(fork);
      return ret;
    } catch (e) {
      if (tx.active && driver.inTransaction(tx)) {
        await fork.finishTransaction(tx, 'rollback');
      }
      throw e;
    }
  }

  /** Takes a finished fork's unit of work and managed entities (not into a global context). */
  private adopt(fork: this): void {
    if (!this.global || this.config.get('allowGlobalContext')) {
      this.uow.copyFrom(fork.uow);
      fork.identityMap.forEach((m, i) => m.forEach((e, k) => this.identityMap[i].set(k, e)));
      // What the fork flushed is no longer pending here.
      this.persistStack.forEach(e => fork.persistStack.has(e) || this.persistStack.delete(e));
    }
  }

  [inspect.custom](): string {
    return `[EntityManager<${this.id}>]`;
  }
}

