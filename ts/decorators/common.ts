// Shared pieces of the legacy (experimentalDecorators) and ES (TC39) decorator flavours.
import { NotImplementedError } from '../errors.js';
import { MetadataStorage } from '../metadata/storage.js';
import type { IndexOptions, PropertyOptions } from '../metadata/types.js';
import type { Dictionary, EntityClass } from '../typings.js';

/** Options of `@Entity()`. */
export interface EntityOptions<T = any> {
  tableName?: string;
  collection?: string;
  /** The table's schema (PostgreSQL). */
  schema?: string;
  abstract?: boolean;
  comment?: string;
  [key: string]: unknown;
  /** Only for inference of `T`. */
  '~entity'?: T;
}

export type PrimaryKeyOptions<T = any> = PropertyOptions<T>;

/** Options of `@Enum()`; `items` may be a list or a thunk returning a (TS) enum object. */
export interface EnumOptions<T = any> extends PropertyOptions<T> {
  items?: readonly (string | number)[] | (() => Dictionary<string | number>);
  array?: boolean;
  nativeEnumName?: string;
}

/** Options of `@Index()` / `@Unique()`; on a class `properties` or `expression` is required; on a property, `properties` defaults to it. */
export interface IndexDecoratorOptions<T = any> {
  name?: string;
  properties?: (keyof T & string) | (keyof T & string)[] | string | string[];
  [key: string]: unknown;
}

export type IndexKind = 'index' | 'unique';

/** Marks a class as an entity (`@Entity()`), keeping what property decorators registered. */
export function registerEntity(cls: EntityClass, options: EntityOptions = {}): void {
  const meta = MetadataStorage.getMetadataFor(cls);
  const { properties: _properties, className: _className, ...rest } = options as EntityOptions & { properties?: unknown; className?: unknown };
  Object.assign(meta, rest);
  meta.className = cls.name;
  meta.decorated = true;
}

/** Class-level `@Index({ properties })` / `@Unique({ properties })` (checked at discovery). */
export function registerClassIndex(kind: IndexKind, cls: EntityClass, options: IndexDecoratorOptions): void {
  const { properties, name, ...rest } = options;
  const meta = MetadataStorage.getMetadataFor(cls);
  const entry: IndexOptions = { ...rest, properties: properties === undefined ? undefined : Array.isArray(properties) ? [...properties] : properties } as IndexOptions;
  if (name !== undefined) {
    entry.name = name;
  }
  const list = kind === 'index' ? (meta.indexes ??= []) : (meta.uniques ??= []);
  list.push(entry);
}

/**
 * A property-level `@Index()` / `@Unique()` that is an index of its own (`properties`, or options
 * besides `name`: `type`, `expression`, …): its class-level options, over the property unless
 * `properties` says otherwise; `undefined` for a plain property index.
 */
export function indexOfItsOwn(options: IndexDecoratorOptions, property: string): IndexDecoratorOptions | undefined {
  const own = Object.entries(options).some(([k, v]) => k !== 'name' && v !== undefined);
  return own ? { ...options, properties: options.properties ?? [property] } : undefined;
}

/** What property-level `@Index()` / `@Unique()` sets on the property (`index: true` or the index name). */
export function propertyIndexOptions(kind: IndexKind, options: IndexDecoratorOptions): PropertyOptions {
  return { [kind]: options.name ?? true };
}

/** `@Enum(options | () => items)` as property options. */
export function enumOptions(options: EnumOptions | (() => Dictionary<string | number>) = {}): PropertyOptions {
  const opts = typeof options === 'function' ? { items: options } : options;
  return { ...opts, enum: true };
}

/** Options of `@ManyToOne()`. */
export interface ManyToOneOptions<T = any> extends PropertyOptions<T> {
  entity?: string | (() => unknown);
  ref?: boolean;
  mapToPk?: boolean;
  joinColumn?: string;
  deleteRule?: string;
  updateRule?: string;
  inversedBy?: string;
}

/** Options of `@OneToMany()`. */
export interface OneToManyOptions<T = any> extends Omit<PropertyOptions<T>, "mappedBy"> {
  entity?: string | (() => unknown);
  mappedBy?: string | ((item: any) => unknown);
  orphanRemoval?: boolean;
}

/** The name a `mappedBy` function reads (`book => book.author` is `'author'`). */
function mappedByName(mappedBy: string | ((item: any) => unknown) | undefined): string | undefined {
  if (typeof mappedBy !== 'function') {
    return mappedBy;
  }
  let name: string | undefined;
  const probe = new Proxy({}, { get: (_t, key) => (name ??= String(key)) });
  mappedBy(probe);
  return name;
}

