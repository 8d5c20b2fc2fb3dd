import { abandonedStreams, type EntityManager } from './entity-manager.js';
import { NotImplementedError, OptimisticLockError, ValidationError } from './errors.js';
import type { ConnectionType } from './driver.js';
import type { EntityMetadata } from './metadata/types.js';
import type { Dictionary, EntityData, EntityName, FilterQuery, Loaded, OrderDefinition } from './typings.js';
import { engineValue } from './entity/codegen.js';
import { engineReplacer, isRaw, needsReplacer, rawWithParams, RawQueryFragment } from './raw.js';

function notImplemented(what: string): never {
  throw new NotImplementedError(`${what} is not implemented in mikro-native yet`);
}

type Kind = 'select' | 'count' | 'insert' | 'update' | 'delete' | 'truncate';

/** The condition as the engine receives it: filters and raw SQL fragments combined with and/or. */
type Clause = { and: Clause[] } | { or: Clause[] } | { filter: Dictionary } | { raw: { sql: string; params: unknown[] } };

/**
 * An entity as the plain row `execute()` gives for it: its column values (a relation as its key),
 * and the relations on `paths` (from `prefix`) as nested rows.
 */
function plainRow(entity: object, paths: readonly string[], prefix: string): Dictionary {
  const meta = (entity as { __meta: EntityMetadata }).__meta;
  const out: Dictionary = {};
  const nested = (name: string) => paths.includes(prefix + name);
  for (const p of meta.props) {
    if (p.foreign || p.discriminator || p.keyPart || p.embedded) {
      continue;
    }
    const v = (entity as Dictionary)[p.name];
    if (p.kind === 'm:1' && v != null && typeof v === 'object') {
      const target = (v as { unwrap?: () => object }).unwrap?.() ?? v;
      out[p.name] = nested(p.name) ? plainRow(target, paths, `${prefix}${p.name}.`) : (target as { __helper: { getPrimaryKey(): unknown } }).__helper.getPrimaryKey();
    } else if (v !== undefined) {
      out[p.name] = v;
    }
  }
  for (const p of meta.collections) {
    if (nested(p.name)) {
      const items = ((entity as Dictionary)[p.name] as { getItems(): object[] }).getItems();
      out[p.name] = items.map(i => plainRow(i, paths, `${prefix}${p.name}.`));
    }
  }
  return out;
}

/** A compiled query as a fragment; as a column it is parenthesized (`(select …) as x`). */
class NativeQuery extends RawQueryFragment {
  override as(alias: string): RawQueryFragment {
    return new RawQueryFragment(`(${this.sql}) as ??`, [...this.params, alias]);
  }
}

