import { inspect } from 'node:util';
import { RAW_NONCE } from '../raw.js';
import { embeddableKeys } from '../entity/codegen.js';
import { MetadataError, NotImplementedError } from '../errors.js';
import type { NamingStrategy } from '../naming.js';
import type { Dictionary, EntityClass, EntityName } from '../typings.js';
import { ENTITY_EVENTS } from '../events.js';
import { EntitySchema } from './entity-schema.js';
import { MetadataRegistry } from './registry.js';
import { MetadataStorage } from './storage.js';
import { customTypeOf, resolveColumnKind, runtimeTypeOf, Type, type Platform } from './types-map.js';
import type { ColumnKind, EntityMetadata, EntityProperty, EntitySchemaMetadata, IndexDef, IndexOptions, PropertyOptions, RuntimeType } from './types.js';

/** Static marker of `ReflectMetadataProvider` (legacy decorators), inherited by subclasses. */
export const REFLECT_METADATA_PROVIDER = Symbol.for('@mikro-native/ReflectMetadataProvider');

/** Whether `metadataProvider` lets the `design:type` recorded by legacy decorators stand in for a missing `type`. */
export function usesReflection(metadataProvider: unknown): boolean {
  return typeof metadataProvider === 'function' && (metadataProvider as unknown as Record<symbol, unknown>)[REFLECT_METADATA_PROVIDER] === true;
}

const RELATION_KINDS = new Set(['m:1', '1:m', 'm:n', '1:1', 'embedded']);
const INTEGER_KINDS = new Set<ColumnKind>(['integer', 'smallint', 'tinyint', 'bigint']);

/** Collects the raw definition of a decorated class and its decorated ancestors. */
function fromClass(cls: EntityClass): EntitySchemaMetadata {
  const registry = MetadataStorage.getMetadata();
  const chain: EntitySchemaMetadata[] = [];
  for (let c: unknown = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    const m = registry.get(c as EntityClass);
    if (m) {
      chain.unshift(m);
    }
  }
  const own = registry.get(cls);
  if (!own || !(own as { decorated?: boolean }).decorated) {
    throw new MetadataError(
      `Entity '${cls.name}' was not discovered, please make sure to provide it in 'entities' array when initializing the ORM (used in ${cls.name})`,
    );
  }
  const properties: Dictionary = {};
  const indexes = [];
  const uniques = [];
  const hooks: Dictionary<(string | ((...args: any[]) => unknown))[]> = {};
  for (const m of chain) {
    Object.assign(properties, m.properties);
    indexes.push(...(m.indexes ?? []));
    uniques.push(...(m.uniques ?? []));
    for (const [event, list] of Object.entries(m.hooks ?? {})) {
      (hooks[event] ??= []).push(...list);
    }
  }
  return { ...own, class: cls, className: cls.name, properties, indexes, uniques, hooks };
}

function optionsOf(def: unknown): PropertyOptions {
  // `() => p.manyToOne(Other)`: a property defined lazily, for circular references.
  if (typeof def === 'function' && !(def as { prototype?: unknown }).prototype) {
    return optionsOf((def as () => unknown)());
  }
  if (def && typeof def === 'object' && '~options' in def) {
    return (def as { '~options': PropertyOptions })['~options'];
  }
  return (def ?? {}) as PropertyOptions;
}

function renderDefault(value: unknown): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'string') {
    return `'${value.replace(/'/g, "''")}'`;
  }
  if (typeof value === 'boolean') {
    return value ? 'true' : 'false';
  }
  return String(value);
}

/** Names of the constructor's parameters, so `em.create()` can pass data positionally. */
function constructorParams(cls: EntityClass): string[] {
  const src = Function.prototype.toString.call(cls);
  const at = src.indexOf('constructor(');
  if (at < 0) {
    return [];
  }
  let depth = 0;
  let start = at + 'constructor('.length;
  const params: string[] = [];
  for (let i = start; i < src.length; i++) {
    const ch = src[i];
    if (ch === '(' || ch === '{' || ch === '[') {
      depth++;
    } else if (ch === ')' || ch === '}' || ch === ']') {
      if (depth === 0) {
        params.push(src.substring(start, i));
        break;
      }
      depth--;
    } else if (ch === ',' && depth === 0) {
      params.push(src.substring(start, i));
      start = i + 1;
    }
  }
  return params.map(p => p.split('=')[0].trim()).filter(p => /^[A-Za-z_$][\w$]*$/.test(p));
}

/** Values of a (TypeScript) enum object, without the reverse mappings of numeric members (`{ 0: 'A', A: 0 }`). */
function enumValues(target: Dictionary<string | number>): (string | number)[] {
  return Object.entries(target).filter(([key, value]) => !(typeof value === 'string' && target[value] === Number(key))).map(([, value]) => value);
}

/** Property options MikroORM has and mikro-native does not implement yet: a loud error, not a silent no-op. */
const UNSUPPORTED_OPTIONS: [option: string, what: string][] = [
  ['generated', 'generated columns'],
  ['eager', 'eager loading'],
];

