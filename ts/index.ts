export { MikroORM, VERSION } from './mikro-orm.js';
export { Configuration, defineConfig, type Options, type PoolOptions, type ReplicaOptions, type NativeConnection, type DriverClass } from './config.js';
export { DatabaseDriver, type ConnectionType, type NativeBinding, type RawResult } from './driver.js';
export { PooledDriver, type NativePool } from './pooled-driver.js';
export { MySqlFamilyDriver } from './mysql-driver.js';
export { loadBinding } from './binding.js';
export { EntityManager, type FindOptions, type FindOneOptions, type StreamOptions, type CreateOptions, type UpsertOptions, type ForkOptions, type TransactionOptions, LockMode, type LockOptions, IsolationLevel, TransactionPropagation } from './entity-manager.js';
export { EntityManager as SqlEntityManager } from './entity-manager.js';
export { EntityRepository, EntityRepository as SqlEntityRepository } from './repository.js';
export { QueryBuilder, JoinType, type QueryResult } from './query-builder.js';
export { raw, sql, RawQueryFragment } from './raw.js';
export { Cursor, type FindByCursorOptions } from './cursor.js';
export { SchemaGenerator, SchemaGenerator as SqlSchemaGenerator, type UpdateSchemaOptions } from './schema-generator.js';
export { RequestContext } from './request-context.js';
export { DefaultLogger, SimpleLogger, type Logger, type LoggerNamespace, type LoggerOptions, type LogContext } from './logger.js';
export { AbstractNamingStrategy, UnderscoreNamingStrategy, EntityCaseNamingStrategy, type NamingStrategy } from './naming.js';
export { EntitySchema } from './metadata/entity-schema.js';
export { defineEntity, p, PropertyBuilder, EmbeddedBuilder, ManyToOneBuilder, OneToOneBuilder, OneToManyBuilder, ManyToManyBuilder, Cascade, type CascadeType, type InferEntity, type InferEntityFromProperties } from './metadata/define-entity.js';
export { Reference, ref, type Ref } from './entity/reference.js';
export { Collection } from './entity/collection.js';
export { MetadataStorage } from './metadata/storage.js';
export { MetadataRegistry } from './metadata/registry.js';
export type { EntityMetadata, EntityProperty, PropertyOptions, EntitySchemaMetadata, IndexOptions } from './metadata/types.js';
export * from './metadata/types-map.js';
export { wrap, helper, assign, WrappedEntity } from './entity/helper.js';
export { serialize, type SerializeOptions } from './entity/serializer.js';
export * from './errors.js';
export { EventType, EventManager, type EventSubscriber, type EventArgs, type FlushEventArgs, type ChangeSet } from './events.js';
export type {
  Dictionary, Constructor, EntityClass, EntityName, Primary, Opt, RequiredEntityData, EntityData, FilterQuery, FilterObject,
  OperatorMap, QueryOrderMap, OrderDefinition, EntityDTO, Loaded,
} from './typings.js';
export { OptionalProps, HiddenProps, PrimaryKeyProp } from './typings.js';
export type QueryOrderType = import('./typings.js').QueryOrder;
export const QueryOrder = { ASC: 'asc', DESC: 'desc', asc: 'asc', desc: 'desc', ASC_NULLS_LAST: 'asc nulls last', ASC_NULLS_FIRST: 'asc nulls first', DESC_NULLS_LAST: 'desc nulls last', DESC_NULLS_FIRST: 'desc nulls first' } as const;
export const FlushMode = { COMMIT: 'commit', AUTO: 'auto', ALWAYS: 'always' } as const;
/** QueryBuilder flags (`qb.setFlag()`). */
export const QueryFlag = { PAGINATE: 'PAGINATE', DISABLE_PAGINATE: 'DISABLE_PAGINATE' } as const;
export { IdentityMap, UnitOfWork } from './unit-of-work.js';
