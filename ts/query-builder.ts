import type { EntityManager } from './entity-manager.js';
import { NotImplementedError, ValidationError } from './errors.js';
import type { EntityMetadata } from './metadata/types.js';
import type { Dictionary, EntityData, FilterQuery, Loaded, OrderDefinition } from './typings.js';
import { engineValue } from './entity/codegen.js';

function notImplemented(what: string): never {
  throw new NotImplementedError(`${what} is not implemented in mikro-native yet`);
}

type Kind = 'select' | 'count' | 'insert' | 'update' | 'delete';

/** The condition as the engine receives it: filters and raw SQL fragments combined with and/or. */
type Clause = { and: Clause[] } | { or: Clause[] } | { filter: Dictionary } | { raw: { sql: string; params: unknown[] } };

function rawParam(v: unknown): unknown {
  return v instanceof Date ? v.getTime() : typeof v === 'bigint' ? v.toString() : v;
}

export interface QueryResult {
  affectedRows: number;
  insertId?: number;
  row?: Dictionary;
  rows: Dictionary[];
}

/**
 * Records query-builder calls; the engine compiles them to SQL (no SQL text is built in JS).
 */
export class QueryBuilder<T extends object = any> {
  private kind: Kind = 'select';
  private fields?: string[];
  private clause?: Clause;
  private order: Dictionary[] = [];
  private limitValue?: number;
  private offsetValue?: number;
  private data: Dictionary[] = [];
  private countField?: string;
  private countDistinct = false;
  readonly alias: string;

  constructor(
    private readonly meta: EntityMetadata<T>,
    private readonly em: EntityManager,
    alias?: string,
  ) {
    this.alias = alias ?? meta.alias;
  }

  select(fields: string | readonly string[], distinct = false): this {
    if (distinct) {
      throw new NotImplementedError('QueryBuilder.select(fields, distinct) is not implemented in mikro-native yet');
    }
    this.kind = 'select';
    const list = Array.isArray(fields) ? [...fields] : [fields as string];
    this.fields = list.map(f => this.stripAlias(f));
    return this;
  }

  addSelect(fields: string | readonly string[]): this {
    const list = Array.isArray(fields) ? [...fields] : [fields as string];
    this.fields = [...(this.fields ?? ['*']), ...list.map(f => this.stripAlias(f))];
    return this;
  }

  private stripAlias(field: string): string {
    return field.startsWith(`${this.alias}.`) ? field.substring(this.alias.length + 1) : field;
  }

  where(cond: FilterQuery<T> | string, params: unknown[] = []): this {
    this.clause = this.toClause(cond, params);
    return this;
  }

  andWhere(cond: FilterQuery<T> | string, params: unknown[] = []): this {
    return this.combine('and', this.toClause(cond, params));
  }

  orWhere(cond: FilterQuery<T> | string, params: unknown[] = []): this {
    return this.combine('or', this.toClause(cond, params));
  }

