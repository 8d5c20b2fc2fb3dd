import { ValidationError } from '../errors.js';
import { unidirectionalInverse } from '../metadata/discovery.js';
import type { EntityMetadata, EntityProperty } from '../metadata/types.js';
import type { Dictionary, FilterQuery, OrderDefinition } from '../typings.js';
import { Reference } from './reference.js';

type Helper = {
  __meta: EntityMetadata;
  __initialized: boolean;
  __managed: boolean;
  __populate: true | readonly string[];
  __em?: CollectionLoader;
  getPrimaryKey(): unknown;
  getIdentityKey(): unknown;
};

/** What a collection needs from its owner's EntityManager. */
export interface CollectionLoader {
  find(entityName: unknown, where: unknown, options?: unknown): Promise<object[]>;
  count(entityName: unknown, where: unknown): Promise<number>;
  remove(entity: object): unknown;
  /** @internal Loads many-to-many collections through their pivot table. */
  loadPivotCollections(owners: object[], prop: EntityProperty, refresh: boolean): Promise<object[]>;
  /** @internal Many-to-many items by owner key, read through the pivot table. */
  pivotItems(prop: EntityProperty, keys: unknown[], refresh: boolean, options?: { where?: unknown; orderBy?: unknown; limit?: number; offset?: number }): Promise<Map<unknown, object[]>>;
}

/** `Collection.matching()` options. */
export interface MatchingOptions<T> {
  where?: FilterQuery<T>;
  orderBy?: OrderDefinition<T>;
  limit?: number;
  offset?: number;
  /** The result becomes the collection's items. */
  store?: boolean;
}

function helperOf(entity: object): Helper | undefined {
  return (entity as { __helper?: Helper }).__helper;
}

/**
 * The items of a one-to-many relation, as MikroORM's `Collection`: not loaded until `init()`
 * (or `populate`), and kept in step with the items' owning many-to-one.
 */
export class Collection<T extends object, O extends object = object> {
  [index: number]: T;
  #items: T[] = [];
  /** The same items, for membership checks in constant time. */
  #members = new Set<T>();
  #initialized: boolean;
  #property?: EntityProperty;
  /** Many-to-many owning side: the items the pivot table holds (as of loading or the last flush). */
  #persisted = new Set<T>();

  constructor(
    readonly owner: O,
    items?: T[],
    initialized = true,
  ) {
    this.#initialized = initialized;
    Object.defineProperty(this, 'owner', { enumerable: false });
    if (items) {
      this.set(items);
    }
  }

  /** @internal The collection property of the owner (`Author.books`). */
  get property(): EntityProperty {
    if (!this.#property) {
      const meta = helperOf(this.owner)?.__meta;
      const prop = meta?.collections.find(p => (this.owner as Dictionary)[p.name] === this);
      if (!prop) {
        throw new ValidationError(`Collection is not a one-to-many property of an entity (owner ${String(this.owner)})`);
      }
      this.#property = prop;
    }
    return this.#property;
  }

  /** @internal */
  setProperty(prop: EntityProperty): void {
    this.#property = prop;
  }

  isInitialized(_fully = false): boolean {
    return this.#initialized;
  }

  private notInitialized(): Error {
    const owner = helperOf(this.owner);
    const name = owner ? `${owner.__meta.className}[${String(owner.getPrimaryKey())}]` : String(this.owner);
    return new Error(`Collection<${this.property.targetMeta!.className}> of entity ${name} not initialized`);
  }