function normalizeProperty(entity: string, name: string, opts: PropertyOptions, naming: NamingStrategy, platform: Platform): EntityProperty | undefined {
  for (const [option, what] of UNSUPPORTED_OPTIONS) {
    if (opts[option] !== undefined && opts[option] !== false) {
      throw new NotImplementedError(`${what} are not implemented in mikro-native yet (${entity}.${name}: '${option}')`);
    }
  }
  const cascade = opts.cascade as string[] | undefined;
  if (cascade !== undefined && !Array.isArray(cascade)) {
    throw new MetadataError(`${entity}.${name} has an invalid cascade option: expected an array of Cascade values, got ${inspect(cascade)}`);
  }
  if (opts.version && !['integer', 'number', 'smallint', 'bigint'].includes(String(opts.type ?? 'integer'))) {
    throw new NotImplementedError(`optimistic locking with a non-integer version is not implemented in mikro-native yet (${entity}.${name})`);
  }
  if (opts.kind === 'm:1' || (opts.reference as string | undefined) === 'm:1') {
    // Column type and name come from the target, resolved once every entity is discovered.
    // Without `entity`, legacy decorators with reflect-metadata give the target as the type.
    const entity = opts.entity ?? (typeof opts.type === 'function' ? opts.type : undefined);
    return { ...opts, entity, name, kind: 'm:1', type: 'm:1', columnKind: 'integer', runtimeType: 'object', fieldName: '', fieldNames: [], primary: !!opts.primary, nullable: !!opts.nullable };
  }
  const relationKind = opts.kind ?? (opts.reference as string | undefined);
  if (relationKind === '1:1') {
    if (opts.mappedBy) {
      return { ...opts, name, kind: '1:1', type: '1:1', columnKind: 'integer', runtimeType: 'object', fieldName: '', fieldNames: [], primary: false, nullable: true };
    }
    const entity = opts.entity ?? (typeof opts.type === 'function' ? opts.type : undefined);
    return { ...opts, entity, oneToOne: true, name, kind: 'm:1', type: 'm:1', columnKind: 'integer', runtimeType: 'object', fieldName: '', fieldNames: [], primary: !!opts.primary, nullable: !!opts.nullable };
  }
  if (relationKind === '1:m' || relationKind === 'm:n') {
    return { ...opts, name, kind: relationKind, type: relationKind, columnKind: 'integer', runtimeType: 'object', fieldName: '', fieldNames: [], primary: false, nullable: true };
  }
  if ((opts.kind && RELATION_KINDS.has(opts.kind)) || opts.entity) {
    throw new NotImplementedError(
      `Relations are not implemented in mikro-native yet: ${entity}.${name} (${opts.kind ?? 'relation'})`,
    );
  }
  if (opts.persist === false) {
    return undefined;
  }
  const items = typeof opts.items === 'function' ? enumValues(opts.items()) : opts.items;
  const customType = customTypeOf(opts.type);
  if (customType) {
    // A user type converts in JS; its column is what it declares, or its built-in base's.
    const columnType = opts.columnType ?? (customType.getColumnType !== Type.prototype.getColumnType ? customType.getColumnType({ ...opts, name }, platform) : undefined);
    const kind = resolveColumnKind(customType.constructor) ?? resolveColumnKind(columnType) ?? 'text';
    const fieldName = opts.fieldName ?? naming.propertyToColumnName(name);
    return { ...opts, name, kind: 'scalar', type: customType.name, columnType, columnKind: kind, runtimeType: 'any', fieldName, fieldNames: [fieldName], primary: !!opts.primary, nullable: !!opts.nullable, customType, platform };
  }
  let kind = resolveColumnKind(opts.type) ?? resolveColumnKind(opts.columnType);
  if (items && (opts.enum || !kind)) {
    kind = 'enum';
  }
  if (!kind && opts.formula !== undefined) {
    // A formula of no declared type (`p.formula()`): its values pass through as read.
    kind = 'string';
    opts = { ...opts, runtimeType: opts.runtimeType ?? 'any' };
  }
  if (!kind) {
    throw new MetadataError(`Please provide either 'type' or 'entity' attribute in ${entity}.${name}.`);
  }
  const runtimeType = (opts.runtimeType as RuntimeType | undefined) ?? (items && items.every(i => typeof i === 'number') ? 'number' : runtimeTypeOf(kind));
  const fieldName = opts.fieldName ?? naming.propertyToColumnName(name);
  return {
    ...opts,
    name,
    kind: 'scalar',
    type: typeof opts.type === 'string' ? opts.type : kind,
    columnKind: kind,
    runtimeType,
    fieldName,
    fieldNames: [fieldName],
    primary: !!opts.primary,
    nullable: !!opts.nullable,
    items,
  };
}

/**
 * A formula's SQL with the alias left as a marker for the engine: `cols.price` is `\u0000.price`
 * (the alias, never quoted), the alias on its own (`${cols}` or `table.alias`) is `\u0001`.
 */
function formulaSql(entity: string, prop: EntityProperty, properties: Dictionary<EntityProperty>): string {
  const formula = prop.formula as string | ((cols: unknown, table: unknown) => unknown);
  if (typeof formula === 'string') {
    return formula;
  }
  const cols: Dictionary<string> = {};
  for (const p of Object.values(properties)) {
    if (p.fieldName) {
      cols[p.name] = `\u0000.${p.fieldName}`;
    }
  }
  Object.defineProperty(cols, 'toString', { value: () => '\u0001', enumerable: false });
  const table = { alias: '\u0001', name: entity, qualifiedName: entity, toString: () => '\u0001' };
  const sql = formula(cols, table);
  if (typeof sql !== 'string') {
    throw new NotImplementedError(`formulas returning a raw() fragment are not implemented in mikro-native yet (${entity}.${prop.name})`);
  }
  return sql;
}

/** MikroORM's root alias: the entity's first letter and `0` (`a0`); a pivot's is its table's. */
function rootAlias(name: string): string {
  return `${(name.match(/[a-z]/i)?.[0] ?? 'e').toLowerCase()}0`;
}

