import { inspect } from 'node:util';
import { ValidationError } from '../errors.js';
import type { EntityMetadata, EntityProperty } from '../metadata/types.js';
import type { Dictionary, EntityData, EntityDTO } from '../typings.js';
import type { Collection } from './collection.js';
import { Reference } from './reference.js';
import { serialize, toPOJO, type SerializeOptions } from './serializer.js';
import { embed, createApplyDefaults, createAssignData, createInsertStateFn, createRowMapper, createStateFn, createToObject } from './codegen.js';

/** What MikroORM calls the wrapped entity: per-instance ORM state plus helpers (`wrap(e)`). */
/**
 * @internal An identity-map key from primary key values: the value itself (bigints as text, as
 * the engine sends them), or the values joined by `~` for composite keys (as the hydrator does).
 */
export function identityKey(values: unknown[]): unknown {
  if (values.length === 1) {
    return keyPart(values[0]);
  }
  return values.map(v => String(keyPart(v))).join('~');
}

/** A key value as `getPrimaryKey()` gives it: an entity or `Reference` stands for its key. */
function primaryValue(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const h = (v instanceof Reference ? v.unwrap() : v) as { __helper?: WrappedEntity };
    return h.__helper ? h.__helper.getPrimaryKey() : v;
  }
  return v;
}

/** One key value: an entity or `Reference` (a foreign key as primary key) stands for its own key. */
function keyPart(v: unknown): unknown {
  if (typeof v === 'bigint') {
    return v.toString();
  }
  if (v !== null && typeof v === 'object' && !(v instanceof Date)) {
    const h = (v instanceof Reference ? v.unwrap() : v) as { __helper?: WrappedEntity };
    return h.__helper ? h.__helper.getIdentityKey() : v;
  }
  return v;
}

let identitySeq = 0;

/** @internal The next identity-map position (entities entering an identity map get one). */
export function nextIdentitySeq(): number {
  return ++identitySeq;
}

export class WrappedEntity<T extends object = any> {
  __initialized = true;
  __managed = false;
  __em?: any;
  /** @internal When the entity entered the identity map (orders a flush's statements). */
  __seq = 0;
  /** @internal The relations `toObject()` nests: all loaded ones (`true`, for entities created
   * here) or these paths (the populate hint of the query that loaded the entity). */
  __populate: true | readonly string[] = true;
  /** @internal Every property `findOne` needs was loaded or written; else a `findOne` of this
   * entity's key queries again, as MikroORM's does. */
  __loadedAll = false;

  constructor(readonly entity: T, readonly __meta: EntityMetadata<T>) {}

  isInitialized(): boolean {
    return this.__initialized;
  }

  isManaged(): boolean {
    return this.__managed;
  }

  populated(populated = true): void {
    this.__initialized = populated;
  }

  hasPrimaryKey(): boolean {
    return this.__meta.primaryKeys.every(pk => (this.entity as Dictionary)[pk] != null);
  }

  /** The key value; a relation in the key gives its target's key; a composite key is an object. */
  getPrimaryKey(): unknown {
    const pks = this.__meta.primaryKeys;
    if (pks.length === 1) {
      return primaryValue((this.entity as Dictionary)[pks[0]]);
    }
    return Object.fromEntries(pks.map(pk => [pk, primaryValue((this.entity as Dictionary)[pk])]));
  }

  /** @internal The key of this entity in its identity map. */
  getIdentityKey(): unknown {
    const pks = this.__meta.primaryKeys;
    if (pks.length === 1) {
      const v = (this.entity as Dictionary)[pks[0]];
      return typeof v === 'bigint' ? v.toString() : typeof v === 'object' && v !== null ? keyPart(v) : v;
    }
    return identityKey(pks.map(pk => (this.entity as Dictionary)[pk]));
  }

  /** The key as text; a composite key's values joined by `~~~`, as MikroORM. */
  getSerializedPrimaryKey(): string {
    const pk = this.getPrimaryKey();
    return pk !== null && typeof pk === 'object' && !(pk instanceof Date) ? Object.values(pk).map(String).join('~~~') : String(pk);
  }

  getEntityManager(): unknown {
    return this.__em;
  }

  toObject(ignoreFields: string[] = []): EntityDTO<T> {
    const o = this.__meta.runtime.toObject(this.entity, false, this.__populate);
    for (const f of ignoreFields) {
      delete o[f];
    }
    return o as EntityDTO<T>;
  }

  toPOJO(): EntityDTO<T> {
    return toPOJO(this.entity) as EntityDTO<T>;
  }

  toJSON(...args: string[]): EntityDTO<T> {
    const user = (this.entity as { toJSON?: (...a: unknown[]) => unknown }).toJSON;
    if (user && user !== entityToJSON) {
      return user.apply(this.entity, args) as EntityDTO<T>;
    }
    return this.toObject(args);
  }

  assign(data: EntityData<T>, options: AssignOptions = {}): T {
    return assign(this.entity, data, options);
  }

