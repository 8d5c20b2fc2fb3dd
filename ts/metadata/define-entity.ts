import type { Type } from './types-map.js';
import type { Dictionary, EntityClass, Opt, Primary } from '../typings.js';
import type { Ref } from '../entity/reference.js';
import type { Collection } from '../entity/collection.js';
import { EntitySchema } from './entity-schema.js';
import type { EntitySchemaMetadata, IndexOptions, PropertyOptions } from './types.js';

/**
 * A chainable property definition for `defineEntity`. `Value` is the property's JS type,
 * `Nullable` and `Optional` drive the inferred entity type.
 */
export class PropertyBuilder<Value, Nullable extends boolean = false, Optional extends boolean = false> {
  declare readonly '~value'?: Value;
  declare readonly '~nullable'?: Nullable;
  declare readonly '~optional'?: Optional;

  readonly '~options': PropertyOptions;

  constructor(options: PropertyOptions) {
    this['~options'] = options;
  }

  /** A builder of the same class with more options (a relation's chain keeps its methods). */
  private with<V = Value, N extends boolean = Nullable, O extends boolean = Optional>(
    options: PropertyOptions,
  ): PropertyBuilder<V, N, O> {
    const cls = this.constructor as new (o: PropertyOptions) => PropertyBuilder<V, N, O>;
    return new cls({ ...this['~options'], ...options });
  }

  primary(primary = true): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ primary });
  }
  autoincrement(autoincrement = true): PropertyBuilder<Value, Nullable, true> {
    return this.with({ autoincrement });
  }
  nullable(): PropertyBuilder<Value, true, true> {
    return this.with({ nullable: true });
  }
  unique(unique: boolean | string = true): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ unique });
  }
  index(index: boolean | string = true): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ index });
  }
  default(value: string | number | boolean | null): PropertyBuilder<Value, Nullable, true> {
    return this.with({ default: value });
  }
  defaultRaw(sql: string): PropertyBuilder<Value, Nullable, true> {
    return this.with({ defaultRaw: sql });
  }
  onCreate(fn: (entity: any, em?: unknown) => Value): PropertyBuilder<Value, Nullable, true> {
    return this.with({ onCreate: fn });
  }
  onUpdate(fn: (entity: any, em?: unknown) => Value): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ onUpdate: fn });
  }
  hidden(hidden = true): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ hidden });
  }
  length(length: number): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ length });
  }
  precision(precision: number): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ precision });
  }
  scale(scale: number): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ scale });
  }
  unsigned(unsigned = true): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ unsigned });
  }
  fieldName(fieldName: string): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ fieldName });
  }
  /** The PostgreSQL enum type of an enum property (`create type … as enum`; other dialects ignore it, as MikroORM does). */
  nativeEnumName(nativeEnumName: string): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ nativeEnumName });
  }
  columnType(columnType: string): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ columnType });
  }
  comment(comment: string): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ comment });
  }
  serializedName(serializedName: string): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ serializedName });
  }
  persist(persist = true): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ persist });
  }
  /** An integer version for optimistic locking (starts at 1, incremented by every update). */
  version(version = true): PropertyBuilder<Value, Nullable, true> {
    return this.with({ version });
  }
  /** Marks the property optional in `em.create()` without a default. */
  optional(): PropertyBuilder<Value, Nullable, true> {
    return this.with({});
  }
  /** A computed property: SQL selected instead of a column (`cols => \`${cols.price} * 1.19\``). */
  formula(formula: string | FormulaCallback): PropertyBuilder<Value, Nullable, true> {
    return this.with({ formula });
  }
  /** Left out of selects unless populated (`populate: ['bio']`). */
  lazy(lazy = true): PropertyBuilder<Value, Nullable, Optional> {
    return this.with({ lazy });
  }
}

/** A formula: gets the columns (`cols.price` is the aliased column) and the table, returns SQL. */
export type FormulaCallback = (columns: Record<string, string> & { toString(): string }, table: { alias: string; name: string; qualifiedName: string; toString(): string }) => string;

/** An embedded property definition: the embeddable plus how it is stored. */
export class EmbeddedBuilder<Value, Nullable extends boolean = false, Optional extends boolean = false> extends PropertyBuilder<Value, Nullable, Optional> {
  private emb<N extends boolean = Nullable, O extends boolean = Optional>(options: PropertyOptions): EmbeddedBuilder<Value, N, O> {
    return new EmbeddedBuilder<Value, N, O>({ ...this['~options'], ...options });
  }