/** The metadata of a relation's target (`entity`: a class, schema, name, or a function returning one). */
function relationTarget(meta: EntityMetadata, prop: EntityProperty, registry: MetadataRegistry): EntityMetadata {
  let target = prop.entity;
  if (typeof target === 'function' && !(target as { prototype?: unknown }).prototype) {
    target = (target as () => unknown)();
  }
  const targetMeta = target == null ? undefined : registry.find(target as EntityName<unknown>);
  if (!targetMeta) {
    const name = typeof target === 'string' ? target : target instanceof EntitySchema ? target.meta.className : ((target as { name?: string } | undefined)?.name ?? String(target));
    throw new MetadataError(`Entity '${name}' was not discovered, please make sure to provide it in 'entities' array when initializing the ORM (used in ${meta.className}.${prop.name})`);
  }
  return targetMeta;
}

/** Points a many-to-one at its target: the foreign key column takes the target's key type. */
function resolveManyToOne(meta: EntityMetadata, prop: EntityProperty, registry: MetadataRegistry, naming: NamingStrategy): void {
  const targetMeta = relationTarget(meta, prop, registry);
  if (targetMeta.primaryKeys.length !== 1) {
    compositeManyToOne(meta, prop, targetMeta, naming);
    return;
  }
  const pk = targetMeta.properties[targetMeta.primaryKeys[0]];
  prop.targetMeta = targetMeta;
  prop.columnKind = pk.columnKind;
  prop.fieldName = prop.joinColumn ?? (prop.fieldName || naming.joinKeyColumnName(prop.name, pk.fieldName));
  prop.fieldNames = [prop.fieldName];
  if (prop.primary && prop.oneToOne) {
    // A one-to-one that is the primary key lives and dies with its target, as in MikroORM.
    prop.deleteRule ??= 'cascade';
    prop.updateRule ??= 'cascade';
  }
  if (prop.deleteRule === undefined && prop.nullable) {
    prop.deleteRule = 'set null';
  }
}

/**
 * A many-to-one to an entity with a composite key: one column per key column (`car_name`,
 * `car_year`). The first is the property's own; the others are column properties `car~year`.
 */
function compositeManyToOne(meta: EntityMetadata, prop: EntityProperty, targetMeta: EntityMetadata, naming: NamingStrategy): void {
  if (prop.primary) {
    throw new NotImplementedError(`A many-to-one to a composite key as (part of) the primary key is not implemented in mikro-native yet: ${meta.className}.${prop.name}`);
  }
  const pks = targetMeta.primaryKeys.map(k => targetMeta.properties[k]);
  const given = prop.joinColumns as string[] | undefined;
  const names = given ?? pks.map(pk => naming.joinKeyColumnName(prop.name, pk.fieldName));
  if (names.length !== pks.length) {
    throw new MetadataError(`${meta.className}.${prop.name} has ${names.length} joinColumns; the key of ${targetMeta.className} has ${pks.length} columns`);
  }
  prop.targetMeta = targetMeta;
  prop.columnKind = pks[0].columnKind;
  prop.fieldName = names[0];
  prop.fieldNames = names;
  // A natural key may change: MikroORM cascades updates to it.
  prop.updateRule ??= 'cascade';
  if (prop.deleteRule === undefined && prop.nullable) {
    prop.deleteRule = 'set null';
  }
  prop.keyParts = pks.slice(1).map((pk, n) => ({
    name: `${prop.name}~${pk.name}`,
    kind: 'scalar',
    type: pk.columnKind,
    columnKind: pk.columnKind,
    runtimeType: pk.runtimeType,
    fieldName: names[n + 1],
    fieldNames: [names[n + 1]],
    primary: false,
    nullable: prop.nullable,
    keyPart: [prop.name, n + 1],
  }));
  meta.props.splice(meta.props.indexOf(prop) + 1, 0, ...prop.keyParts);
}

/** Points a one-to-many at its target and at the target's owning many-to-one. */
function resolveOneToMany(meta: EntityMetadata, prop: EntityProperty, registry: MetadataRegistry): void {
  const targetMeta = relationTarget(meta, prop, registry);
  const owner = prop.mappedBy ? targetMeta.properties[prop.mappedBy] : undefined;
  if (!owner || owner.kind !== 'm:1' || owner.targetMeta !== meta) {
    throw new MetadataError(`${meta.className}.${prop.name} has unknown 'mappedBy' reference: ${targetMeta.className}.${prop.mappedBy ?? ''}`);
  }
  prop.targetMeta = targetMeta;
  prop.inverse = owner;
  owner.inverse = prop;
}

/** Points the inverse side of a one-to-one at its target's owning property. */
function resolveOneToOneInverse(meta: EntityMetadata, prop: EntityProperty, registry: MetadataRegistry): void {
  const targetMeta = relationTarget(meta, prop, registry);
  const owner = targetMeta.properties[prop.mappedBy!];
  if (!owner || owner.kind !== 'm:1' || !owner.oneToOne || owner.targetMeta !== meta) {
    throw new MetadataError(`${meta.className}.${prop.name} has unknown 'mappedBy' reference: ${targetMeta.className}.${prop.mappedBy}`);
  }
  prop.targetMeta = targetMeta;
  prop.inverse = owner;
  owner.inverse = prop;
}

/** Points a many-to-many at its target and, on the inverse side, at the owning side. */
function resolveManyToMany(meta: EntityMetadata, prop: EntityProperty, registry: MetadataRegistry): void {
  const targetMeta = relationTarget(meta, prop, registry);
  if (meta.primaryKeys.length !== 1 || targetMeta.primaryKeys.length !== 1) {
    throw new NotImplementedError(`Relations to entities with composite primary keys are not implemented in mikro-native yet: ${meta.className}.${prop.name}`);
  }
  prop.targetMeta = targetMeta;
  if (prop.mappedBy) {
    const owning = targetMeta.properties[prop.mappedBy];
    if (!owning || owning.kind !== 'm:n' || owning.mappedBy) {
      throw new MetadataError(`${meta.className}.${prop.name} has unknown 'mappedBy' reference: ${targetMeta.className}.${prop.mappedBy}`);
    }
    prop.inverse = owning;
    owning.inverse = prop;
  }
}