  /** The entity wrapped in a `Reference`. */
  toReference(): Reference<T> {
    return Reference.create(this.entity);
  }

  /** `serialize(entity, options)`. */
  serialize(options: SerializeOptions = {}): EntityDTO<T> {
    return serialize(this.entity, options);
  }

  /** Loads relations of this entity, as `em.populate(entity, populate)`. */
  async populate(populate: readonly string[] | boolean, options: { refresh?: boolean } = {}): Promise<T> {
    if (!this.__em) {
      throw new ValidationError(`Entity ${this.__meta.className} is not managed by an EntityManager, cannot populate it`);
    }
    await this.__em.populate(this.entity, populate, options);
    return this.entity;
  }

  async init(options: { refresh?: boolean } = {}): Promise<T> {
    if (!this.__em) {
      throw new ValidationError(`Entity ${this.__meta.className} is not managed by an EntityManager, cannot initialize it`);
    }
    await this.__em.refresh(this.entity, options);
    return this.entity;
  }
}

function entityToJSON(this: object, ...args: string[]): unknown {
  return helper(this).toObject(args);
}

export interface AssignOptions {
  /** Only keys that are properties of the entity are assigned. */
  onlyProperties?: boolean;
  /** JSON properties are merged into the current object instead of replaced. */
  mergeObjectProperties?: boolean;
  /** The EntityManager that creates and looks up related entities (default: the entity's own). */
  em?: unknown;
}

/** What `assign()` needs of an EntityManager. */
interface AssignEm {
  create(entityName: unknown, data: Dictionary): object;
  getReference(entityName: unknown, id: unknown): object;
}

/** Deep merge of plain objects (`mergeObjectProperties`). */
function mergeObjects(target: unknown, source: unknown): unknown {
  if (!isPlainObject(target) || !isPlainObject(source)) {
    return source;
  }
  const out: Dictionary = { ...target };
  for (const [k, v] of Object.entries(source)) {
    out[k] = mergeObjects(out[k], v);
  }
  return out;
}

function isPlainObject(v: unknown): v is Dictionary {
  return !!v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype;
}

/**
 * The entity a relation value stands for: an entity or reference as is, a key as a reference,
 * data with the key as that entity with the rest of the data assigned, other data as a new entity.
 */
function relatedEntity(prop: EntityProperty, v: unknown, em: AssignEm, options: AssignOptions): object {
  const target = prop.targetMeta!;
  if (v instanceof Reference) {
    return v.unwrap() as object;
  }
  if (v && typeof v === 'object' && (v as { __helper?: unknown }).__helper) {
    return v;
  }
  if (!isPlainObject(v)) {
    return em.getReference(target.class, v);
  }
  const pk = target.primaryKeys[0];
  if (v[pk] == null) {
    return em.create(target.class, v);
  }
  return assign(em.getReference(target.class, v[pk]), v, { ...options, em });
}

/**
 * `assign(entity, data)`: sets the data's values, relations included (keys become references,
 * nested data new or existing entities, arrays the collection's items). Keys that are not
 * properties are set too, as MikroORM does, unless `onlyProperties` is set.
 */
export function assign<T extends object>(entity: T, data: EntityData<T> | Dictionary, options: AssignOptions = {}): T {
  const meta = (entity as unknown as { __meta?: EntityMetadata }).__meta;
  if (!meta) {
    throw new ValidationError(`Cannot assign to ${inspect(entity)}: it is not an entity`);
  }
  const e = entity as Dictionary;
  const em = () => {
    const found = (options.em ?? HelperSlot.get(entity)?.__em) as AssignEm | undefined;
    if (!found) {
      throw new ValidationError(`To use assign() on not managed entities, explicitly provide EM instance: wrap(entity).assign(data, { em: orm.em })`);
    }
    return found;
  };
  for (const [k, v] of Object.entries(data)) {
    const prop = meta.properties[k];
    if (!prop) {
      if (!options.onlyProperties) {
        e[k] = v;
      }
      continue;
    }
    if (prop.embeddedClass) {
      e[k] = embed(prop.embeddedClass, v);
      continue;
    }
    if (prop.kind === 'scalar' || prop.mapToPk) {
      e[k] = options.mergeObjectProperties && prop.columnKind === 'json' ? mergeObjects(e[k], v) : v;
      continue;
    }
    if (prop.kind === '1:m' || prop.kind === 'm:n') {
      const items = (v == null ? [] : Array.isArray(v) ? v : [v]).map(item => relatedEntity(prop, item, em(), options));
      (e[k] as Collection<object>).set(items);
      continue;
    }
    if (v == null) {
      if (!prop.nullable && prop.kind !== '1:1') {
        throw new ValidationError(`You must pass a non-${v} value to the property ${k} of entity ${meta.className}.`);
      }
      e[k] = v;
      continue;
    }
    const related = relatedEntity(prop, v, em(), options);
    e[k] = prop.ref ? Reference.create(related) : related;
  }
  return entity;
}

