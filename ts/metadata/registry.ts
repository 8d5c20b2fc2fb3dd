import { MetadataError } from '../errors.js';
import type { EntityName } from '../typings.js';
import { EntitySchema } from './entity-schema.js';
import type { EntityMetadata } from './types.js';

/** Discovered metadata, looked up by class, schema or entity name. */
export class MetadataRegistry {
  private readonly byClass = new Map<unknown, EntityMetadata>();
  private readonly byName = new Map<string, EntityMetadata>();
  /** Some entity has filters of its own. */
  readonly hasEntityFilters: boolean;

  constructor(private readonly metas: EntityMetadata[]) {
    for (const m of metas) {
      this.byClass.set(m.class, m);
      this.byName.set(m.className, m);
    }
    this.hasEntityFilters = metas.some(m => m.filters && Object.keys(m.filters).length > 0);
  }

  all(): EntityMetadata[] {
    return this.metas;
  }

  /** Every entity's metadata by its class, in discovery order (MikroORM's `getAll()`). */
  getAll(): Map<unknown, EntityMetadata> {
    return new Map(this.byClass);
  }

  find<T>(entityName: EntityName<T>): EntityMetadata<T> | undefined {
    if (typeof entityName === 'string') {
      return this.byName.get(entityName);
    }
    if (entityName instanceof EntitySchema) {
      return this.byClass.get(entityName.class) ?? this.byName.get(entityName.meta.className);
    }
    let found = this.byClass.get(entityName);
    // A subclass created with `class X extends Schema.class {}`.
    for (let c = entityName as unknown; !found && typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
      found = this.byClass.get(c);
    }
    return found;
  }

  get<T>(entityName: EntityName<T>): EntityMetadata<T> {
    const meta = this.find(entityName);
    if (!meta) {
      const name = typeof entityName === 'string' ? entityName : entityName instanceof EntitySchema ? entityName.meta.className : (entityName as { name?: string }).name;
      throw new MetadataError(`Metadata for entity ${name} not found`);
    }
    return meta;
  }
}