/** The internal entity of a many-to-many pivot table (`book_tags`: `book_id`, `tag_id`). */
function pivotEntity(meta: EntityMetadata, prop: EntityProperty, index: number, naming: NamingStrategy, registry: MetadataRegistry): EntityMetadata {
  const target = prop.targetMeta!;
  // `pivotEntity`: a user entity owns the table; the links are written through its two relations.
  const user = prop.pivotEntity ? relationTarget(meta, { ...prop, entity: prop.pivotEntity }, registry) : undefined;
  const userOwner = user?.props.find(p => p.kind === 'm:1' && p.targetMeta === meta);
  const userItem = user?.props.find(p => p.kind === 'm:1' && p.targetMeta === target && p !== userOwner);
  if (user && (!userOwner || !userItem)) {
    throw new MetadataError(`${meta.className}.${prop.name} has pivotEntity ${user.className}, which needs a many-to-one to ${meta.className} and one to ${target.className}`);
  }
  for (const p of [userOwner, userItem]) {
    if (p) {
      p.deleteRule ??= 'cascade';
      p.updateRule ??= 'cascade';
    }
  }
  const tableName = user?.tableName ?? prop.pivotTable ?? `${meta.tableName}_${naming.propertyToColumnName(prop.name)}`;
  // `fixedOrder`: the links are rows with an autoincrement key (`id`), loaded in its order.
  const orderColumn = prop.fixedOrder ? String(prop.fixedOrderColumn ?? 'id') : undefined;
  const fk = (name: string, to: EntityMetadata, fieldName: string): EntityProperty => ({
    name,
    kind: 'm:1',
    type: 'm:1',
    targetMeta: to,
    columnKind: to.properties[to.primaryKeys[0]].columnKind,
    runtimeType: 'object',
    fieldName,
    fieldNames: [fieldName],
    primary: !orderColumn,
    nullable: false,
    autoincrement: false,
    deleteRule: 'cascade',
    updateRule: 'cascade',
  });
  const ownerName = userOwner?.name ?? naming.classToTableName(meta.className);
  const targetName = naming.classToTableName(target.className);
  const owner = fk(ownerName, meta, userOwner?.fieldName ?? prop.joinColumn ?? naming.joinKeyColumnName(ownerName, meta.properties[meta.primaryKeys[0]].fieldName));
  // A self-referencing pivot names its second column apart (`tag_id`, `tag2_id`).
  const itemName = userItem?.name ?? (ownerName === targetName ? `${targetName}2` : targetName);
  const item = fk(itemName, target, userItem?.fieldName ?? prop.inverseJoinColumn ?? naming.joinKeyColumnName(itemName, target.properties[target.primaryKeys[0]].fieldName));
  const className = `${meta.className}${prop.name[0].toUpperCase()}${prop.name.substring(1)}Pivot`;
  const cls = { [className]: class {} }[className] as unknown as EntityClass;
  const order: EntityProperty[] = orderColumn
    ? [{ name: orderColumn, kind: 'scalar', type: 'integer', columnKind: 'integer', runtimeType: 'number', fieldName: orderColumn, fieldNames: [orderColumn], primary: true, nullable: false, autoincrement: true }]
    : [];
  const pivot: EntityMetadata = {
    name: className,
    className,
    class: cls,
    prototype: cls.prototype,
    tableName,
    collection: tableName,
    schema: meta.schema,
    properties: Object.fromEntries([...order, owner, item].map(p => [p.name, p])),
    props: [...order, owner, item],
    collections: [],
    inverses: [],
    pivot: true,
    primaryKeys: orderColumn ? [orderColumn] : [owner.name, item.name],
    indexes: [],
    uniques: [],
    hooks: {},
    index,
    constructorParams: [],
    alias: rootAlias(tableName),
    runtime: undefined as unknown as EntityMetadata['runtime'],
    tableOf: user,
  };
  prop.pivotMeta = pivot;
  prop.pivotOwner = owner;
  prop.pivotItem = item;
  return pivot;
}

/** Entity hooks by event: functions, or names of the class's methods. */
function resolveHooks(className: string, cls: EntityClass, hooks: EntitySchemaMetadata['hooks']): EntityMetadata['hooks'] {
  const out: EntityMetadata['hooks'] = {};
  for (const [event, list] of Object.entries(hooks ?? {})) {
    if (!(ENTITY_EVENTS as readonly string[]).includes(event)) {
      throw new MetadataError(`Unknown hook '${event}' on ${className}: expected one of ${ENTITY_EVENTS.join(', ')}`);
    }
    out[event] = (list ?? []).map(h => {
      const fn = typeof h === 'function' ? h : (cls.prototype as Dictionary)[h];
      if (typeof fn !== 'function') {
        throw new MetadataError(`Hook ${event} of ${className} names '${String(h)}', which is not a method of the entity`);
      }
      return fn as (...args: any[]) => unknown;
    });
  }
  return out;
}

/** An `indexes`/`uniques` entry: MikroORM's other index options are not built (a loud error). */
function indexDef(className: string, i: IndexOptions): IndexDef {
  // `options` (driver-specific settings) are not used by MikroORM's SQL drivers either.
  const { properties, name, type, expression, options: _options, ...rest } = i as IndexOptions & Dictionary;
  if (expression !== undefined && typeof expression !== 'string') {
    throw new NotImplementedError(`An index 'expression' given as a function (entity ${className}) is not implemented in mikro-native yet; give the statement as a string`);
  }
  const other = Object.keys(rest).filter(k => rest[k] !== undefined);
  if (other.length > 0) {
    throw new NotImplementedError(`Index option${other.length > 1 ? 's' : ''} ${other.map(k => `'${k}'`).join(', ')} (entity ${className}) ${other.length > 1 ? 'are' : 'is'} not implemented in mikro-native yet`);
  }
  if (type !== undefined && !/^[A-Za-z_]+$/.test(type)) {
    throw new MetadataError(`Entity ${className} has wrong index definition: type '${type}' is not an index type (letters and '_' only)`);
  }
  const list = properties === undefined ? [] : Array.isArray(properties) ? [...properties] : [properties];
  if (list.length === 0 && expression === undefined) {
    throw new MetadataError(`Entity ${className} has wrong index definition: it needs 'properties' or 'expression'`);
  }
  return { properties: list, name, type, expression };
}

