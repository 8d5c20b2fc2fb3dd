// ES (TC39) decorators (`experimentalDecorators: false`), same names as `@mikro-orm/decorators/es`.
// Member decorators only see `context` (name + a metadata object shared by the class), so they collect
// their options in `context.metadata`; `@Entity()` (the class decorator) moves them to the MetadataStorage.
import { MetadataStorage } from '../metadata/storage.js';
import type { PropertyOptions } from '../metadata/types.js';
import type { Dictionary, EntityClass } from '../typings.js';
import type { FilterDef } from '../filters.js';
import type { FormulaCallback } from '../metadata/define-entity.js';
import {
  type EntityOptions, type EnumOptions, type IndexDecoratorOptions, type IndexKind, type ManyToManyOptions, type ManyToOneOptions, type OneToManyOptions, type PrimaryKeyOptions, type UnsupportedDecorator,
  enumOptions, registerHook, manyToManyOptions, oneToOneOptions, manyToOneOptions, notImplemented, oneToManyOptions, unsupportedDecorators, propertyIndexOptions, indexOfItsOwn, registerClassIndex, registerEntity, registerFilter,
} from './common.js';

export type { EntityOptions, EnumOptions, IndexDecoratorOptions, ManyToManyOptions, ManyToOneOptions, OneToManyOptions, PrimaryKeyOptions, UnsupportedDecorator };

