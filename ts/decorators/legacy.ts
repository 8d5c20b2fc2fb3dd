// Legacy decorators (`experimentalDecorators: true`), same names as `@mikro-orm/decorators/legacy`.
// Property decorators receive (prototype, propertyName); class decorators receive the constructor.
import { createRequire } from 'node:module';
import { REFLECT_METADATA_PROVIDER } from '../metadata/discovery.js';
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

// `reflect-metadata` is an optional peer dependency: load it when installed, so that
// `emitDecoratorMetadata` output (`design:type`) is recorded even if the app did not import it first.
try {
  createRequire(import.meta.url)('reflect-metadata');
} catch {
  // not installed: decorators then need an explicit `type`
}

type GetMetadata = (key: string, target: object, property: string) => unknown;

/** The `design:type` TypeScript emitted for a property (with `emitDecoratorMetadata` and `reflect-metadata`). */
function designType(target: object, propertyName: string): unknown {
  const getMetadata = (Reflect as unknown as { getMetadata?: GetMetadata }).getMetadata;
  return typeof getMetadata === 'function' ? getMetadata('design:type', target, propertyName) : undefined;
}

function describe(target: unknown, propertyName?: string | symbol): string {
  if (typeof target === 'function') {
    return propertyName === undefined ? target.name : `${target.name}.${String(propertyName)}`;
  }
  const cls = (target as { constructor?: { name?: string } } | undefined)?.constructor?.name ?? 'unknown';
  return propertyName === undefined ? cls : `${cls}.${String(propertyName)}`;
}

function addProperty(target: object, propertyName: string, options: PropertyOptions): void {
  const reflectedType = designType(target, propertyName);
  const opts = reflectedType === undefined ? options : { ...options, reflectedType };
  MetadataStorage.addProperty(target.constructor as EntityClass, propertyName, opts);
}

/**
 * Use with `metadataProvider: ReflectMetadataProvider` (and `reflect-metadata` + `emitDecoratorMetadata`)
 * to let a property's TypeScript type stand in for a missing `type` option.
 */
export class ReflectMetadataProvider {
  constructor(readonly config?: unknown) {}
}
Object.defineProperty(ReflectMetadataProvider, REFLECT_METADATA_PROVIDER, { value: true });

export function Entity<T extends EntityClass<unknown>>(options?: EntityOptions<T>): (target: T) => void {
  return target => registerEntity(target, options);
}

export function Property<T extends object>(options: PropertyOptions<T> = {}): (target: T, propertyName: string, descriptor?: PropertyDescriptor) => void {
  return (target, propertyName) => addProperty(target, propertyName, options);
}

/** `@Formula(cols => \`${cols.price} * 1.19\`)`: a computed property, selected instead of stored. */
export function Formula<T extends object>(formula: string | FormulaCallback, options: PropertyOptions<T> = {}): (target: T, propertyName: string) => void {
  return (target, propertyName) => addProperty(target, propertyName, { ...options, formula });
}

/** `@Embeddable()`: a value object embedded in entities (`@Embedded()`), with no table of its own. */
export function Embeddable<T extends EntityClass<unknown>>(options: EntityOptions<T> = {}): (target: T) => void {
  return target => registerEntity(target, { ...options, embeddable: true } as EntityOptions<T>);
}

/** `@Embedded(() => Address, { prefix?, object?, nullable? })`. */
export function Embedded<T extends object>(entity?: PropertyOptions<T> | (() => unknown), options: PropertyOptions<T> = {}): (target: T, propertyName: string) => void {
  const opts = typeof entity === 'function' ? { ...options, entity } : { ...entity, ...options };
  return (target, propertyName) => addProperty(target, propertyName, { ...opts, kind: 'embedded' });
}

export function PrimaryKey<T extends object>(options: PrimaryKeyOptions<T> = {}): (target: T, propertyName: string) => void {
  return (target, propertyName) => addProperty(target, propertyName, { ...options, primary: true });
}