  getItems(check = true): T[] {
    if (check && !this.#initialized) {
      throw this.notInitialized();
    }
    return [...this.#items];
  }

  count(): number {
    if (!this.#initialized) {
      throw this.notInitialized();
    }
    return this.#items.length;
  }

  get length(): number {
    return this.count();
  }

  isEmpty(): boolean {
    return this.count() === 0;
  }

  contains(item: T | Reference<T>, check = true): boolean {
    if (check && !this.#initialized) {
      throw this.notInitialized();
    }
    return this.#members.has(Reference.unwrapReference(item));
  }

  /** The primary keys of the items (or the values of `field`). */
  getIdentifiers<U = unknown>(field?: string): U[] {
    return this.getItems().map(i => (field ? (i as Dictionary)[field] : helperOf(i)?.getPrimaryKey()) as U);
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.getItems()[Symbol.iterator]();
  }

  map<U>(fn: (item: T, index: number) => U): U[] {
    return this.getItems().map(fn);
  }

  filter(fn: (item: T, index: number) => boolean): T[] {
    return this.getItems().filter(fn);
  }

  reduce<U>(fn: (acc: U, item: T, index: number) => U, initial: U): U {
    return this.getItems().reduce(fn, initial);
  }

  find(fn: (item: T, index: number) => boolean): T | undefined {
    return this.getItems().find(fn);
  }

  exists(fn: (item: T) => boolean): boolean {
    return this.getItems().some(fn);
  }

  indexOf(item: T): number {
    return this.getItems().indexOf(item);
  }

  /** Adds items and points their owning many-to-one at this collection's owner. */
  add(...items: (T | Reference<T> | (T | Reference<T>)[])[]): number {
    const prop = this.property;
    for (const raw of items) {
      if (Array.isArray(raw)) {
        for (const one of raw) {
          this.addItem(Reference.unwrapReference(one), prop);
        }
      } else {
        this.addItem(Reference.unwrapReference(raw), prop);
      }
    }
    return this.#items.length;
  }

  private addItem(item: T, prop: EntityProperty): void {
    if (prop.kind === 'm:n') {
      if (!this.#members.has(item)) {
        this.#members.add(item);
        (this as unknown as Dictionary)[this.#items.length] = item;
        this.#items.push(item);
        this.otherSide(item, prop)?.link(this.owner as unknown as T);
      }
      return;
    }
    const owning = prop.inverse!;
    const previous = Reference.unwrapReference((item as Dictionary)[owning.name] as object);
    if (previous !== this.owner) {
      const other = previous ? (previous as Dictionary)[prop.name] : undefined;
      if (other instanceof Collection && other.isInitialized()) {
        other.drop(item);
      }
      (item as Dictionary)[owning.name] = owning.ref ? Reference.create(this.owner) : this.owner;
    }
    if (!this.#members.has(item)) {
      this.#members.add(item);
      (this as unknown as Dictionary)[this.#items.length] = item;
      this.#items.push(item);
    }
  }

  /**
   * Removes items: with `orphanRemoval` they are deleted at the next flush, else their owning
   * many-to-one is cleared, which a required foreign key does not allow.
   */
  remove(...items: (T | Reference<T> | (T | Reference<T>)[])[]): number {
    const prop = this.property;
    const owning = prop.inverse!;
    if (prop.kind === 'm:n' && !this.#initialized) {
      throw this.notInitialized();
    }
    for (const raw of items.flat()) {
      const item = Reference.unwrapReference(raw as T);
      if (!this.#members.has(item)) {
        continue;
      }
      if (prop.kind === 'm:n') {
        this.otherSide(item, prop)?.drop(this.owner as unknown as T);
      } else if (prop.orphanRemoval) {
        helperOf(this.owner)?.__em?.remove(item);
      } else if (owning.nullable) {
        (item as Dictionary)[owning.name] = null;
      } else {
        const owner = helperOf(this.owner)?.__meta.className ?? 'entity';
        throw new ValidationError(
          `Removing items from collection ${owner}.${prop.name} without \`orphanRemoval: true\` would break non-null constraint on the owning side. You have several options: \n` +
            ` - add \`orphanRemoval: true\` to the collection options\n` +
            ` - add \`deleteRule: 'cascade'\` to the owning side options\n` +
            ` - add \`nullable: true\` to the owning side options`,
          this.owner,
        );
      }
      this.drop(item);
    }
    return this.#items.length;
  }

  removeAll(): void {
    this.remove(...this.getItems());
  }

  /** Replaces the items. */
  set(items: (T | Reference<T>)[]): void {
    const next = items.map(i => Reference.unwrapReference(i));
    if (this.#initialized) {
      this.remove(...this.#items.filter(i => !next.includes(i)));
    }
    this.#initialized = true;
    this.add(...next);
    // The items take the given order.
    const order = new Map(next.map((item, n) => [item, n]));
    this.#items.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
    this.#items.forEach((item, n) => ((this as unknown as Dictionary)[n] = item));
  }

  /** Loads the items (one query), unless already loaded. */
  async init(options: { refresh?: boolean } = {}): Promise<this> {
    if (this.#initialized && !options.refresh) {
      return this;
    }
    const prop = this.property;
    const em = this.loader();
    if (prop.kind === 'm:n') {
      this.ownerKey();
      await em.loadPivotCollections([this.owner], prop, !!options.refresh);
      return this;
    }
    const items = (await em.find(prop.targetMeta!.class, { [prop.mappedBy!]: { $in: [this.ownerKey()] } }, { refresh: options.refresh, orderBy: prop.orderBy })) as T[];
    this.hydrate(items);
    return this;
  }

  async load(options: { refresh?: boolean } = {}): Promise<this> {
    return this.init(options);
  }

  async loadItems(options: { refresh?: boolean } = {}): Promise<T[]> {
    await this.init(options);
    return this.getItems();
  }

  /** Counts the items in the database (or the loaded ones). */
  async loadCount(options: { refresh?: boolean } | boolean = {}): Promise<number> {
    const refresh = typeof options === 'boolean' ? options : !!options.refresh;
    if (this.#initialized && !refresh) {
      return this.#items.length;
    }
    const prop = this.property;
    if (prop.kind === 'm:n') {
      // Counted from the other side, through its collection (MikroORM's query).
      const other = (prop.mappedBy ?? prop.inversedBy) as string | undefined;
      const ownerMeta = (this.owner as { __helper: { __meta: EntityMetadata } }).__helper.__meta;
      return this.loader().count(prop.targetMeta!.class, { [other ?? unidirectionalInverse(ownerMeta, prop)]: this.ownerKey() });
    }
    return this.loader().count(prop.targetMeta!.class, { [prop.mappedBy!]: this.ownerKey() });
  }

  /**
   * Queries the items matching `where` (with `orderBy`, `limit`, `offset`) without loading the
   * collection; with `store`, the result becomes the collection's items.
   */
  async matching(options: MatchingOptions<T> = {}): Promise<T[]> {
    const { where = {}, store, orderBy, limit, offset } = options;
    const prop = this.property;
    const em = this.loader();
    let items: T[];
    if (prop.kind === 'm:n') {
      const key = this.ownerKey();
      const byOwner = await em.pivotItems(prop, [key], false, { where, orderBy, limit, offset });
      items = (byOwner.get(helperOf(this.owner)!.getIdentityKey()) ?? []) as T[];
    } else {
      const own = { [prop.mappedBy!]: this.ownerKey() };
      const filter = prop.mappedBy! in (where as Dictionary) ? { $and: [where, own] } : { ...(where as Dictionary), ...own };
      items = (await em.find(prop.targetMeta!.class, filter, { orderBy: orderBy as never, limit, offset })) as T[];
    }
    if (store) {
      this.hydrate(items);
    }
    return items;
  }

  toArray(): Dictionary[] {
    return this.getItems().map(i => (i as { toJSON?: () => Dictionary }).toJSON?.() ?? (i as Dictionary));
  }

  toJSON(): Dictionary[] {
    return this.#initialized ? this.toArray() : [];
  }

  /** @internal Sets the loaded items (populate, init). */
  hydrate(items: T[]): void {
    this.#items = [...items];
    this.#members = new Set(items);
    this.#persisted = new Set(items);
    this.#initialized = true;
    this.sync();
  }

  /** @internal Many-to-many: the pivot rows to insert and delete at the next flush. */
  pivotChanges(fixedOrder = false): { added: T[]; removed: T[] } {
    const added = this.#items.filter(i => !this.#persisted.has(i));
    const removed = [...this.#persisted].filter(i => !this.#members.has(i));
    if (fixedOrder && this.#initialized) {
      // A fixed order is rewritten whole when items were added or moved, as MikroORM does.
      const kept = this.#items.filter(i => this.#persisted.has(i));
      const before = [...this.#persisted].filter(i => this.#members.has(i));
      if (added.length > 0 || kept.some((i, n) => before[n] !== i)) {
        return { added: [...this.#items], removed: [...this.#persisted] };
      }
    }
    return { added, removed };
  }

  /** @internal Many-to-many: the flush wrote the pivot rows. */
  markPersisted(): void {
    this.#persisted = new Set(this.#items);
  }

  /** @internal Adds an item without touching the other side (the other side asked). */
  link(item: T): void {
    if (this.#initialized && !this.#members.has(item)) {
      this.#members.add(item);
      (this as unknown as Dictionary)[this.#items.length] = item;
      this.#items.push(item);
    }
  }

  /** The loaded collection of a many-to-many's other side on `item`, if any. */
  private otherSide(item: T, prop: EntityProperty): Collection<T> | undefined {
    const other = prop.inverse ? (item as Dictionary)[prop.inverse.name] : undefined;
    return other instanceof Collection && other.isInitialized() ? (other as Collection<T>) : undefined;
  }

  /** @internal Removes an item without touching its owning side. */
  drop(item: T): void {
    if (this.#members.delete(item)) {
      this.#items.splice(this.#items.indexOf(item), 1);
      this.sync();
    }
  }

  private ownerKey(): unknown {
    const h = helperOf(this.owner);
    const pk = h?.getPrimaryKey();
    if (pk == null) {
      throw new ValidationError(`Cannot load ${this.property.name} of a ${h?.__meta.className ?? 'entity'} without a primary key`);
    }
    return pk;
  }

  private loader(): CollectionLoader {
    const em = helperOf(this.owner)?.__em;
    if (!em) {
      throw new ValidationError(`Cannot load ${this.property.name}: its owner is not managed by an EntityManager`);
    }
    return em;
  }

  /** Items are readable by index, as MikroORM's (`collection[0]`). */
  private sync(): void {
    const self = this as unknown as Dictionary;
    let i = 0;
    for (; i < this.#items.length; i++) {
      self[i] = this.#items[i];
    }
    while (i in self) {
      delete self[i];
      i++;
    }
  }
}
