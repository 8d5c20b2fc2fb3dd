import type { Dictionary, EntityClass } from '../typings.js';

/** Logical column types the engine understands. */
export type ColumnKind =
  | 'string' | 'text' | 'integer' | 'smallint' | 'tinyint' | 'bigint' | 'float' | 'double' | 'decimal'
  | 'boolean' | 'datetime' | 'date' | 'time' | 'json' | 'enum' | 'uuid' | 'blob' | 'array';

export type RuntimeType = 'string' | 'number' | 'boolean' | 'Date' | 'bigint' | 'object' | 'Buffer' | 'string[]' | 'any';

export interface PropertyOptions<Owner = any> {
  name?: string;
  type?: unknown;
  runtimeType?: string;
  fieldName?: string;
  columnType?: string;
  primary?: boolean;
  autoincrement?: boolean;
  nullable?: boolean;
  unique?: boolean | string;
  index?: boolean | string;
  default?: string | number | boolean | null;
  defaultRaw?: string;
  onCreate?: (entity: Owner, em?: unknown) => unknown;
  onUpdate?: (entity: Owner, em?: unknown) => unknown;
  hidden?: boolean;
  length?: number;
  precision?: number;
  scale?: number;
  unsigned?: boolean;
  items?: readonly (string | number)[] | (() => Dictionary<string | number>);
  enum?: boolean;
  persist?: boolean;
  serializedName?: string;
  comment?: string;
  /** `'m:1'` for a many-to-one relation; other relation kinds are not implemented yet. */
  kind?: string;
  /** The relation's target: a class, an `EntitySchema`, an entity name, or a function returning one. */
  entity?: unknown;
  /** Many-to-one: wrap the target in a `Reference`. */
  ref?: boolean;
  /** Many-to-one: the property holds the target's primary key instead of an entity. */
  mapToPk?: boolean;
  joinColumn?: string;
  deleteRule?: string;
  updateRule?: string;
  /** One-to-many: the many-to-one property of the target that owns the relation. */
  mappedBy?: string;
  /** One-to-many: items removed from the collection are deleted. */
  orphanRemoval?: boolean;
  /** Many-to-many: this side owns the pivot table. */
  owner?: boolean;
  inversedBy?: string;
  pivotTable?: string;
  inverseJoinColumn?: string;
  [key: string]: unknown;
}

export interface EntityProperty<Owner = any> extends PropertyOptions<Owner> {
  name: string;
  kind: 'scalar' | 'm:1' | '1:m' | 'm:n' | '1:1' | 'embedded';
  /** Many-to-one owning a one-to-one (its foreign key is unique). */
  oneToOne?: boolean;
  /** Many-to-many: the pivot table's metadata (an internal entity with both foreign keys). */
  pivotMeta?: EntityMetadata;
  /** Many-to-many: the pivot's property pointing at the owner of this collection, and the one
   * pointing at its items. */
  pivotOwner?: EntityProperty;
  pivotItem?: EntityProperty;
  /** Relations: the target entity's metadata (resolved once every entity is discovered). */
  targetMeta?: EntityMetadata;
  /** One-to-many: the target's owning many-to-one property. Many-to-one: the target's
   * collection mapped by this property, if any. */
  inverse?: EntityProperty;
  type: string;
  columnKind: ColumnKind;
  runtimeType: RuntimeType;
  fieldName: string;
  fieldNames: string[];
  primary: boolean;
  nullable: boolean;
  /** Embedded: the embeddable's class (values are its instances). */
  embeddedClass?: EntityClass;
  /** Inline embedded: its columns, as properties of the owner named `address.city`. */
  embeddedProps?: EntityProperty[];
  /** An array of embeddables: the column kind of each key of its items (conditions cast by them). */
  jsonItemTypes?: Dictionary<ColumnKind>;
  /** A column of an inline embeddable: the embedded property and the embeddable's property. */
  embedded?: [string, string];
  /** A formula's SQL for the engine (see discovery's `formulaSql`). */
  formulaSql?: string;
  /** A user `Type`: values convert in JS (`convertToDatabaseValue` / `convertToJSValue`). */
  customType?: import('./types-map.js').Type<any, any>;
  /** The platform custom type conversions receive. */
  platform?: import('./types-map.js').Platform;
  /** Single-table inheritance: a column of another entity of the hierarchy (never set here). */
  foreign?: boolean;
  /** Single-table inheritance: the discriminator column (its value follows the entity's class). */
  discriminator?: boolean;
  /** A many-to-one to a composite key: the columns after its first (properties `car~year`). */
  keyParts?: EntityProperty[];
  /** One of those columns: the many-to-one's name and the column's position in the key. */
  keyPart?: [string, number];
}