/** The wrapped entity of an entity instance. */
export function helper<T extends object>(entity: T): WrappedEntity<T> {
  const h = (entity as { __helper?: WrappedEntity<T> }).__helper;
  if (!h) {
    throw new ValidationError(`${inspect(entity)} is not an entity (did you register it in 'entities'?)`);
  }
  return h;
}

/** `wrap(e)`: the entity's helper API (`toObject`, `toJSON`, `toPOJO`, `assign`, `init`, …). */
export function wrap<T extends object>(entity: T, _preferHelper = false): WrappedEntity<T> {
  return helper(entity);
}

/** Returns the object it is given, so a subclass can add a private field to any object. */
class Stamp {
  constructor(o: object) {
    return o as Stamp;
  }
}

/**
 * Each entity's `WrappedEntity` lives in a private field: invisible to `Object.keys`, spread and
 * JSON like a non-enumerable property, and ~4x cheaper to attach than `Object.defineProperty`.
 */
class HelperSlot extends Stamp {
  #helper: WrappedEntity;

  private constructor(o: object, h: WrappedEntity) {
    super(o);
    this.#helper = h;
  }

  static get(o: object): WrappedEntity | undefined {
    return #helper in o ? (o as HelperSlot).#helper : undefined;
  }

  static set(o: object, h: WrappedEntity): WrappedEntity {
    if (#helper in o) {
      (o as HelperSlot).#helper = h;
    } else {
      new HelperSlot(o, h);
    }
    return h;
  }
}

/** Prepares an entity class: `__meta`, a lazy `__helper`, `toJSON`, and the generated functions. */
export function decorateEntity(meta: EntityMetadata): void {
  const proto = meta.prototype as object;
  Object.defineProperty(proto, '__meta', { value: meta, configurable: true, writable: true });
  Object.defineProperty(proto, '__helper', {
    configurable: true,
    get(this: object) {
      return HelperSlot.get(this) ?? HelperSlot.set(this, new WrappedEntity(this, meta));
    },
  });
  if (!Object.prototype.hasOwnProperty.call(proto, 'toJSON') && !('toJSON' in proto)) {
    Object.defineProperty(proto, 'toJSON', { value: entityToJSON, configurable: true, writable: true });
  }
  const own = meta.props.filter(p => !p.foreign);
  const onUpdate = own.filter(p => p.onUpdate);
  const relations = [...own.filter(p => p.kind === 'm:1' && !p.mapToPk), ...meta.inverses, ...meta.collections];
  meta.runtime = {
    hydrators: new Map(),
    state: createStateFn(meta),
    toObject: createToObject(meta),
    mapRow: createRowMapper(meta),
    onUpdate,
    onUpdateIndexes: onUpdate.map(p => meta.props.indexOf(p)),
    insertState: createInsertStateFn(
      meta,
      p => !p.nullable && !p.autoincrement && p.default === undefined && p.defaultRaw === undefined && !p.onCreate && !p.version && p.formula === undefined,
      (e, name, v) => {
        throw new ValidationError(`Value for ${meta.className}.${name} is required, '${v}' found\nentity: ${inspect(e)}`, e);
      },
    ),
    applyDefaults: createApplyDefaults(meta),
    assignData: createAssignData(meta),
    references: own.filter(p => p.kind === 'm:1' && !p.mapToPk),
    loadedAll: meta.props.flatMap((p, i) => (!p.foreign && !p.embedded && !p.lazy && !p.version && !p.discriminator && p.formula === undefined && p.persist !== false ? [i] : [])),
    cascadePersist: relations.filter(p => cascades(p, 'persist')),
    cascadeRemove: relations.filter(p => cascades(p, 'remove') || p.orphanRemoval),
    links: meta.collections.filter(p => p.kind === 'm:n' && !p.mappedBy),
    customTypes: meta.props.some(p => p.customType),
    embedded: meta.props.some(p => p.embedded),
  };
}

/** Whether a relation cascades this operation: `cascade` defaults to `[Cascade.PERSIST]`. */
function cascades(p: EntityProperty, op: 'persist' | 'remove'): boolean {
  const cascade = (p.cascade as string[] | undefined) ?? ['persist'];
  return cascade.includes(op) || cascade.includes('all');
}

/** Attaches fresh ORM state to an entity created or hydrated by an EntityManager. */
export function initHelper(entity: object, meta: EntityMetadata, em: unknown, initialized: boolean, populate: true | readonly string[] = true): WrappedEntity {
  const prev = HelperSlot.get(entity)?.__seq ?? 0;
  const h = new WrappedEntity(entity, meta);
  h.__em = em;
  h.__managed = true;
  h.__initialized = initialized;
  h.__seq = prev || nextIdentitySeq();
  h.__populate = populate;
  return HelperSlot.set(entity, h);
}
