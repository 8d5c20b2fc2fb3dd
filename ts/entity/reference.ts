import { NotFoundError, ValidationError } from '../errors.js';
import type { EntityMetadata } from '../metadata/types.js';
import type { Dictionary, Primary } from '../typings.js';

type Helper = { __meta: EntityMetadata; __initialized: boolean; __em?: { loadReference(entity: object): Promise<object | null> } };

function helperOf(entity: object): Helper {
  const h = (entity as { __helper?: Helper }).__helper;
  if (!h) {
    throw new ValidationError(`Reference target is not an entity: ${String(entity)}`);
  }
  return h;
}

/** A wrapper around a (possibly not loaded) entity, as MikroORM's `Reference` (`ref: true`). */
export class Reference<T extends object> {
  constructor(private entity: T) {}

  /** Wraps an entity (or returns `null`/`undefined` as is, and an existing reference unchanged). */
  static create<T extends object>(entity: T | Reference<T>): Reference<T> {
    if (entity instanceof Reference) {
      return entity;
    }
    return new (referenceClass(helperOf(entity).__meta))(entity) as Reference<T>;
  }

  /** The entity, whether it is a reference or the entity itself. */
  static unwrapReference<T extends object>(ref: T | Reference<T>): T {
    return ref instanceof Reference ? ref.unwrap() : ref;
  }

  static isReference<T extends object>(data: unknown): data is Reference<T> {
    return data instanceof Reference;
  }

  isInitialized(): boolean {
    return helperOf(this.entity).__initialized;
  }

  /** Loads the entity if needed (one query by primary key) and returns it. */
  async load(): Promise<T | null> {
    if (this.isInitialized()) {
      return this.entity;
    }
    const em = helperOf(this.entity).__em;
    if (!em) {
      throw new ValidationError(`Cannot load a reference to ${helperOf(this.entity).__meta.className} that is not managed by an EntityManager`);
    }
    return (await em.loadReference(this.entity)) as T | null;
  }

  async loadOrFail(): Promise<T> {
    const found = await this.load();
    if (!found) {
      const meta = helperOf(this.entity).__meta;
      const pk = meta.primaryKeys.map(k => (this.entity as Dictionary)[k]);
      throw NotFoundError.findOneFailed(meta.className, pk.length === 1 ? pk[0] : pk);
    }
    return found;
  }

  unwrap(): T {
    return this.entity;
  }

  /** The entity; throws when it is not loaded yet. */
  getEntity(): T {
    if (!this.isInitialized()) {
      throw new ValidationError(`Reference<${helperOf(this.entity).__meta.className}> ${this.getPrimaryKey()} not initialized`);
    }
    return this.entity;
  }

  getProperty<K extends keyof T>(prop: K): T[K] {
    return this.getEntity()[prop];
  }

  /** @internal */
  getPrimaryKey(): unknown {
    const meta = helperOf(this.entity).__meta;
    const pk = meta.primaryKeys.map(k => (this.entity as Dictionary)[k]);
    return pk.length === 1 ? pk[0] : pk;
  }

  /** @internal Points the reference at another entity. */
  set(entity: T): void {
    this.entity = entity;
  }

  toJSON(): unknown {
    return this.isInitialized() ? (this.entity as { toJSON?: () => unknown }).toJSON?.() ?? this.entity : this.getPrimaryKey();
  }
}

const classes = new WeakMap<EntityMetadata, new (entity: object) => Reference<object>>();

/** A `Reference` subclass per entity exposing its primary key properties (`ref.id`). */
function referenceClass(meta: EntityMetadata): new (entity: object) => Reference<object> {
  let cls = classes.get(meta);
  if (!cls) {
    // Named `Reference` like the class users import (`ref.constructor.name`).
    cls = { Reference: class extends Reference<object> {} }.Reference;
    for (const pk of meta.primaryKeys) {
      Object.defineProperty(cls.prototype, pk, {
        get(this: Reference<object>) {
          return (this.unwrap() as Dictionary)[pk];
        },
        enumerable: false,
        configurable: true,
      });
    }
    classes.set(meta, cls);
  }
  return cls;
}

/** A reference to an entity with its primary key readable without loading it (MikroORM's `Ref<T>`). */
export type Ref<T extends object> = Reference<T> & { [K in keyof T & ('id' | '_id' | 'uuid')]: T[K] };

/** Wraps an entity in a `Reference` (`null`/`undefined` stay as they are). */
export function ref<T extends object>(entity: T | Reference<T>): Ref<T>;
export function ref<T extends object>(entity: T | Reference<T> | null | undefined): Ref<T> | null | undefined;
export function ref<T extends object>(entity: T | Reference<T> | null | undefined): Ref<T> | null | undefined {
  return entity == null ? entity : (Reference.create(entity) as Ref<T>);
}