  override nullable(): EmbeddedBuilder<Value, true, true> {
    return this.emb({ nullable: true });
  }
  /** The columns' prefix (default: the property's column name and `_`; `false` for none). */
  prefix(prefix: string | false): EmbeddedBuilder<Value, Nullable, Optional> {
    return this.emb({ prefix });
  }
  /** Stored as one JSON column instead of a column per property. */
  object(object = true): EmbeddedBuilder<Value, Nullable, Optional> {
    return this.emb({ object });
  }
  array(array = true): EmbeddedBuilder<Value[], Nullable, Optional> {
    return new EmbeddedBuilder<Value[], Nullable, Optional>({ ...this['~options'], array });
  }
}

/** A many-to-one property definition: the target entity plus relation options. */
export class ManyToOneBuilder<Value, Nullable extends boolean = false, Optional extends boolean = false> extends PropertyBuilder<Value, Nullable, Optional> {
  private rel<V = Value, N extends boolean = Nullable, O extends boolean = Optional>(options: PropertyOptions): ManyToOneBuilder<V, N, O> {
    return new ManyToOneBuilder<V, N, O>({ ...this['~options'], ...options });
  }

  override nullable(): ManyToOneBuilder<Value, true, true> {
    return this.rel({ nullable: true });
  }
  /** The relation is (part of) the primary key. */
  override primary(primary = true): ManyToOneBuilder<Value, Nullable, Optional> {
    return this.rel({ primary });
  }
  /** Wraps the target in a `Reference` (`Ref<T>`). */
  ref(ref = true): ManyToOneBuilder<Ref<Value & object>, Nullable, Optional> {
    return this.rel({ ref });
  }
  /** The property holds the target's primary key. */
  mapToPk(mapToPk = true): ManyToOneBuilder<Primary<Value>, Nullable, Optional> {
    return this.rel({ mapToPk });
  }
  joinColumn(joinColumn: string): ManyToOneBuilder<Value, Nullable, Optional> {
    return this.rel({ joinColumn });
  }
  deleteRule(deleteRule: 'cascade' | 'no action' | 'set null' | 'set default' | (string & {})): ManyToOneBuilder<Value, Nullable, Optional> {
    return this.rel({ deleteRule });
  }
  updateRule(updateRule: 'cascade' | 'no action' | 'set null' | 'set default' | (string & {})): ManyToOneBuilder<Value, Nullable, Optional> {
    return this.rel({ updateRule });
  }
  inversedBy(inversedBy: string): ManyToOneBuilder<Value, Nullable, Optional> {
    return this.rel({ inversedBy });
  }
  cascade(...cascade: CascadeType[]): ManyToOneBuilder<Value, Nullable, Optional> {
    return this.rel({ cascade });
  }
}

/** A one-to-many property definition: a `Collection` of the target, mapped by its many-to-one. */
export class OneToManyBuilder<Value extends object> extends PropertyBuilder<Collection<Value>, false, true> {
  private rel(options: PropertyOptions): OneToManyBuilder<Value> {
    return new OneToManyBuilder<Value>({ ...this['~options'], ...options });
  }

  mappedBy(mappedBy: string): OneToManyBuilder<Value> {
    return this.rel({ mappedBy });
  }
  orphanRemoval(orphanRemoval = true): OneToManyBuilder<Value> {
    return this.rel({ orphanRemoval });
  }
  /** The order the collection's items are loaded in. */
  orderBy(orderBy: Dictionary<'asc' | 'desc' | 'ASC' | 'DESC' | 1 | -1>): OneToManyBuilder<Value> {
    return this.rel({ orderBy });
  }
  cascade(...cascade: CascadeType[]): OneToManyBuilder<Value> {
    return this.rel({ cascade });
  }
}

/** A many-to-many property definition: a `Collection` of the target through a pivot table. */
export class ManyToManyBuilder<Value extends object> extends PropertyBuilder<Collection<Value>, false, true> {
  private rel(options: PropertyOptions): ManyToManyBuilder<Value> {
    return new ManyToManyBuilder<Value>({ ...this['~options'], ...options });
  }