/** Index definitions name existing properties; no two properties share a column. */
function checkEntity(meta: EntityMetadata): void {
  const className = meta.className;
  for (const i of [...meta.indexes, ...meta.uniques]) {
    for (const p of i.properties) {
      if (!meta.properties[p]) {
        throw new MetadataError(`Entity ${className} has wrong index definition: '${p}' does not exist. You need to use property name, not column name.`);
      }
    }
  }
  const byField = new Map<string, string>();
  for (const prop of meta.props) {
    const other = byField.get(prop.fieldName);
    if (other) {
      throw new MetadataError(`Duplicate fieldNames are not allowed: ${className}.${other} (fieldName: '${prop.fieldName}'), ${className}.${prop.name} (fieldName: '${prop.fieldName}')`);
    }
    byField.set(prop.fieldName, prop.name);
  }
}

/** The definition behind an entry of `entities` (or a relation/embedded target): its raw metadata and class. */
function definitionOf(item: unknown): { raw: EntitySchemaMetadata; cls: EntityClass } {
  if (item instanceof EntitySchema) {
    const raw = item.meta;
    if (raw.extends) {
      // Inherited properties come first, as with class inheritance.
      const base = definitionOf(raw.extends).raw;
      return { raw: { ...raw, properties: { ...base.properties, ...raw.properties } }, cls: item.class };
    }
    return { raw, cls: item.class };
  }
  if (typeof item === 'function') {
    return { raw: fromClass(item as EntityClass), cls: item as EntityClass };
  }
  if (typeof item === 'string') {
    throw new MetadataError(`Folder-based discovery ('${item}') needs the async MikroORM.init(); new MikroORM() takes entity classes and schemas only`);
  }
  throw new MetadataError(`Invalid entity in 'entities': expected a class or an EntitySchema, got ${String(item)}`);
}

/**
 * An embedded property. Inline (the default), the embeddable's properties become columns of the
 * owner, prefixed (`address_city`; `prefix: false` for none); with `object: true` it is one JSON
 * column. Either way the value is an instance of the embeddable.
 */
function embeddedProperty(entity: string, name: string, opts: PropertyOptions, naming: NamingStrategy, platform: Platform): EntityProperty {
  const target = typeof opts.entity === 'function' && !(opts.entity as { prototype?: unknown }).prototype ? (opts.entity as () => unknown)() : opts.entity;
  if (!target) {
    throw new MetadataError(`${entity}.${name} is embedded but names no embeddable ('entity')`);
  }
  const { raw, cls } = definitionOf(target);
  if (!raw.embeddable) {
    throw new MetadataError(`${entity}.${name} embeds ${raw.className ?? cls.name}, which is not an embeddable (set 'embeddable: true')`);
  }
  const fieldName = opts.fieldName ?? naming.propertyToColumnName(name);
  const base = { ...opts, name, embeddedClass: cls, primary: false, nullable: !!opts.nullable };
  embeddableKeys.set(cls, Object.keys(raw.properties));
  // An array of embeddables is one JSON column too; conditions on its items read their keys' types.
  if (opts.object || opts.array) {
    const itemTypes = opts.array ? jsonItemTypes(`${entity}.${name}`, raw.properties, naming, platform) : undefined;
    return { ...base, kind: 'scalar', type: 'json', columnKind: 'json', runtimeType: 'object', fieldName, fieldNames: [fieldName], jsonItemTypes: itemTypes };
  }
  const prefix = opts.prefix === false ? '' : typeof opts.prefix === 'string' ? opts.prefix : `${fieldName}_`;
  const embeddedProps: EntityProperty[] = [];
  for (const [child, def] of Object.entries(raw.properties)) {
    const childOpts = optionsOf(def);
    if (childOpts.kind === 'embedded' || childOpts.kind !== undefined && childOpts.kind !== 'scalar') {
      throw new NotImplementedError(`relations and nested embeddables inside an embeddable are not implemented in mikro-native yet (${entity}.${name}.${child})`);
    }
    const p = normalizeProperty(`${entity}.${name}`, child, childOpts, naming, platform);
    if (!p) {
      continue;
    }
    const column = prefix + (childOpts.fieldName ?? naming.propertyToColumnName(child));
    embeddedProps.push({ ...p, name: `${name}.${child}`, fieldName: column, fieldNames: [column], nullable: p.nullable || !!opts.nullable, embedded: [name, child] });
  }
  return { ...base, kind: 'embedded', type: 'embedded', columnKind: 'json', runtimeType: 'object', fieldName: '', fieldNames: [], embeddedProps };
}

/** The column kinds of an embeddable's scalar properties, by the keys its JSON objects use. */
function jsonItemTypes(owner: string, properties: Dictionary<unknown>, naming: NamingStrategy, platform: Platform): Dictionary<ColumnKind> {
  const types: Dictionary<ColumnKind> = {};
  for (const [child, def] of Object.entries(properties)) {
    const childOpts = optionsOf(def);
    if (childOpts.kind === undefined || childOpts.kind === 'scalar') {
      const p = normalizeProperty(owner, child, childOpts, naming, platform);
      if (p) {
        types[child] = p.columnKind;
      }
    }
  }
  return types;
}