/** A subquery selected as a column: `qb.as('cnt')`. */
/** The alias a select fragment ends with (`count(*) as cnt`, `sql\`…\`.as('cnt')`). */
function rawAlias(f: RawQueryFragment): string | undefined {
  if (f.sql.endsWith(' as ??')) {
    return String(f.params[f.params.length - 1]);
  }
  return /\sas\s+[`"]?(\w+)[`"]?\s*$/i.exec(f.sql)?.[1];
}

class SubQueryField {
  constructor(
    readonly qb: QueryBuilder,
    readonly alias: string,
  ) {}

  toJSON(): unknown {
    return { query: this.qb.toObject(), as: this.alias };
  }

  /** As an object key (`{ [qb.as('cnt')]: { $gt: 1 } }`): the subquery's value. */
  toString(): string {
    const sub = this.qb.toRaw();
    return String(new RawQueryFragment(`(${sub.sql})`, sub.params));
  }
}

/** A selected field: a property path, a raw fragment or a subquery. */
type Field = string | RawQueryFragment | SubQueryField;

/** `onConflict(…)`: what to do when an inserted row conflicts (see `merge()` / `ignore()`). */
interface OnConflict {
  fields: string[];
  /** A raw target instead of `fields`. */
  target?: RawQueryFragment;
  merge: string[];
  mergeData?: Dictionary;
  ignore: boolean;
}

/** `join` types, as MikroORM's `JoinType` values. */
export const JoinType = { leftJoin: 'left join', innerJoin: 'inner join' } as const;

/** A join as the engine receives it (see the engine's `QbJoin`). */
interface Join {
  path: string;
  alias: string;
  left: boolean;
  select: boolean;
  cond?: Dictionary;
  /** The relation path from the root (`books.tags`), for hydration. */
  relation: string;
  /** `…AndSelect(…, fields)`: the joined entity's selected properties. */
  fields?: string[];
  /** Read from a subquery or raw SQL (a derived table, or the rows of the relation `path`). */
  source?: { query: Dictionary } | { raw: RawQueryFragment };
  lateral?: boolean;
}

/**
 * What a join reads: a relation (`'a.books'`), a subquery or raw SQL under the alias (a derived
 * table), or a relation whose rows come from a subquery (`['a.books', qb]`).
 */
export type JoinTarget = string | QueryBuilder<any> | RawQueryFragment | readonly [string, QueryBuilder<any>];

export interface QueryResult {
  affectedRows: number;
  insertId?: number;
  row?: Dictionary;
  rows: Dictionary[];
}

/**
 * Records query-builder calls; the engine compiles them to SQL (no SQL text is built in JS).
 */
/** Rows read per step by `qb.stream()`. */
const STREAM_CHUNK = 100;

export class QueryBuilder<T extends object = any> {
  private kind: Kind = 'select';
  private fields?: Field[];
  private joins: Join[] = [];
  private groups: Field[] = [];
  private havingClause?: Clause;
  private distinctRows = false;
  private conflict?: OnConflict;
  private returningFields?: string[];
  private lockMode?: number;
  /** The alias was given (`createQueryBuilder(Author, 'a')`): writes name the table by it. */
  private readonly qualify: boolean;
  private ctes: Dictionary[] = [];
  private source?: Dictionary;
  private unionOf?: { all: boolean; parts: QueryBuilder[] };
  private fromAlias?: string;
  private comments: string[] = [];
  private hintComments: string[] = [];
  private indexHintSql?: string;
  private collationName?: string;
  private schemaName?: string;
  private flags = new Set<string>();
  private distinctOnFields: string[] = [];
  private clause?: Clause;
  private order: Dictionary[] = [];
  private limitValue?: number;
  private offsetValue?: number;
  private data: Dictionary[] = [];
  private countField?: string;
  private countFields?: string[];
  private insertSource?: { query: Dictionary; columns: string[] };
  private subQueries = new Map<string, RawQueryFragment>();
  private lockTables?: string[];
  private countDistinct = false;
  readonly alias: string;

  constructor(
    private meta: EntityMetadata<T>,
    private readonly em: EntityManager,
    alias?: string,
    /** Where selects run with read replicas: `read` (the default with `preferReadReplicas`) or `write`. */
    private readonly connectionType?: ConnectionType,
  ) {
    this.alias = alias ?? meta.alias;
    this.qualify = alias !== undefined;
  }

  select(fields: Field | readonly Field[], distinct = false): this {
    this.kind = 'select';
    const list = Array.isArray(fields) ? [...fields] : [fields as Field];
    this.fields = list.map(f => this.field(f));
    this.distinctRows = distinct;
    return this;
  }

  addSelect(fields: Field | readonly Field[]): this {
    const list = Array.isArray(fields) ? [...fields] : [fields as Field];
    this.fields = [...(this.fields ?? []), ...list.map(f => this.field(f))];
    return this;
  }

  /** `select distinct …`. */
  distinct(): this {
    this.distinctRows = true;
    return this;
  }

  /** `select distinct on (…)` (PostgreSQL). */
  distinctOn(fields: string | string[]): this {
    this.distinctOnFields = (Array.isArray(fields) ? fields : [fields]).map(f => this.stripAlias(f));
    return this;
  }

  /** A `/* text *\/` comment before the statement. */
  comment(text: string | string[]): this {
    this.comments.push(...(Array.isArray(text) ? text : [text]));
    return this;
  }

  /** An optimizer hint: `select /*+ text *\/ …`. */
  hintComment(text: string | string[]): this {
    this.hintComments.push(...(Array.isArray(text) ? text : [text]));
    return this;
  }

  /** SQL written after the table, such as `force index(…)` (MySQL). */
  indexHint(sql: string): this {
    this.indexHintSql = sql;
    return this;
  }

  /** The collation ordered columns compare by. */
  collation(name: string): this {
    this.collationName = name;
    return this;
  }

  /** The schema of the queried table. */
  withSchema(schema: string): this {
    this.schemaName = schema;
    return this;
  }

  /** `QueryFlag` values: `DISABLE_PAGINATE` makes a limit over to-many joins limit rows. */
  setFlag(flag: string): this {
    this.flags.add(flag);
    return this;
  }

  unsetFlag(flag: string): this {
    this.flags.delete(flag);
    return this;
  }

  hasFlag(flag: string): boolean {
    return this.flags.has(flag);
  }

  /** The query as a raw fragment, usable as a value or (with `.as()`) a column. */
  toRaw(): RawQueryFragment {
    return new NativeQuery(this.getQuery(), this.getParams());
  }

  /** As `toRaw()`: there is no separate native query object in mikro-native. */
  getNativeQuery(): RawQueryFragment {
    return this.toRaw();
  }

  private field(f: Field): Field {
    return typeof f === 'string' ? this.stripAlias(f) : f;
  }

  private stripAlias(field: string): string {
    return field.startsWith(`${this.alias}.`) ? field.substring(this.alias.length + 1) : field;
  }

  /** Sets the condition; with `'$and'` / `'$or'` as the second argument, combines it with the one set. */
  where(cond: FilterQuery<T> | string | RawQueryFragment, params: unknown[] | '$and' | '$or' = []): this {
    if (params === '$and' || params === '$or') {
      return this.combine(params === '$and' ? 'and' : 'or', this.toClause(cond, []));
    }
    this.clause = this.toClause(cond, params);
    return this;
  }

  andWhere(cond: FilterQuery<T> | string | RawQueryFragment, params: unknown[] = []): this {
    return this.combine('and', this.toClause(cond, params));
  }

  orWhere(cond: FilterQuery<T> | string | RawQueryFragment, params: unknown[] = []): this {
    return this.combine('or', this.toClause(cond, params));
  }

  private toClause(cond: FilterQuery<T> | string | RawQueryFragment, params: unknown[]): Clause {
    if (isRaw(cond)) {
      return { raw: rawWithParams(cond.sql, cond.params) };
    }
    if (typeof cond === 'string') {
      return { raw: rawWithParams(cond, params) };
    }
    return { filter: this.subQueryKeys(cond as Dictionary) };
  }

  /**
   * `withSubQuery(sub, 'a.booksTotal')`: conditions and order on `booksTotal` compare the
   * subquery's value.
   */
  withSubQuery(sub: RawQueryFragment | QueryBuilder<any>, alias: string): this {
    const fragment = isRaw(sub) ? sub : sub.toRaw();
    this.subQueries.set(this.stripAlias(alias), new RawQueryFragment(`(${fragment.sql})`, fragment.params));
    return this;
  }

  /** Top-level keys naming a `withSubQuery()` alias become that subquery. */
  private subQueryKeys(cond: Dictionary): Dictionary {
    if (this.subQueries.size === 0 || !Object.keys(cond).some(k => this.subQueries.has(this.stripAlias(k)))) {
      return cond;
    }
    const out: Dictionary = {};
    for (const [k, v] of Object.entries(cond)) {
      const sub = this.subQueries.get(this.stripAlias(k));
      out[sub ? String(sub) : k] = v;
    }
    return out;
  }

  /**
   * Joins the relation `field` (`'b.author'`: an alias and a property, or a property of the
   * root) as `alias`; `cond` adds conditions to the join. `join` is an inner join.
   */
  join(field: JoinTarget, alias: string, cond: FilterQuery<any> = {}, type: (typeof JoinType)[keyof typeof JoinType] = JoinType.innerJoin): this {
    return this.addJoin(field, alias, cond as Dictionary, type === JoinType.leftJoin, false);
  }

  innerJoin(field: JoinTarget, alias: string, cond: FilterQuery<any> = {}): this {
    return this.addJoin(field, alias, cond as Dictionary, false, false);
  }

  leftJoin(field: JoinTarget, alias: string, cond: FilterQuery<any> = {}): this {
    return this.addJoin(field, alias, cond as Dictionary, true, false);
  }

  /** Joins and selects the relation (`fields`: only those): `getResultList()` populates it. */
  joinAndSelect(field: JoinTarget, alias: string, cond: FilterQuery<any> = {}, type: (typeof JoinType)[keyof typeof JoinType] = JoinType.innerJoin, _path?: string, fields?: string[]): this {
    return this.addJoin(field, alias, (cond ?? {}) as Dictionary, type === JoinType.leftJoin, true, fields);
  }

  innerJoinAndSelect(field: JoinTarget, alias: string, cond: FilterQuery<any> = {}, fields?: string[]): this {
    return this.addJoin(field, alias, (cond ?? {}) as Dictionary, false, true, fields);
  }

  leftJoinAndSelect(field: JoinTarget, alias: string, cond: FilterQuery<any> = {}, fields?: string[]): this {
    return this.addJoin(field, alias, (cond ?? {}) as Dictionary, true, true, fields);
  }

  /** `left join lateral (subquery) as alias [on cond]`: the subquery sees the tables before it. */
  leftJoinLateral(field: QueryBuilder<any>, alias: string, cond: FilterQuery<any> = {}): this {
    return this.addJoin(field, alias, cond as Dictionary, true, false, undefined, true);
  }

  innerJoinLateral(field: QueryBuilder<any>, alias: string, cond: FilterQuery<any> = {}): this {
    return this.addJoin(field, alias, cond as Dictionary, false, false, undefined, true);
  }

  joinLateral(field: QueryBuilder<any>, alias: string, cond: FilterQuery<any> = {}, type: (typeof JoinType)[keyof typeof JoinType] = JoinType.innerJoin): this {
    return this.addJoin(field, alias, cond as Dictionary, type === JoinType.leftJoin, false, undefined, true);
  }

  /** `alias.column` of a derived table: written as that identifier (the engine knows no such entity). */
  private derivedRef(name: string): string | RawQueryFragment {
    const dot = name.indexOf('.');
    const derived = dot > 0 && this.joins.some(j => j.path === '' && j.alias === name.substring(0, dot));
    return derived ? new RawQueryFragment('??', [name]) : name;
  }

  private derivedKeys(cond: Dictionary): Dictionary {
    const out: Dictionary = {};
    for (const [k, v] of Object.entries(cond)) {
      const ref = this.derivedRef(k);
      out[typeof ref === 'string' ? ref : String(ref)] = v;
    }
    return out;
  }

  private addJoin(target: JoinTarget, alias: string, cond: Dictionary, left: boolean, select: boolean, fields?: string[], lateral = false): this {
    if (typeof target !== 'string' && !Array.isArray(target)) {
      // A derived table: its columns are named `alias.column` in fields and conditions.
      const source = isRaw(target) ? { raw: target as RawQueryFragment } : { query: (target as QueryBuilder<any>).toObject() };
      this.joins.push({ path: '', alias, left, select: false, relation: '', source, lateral: lateral || undefined });
      const on = Object.keys(cond).length > 0 ? this.derivedKeys(cond) : undefined;
      this.joins[this.joins.length - 1].cond = on;
      return this;
    }
    const [field, sub] = typeof target === 'string' ? [target, undefined] : (target as readonly [string, QueryBuilder<any>]);
    const dot = field.indexOf('.');
    const from = dot < 0 ? this.alias : field.substring(0, dot);
    const name = dot < 0 ? field : field.substring(dot + 1);
    const parent = from === this.alias ? '' : this.joins.find(j => j.alias === from)?.relation;
    if (parent === undefined) {
      throw new ValidationError(`Trying to join ${field}, but '${from}' is not a known alias (the root's is '${this.alias}')`);
    }
    const relation = parent ? `${parent}.${name}` : name;
    this.joins.push({
      path: field,
      alias,
      left,
      select,
      cond: Object.keys(cond).length > 0 ? cond : undefined,
      relation,
      fields: fields?.map(f => (f.startsWith(`${alias}.`) ? f.substring(alias.length + 1) : f)),
      source: sub && { query: sub.toObject() },
    });
    return this;
  }

  /** `group by` the fields (`'author'`, `'a.name'`, or raw fragments). */
  groupBy(fields: Field | readonly Field[]): this {
    const list = Array.isArray(fields) ? [...fields] : [fields as Field];
    this.groups.push(...list.map(f => this.field(f)));
    return this;
  }

  /** `having`: a condition object, SQL with `?` parameters, or a raw fragment. */
  having(cond: FilterQuery<T> | string | RawQueryFragment, params: unknown[] = []): this {
    this.havingClause = this.toClause(this.aliasKeys(cond), params);
    return this;
  }

  /**
   * Keys of a `having` that name a select alias (`count(*) as cnt`, `qb.as('cnt')`) rather than a
   * property become that identifier, after the properties' conditions, as MikroORM writes them.
   */
  private aliasKeys<C>(cond: C): C {
    if (!cond || typeof cond !== 'object' || isRaw(cond)) {
      return cond;
    }
    const aliases = new Set<string>();
    for (const f of this.fields ?? []) {
      const named = f instanceof SubQueryField ? f.alias : isRaw(f) ? rawAlias(f) : undefined;
      if (named) {
        aliases.add(named);
      }
    }
    const keys = Object.keys(cond);
    if (!keys.some(k => aliases.has(k) && !(k in this.meta.properties))) {
      return cond;
    }
    const props: Dictionary = {};
    const named: Dictionary = {};
    for (const k of keys) {
      const v = (cond as Dictionary)[k];
      if (aliases.has(k) && !(k in this.meta.properties)) {
        named[String(new RawQueryFragment('??', [k]))] = v;
      } else {
        props[k] = v;
      }
    }
    return { ...props, ...named } as C;
  }

  andHaving(cond: FilterQuery<T> | string | RawQueryFragment, params: unknown[] = []): this {
    cond = this.aliasKeys(cond);
    const item = this.toClause(cond, params);
    const cur = this.havingClause;
    this.havingClause = !cur ? item : 'and' in cur ? { and: [...cur.and, item] } : { and: [cur, item] };
    return this;
  }

  orHaving(cond: FilterQuery<T> | string | RawQueryFragment, params: unknown[] = []): this {
    const item = this.toClause(this.aliasKeys(cond), params);
    this.havingClause = this.havingClause ? { or: [this.havingClause, item] } : item;
    return this;
  }

  private combine(op: 'and' | 'or', item: Clause): this {
    const cur = this.clause;
    if (!cur) {
      this.clause = item;
    } else if (op === 'and') {
      this.clause = 'and' in cur ? { and: [...cur.and, item] } : { and: [cur, item] };
    } else {
      this.clause = { or: [cur, item] };
    }
    return this;
  }

  /** Sets the order (replacing an earlier one, as MikroORM). */
  orderBy(order: OrderDefinition<T>): this {
    this.order = [];
    return this.andOrderBy(order);
  }

  /** Adds to the order. */
  andOrderBy(order: OrderDefinition<T>): this {
    const list = (Array.isArray(order) ? order : [order]) as Dictionary[];
    this.order.push(...list.map(o => this.subQueryKeys(o)));
    return this;
  }

  limit(limit?: number, offset = 0): this {
    this.limitValue = limit;
    if (offset) {
      this.offsetValue = offset;
    }
    return this;
  }

  offset(offset?: number): this {
    this.offsetValue = offset;
    return this;
  }

  count(field?: string | readonly string[], distinct = false): this {
    this.kind = 'count';
    const fields = field === undefined ? [] : typeof field === 'string' ? [field] : [...field];
    this.countField = fields.length === 1 ? this.stripAlias(fields[0]) : undefined;
    this.countFields = fields.length > 1 ? fields.map(f => this.stripAlias(f)) : undefined;
    this.countDistinct = distinct;
    return this;
  }

  /**
   * `insert into … select …`: the rows `source` selects. Its fields name the columns (a field
   * `a.name` fills `name`); `columns` names them for raw fields.
   */
  insertFrom(source: QueryBuilder<any>, options: { columns?: readonly string[] } = {}): this {
    const fields = source.fields ?? [];
    const columns =
      options.columns ??
      fields.map(f => {
        if (typeof f !== 'string') {
          throw new ValidationError(`qb.insertFrom() into ${this.meta.className}: name the columns of raw fields with the columns option`);
        }
        return f.includes('.') ? f.substring(f.indexOf('.') + 1) : f;
      });
    this.kind = 'insert';
    this.insertSource = { query: source.toObject(), columns: [...columns] };
    return this;
  }

  insert(data: EntityData<T> | EntityData<T>[]): this {
    this.kind = 'insert';
    this.data = (Array.isArray(data) ? data : [data]).map(d => this.toEngine(d as Dictionary));
    return this;
  }

  update(data: EntityData<T>): this {
    this.kind = 'update';
    this.data = [this.toEngine(data as Dictionary)];
    return this;
  }

  delete(cond?: FilterQuery<T>): this {
    this.kind = 'delete';
    if (cond) {
      this.clause = { filter: cond as Dictionary };
    }
    return this;
  }

  private toEngine(d: Dictionary): Dictionary {
    const out: Dictionary = {};
    for (const [k, v] of Object.entries(d)) {
      const p = this.meta.properties[k];
      out[k] = p ? engineValue(p, v) : v;
    }
    return out;
  }

  /** `insert … on conflict (fields)`: then `merge()` or `ignore()`. */
  /** The conflict target: properties, or raw SQL (`raw('(email) where age is null')`). */
  onConflict(fields?: string | string[] | RawQueryFragment): this {
    if (isRaw(fields)) {
      this.conflict = { fields: [], target: fields, merge: [], ignore: false };
      return this;
    }
    this.conflict = { fields: fields === undefined ? [] : Array.isArray(fields) ? fields : [fields], merge: [], ignore: false };
    return this;
  }

  /** Updates the conflicting row: with the inserted values (of `fields`), or with `data`. */
  merge(data?: string[] | EntityData<T>): this {
    const c = this.requireConflict('merge');
    if (Array.isArray(data)) {
      c.merge = data;
    } else if (data) {
      c.mergeData = this.toEngine(data as Dictionary);
    } else {
      c.merge = [...new Set(this.data.flatMap(d => Object.keys(d)))];
    }
    return this;
  }

  /** Leaves the conflicting row as it is (`do nothing`). */
  ignore(): this {
    this.requireConflict('ignore').ignore = true;
    return this;
  }

  private requireConflict(what: string): OnConflict {
    if (!this.conflict) {
      throw new ValidationError(`qb.${what}() needs qb.onConflict() first`);
    }
    return this.conflict;
  }

  /** The columns an insert, update or delete returns (`'*'` for all). */
  returning(fields: string | string[]): this {
    this.returningFields = Array.isArray(fields) ? fields : [fields];
    return this;
  }

  /** Deletes every row (`truncate`, or `delete from` where the dialect has none). */
  truncate(): this {
    this.kind = 'truncate';
    return this;
  }

  /** A lock on the selected rows: pessimistic modes need a transaction; `OPTIMISTIC` a version. */
  /** Locks the selected rows; `tables` (aliases) limits the lock to their rows where the database can. */
  setLockMode(mode?: number, tables?: readonly string[]): this {
    if (mode === 1 && !this.meta.props.some(p => p.version)) {
      throw new OptimisticLockError(`The optimistic lock on entity ${this.meta.className} failed`);
    }
    this.lockMode = mode;
    this.lockTables = tables && tables.length > 0 ? [...tables] : undefined;
    this.checkLock();
    return this;
  }

  /** `with name as (query)`: a common table expression (`columns`, `materialized` as options). */
  with(name: string, query: QueryBuilder | RawQueryFragment, options: { columns?: string[]; materialized?: boolean } = {}): this {
    return this.addCte(name, query, options, false);
  }

  withRecursive(name: string, query: QueryBuilder | RawQueryFragment, options: { columns?: string[]; materialized?: boolean } = {}): this {
    return this.addCte(name, query, options, true);
  }

  private addCte(name: string, query: QueryBuilder | RawQueryFragment, options: { columns?: string[]; materialized?: boolean }, recursive: boolean): this {
    const body = isRaw(query) ? { ...query.toJSON() } : { query: query.toObject() };
    this.ctes.push({ name, ...body, columns: options.columns, materialized: options.materialized, recursive });
    return this;
  }

  /**
   * Reads from another source: a subquery (`from(qb, 'sub')`), a named table such as a CTE
   * (`from('adults', 'ad')`), or another entity (`from(Book)`).
   */
  from(source: QueryBuilder | string | EntityName<any>, alias?: string): this {
    if (source instanceof QueryBuilder) {
      this.source = { query: source.toObject() };
      // Without an alias, the next one of the entity's letter (`a1`), as MikroORM.
      this.fromAlias = alias ?? `${this.meta.alias.replace(/\d+$/, '')}1`;
    } else if (typeof source === 'string' && !this.em.getMetadata().find(source)) {
      this.source = { table: source };
      this.fromAlias = alias;
    } else {
      const meta = this.em.getMetadata().get(source as EntityName<any>);
      this.meta = meta as EntityMetadata<T>;
      this.fromAlias = alias;
    }
    return this;
  }

  /** `(this) union (other) …`: rows of every select, without duplicates. */
  union(...others: QueryBuilder[]): QueryBuilder<T> {
    return this.combineWith(false, others);
  }

  /** `(this) union all (other) …`: rows of every select. */
  unionAll(...others: QueryBuilder[]): QueryBuilder<T> {
    return this.combineWith(true, others);
  }

  private combineWith(all: boolean, others: QueryBuilder[]): QueryBuilder<T> {
    const qb = this.clone();
    qb.unionOf = { all, parts: others };
    return qb;
  }

  /** This query as a column of another (`select([..., sub.as('cnt')])`). */
  /** The query as a column: `qb.as('alias')`, or `qb.as(Entity, 'prop')` under that property's column name. */
  as(alias: string): SubQueryField;
  as<E extends object>(entity: EntityName<E>, prop: string): SubQueryField;
  as(aliasOrEntity: string | EntityName<object>, prop?: string): SubQueryField {
    if (typeof aliasOrEntity === 'string') {
      return new SubQueryField(this, aliasOrEntity);
    }
    const meta = this.em.getMetadata(aliasOrEntity);
    const p = prop === undefined ? undefined : meta.properties[prop];
    if (!p) {
      throw new ValidationError(`qb.as(${meta.className}, '${String(prop)}'): ${meta.className} has no property '${String(prop)}'`);
    }
    return new SubQueryField(this, p.fieldNames[0]);
  }

  /** As a value in a condition (`{ id: { $in: qb } }`) the query is a subquery. */
  toJSON(): unknown {
    return { $query: this.toObject() };
  }

  /** @internal The engine's query model. */
  toObject(kind: Kind = this.kind, limit = this.limitValue): Dictionary {
    // The alias is sent for every kind (it is stripped from `alias.prop` keys); only selects
    // and queries given an alias write it.
    const reading = (kind === 'select' || kind === 'count') && !this.unionOf;
    return {
        kind,
        entity: this.meta.index,
        alias: this.fromAlias ?? this.alias,
        ctes: this.ctes.length > 0 ? this.ctes : undefined,
        from: this.source,
        union: this.unionOf && { all: this.unionOf.all, parts: this.unionOf.parts.map(p => p.toObject()) },
        fields: kind === 'select' ? this.fields?.map(f => (typeof f === 'string' ? this.derivedRef(f) : f)) : undefined,
        joins: this.joins.map(({ relation: _relation, ...j }) => j),
        groupBy: reading ? this.groups : undefined,
        having: reading ? this.havingClause : undefined,
        clause: this.clause,
        orderBy: reading ? this.order : [],
        limit: reading ? limit : undefined,
        offset: reading ? this.offsetValue : undefined,
        plainCount: true,
        qualify: this.qualify,
        data: this.data,
        countField: kind === 'count' ? this.countField : undefined,
        countFields: kind === 'count' ? this.countFields : undefined,
        insertFrom: kind === 'insert' ? this.insertSource : undefined,
        distinct: kind === 'count' ? this.countDistinct : this.distinctRows,
        onConflict: kind === 'insert' ? this.conflict : undefined,
        // MikroORM writes no `returning` for a delete.
        returning: kind === 'delete' ? undefined : this.returningFields,
        lockMode: kind === 'select' ? this.lockMode : undefined,
        lockTables: kind === 'select' ? this.lockTables : undefined,
        comments: this.comments.length > 0 ? this.comments : undefined,
        hintComments: this.hintComments.length > 0 ? this.hintComments : undefined,
        indexHint: this.indexHintSql,
        collation: this.collationName,
        schema: this.schemaName,
        disablePaginate: this.flags.has('DISABLE_PAGINATE') || undefined,
        distinctOn: this.distinctOnFields.length > 0 ? this.distinctOnFields : undefined,
    };
  }

  private toJson(kind: Kind = this.kind, limit = this.limitValue): string {
    const query = this.toObject(kind, limit);
    return JSON.stringify(query, needsReplacer(query) ? engineReplacer : undefined);
  }

  /** A raw result row as property names and runtime values. */
  private mapRow(row: Dictionary): Dictionary {
    return this.meta.runtime.mapRow(row, this.em.getDriver().dateFromDb);
  }

  private compiled(): { sql: string; params: unknown[]; formatted: string } {
    const driver = this.em.getDriver();
    const c = JSON.parse(driver.call(() => driver.native.compileQuery(this.toJson()))) as { sql: string; params: unknown[]; formatted: string; dates: number[] };
    // Parameters of datetime columns are `Date`s, as the user gave them.
    for (const i of c.dates) {
      c.params[i] = new Date(c.params[i] as number | string);
    }
    return c;
  }

  getQuery(): string {
    const driver = this.em.getDriver();
    return driver.call(() => driver.native.compileSql(this.toJson()));
  }

  getParams(): unknown[] {
    return this.compiled().params;
  }

  getFormattedQuery(): string {
    return this.compiled().formatted;
  }

  toQuery(): { sql: string; params: unknown[] } {
    const { sql, params } = this.compiled();
    return { sql, params };
  }

  /**
   * Runs the query: `all` → rows, `get` → one row, `run` → `{ affectedRows, insertId, row, rows }`
   * (the default for inserts, updates and deletes, `all` for selects).
   */
  async execute<R = any>(method?: 'all' | 'get' | 'run', mapResults = true): Promise<R> {
    method ??= this.kind === 'select' || this.kind === 'count' ? 'all' : 'run';
    if (this.kind === 'select' && this.joins.some(j => j.select) && method !== 'run') {
      // Rows of joined relations become nested objects (one per root row), as MikroORM maps them:
      // loaded through a fork of their own, so the caller's identity map stays as it was.
      this.checkLock();
      const fork = this.em.fork({ keepTransactionContext: true });
      const found = await fork.runFind(this.meta, this.toJson('select', method === 'get' ? 1 : this.limitValue), false, this.populated(), this.connectionType);
      const paths = this.populated().paths;
      const rows = found.map(e => plainRow(e, paths, ''));
      return (method === 'get' ? rows[0] : rows) as R;
    }
    this.checkLock();
    const driver = await this.em.ready();
    const limit = method === 'get' && this.kind === 'select' ? 1 : this.limitValue;
    const query = this.toJson(this.kind, limit);
    const reads = this.kind === 'select' || this.kind === 'count';
    const type = reads ? (this.connectionType ?? driver.readConnection) : 'write';
    const res = await driver.query<{ rows: Dictionary[]; affectedRows: number; insertId?: number }>(query, method, this.em.activeTransaction(), type);
    if ((this.kind !== 'select' && this.kind !== 'count') || method === 'run') {
      // As MikroORM: `get` gives the first returned row (or null); `all` gives the rows an update
      // or delete returned; otherwise the result object.
      if (method === 'get' && this.kind !== 'select' && this.kind !== 'count') {
        return (res.rows.length > 0 ? this.mapRow(res.rows[0]) : null) as R;
      }
      // Without `returning` (MySQL) an update or delete returns no rows.
      if (method === 'all' && (this.kind === 'update' || this.kind === 'delete') && (res.rows.length > 0 || !driver.supportsReturning)) {
        return res.rows.map(r => this.mapRow(r)) as R;
      }
      // An insert's id is MySQL's (the first new row's); with `returning` the rows tell it.
      const insertId = this.kind === 'insert' && driver.supportsReturning ? undefined : res.insertId;
      return { affectedRows: res.affectedRows, insertId, row: res.rows[0], rows: res.rows } as R;
    }
    const rows = mapResults ? res.rows.map(r => this.mapRow(r)) : res.rows;
    return (method === 'get' ? rows[0] : rows) as R;
  }

  /**
   * Streams the results one at a time, reading 100 rows per step: entities (not managed; a
   * joined collection's owner comes once, complete, unless `mergeResults: false`), plain objects
   * with `mapResults: false`, or the driver's rows with `rawResults: true`.
   */
  async *stream(options: { mapResults?: boolean; mergeResults?: boolean; rawResults?: boolean } = {}): AsyncIterableIterator<any> {
    this.checkLock();
    if (this.kind !== 'select') {
      throw new ValidationError(`qb.stream() needs a select query (this one is a ${this.kind} of ${this.meta.className})`);
    }
    const plain = options.mapResults === false;
    if (options.rawResults || (plain && !this.joins.some(j => j.select))) {
      yield* this.streamRows(!options.rawResults);
      return;
    }
    const populated = this.populated();
    for await (const e of this.em.streamQuery(this.meta, this.toJson(), populated, STREAM_CHUNK, options.mergeResults !== false)) {
      yield plain ? plainRow(e, populated.paths, '') : e;
    }
  }

  private async *streamRows(map: boolean): AsyncIterableIterator<Dictionary> {
    const driver = await this.em.ready();
    const stream = await driver.openStream(this.toJson(), this.em.activeTransaction());
    const token = {};
    abandonedStreams.register(token, { driver, stream }, token);
    let done = false;
    try {
      while (!done) {
        const res = await driver.streamRows(stream, STREAM_CHUNK);
        done = res.done;
        yield* map ? res.rows.map(r => this.mapRow(r)) : res.rows;
      }
    } finally {
      abandonedStreams.unregister(token);
      if (!done) {
        driver.closeStream(stream);
      }
    }
  }

  /** Pessimistic locks need a transaction, as in MikroORM. */
  private checkLock(): void {
    if (this.kind === 'select' && this.lockMode !== undefined && this.lockMode > 1 && !this.em.activeTransaction()) {
      throw new ValidationError('An open transaction is required for this operation');
    }
  }

  async getResultList(): Promise<Loaded<T>[]> {
    this.checkLock();
    if (this.kind !== 'select') {
      throw new ValidationError(`You cannot merge entity '${this.meta.className}' without identifier!`);
    }
    return (await this.em.runFind(this.meta, this.toJson(), false, this.populated(), this.connectionType)) as Loaded<T>[];
  }

  /** The relations `…AndSelect` joins populate. */
  private populated(): { joined: string[]; selectIn: string[]; paths: string[] } {
    const paths = this.joins.filter(j => j.select).map(j => j.relation);
    return { joined: paths, selectIn: [], paths };
  }

  async getResult(): Promise<Loaded<T>[]> {
    return this.getResultList();
  }

  async getSingleResult(): Promise<Loaded<T> | null> {
    const [first] = (await this.em.runFind(this.meta, this.toJson('select', 1), false, this.populated(), this.connectionType)) as Loaded<T>[];
    return first ?? null;
  }

  async getCount(): Promise<number> {
    const driver = await this.em.ready();
    // The count of all matching rows: without the page and order, keys counted once.
    const query = { ...this.toObject('count'), orderBy: [], limit: undefined, offset: undefined, plainCount: false };
    const res = await driver.query<{ rows: { count: number }[] }>(JSON.stringify(query, needsReplacer(query) ? engineReplacer : undefined), 'get', this.em.activeTransaction(), this.connectionType ?? driver.readConnection);
    return Number(res.rows[0]?.count ?? 0);
  }

  async getResultAndCount(): Promise<[Loaded<T>[], number]> {
    return [await this.getResultList(), await this.getCount()];
  }

  // ---- MikroORM QueryBuilder API that mikro-native does not implement yet.

  populate(..._args: unknown[]): never {
    return notImplemented('qb.populate() (relations)');
  }
  cache(..._args: unknown[]): never {
    return notImplemented('qb.cache() (result cache)');
  }

  clone(): QueryBuilder<T> {
    const qb = new (this.constructor as typeof QueryBuilder<T>)(this.meta, this.em, this.alias, this.connectionType);
    Object.assign(qb, { ...this, order: [...this.order], data: [...this.data], fields: this.fields && [...this.fields], joins: [...this.joins], groups: [...this.groups], subQueries: new Map(this.subQueries) });
    return qb;
  }
}