export function Enum<T extends object>(options?: EnumOptions<T> | (() => Dictionary<string | number>)): (target: T, propertyName: string) => void {
  const opts = enumOptions(options);
  return (target, propertyName) => addProperty(target, propertyName, opts);
}

/** `@ManyToOne(() => Author)`, `@ManyToOne({ entity: () => Author, ref: true })`, or `@ManyToOne()` with reflect-metadata. */
export function ManyToOne<T extends object>(entity?: ManyToOneOptions<T> | string | (() => unknown), options?: ManyToOneOptions<T>): (target: T, propertyName: string) => void {
  const opts = manyToOneOptions(entity, options);
  return (target, propertyName) => addProperty(target, propertyName, opts);
}

/** `@OneToMany(() => Book, book => book.author)` or `@OneToMany({ entity: () => Book, mappedBy: 'author' })`. */
export function OneToMany<T extends object>(entity: OneToManyOptions<T> | string | (() => unknown), mappedBy?: string | ((item: any) => unknown), options?: OneToManyOptions<T>): (target: T, propertyName: string) => void {
  const opts = oneToManyOptions(entity, mappedBy, options);
  return (target, propertyName) => addProperty(target, propertyName, opts);
}

/** `@ManyToMany(() => Tag, tag => tag.books, { owner: true })` or `@ManyToMany({ entity: () => Tag, owner: true })`. */
export function ManyToMany<T extends object>(entity: ManyToManyOptions<T> | string | (() => unknown), other?: string | ((item: any) => unknown), options?: ManyToManyOptions<T>): (target: T, propertyName: string) => void {
  const opts = manyToManyOptions(entity, other, options);
  return (target, propertyName) => addProperty(target, propertyName, opts);
}

function indexDecorator(kind: IndexKind, options: IndexDecoratorOptions) {
  return (target: any, propertyName?: string): any => {
    if (propertyName === undefined) {
      registerClassIndex(kind, target as EntityClass, options);
      return;
    }
    const cls = (target as object).constructor as EntityClass;
    const own = indexOfItsOwn(options, propertyName);
    if (own) {
      registerClassIndex(kind, cls, own);
    } else {
      MetadataStorage.addProperty(cls, propertyName, propertyIndexOptions(kind, options));
    }
  };
}

/** On a class: `@Index({ properties: [...], name?, type?, expression? })`; on a property: `@Index()` / `@Index({ name, type?, … })` (over it). */
export function Index<T extends object>(options: IndexDecoratorOptions<T> = {}): (target: any, propertyName?: string) => any {
  return indexDecorator('index', options);
}

/** On a class: `@Unique({ properties: [...], name? })`; on a property: `@Unique()` / `@Unique({ name })`. */
export function Unique<T extends object>(options: IndexDecoratorOptions<T> = {}): (target: any, propertyName?: string) => any {
  return indexDecorator('unique', options);
}

function unsupported(decorator: string): UnsupportedDecorator {
  return (target: unknown, propertyName?: string | symbol) => notImplemented(decorator, describe(target, propertyName));
}

export const {
  SerializedPrimaryKey, Check, Trigger, Transactional, CreateRequestContext, EnsureRequestContext,
} = unsupportedDecorators(unsupported);

/** `@Filter({ name, cond, default?, args? })` on an entity class. */
export function Filter<T extends object>(options: FilterDef<T>): (target: EntityClass<T>) => void {
  return target => registerFilter(target as EntityClass, options as FilterDef);
}

function hook(event: string) {
  return () =>
    (target: object, method: string): void =>
      registerHook(target.constructor as EntityClass, event, method);
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
export function OneToOne<T extends object>(entity?: ManyToOneOptions<T> | string | (() => unknown), mappedBy?: string | ((item: any) => unknown) | ManyToOneOptions<T>, options?: ManyToOneOptions<T>): (target: T, propertyName: string) => void {
  const opts = oneToOneOptions(entity, mappedBy, options);
  return (target, propertyName) => addProperty(target, propertyName, opts);
}
