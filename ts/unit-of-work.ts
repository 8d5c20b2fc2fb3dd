import type { EntityManager } from './entity-manager.js';
import { helper } from './entity/helper.js';
import { NotImplementedError } from './errors.js';
import type { EntityMetadata } from './metadata/types.js';
import type { EntityName, Primary } from './typings.js';

/**
 * MikroORM's identity map, as read through `em.getUnitOfWork().getIdentityMap()`: the managed
 * entities of one EntityManager, by root entity and primary key hash (`getSerializedPrimaryKey()`).
 */
export class IdentityMap {
  constructor(private readonly em: EntityManager) {}

  /** The entities of `meta`'s hierarchy by key hash (a copy: changing it changes nothing). */
  getStore<T>(meta: EntityMetadata<T>): Map<string, T> {
    const store = new Map<string, T>();
    for (const e of this.em.identityMap[(meta.root ?? meta).index].values()) {
      store.set(helper(e).getSerializedPrimaryKey(), e as T);
    }
    return store;
  }

  getByHash<T>(meta: EntityMetadata<T>, hash: string): T | undefined {
    return this.getStore(meta).get(hash);
  }

  values(): object[] {
    return [...this];
  }

  *[Symbol.iterator](): IterableIterator<object> {
    for (const meta of this.roots()) {
      yield* this.em.identityMap[meta.index].values();
    }
  }

  /** `Author-1`: the root entity's class name and the key hash. */
  keys(): string[] {
    return this.roots().flatMap(meta => [...this.getStore(meta).keys()].map(hash => `${meta.className}-${hash}`));
  }

  /** `get('Author-1')`, as MikroORM keeps for back compatibility. */
  get<T>(hash: string): T | undefined {
    const dash = hash.indexOf('-');
    const meta = this.roots().find(m => m.className === hash.substring(0, dash));
    return meta && (this.getByHash(meta, hash.substring(dash + 1)) as T | undefined);
  }

  get size(): number {
    return this.roots().reduce((n, meta) => n + this.em.identityMap[meta.index].size, 0);
  }

  private roots(): EntityMetadata[] {
    return this.em.getMetadata().all().filter(m => !m.root || m.root === m);
  }
}

/**
 * The part of MikroORM's `UnitOfWork` that reads state: the identity map, entities by key, the
 * persist and remove stacks. Change sets are computed in the engine at flush.
 */
export class UnitOfWork {
  constructor(private readonly em: EntityManager) {}

  getIdentityMap(): IdentityMap {
    return new IdentityMap(this.em);
  }

  /** A managed entity by primary key (an array for composite keys), or undefined. */
  getById<T extends object>(entityName: EntityName<T>, id: Primary<T> | Primary<T>[]): T | undefined {
    const meta = this.em.getMetadata(entityName);
    const pks = Array.isArray(id) ? id : [id];
    const where = Object.fromEntries(meta.primaryKeys.map((pk, i) => [pk, pks[i]]));
    return this.em.fromIdentityMap(meta, where) as T | undefined;
  }

  getPersistStack(): Set<object> {
    return this.em.persistStack;
  }

  getRemoveStack(): Set<object> {
    return this.em.removeStack;
  }

  clear(): void {
    this.em.clear();
  }

  computeChangeSets(): never {
    throw new NotImplementedError('em.getUnitOfWork().computeChangeSets() is not implemented in mikro-native yet (change sets are computed in the engine at flush)');
  }

  getChangeSets(): never {
    throw new NotImplementedError('em.getUnitOfWork().getChangeSets() is not implemented in mikro-native yet (change sets are computed in the engine at flush; subscribers get them in onFlush)');
  }
}