  /** This side owns the pivot table. */
  owner(owner = true): ManyToManyBuilder<Value> {
    return this.rel({ owner });
  }
  inversedBy(inversedBy: string): ManyToManyBuilder<Value> {
    return this.rel({ inversedBy, owner: true });
  }
  mappedBy(mappedBy: string): ManyToManyBuilder<Value> {
    return this.rel({ mappedBy });
  }
  pivotTable(pivotTable: string): ManyToManyBuilder<Value> {
    return this.rel({ pivotTable });
  }
  joinColumn(joinColumn: string): ManyToManyBuilder<Value> {
    return this.rel({ joinColumn });
  }
  inverseJoinColumn(inverseJoinColumn: string): ManyToManyBuilder<Value> {
    return this.rel({ inverseJoinColumn });
  }
  fixedOrder(fixedOrder = true): ManyToManyBuilder<Value> {
    return this.rel({ fixedOrder });
  }
  /** The column fixed-order links are ordered by (`id` by default), the pivot's primary key. */
  fixedOrderColumn(fixedOrderColumn: string): ManyToManyBuilder<Value> {
    return this.rel({ fixedOrderColumn, fixedOrder: true });
  }
  /** An entity of its own for the pivot table, with a many-to-one to each side (and more properties). */
  pivotEntity(pivotEntity: unknown): ManyToManyBuilder<Value> {
    return this.rel({ pivotEntity });
  }
  /** The order items are loaded in (select-in, `init()`). */
  orderBy(orderBy: Dictionary<'asc' | 'desc' | 'ASC' | 'DESC' | 1 | -1>): ManyToManyBuilder<Value> {
    return this.rel({ orderBy });
  }
  cascade(...cascade: CascadeType[]): ManyToManyBuilder<Value> {
    return this.rel({ cascade });
  }
}

/** A one-to-one property definition: the owner holds a unique foreign key, the other side `mappedBy`. */
export class OneToOneBuilder<Value, Nullable extends boolean = false, Optional extends boolean = false> extends ManyToOneBuilder<Value, Nullable, Optional> {
  private one<V = Value, N extends boolean = Nullable, O extends boolean = Optional>(options: PropertyOptions): OneToOneBuilder<V, N, O> {
    return new OneToOneBuilder<V, N, O>({ ...this['~options'], ...options });
  }

  override nullable(): OneToOneBuilder<Value, true, true> {
    return this.one({ nullable: true });
  }
  override primary(primary = true): OneToOneBuilder<Value, Nullable, Optional> {
    return this.one({ primary });
  }
  /** This side holds the foreign key. */
  owner(owner = true): OneToOneBuilder<Value, Nullable, Optional> {
    return this.one({ owner });
  }
  override inversedBy(inversedBy: string): OneToOneBuilder<Value, Nullable, Optional> {
    return this.one({ inversedBy, owner: true });
  }
  /** The other side holds the foreign key (`mappedBy` its property). */
  mappedBy(mappedBy: string): OneToOneBuilder<Value, true, true> {
    return this.one({ mappedBy });
  }
}

type Target<T> = EntitySchema<T, any> | EntityClass<T>;

/** Relation cascades, as MikroORM's `Cascade` (persist is the default). */
export const Cascade = {
  PERSIST: 'persist',
  MERGE: 'merge',
  REMOVE: 'remove',
  ALL: 'all',
  SCHEDULE_ORPHAN_REMOVAL: 'schedule_orphan_removal',
  CANCEL_ORPHAN_REMOVAL: 'cancel_orphan_removal',
} as const;
export type CascadeType = (typeof Cascade)[keyof typeof Cascade];

/** Values of an enum object, without TypeScript's reverse mappings of numeric members. */
function enumValues(e: Dictionary<string | number>): (string | number)[] {
  return Object.keys(e)
    .filter(k => Number.isNaN(Number(k)))
    .map(k => e[k]);
}

function scalar<V>(type: string, extra: PropertyOptions = {}): PropertyBuilder<V> {
  return new PropertyBuilder<V>({ type, ...extra });
}

/** The JS value of a mapped type given to `p.type()`. */
type TypeValue<T> = T extends new (...args: any[]) => Type<infer J, any> ? J : T extends Type<infer J, any> ? J : unknown;