/** The targets of an entity's relations that are classes or schemas (not names). */
function relationTargets(raw: EntitySchemaMetadata): unknown[] {
  const out: unknown[] = [];
  for (const def of Object.values(raw.properties)) {
    const opts = optionsOf(def);
    if (opts.kind === undefined || opts.kind === 'scalar' || opts.kind === 'embedded') {
      continue;
    }
    let target = opts.entity;
    if (typeof target === 'function' && !(target as { prototype?: unknown }).prototype) {
      target = (target as () => unknown)();
    }
    if (target instanceof EntitySchema || typeof target === 'function') {
      out.push(target);
    }
  }
  return out;
}

/** Normalizes every entity definition into metadata and checks it. */
export function discoverEntities(entities: readonly unknown[], naming: NamingStrategy, options: { useReflection?: boolean; platform?: Platform } = {}): EntityMetadata[] {
  const platform = options.platform ?? { name: 'unknown' };
  const out: EntityMetadata[] = [];
  const raws: EntitySchemaMetadata[] = [];
  const seen = new Set<unknown>();
  // Relation targets given as a class or schema are discovered too, as MikroORM does.
  const queue = [...entities];
  for (let q = 0; q < queue.length; q++) {
    const { raw, cls } = definitionOf(queue[q]);
    if (seen.has(cls) || raw.abstract || raw.embeddable) {
      continue;
    }
    seen.add(cls);
    raws.push(raw);
    queue.push(...relationTargets(raw));
    const className = raw.className ?? cls.name;
    if (raw.view || raw.expression !== undefined) {
      throw new NotImplementedError(`View entities (${className}: 'view'/'expression') are not implemented in mikro-native yet`);
    }
    const properties: Dictionary<EntityProperty> = {};
    for (const [name, def] of Object.entries(raw.properties)) {
      const { reflectedType, ...opts } = optionsOf(def);
      if (options.useReflection && opts.type == null && reflectedType != null) {
        opts.type = reflectedType;
      }
      const prop = opts.kind === 'embedded' ? embeddedProperty(className, name, opts, naming, platform) : normalizeProperty(className, name, opts, naming, platform);
      if (prop) {
        properties[name] = prop;
      }
    }
    for (const prop of Object.values(properties)) {
      if (prop.formula !== undefined) {
        prop.formulaSql = formulaSql(className, prop, properties);
      }
    }
    const isCollection = (p: EntityProperty) => p.kind === '1:m' || p.kind === 'm:n';
    // An inline embeddable's columns stand where it is defined.
    const props = Object.values(properties)
      .filter(p => !isCollection(p) && p.kind !== '1:1')
      .flatMap(p => (p.kind === 'embedded' ? p.embeddedProps! : [p]));
    const collections = Object.values(properties).filter(isCollection);
    const inverses = Object.values(properties).filter(p => p.kind === '1:1');
    const primaryKeys = props.filter(p => p.primary).map(p => p.name);
    if (primaryKeys.length === 0) {
      throw new MetadataError(`${className} entity is missing @PrimaryKey()`);
    }
    if (primaryKeys.length === 1) {
      const pk = properties[primaryKeys[0]];
      if (pk.autoincrement === undefined) {
        pk.autoincrement = pk.kind === 'scalar' && INTEGER_KINDS.has(pk.columnKind);
      }
    }
    const given = (raw.tableName ?? raw.collection) as string | undefined;
    const dotted = given?.includes('.') ? given.split('.') : undefined;
    const tableName = dotted ? dotted[1] : (given ?? naming.classToTableName(className));
    const schema = (raw.schema as string | undefined) ?? dotted?.[0];
    const list = (l: EntitySchemaMetadata['indexes']) => (l ?? []).map(i => indexDef(className, i));
    const meta: EntityMetadata = {
      name: className,
      className,
      class: cls,
      prototype: cls.prototype,
      tableName,
      collection: tableName,
      schema,
      properties,
      props,
      collections,
      inverses,
      primaryKeys,
      indexes: list(raw.indexes),
      uniques: list(raw.uniques),
      hooks: resolveHooks(className, cls, raw.hooks),
      filters: raw.filters ? Object.fromEntries(Object.entries(raw.filters as Dictionary<Dictionary>).map(([k, d]) => [k, { ...d, name: (d.name as string) ?? k }])) as EntityMetadata['filters'] : undefined,
      index: out.length,
      constructorParams: constructorParams(cls),
      alias: rootAlias(className),
      runtime: undefined as unknown as EntityMetadata['runtime'],
    };
    out.push(meta);
  }
  if (out.length === 0) {
    throw new Error('No entities found, please use `entities` option');
  }
  const registry = new MetadataRegistry(out);
  for (const meta of out) {
    for (const prop of meta.props) {
      if (prop.kind === 'm:1') {
        resolveManyToOne(meta, prop, registry, naming);
      }
    }
  }
  for (const meta of out) {
    for (const prop of [...meta.collections, ...meta.inverses]) {
      if (prop.kind === '1:m') {
        resolveOneToMany(meta, prop, registry);
      } else if (prop.kind === '1:1') {
        resolveOneToOneInverse(meta, prop, registry);
      } else {
        resolveManyToMany(meta, prop, registry);
      }
    }
  }
  singleTableInheritance(out, raws, naming);
  // Owning sides first: an inverse side finds its owner's pivot.
  for (const meta of [...out]) {
    for (const prop of meta.collections) {
      if (prop.kind === 'm:n' && !prop.mappedBy) {
        out.push(pivotEntity(meta, prop, out.length, naming, registry));
      }
    }
  }
  for (const meta of out) {
    for (const prop of meta.collections) {
      if (prop.kind === 'm:n' && prop.mappedBy) {
        const owning = prop.inverse!;
        owning.inversedBy ??= prop.name;
        prop.pivotMeta = owning.pivotMeta;
        prop.pivotOwner = owning.pivotItem;
        prop.pivotItem = owning.pivotOwner;
      }
    }
  }
  for (const meta of out) {
    checkEntity(meta);
  }
  const tables = new Map<string, string>();
  for (const m of out.filter(m => (!m.root || m.root === m) && !m.tableOf)) {
    // Tables of one name in different schemas are different tables.
    const key = `${m.schema ?? ''}.${m.tableName}`;
    if (tables.has(key)) {
      throw new MetadataError(`Duplicate table names are not allowed: ${m.tableName}`);
    }
    tables.set(key, m.className);
  }
  return out;
}