/** `@ManyToOne(() => Author, options?)` / `@ManyToOne({ entity: () => Author, … })` as property options. */
export function manyToOneOptions(entity?: ManyToOneOptions | string | (() => unknown), options: ManyToOneOptions = {}): PropertyOptions {
  const opts = typeof entity === 'object' ? entity : { ...options, entity: entity ?? options.entity };
  return { ...opts, kind: 'm:1' };
}

/** `@OneToMany(() => Book, book => book.author, options?)` / `@OneToMany({ entity, mappedBy, … })`. */
export function oneToManyOptions(entity: OneToManyOptions | string | (() => unknown), mappedBy?: string | ((item: any) => unknown), options: OneToManyOptions = {}): PropertyOptions {
  const opts = typeof entity === 'object' ? entity : { ...options, entity, mappedBy: mappedBy ?? options.mappedBy };
  return { ...opts, kind: '1:m', mappedBy: mappedByName(opts.mappedBy) };
}

/** `@OneToOne(() => Profile, profile => profile.user)` (inverse side) or `@OneToOne({ entity, owner: true })`. */
export function oneToOneOptions(entity?: ManyToOneOptions | string | (() => unknown), mappedBy?: string | ((item: any) => unknown) | ManyToOneOptions, options: ManyToOneOptions = {}): PropertyOptions {
  const extra = typeof mappedBy === 'object' ? mappedBy : options;
  const opts: Dictionary = typeof entity === 'object' ? { ...entity } : { ...extra, entity: entity ?? extra.entity };
  const other = typeof mappedBy === 'object' ? undefined : mappedBy;
  if (opts.owner || opts.inversedBy !== undefined) {
    opts.inversedBy = mappedByName((opts.inversedBy as string | undefined) ?? other);
  } else {
    opts.mappedBy = mappedByName((opts.mappedBy as string | undefined) ?? other);
  }
  return { ...opts, kind: '1:1' };
}

/** Options of `@ManyToMany()`. */
export interface ManyToManyOptions<T = any> extends Omit<PropertyOptions<T>, 'mappedBy' | 'inversedBy'> {
  entity?: string | (() => unknown);
  owner?: boolean;
  mappedBy?: string | ((item: any) => unknown);
  inversedBy?: string | ((item: any) => unknown);
  pivotTable?: string;
  joinColumn?: string;
  inverseJoinColumn?: string;
  fixedOrder?: boolean;
}

/**
 * `@ManyToMany(() => Tag, tag => tag.books, { owner: true })` / `@ManyToMany({ entity, … })`: the
 * second argument names the other side (`inversedBy` on the owner, `mappedBy` otherwise).
 */
export function manyToManyOptions(entity: ManyToManyOptions | string | (() => unknown), other?: string | ((item: any) => unknown), options: ManyToManyOptions = {}): PropertyOptions {
  const opts = typeof entity === 'object' ? entity : { ...options, entity };
  const owner = opts.owner || opts.inversedBy !== undefined;
  const mappedBy = mappedByName(opts.mappedBy ?? (owner ? undefined : other));
  const inversedBy = mappedByName(opts.inversedBy ?? (owner ? other : undefined));
  return { ...opts, kind: 'm:n', owner: owner || undefined, mappedBy, inversedBy };
}

/** Class-level `@Filter({ name, cond, default?, args? })`. */
export function registerFilter(cls: EntityClass, options: import('../filters.js').FilterDef): void {
  const meta = MetadataStorage.getMetadataFor(cls);
  ((meta.filters ??= {}) as Dictionary)[options.name] = options;
}

/** Registers a method of `cls` as a hook for `event` (`@BeforeCreate()` …). */
export function registerHook(cls: EntityClass, event: string, method: string): void {
  const meta = MetadataStorage.getMetadataFor(cls);
  const hooks = (meta.hooks ??= {});
  (hooks[event] ??= []).push(method);
}

export function notImplemented(decorator: string, usedOn: string): never {
  throw new NotImplementedError(`@${decorator}() is not implemented in mikro-native yet (used on ${usedOn})`);
}

/** A decorator whose use is reported as not implemented (relations, hooks, embeddables, …). */
export type UnsupportedDecorator = (...args: any[]) => any;


/** MikroORM decorators not implemented yet: applying one throws a NotImplementedError naming it. */
export function unsupportedDecorators(unsupported: (decorator: string) => UnsupportedDecorator) {
  const make = (name: string) => (..._args: unknown[]): UnsupportedDecorator => unsupported(name);
  return {
    SerializedPrimaryKey: make('SerializedPrimaryKey'),
    Check: make('Check'),
    Trigger: make('Trigger'),
    Transactional: make('Transactional'),
    CreateRequestContext: make('CreateRequestContext'),
    EnsureRequestContext: make('EnsureRequestContext'),
  };
}
