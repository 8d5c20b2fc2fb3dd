/** Public types shared by the API (names as in MikroORM). */

export type Dictionary<T = any> = { [k: string]: T };
export type Constructor<T = unknown> = new (...args: any[]) => T;
export type EntityClass<T = any> = Function & { prototype: T };
export type Primary<T> = T extends { id?: infer K } ? K : T extends { _id?: infer K } ? K : T extends { uuid?: infer K } ? K : string | number;

declare const OptionalBrand: unique symbol;
/** Marks a property as optional in `em.create()` data (has a default, is generated, …). */
export type Opt<T = unknown> = T & { readonly [OptionalBrand]?: true };
export const OptionalProps = Symbol('OptionalProps');
export const HiddenProps = Symbol('HiddenProps');
export const PrimaryKeyProp = Symbol('PrimaryKeyProp');

type IsAny<V> = 0 extends 1 & V ? true : false;
type IsOptionalBrand<V> = IsAny<V> extends true ? false : V extends { readonly [OptionalBrand]?: true } ? true : false;
type OptionalKeysOf<T> = T extends { [OptionalProps]?: infer K } ? K & keyof T : never;
/** Primary keys are generated or given: optional in `em.create()` data (as in MikroORM). */
type PrimaryKeysOf<T> = T extends { [PrimaryKeyProp]?: infer K } ? K & keyof T : Extract<keyof T, 'id' | '_id' | 'uuid'>;
type NullableKeys<T> = { [K in keyof T]-?: null extends T[K] ? K : undefined extends T[K] ? K : never }[keyof T];
type BrandedKeys<T> = { [K in keyof T]-?: IsOptionalBrand<T[K]> extends true ? K : never }[keyof T];
type FunctionKeys<T> = { [K in keyof T]-?: IsAny<T[K]> extends true ? never : T[K] extends (...args: any[]) => any ? K : never }[keyof T];
type DataKeys<T> = Exclude<keyof T & string, FunctionKeys<T>>;
type Unbrand<V> = V extends Opt<infer U> ? U : V;

/** An entity-like value: an object with a primary-key-like property. */
type EntityLike = { id?: unknown } | { _id?: unknown } | { uuid?: unknown };
/** A relation target given as an entity, a reference to it, its key, or data for a new one. */
type RelationInput<E> = E | { unwrap(): E } | Primary<E> | RequiredEntityData<E>;
/** What `em.create()` accepts for a property: relations also by reference, key or data. */
type CreateValue<V> =
  IsAny<V> extends true
    ? V
    : V extends { getItems(): (infer I)[] }
      ? readonly RelationInput<I>[] | V
      : V extends { unwrap(): infer E }
        ? RelationInput<E>
        : V extends Scalar | Buffer | readonly unknown[]
          ? V
          : V extends EntityLike
            ? RelationInput<V>
            : V;
type OptionalDataKeys<T> = OptionalKeysOf<T> | NullableKeys<T> | BrandedKeys<T> | PrimaryKeysOf<T>;

/** Data accepted by `em.create()`: required properties stay required. */
export type RequiredEntityData<T> = {
  [K in Exclude<DataKeys<T>, OptionalDataKeys<T>>]: CreateValue<Unbrand<T[K]>>;
} & {
  [K in Extract<DataKeys<T>, OptionalDataKeys<T>>]?: CreateValue<Unbrand<T[K]>> | null;
};

/** Partial data (`assign`, `nativeUpdate`, `qb.update`). */
export type EntityData<T> = { [K in DataKeys<T>]?: Unbrand<T[K]> | null };

type Scalar = string | number | boolean | bigint | Date | null | undefined;
export interface OperatorMap<V> {
  $eq?: V | null;
  $ne?: V | null;
  $in?: readonly V[];
  $nin?: readonly V[];
  $gt?: V;
  $gte?: V;
  $lt?: V;
  $lte?: V;
  $like?: string;
  $re?: string;
  $ilike?: string;
  $not?: FilterValue<V>;
  $exists?: boolean;
}
export type FilterValue<V> = V | null | readonly V[] | OperatorMap<V>;
type ExpandValue<V> = IsAny<V> extends true ? any : Unbrand<V> extends Scalar ? Unbrand<V> : any;
export type FilterObject<T> = { [K in DataKeys<T>]?: FilterValue<ExpandValue<T[K]>> } & {
  $and?: readonly FilterQuery<T>[];
  $or?: readonly FilterQuery<T>[];
  $not?: FilterQuery<T>;
};
export type FilterQuery<T> = FilterObject<T> | Primary<T> | readonly Primary<T>[];

export type QueryOrder = 'asc' | 'desc' | 'ASC' | 'DESC' | 'asc nulls first' | 'asc nulls last' | 'desc nulls first' | 'desc nulls last' | 1 | -1;
export type QueryOrderMap<T> = { [K in DataKeys<T>]?: QueryOrder };
export type OrderDefinition<T> = QueryOrderMap<T> | readonly QueryOrderMap<T>[];

/** What `wrap(e).toObject()` returns. */
export type EntityDTO<T> = { [K in DataKeys<T>]: Unbrand<T[K]> extends Date ? Date | string : Unbrand<T[K]> };

export type Loaded<T, _P extends string = never> = T;
export type EntityName<T> = EntityClass<T> | string | { meta: { className: string }; readonly '~entity'?: T };