/** Property builders, as MikroORM's `p`. */
export const p = {
  string: () => scalar<string>('string'),
  text: () => scalar<string>('text'),
  integer: () => scalar<number>('integer'),
  smallint: () => scalar<number>('smallint'),
  tinyint: () => scalar<number>('tinyint'),
  bigint: <T extends 'bigint' | 'number' | 'string' = 'bigint'>(mode?: T) =>
    scalar<T extends 'number' ? number : T extends 'string' ? string : bigint>('bigint', mode ? { runtimeType: mode } : {}),
  float: () => scalar<number>('float'),
  double: () => scalar<number>('double'),
  decimal: <T extends 'number' | 'string' = 'string'>(mode?: T) =>
    scalar<T extends 'number' ? number : string>('decimal', mode ? { runtimeType: mode } : {}),
  boolean: () => scalar<boolean>('boolean'),
  datetime: () => scalar<Date>('datetime'),
  date: () => scalar<string>('date'),
  time: () => scalar<string>('time'),
  json: <T = any>() => scalar<T>('json'),
  /** A string array column (MikroORM's ArrayType): `text[]` on PostgreSQL, comma-joined text elsewhere. */
  array: <T = string>() => scalar<T[]>('array'),
  uuid: () => scalar<string>('uuid'),
  blob: () => scalar<Buffer>('blob'),
  enum: <const T extends readonly (string | number)[] | Dictionary<string | number>>(items: T | (() => T)) =>
    scalar<T extends readonly (infer I)[] ? I : T[keyof T]>('enum', {
      enum: true,
      items: typeof items === 'function' ? (items as () => Dictionary<string | number>) : Array.isArray(items) ? items : enumValues(items as Dictionary<string | number>),
    }),
  /** A property of a mapped type: a `Type` subclass or instance (its JS type is the value's), or a type name. */
  type: <T>(type: T) => new PropertyBuilder<TypeValue<T>>({ type }),
  /** A computed property of any type: `p.formula<number>(cols => \`${cols.price} * 1.19\`)`. */
  formula: <T = unknown>(formula: string | FormulaCallback) => new PropertyBuilder<T, false, true>({ type: 'any', formula }),
  /** An embeddable (`defineEntity({ embeddable: true, … })` or an `@Embeddable()` class). */
  embedded: <T extends object>(target: Target<T> | (() => Target<T>)) => new EmbeddedBuilder<T>({ kind: 'embedded', entity: target }),
  /** A many-to-one relation to `target` (or a function returning it, for circular definitions). */
  manyToOne: <T extends object>(target: Target<T> | (() => Target<T>)) => new ManyToOneBuilder<T>({ kind: 'm:1', entity: target }),
  /** A one-to-one relation to `target` (`.owner()` holds the key, `.mappedBy()` the other side). */
  oneToOne: <T extends object>(target: Target<T> | (() => Target<T>)) => new OneToOneBuilder<T>({ kind: '1:1', entity: target }),
  /** A one-to-many collection of `target`, mapped by its many-to-one (`.mappedBy('author')`). */
  oneToMany: <T extends object>(target: Target<T> | (() => Target<T>)) => new OneToManyBuilder<T>({ kind: '1:m', entity: target }),
  /** A many-to-many collection of `target` (`.owner()` / `.inversedBy()` on the owning side, `.mappedBy()` on the other). */
  manyToMany: <T extends object>(target: Target<T> | (() => Target<T>)) => new ManyToManyBuilder<T>({ kind: 'm:n', entity: target }),
};

type BuilderValue<B> = B extends () => infer R ? BuilderValue<R> : B extends PropertyBuilder<infer V, infer N, infer O>
  ? (N extends true ? V | null : V) extends infer T
    ? O extends true ? Opt<T> : T
    : never
  : never;

/** The entity type `defineEntity` infers from its property builders. */
export type InferEntityFromProperties<P> = { -readonly [K in keyof P]: BuilderValue<P[K]> };
export type InferEntity<S> = S extends EntitySchema<infer T> ? T : never;

export interface DefineEntityOptions<P> extends Omit<EntitySchemaMetadata, 'properties' | 'name'> {
  name: string;
  properties: P | ((p: typeof import('./define-entity.js').p) => P);
  indexes?: IndexOptions[];
  uniques?: IndexOptions[];
}

/** Defines an entity from property builders and returns its `EntitySchema`. */
export function defineEntity<const P extends Dictionary<PropertyBuilder<any, any, any> | (() => PropertyBuilder<any, any, any>)>>(
  options: DefineEntityOptions<P>,
): EntitySchema<InferEntityFromProperties<P>> {
  const props = typeof options.properties === 'function' ? options.properties(p) : options.properties;
  return new EntitySchema<InferEntityFromProperties<P>>({
    ...options,
    properties: props as EntitySchemaMetadata['properties'],
  } as EntitySchemaMetadata<InferEntityFromProperties<P>>);
}
defineEntity.properties = p;