/**
 * Single-table inheritance: an entity extending an entity whose root has a `discriminatorColumn`
 * lives in the root's table. Every entity of the hierarchy gets the root's column layout: the
 * root's columns, the discriminator, then the subclasses' columns (nullable in the table); the
 * columns of other entities of the hierarchy are `foreign` (never set on its instances).
 */
function singleTableInheritance(out: EntityMetadata[], raws: EntitySchemaMetadata[], naming: NamingStrategy): void {
  const byClass = new Map(out.map(m => [m.class as unknown, m]));
  const parentOf = (m: EntityMetadata): EntityMetadata | undefined => {
    for (let c = Object.getPrototypeOf(m.class); typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
      const parent = byClass.get(c);
      if (parent) {
        return parent;
      }
    }
    return undefined;
  };
  const parents = new Map(out.map(m => [m, parentOf(m)]));
  const children = (m: EntityMetadata) => out.filter(c => parents.get(c) === m);
  for (const [i, root] of out.entries()) {
    const raw = raws[i];
    const column = raw?.discriminatorColumn as string | undefined;
    if (!column || parents.get(root)) {
      continue;
    }
    // Descendants depth-first, in discovery order.
    const members: EntityMetadata[] = [];
    const visit = (m: EntityMetadata) => {
      members.push(m);
      children(m).forEach(visit);
    };
    visit(root);
    const explicit = raw.discriminatorMap as Dictionary<unknown> | undefined;
    const valueOf = (m: EntityMetadata): string => {
      const own = raws[out.indexOf(m)]?.discriminatorValue as string | undefined;
      const mapped = Object.entries(explicit ?? {}).find(([, v]) => v === m.className || v === m.class || (v instanceof EntitySchema && v.class === m.class));
      return own ?? mapped?.[0] ?? naming.classToTableName(m.className);
    };
    for (const m of members) {
      m.discriminatorValue = valueOf(m);
    }
    const map = new Map<string, EntityMetadata>(
      explicit
        ? Object.keys(explicit).map(v => [v, members.find(m => m.discriminatorValue === v)!])
        : members.map(m => [m.discriminatorValue!, m] as [string, EntityMetadata]).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
    );
    for (const [v, m] of map) {
      if (!m) {
        throw new MetadataError(`${root.className}.discriminatorMap names '${v}', which is not an entity of its hierarchy`);
      }
    }
    root.discriminatorMap = map;
    const descendants = (m: EntityMetadata): EntityMetadata[] => children(m).flatMap(c => [c, ...descendants(c)]);
    for (const m of members) {
      m.root = root;
      m.discriminatorValues = [m.discriminatorValue!, ...descendants(m).reverse().map(d => d.discriminatorValue!)];
    }
    const disc: EntityProperty = root.properties[column] ?? {
      name: column,
      kind: 'scalar',
      type: 'string',
      columnKind: 'enum',
      runtimeType: 'string',
      fieldName: naming.propertyToColumnName(column),
      fieldNames: [naming.propertyToColumnName(column)],
      primary: false,
      nullable: false,
      items: [...map.keys()],
      index: true,
    };
    disc.discriminator = true;
    const layout = root.props.filter(p => p !== disc);
    layout.push(disc);
    for (const m of members.slice(1)) {
      for (const p of m.props) {
        if (!layout.some(l => l.name === p.name)) {
          layout.push({ ...p, nullable: true });
        }
      }
      root.indexes.push(...m.indexes.filter(x => !root.indexes.includes(x)));
      root.uniques.push(...m.uniques.filter(x => !root.uniques.includes(x)));
    }
    for (const m of members) {
      m.tableName = root.tableName;
      m.collection = root.collection;
      m.properties[column] = disc;
      const own = new Map(m.props.map(p => [p.name, p]));
      m.props = layout.map(l => (l === disc ? disc : (own.get(l.name) ?? { ...l, foreign: true, nullable: true })));
    }
  }
}

/** The engine's name for the missing other side of a unidirectional many-to-many `owner.prop`. */
export function unidirectionalInverse(owner: EntityMetadata, prop: EntityProperty): string {
  return `~${owner.className}.${prop.name}`;
}

/** The engine's view of the metadata, sent once at init. */
/**
 * `name` qualified by the entity's schema (`custom.author`) where one applies, as the engine
 * takes names (it quotes them part by part): `defaultSchema` qualifies nothing.
 */
function inSchema(m: EntityMetadata, name: string, schema?: string, defaultSchema?: string): string {
  const s = m.schema ?? schema;
  return s && s !== defaultSchema ? `${s}.${name}` : name;
}

/**
 * The metadata the engine takes; `schema`: the configured default schema of the tables;
 * `defaultSchema`: the database's own (PostgreSQL's `public`), which names are not qualified with;
 * `schemaSkip`: whether the schema generator leaves a table alone.
 */