// Node < 22 has no `Symbol.metadata`; without it TypeScript/Babel pass `context.metadata === undefined`.
// This runs when the module is imported, i.e. before the user's decorated classes are defined.
(Symbol as unknown as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata');

const COLLECTED = Symbol.for('@mikro-native/decorators/es');

type Metadata = Record<PropertyKey, unknown>;
type MemberContext = {
  kind: string;
  name: string | symbol;
  static?: boolean;
  private?: boolean;
  metadata?: Metadata;
};
type PropertyDecoratorContext =
  | ClassFieldDecoratorContext<any, any>
  | ClassGetterDecoratorContext<any, any>
  | ClassSetterDecoratorContext<any, any>
  | ClassAccessorDecoratorContext<any, any>
  | ClassMethodDecoratorContext<any, any>;

/** What a class's member decorators collected. */
interface Collected {
  properties: Dictionary<PropertyOptions>;
  /** Property-level `@Index({ properties })` / `@Unique({ properties })`. */
  indexes: { kind: IndexKind; options: IndexDecoratorOptions }[];
  /** Hook methods by event (`@BeforeCreate()` …). */
  hooks: Dictionary<string[]>;
}

/** Collected while no metadata object was available (a transpiler without `context.metadata`). */
let orphans: Collected | undefined;

/** What the class itself declared (own, not inherited from a parent's metadata object). */
function collected(metadata: Metadata | undefined, create: boolean): Collected | undefined {
  if (!metadata) {
    if (create) {
      orphans ??= { properties: {}, indexes: [], hooks: {} };
    }
    return orphans;
  }
  if (Object.prototype.hasOwnProperty.call(metadata, COLLECTED)) {
    return metadata[COLLECTED] as Collected;
  }
  if (!create) {
    return undefined;
  }
  const own: Collected = { properties: {}, indexes: [], hooks: {} };
  Object.defineProperty(metadata, COLLECTED, { value: own, configurable: true });
  return own;
}

function memberName(context: MemberContext): string {
  if (typeof context.name !== 'string' || context.private || context.static) {
    throw new TypeError(`Entity properties must be public instance members with a string name (got ${context.private ? 'private ' : ''}${context.static ? 'static ' : ''}${String(context.name)})`);
  }
  return context.name;
}

function addProperty(context: MemberContext, options: PropertyOptions): void {
  const name = memberName(context);
  const props = collected(context.metadata, true)!.properties;
  props[name] = { ...props[name], ...options };
}

function register(cls: EntityClass, own: Collected | undefined): void {
  for (const [name, options] of Object.entries(own?.properties ?? {})) {
    MetadataStorage.addProperty(cls, name, options);
  }
  for (const { kind, options } of own?.indexes ?? []) {
    registerClassIndex(kind, cls, options);
  }
  for (const [event, methods] of Object.entries(own?.hooks ?? {})) {
    for (const m of methods) {
      registerHook(cls, event, m);
    }
  }
}

/** Moves what was collected in `metadata` (of the class and of its parent classes) to the MetadataStorage. */
function registerCollected(cls: EntityClass, metadata: Metadata | undefined): void {
  register(cls, collected(metadata, false));
  if (!metadata) {
    orphans = undefined;
  }
  // Parent classes without `@Entity()` (e.g. a base class with `id` and timestamps) only have
  // their metadata object; register them so discovery can walk the class chain.
  const registry = MetadataStorage.getMetadata();
  const sym = (Symbol as unknown as { metadata: symbol }).metadata;
  for (let c: unknown = Object.getPrototypeOf(cls); typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    if (!registry.has(c as EntityClass) && Object.prototype.hasOwnProperty.call(c, sym)) {
      register(c as EntityClass, collected((c as unknown as Record<symbol, Metadata>)[sym], false));
    }
  }
}

export function Entity<T extends EntityClass<unknown>>(options?: EntityOptions<T>): (target: T, context: ClassDecoratorContext<any>) => void {
  return (target, context) => {
    registerCollected(target, context.metadata as Metadata | undefined);
    registerEntity(target, options);
  };
}

export function Property<T extends object>(options: PropertyOptions<T> = {}): (value: unknown, context: PropertyDecoratorContext) => void {
  return (_value, context) => addProperty(context as MemberContext, options);
}

/** `@Formula(cols => \`${cols.price} * 1.19\`)`: a computed property, selected instead of stored. */
export function Formula<T extends object>(formula: string | FormulaCallback, options: PropertyOptions<T> = {}): (value: unknown, context: PropertyDecoratorContext) => void {
  return (_value, context) => addProperty(context as MemberContext, { ...options, formula });
}

/** `@Embeddable()`: a value object embedded in entities (`@Embedded()`), with no table of its own. */
export function Embeddable<T extends EntityClass<unknown>>(options: EntityOptions<T> = {}): (target: T, context: ClassDecoratorContext<any>) => void {
  return (target, context) => {
    registerCollected(target, context.metadata as Metadata | undefined);
    registerEntity(target, { ...options, embeddable: true } as EntityOptions<T>);
  };
}

/** `@Embedded(() => Address, { prefix?, object?, nullable? })`. */
export function Embedded<T extends object>(entity?: PropertyOptions<T> | (() => unknown), options: PropertyOptions<T> = {}): (value: unknown, context: ClassFieldDecoratorContext<any, any>) => void {
  const opts = typeof entity === 'function' ? { ...options, entity } : { ...entity, ...options };
  return (_value, context) => addProperty(context as MemberContext, { ...opts, kind: 'embedded' });
}

export function PrimaryKey<T extends object>(options: PrimaryKeyOptions<T> = {}): (value: unknown, context: ClassFieldDecoratorContext<any, any>) => void {
  return (_value, context) => addProperty(context as MemberContext, { ...options, primary: true });
}

export function Enum<T extends object>(options?: EnumOptions<T> | (() => Dictionary<string | number>)): (value: unknown, context: ClassFieldDecoratorContext<any, any>) => void {
  const opts = enumOptions(options);
  return (_value, context) => addProperty(context as MemberContext, opts);
}

/** `@ManyToOne(() => Author)` or `@ManyToOne({ entity: () => Author, ref: true })`. */
export function ManyToOne<T extends object>(entity?: ManyToOneOptions<T> | string | (() => unknown), options?: ManyToOneOptions<T>): (value: unknown, context: ClassFieldDecoratorContext<any, any>) => void {
  const opts = manyToOneOptions(entity, options);
  return (_value, context) => addProperty(context as MemberContext, opts);
}

/** `@OneToMany(() => Book, book => book.author)` or `@OneToMany({ entity: () => Book, mappedBy: 'author' })`. */
export function OneToMany<T extends object>(entity: OneToManyOptions<T> | string | (() => unknown), mappedBy?: string | ((item: any) => unknown), options?: OneToManyOptions<T>): (value: unknown, context: ClassFieldDecoratorContext<any, any>) => void {
  const opts = oneToManyOptions(entity, mappedBy, options);
  return (_value, context) => addProperty(context as MemberContext, opts);
}

/** `@ManyToMany(() => Tag, tag => tag.books, { owner: true })` or `@ManyToMany({ entity: () => Tag, owner: true })`. */
export function ManyToMany<T extends object>(entity: ManyToManyOptions<T> | string | (() => unknown), other?: string | ((item: any) => unknown), options?: ManyToManyOptions<T>): (value: unknown, context: ClassFieldDecoratorContext<any, any>) => void {
  const opts = manyToManyOptions(entity, other, options);
  return (_value, context) => addProperty(context as MemberContext, opts);
}

function indexDecorator(kind: IndexKind, options: IndexDecoratorOptions) {
  return (value: unknown, context: ClassDecoratorContext<any> | PropertyDecoratorContext): any => {
    if (context.kind === 'class') {
      if (MetadataStorage.getMetadata().get(value as EntityClass)?.decorated) {
        // applied after `@Entity()` (written above it)
        registerClassIndex(kind, value as EntityClass, options);
      } else {
        // `@Entity()` registers it after the property-level indexes, the order member decorators ran in
        collected(context.metadata as Metadata | undefined, true)!.indexes.push({ kind, options });
      }
      return;
    }
    // An index of its own declared on a property (over other properties, or with a type, …) is
    // kept until `@Entity()` knows the class.
    const own = indexOfItsOwn(options, memberName(context as MemberContext));
    if (own) {
      collected((context as MemberContext).metadata, true)!.indexes.push({ kind, options: own });
    } else {
      addProperty(context as MemberContext, propertyIndexOptions(kind, options));
    }
  };
}

/** On a class: `@Index({ properties: [...], name?, type?, expression? })`; on a property: `@Index()` / `@Index({ name, type?, … })` (over it). */
export function Index<T extends object>(options: IndexDecoratorOptions<T> = {}): (value: unknown, context: ClassDecoratorContext<any> | PropertyDecoratorContext) => any {
  return indexDecorator('index', options);
}

/** On a class: `@Unique({ properties: [...], name? })`; on a property: `@Unique()` / `@Unique({ name })`. */
export function Unique<T extends object>(options: IndexDecoratorOptions<T> = {}): (value: unknown, context: ClassDecoratorContext<any> | PropertyDecoratorContext) => any {
  return indexDecorator('unique', options);
}

function unsupported(decorator: string): UnsupportedDecorator {
  return (value: unknown, context?: MemberContext) => {
    const name = context?.name ?? (value as { name?: string } | undefined)?.name ?? 'unknown';
    return notImplemented(decorator, `${context?.kind ?? 'member'} ${String(name)}`);
  };
}

export const {
  SerializedPrimaryKey, Check, Trigger, Transactional, CreateRequestContext, EnsureRequestContext,
} = unsupportedDecorators(unsupported);

/** `@Filter({ name, cond, default?, args? })` on an entity class. */
export function Filter<T extends object>(options: FilterDef<T>): (value: EntityClass<T>, context?: ClassDecoratorContext) => void {
  return value => registerFilter(value as EntityClass, options as FilterDef);
}

function hook(event: string) {
  return () =>
    (_value: unknown, context: ClassMethodDecoratorContext): void => {
      const name = String(context.name);
      const own = collected(context.metadata as Metadata | undefined, true)!;
      (own.hooks[event] ??= []).push(name);
    };
}

export const BeforeCreate = hook('beforeCreate');
export const AfterCreate = hook('afterCreate');
export const BeforeUpdate = hook('beforeUpdate');
export const AfterUpdate = hook('afterUpdate');
export const BeforeDelete = hook('beforeDelete');
export const AfterDelete = hook('afterDelete');
export const OnInit = hook('onInit');
export const OnLoad = hook('onLoad');
export const BeforeUpsert = hook('beforeUpsert');
export const AfterUpsert = hook('afterUpsert');

/** `@OneToOne(() => Profile, profile => profile.user)` on the inverse side, `@OneToOne({ entity: () => User, owner: true })` on the owner. */
export function OneToOne<T extends object>(entity?: ManyToOneOptions<T> | string | (() => unknown), mappedBy?: string | ((item: any) => unknown) | ManyToOneOptions<T>, options?: ManyToOneOptions<T>): (value: unknown, context: ClassFieldDecoratorContext<any, any>) => void {
  const opts = oneToOneOptions(entity, mappedBy, options);
  return (_value, context) => addProperty(context as MemberContext, opts);
}