  private toClause(cond: FilterQuery<T> | string, params: unknown[]): Clause {
    if (typeof cond === 'string') {
      return { raw: { sql: cond, params: params.map(rawParam) } };
    }
    return { filter: cond as Dictionary };
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

  orderBy(order: OrderDefinition<T>): this {
    const list = (Array.isArray(order) ? order : [order]) as Dictionary[];
    this.order.push(...list);
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

  count(field?: string, distinct = false): this {
    this.kind = 'count';
    this.countField = field ? this.stripAlias(field) : undefined;
    this.countDistinct = distinct;
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

  private toJson(kind: Kind = this.kind, limit = this.limitValue): string {
    // The alias is sent for every kind (it is stripped from `alias.prop` keys); only selects
    // write it.
    return JSON.stringify(
      {
        kind,
        entity: this.meta.index,
        alias: this.alias,
        fields: kind === 'select' ? this.fields : undefined,
        clause: this.clause,
        orderBy: kind === 'select' ? this.order : [],
        limit: kind === 'select' ? limit : undefined,
        offset: kind === 'select' ? this.offsetValue : undefined,
        data: this.data,
        countField: kind === 'count' ? this.countField : undefined,
        distinct: this.countDistinct,
      },
      (_k, v) => (typeof v === 'bigint' ? v.toString() : v instanceof Date ? v.toISOString() : v),
    );
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
    return this.compiled().sql;
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

  /** Runs the query: `all` → rows, `get` → one row, `run` → `{ affectedRows, insertId, row, rows }`. */
  async execute<R = any>(method: 'all' | 'get' | 'run' = 'all', mapResults = true): Promise<R> {
    const driver = await this.em.ready();
    const limit = method === 'get' && this.kind === 'select' ? 1 : this.limitValue;
    const query = this.toJson(this.kind, limit);
    const res = driver.json<{ rows: Dictionary[]; affectedRows: number; insertId?: number }>(() => driver.native.query(query, method, driver.logLevel()));
    if (this.kind === 'insert' || this.kind === 'update' || this.kind === 'delete' || method === 'run') {
      return { affectedRows: res.affectedRows, insertId: this.kind === 'insert' ? undefined : res.insertId, row: res.rows[0], rows: res.rows } as R;
    }
    const rows = mapResults ? res.rows.map(this.meta.runtime.mapRow) : res.rows;
    return (method === 'get' ? rows[0] : rows) as R;
  }

  async getResultList(): Promise<Loaded<T>[]> {
    if (this.kind !== 'select') {
      throw new ValidationError(`You cannot merge entity '${this.meta.className}' without identifier!`);
    }
    return (await this.em.runFind(this.meta, this.toJson(), false)) as Loaded<T>[];
  }

  async getResult(): Promise<Loaded<T>[]> {
    return this.getResultList();
  }

  async getSingleResult(): Promise<Loaded<T> | null> {
    const [first] = (await this.em.runFind(this.meta, this.toJson('select', 1), false)) as Loaded<T>[];
    return first ?? null;
  }

  async getCount(): Promise<number> {
    const driver = await this.em.ready();
    const res = driver.json<{ rows: { count: number }[] }>(() => driver.native.query(this.toJson('count'), 'get', driver.logLevel()));
    return Number(res.rows[0]?.count ?? 0);
  }

  async getResultAndCount(): Promise<[Loaded<T>[], number]> {
    return [await this.getResultList(), await this.getCount()];
  }

  // ---- MikroORM QueryBuilder API that mikro-native does not implement yet.

  groupBy(..._args: unknown[]): never {
    return notImplemented('qb.groupBy()');
  }
  having(..._args: unknown[]): never {
    return notImplemented('qb.having()');
  }
  join(..._args: unknown[]): never {
    return notImplemented('qb.join() (relations)');
  }
  leftJoin(..._args: unknown[]): never {
    return notImplemented('qb.leftJoin() (relations)');
  }
  innerJoin(..._args: unknown[]): never {
    return notImplemented('qb.innerJoin() (relations)');
  }
  leftJoinAndSelect(..._args: unknown[]): never {
    return notImplemented('qb.leftJoinAndSelect() (relations)');
  }
  innerJoinAndSelect(..._args: unknown[]): never {
    return notImplemented('qb.innerJoinAndSelect() (relations)');
  }
  populate(..._args: unknown[]): never {
    return notImplemented('qb.populate() (relations)');
  }
  distinct(): never {
    return notImplemented('qb.distinct()');
  }
  returning(..._args: unknown[]): never {
    return notImplemented('qb.returning()');
  }
  onConflict(..._args: unknown[]): never {
    return notImplemented('qb.onConflict() (upsert)');
  }
  truncate(): never {
    return notImplemented('qb.truncate()');
  }
  setLockMode(..._args: unknown[]): never {
    return notImplemented('qb.setLockMode() (locking)');
  }
  cache(..._args: unknown[]): never {
    return notImplemented('qb.cache() (result cache)');
  }
  getNativeQuery(): never {
    return notImplemented('qb.getNativeQuery() (there is no Kysely query in mikro-native; use getQuery()/getParams())');
  }

  clone(): QueryBuilder<T> {
    const qb = new QueryBuilder<T>(this.meta, this.em, this.alias);
    Object.assign(qb, { ...this, order: [...this.order], data: [...this.data], fields: this.fields && [...this.fields] });
    return qb;
  }
}