export interface IndexOptions {
  properties?: string | string[];
  name?: string;
  /** The index's kind: `'fulltext'` (PostgreSQL's `to_tsvector` GIN index, MySQL's fulltext index) or, on PostgreSQL, an access method (`'hash'`, `'gin'`, …). */
  type?: string;
  /** The whole `create index` statement, written as given. */
  expression?: string;
}

/** An index as discovered. */
export interface IndexDef {
  properties: string[];
  name?: string;
  type?: string;
  expression?: string;
}

export interface EntitySchemaMetadata<T = any> {
  name?: string;
  className?: string;
  class?: EntityClass<T>;
  tableName?: string;
  collection?: string;
  /** The table's schema (PostgreSQL); the configured `schema` otherwise. */
  schema?: string;
  abstract?: boolean;
  properties: Dictionary<PropertyOptions<T> | { '~options': PropertyOptions<T> }>;
  indexes?: IndexOptions[];
  uniques?: IndexOptions[];
  hooks?: Dictionary<(string | ((...args: any[]) => unknown))[]>;
  /** A value object embedded in entities (no table of its own). */
  embeddable?: boolean;
  /** Filters of this entity, by name (`name` defaults to the key). */
  filters?: Dictionary<Omit<import('../filters.js').FilterDef<T>, 'name'> & { name?: string }>;
  extends?: unknown;
  [key: string]: unknown;
}

export interface EntityMetadata<T = any> {
  name: string;
  className: string;
  class: EntityClass<T>;
  prototype: T;
  tableName: string;
  /** The schema of the table (PostgreSQL): the entity's `schema`, or a `tableName` given as `schema.table`. */
  schema?: string;
  collection: string;
  properties: Dictionary<EntityProperty<T>>;
  /** Column properties in engine order (the order columns come back in). */
  props: EntityProperty<T>[];
  /** One-to-many and many-to-many collections (not columns). */
  collections: EntityProperty<T>[];
  /** Inverse sides of one-to-one relations (not columns: the owner holds the key). */
  inverses: EntityProperty<T>[];
  /** Set on the internal entity of a many-to-many pivot table. */
  pivot?: boolean;
  /** The entity whose table this one uses (a pivot's `pivotEntity`): it creates the table. */
  tableOf?: EntityMetadata;
  primaryKeys: string[];
  indexes: IndexDef[];
  uniques: IndexDef[];
  hooks: Dictionary<((...args: any[]) => unknown)[]>;
  /** The entity's own filters (`filters` option, `@Filter()`), by name. */
  filters?: Dictionary<import('../filters.js').FilterDef>;
  /** Index of this entity in the engine's metadata. */
  index: number;
  /** Single-table inheritance: the hierarchy's root (the owner of the table). */
  root?: EntityMetadata;
  /** Single-table inheritance: this entity's discriminator value, and the values of its rows
   * and its subclasses' rows (its own first), as queries select them. */
  discriminatorValue?: string;
  discriminatorValues?: string[];
  /** On the root of a single-table hierarchy: the entity of each discriminator value. */
  discriminatorMap?: Map<string, EntityMetadata>;
  /** Names of constructor parameters, for `em.create()`. */
  constructorParams: string[];
  /** Root alias in queries: first letter of the table + `0`, as MikroORM. */
  alias: string;
  /** Generated functions and derived lists (see entity/codegen.ts). */
  runtime: {
    hydrators: Map<string, import('../entity/codegen.js').Hydrator>;
    /** Merges values an entity loaded again has new in the database (see `createMerger`). */
    merge?: import('../entity/codegen.js').Merger;
    state: import('../entity/codegen.js').StateFn;
    insertState: import('../entity/codegen.js').InsertStateFn;
    applyDefaults: (e: any, em: unknown) => void;
    assignData: import('../entity/codegen.js').AssignDataFn;
    /** The properties (indexes in `props`) an entity has all loaded when `findOne` answers it
     * from the identity map: not lazy, formulas, versions or discriminators. */
    loadedAll: number[];
    /** Many-to-one properties holding entities (not `mapToPk`). */
    references: EntityProperty<T>[];
    /** Relations persist cascades along (`Cascade.PERSIST`, the default, or `ALL`). */
    cascadePersist: EntityProperty<T>[];
    /** Relations remove cascades along (`Cascade.REMOVE`, `ALL`, or `orphanRemoval`). */
    cascadeRemove: EntityProperty<T>[];
    /** Owning many-to-many collections, whose links the flush writes. */
    links: EntityProperty<T>[];
    toObject: import('../entity/codegen.js').ToObjectFn;
    mapRow: import('../entity/codegen.js').RowMapper;
    onUpdate: EntityProperty<T>[];
    onUpdateIndexes: number[];
    /** Some property has a custom `Type` (filters convert its values). */
    customTypes: boolean;
    /** Some property is an inline embeddable (filters and orders name its columns). */
    embedded: boolean;
  };
}