export function engineMetadata(metas: EntityMetadata[], naming: NamingStrategy, schema?: string, defaultSchema?: string, schemaSkip: (table: string) => boolean = () => false): string {
  const qualified = (m: EntityMetadata, name: string) => inSchema(m, name, schema, defaultSchema);
  return JSON.stringify({
    rawNonce: RAW_NONCE,
    entities: metas.map(m => {
      const indexes: { properties: string[]; name: string; unique: boolean; foreign?: boolean; type?: string; expression?: string }[] = [];
      const colsOf = (props: string[]) => props.map(p => m.properties[p].fieldName);
      for (const p of m.props) {
        if (p.kind === 'm:1' && p.oneToOne && p.primary) {
          // The primary key is unique already.
        } else if (p.kind === 'm:1' && p.oneToOne && !p.index && !p.unique) {
          indexes.push({ properties: [p.name], unique: true, name: naming.indexName(m.tableName, [p.fieldName], 'unique') });
        } else if (p.kind === 'm:1' && !p.index && !p.unique) {
          const parts = (p.keyParts ?? []).map(k => k.name);
          indexes.push({ properties: [p.name, ...parts], unique: false, name: naming.indexName(m.tableName, p.fieldNames, 'index'), foreign: true });
        }
        if (p.primary) {
          continue;
        }
        if (p.index) {
          indexes.push({ properties: [p.name], unique: false, name: typeof p.index === 'string' ? p.index : naming.indexName(m.tableName, [p.fieldName], 'index') });
        }
        if (p.unique) {
          indexes.push({ properties: [p.name], unique: true, name: typeof p.unique === 'string' ? p.unique : naming.indexName(m.tableName, [p.fieldName], 'unique') });
        }
      }
      for (const i of m.indexes) {
        indexes.push({ properties: i.properties, unique: false, name: i.name ?? naming.indexName(m.tableName, colsOf(i.properties), 'index'), type: i.type, expression: i.expression });
      }
      for (const u of m.uniques) {
        indexes.push({ properties: u.properties, unique: true, name: u.name ?? naming.indexName(m.tableName, colsOf(u.properties), 'unique'), type: u.type, expression: u.expression });
      }
      return {
        name: m.className,
        tableName: qualified(m, m.tableName),
        schemaSkip: schemaSkip(qualified(m, m.tableName)),
        props: m.props.map(p => ({
          name: p.name,
          fieldName: p.fieldName,
          type: p.columnKind,
          columnType: p.columnType,
          primary: p.primary,
          autoincrement: !!p.autoincrement,
          nullable: p.nullable,
          default: p.defaultRaw ?? renderDefault(p.default) ?? (p.version ? '1' : undefined),
          version: !!p.version,
          formula: p.formulaSql,
          lazy: !!p.lazy,
          jsonItemTypes: p.jsonItemTypes,
          length: p.length,
          precision: p.precision,
          scale: p.scale,
          items: p.columnKind === 'enum' ? (p.items as unknown[] | undefined)?.map(String) : undefined,
          // A native enum type lives in its table's schema.
          nativeEnumName: p.columnKind === 'enum' && p.nativeEnumName ? qualified(m, p.nativeEnumName as string) : undefined,
          unsigned: !!p.unsigned,
          reference: p.targetMeta
            ? {
                entity: p.targetMeta.index,
                fieldName: p.targetMeta.properties[p.targetMeta.primaryKeys[0]].fieldName,
                constraint: naming.indexName(m.tableName, p.fieldNames, 'foreign'),
                updateRule: p.updateRule,
                deleteRule: p.deleteRule,
                parts: p.keyParts?.map(k => k.name),
                partFields: p.keyParts?.map(k => p.targetMeta!.properties[p.targetMeta!.primaryKeys[k.keyPart![1]]].fieldName),
              }
            : undefined,
        })),
        indexes,
        collections: [
          ...m.collections.map(p => ({
            name: p.name,
            entity: p.targetMeta!.index,
            mappedBy: p.kind === '1:m' ? p.mappedBy : undefined,
            manyToMany: p.kind === 'm:n',
            // MikroORM orders a many-to-many's owner after its items only when both sides exist.
            owner: p.kind === 'm:n' && !p.mappedBy && !!p.inversedBy,
            pivot: p.pivotMeta ? { entity: p.pivotMeta.index, owner: p.pivotOwner!.name, item: p.pivotItem!.name } : undefined,
          })),
          ...m.inverses.map(p => ({ name: p.name, entity: p.targetMeta!.index, mappedBy: p.mappedBy, oneToOne: true })),
          // The other side of a unidirectional many-to-many, for queries only (`loadCount()`).
          ...metas.flatMap(o =>
            o.collections
              .filter(p => p.kind === 'm:n' && !p.mappedBy && !p.inversedBy && p.targetMeta === m)
              .map(p => ({
                name: unidirectionalInverse(o, p),
                entity: o.index,
                manyToMany: true,
                pivot: { entity: p.pivotMeta!.index, owner: p.pivotItem!.name, item: p.pivotOwner!.name },
              })),
          ),
        ],
        // A pivot's rows are written target key first, a single-table hierarchy's discriminator first.
        insertOrder: m.pivot ? m.props.filter(p => p.kind === 'm:1').map(p => p.name).reverse() : m.root ? [...m.props.filter(p => p.discriminator), ...m.props.filter(p => !p.discriminator)].map(p => p.name) : undefined,
        discriminator: m.root
          ? {
              root: m.root.index,
              prop: m.props.find(p => p.discriminator)!.name,
              values: m.discriminatorValues,
              classes: m === m.root ? Object.fromEntries([...m.discriminatorMap!].map(([v, c]) => [v, c.discriminatorValues])) : undefined,
            }
          : undefined,
        pivot: !!m.pivot,
        tableOf: m.tableOf?.index,
      };
    }),
  });
}
