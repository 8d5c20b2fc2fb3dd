import type { EntityClass } from '../typings.js';
import type { EntitySchemaMetadata, PropertyOptions } from './types.js';

const KEY = Symbol.for('@mikro-orm/core/MetadataStorage');

type Registry = Map<EntityClass, EntitySchemaMetadata & { decorated?: boolean }>;

/** The global registry decorators write to; one per process, keyed like MikroORM's. */
export class MetadataStorage {
  static getMetadata(): Registry {
    const g = globalThis as unknown as Record<symbol, Registry | undefined>;
    return (g[KEY] ??= new Map());
  }

  static getMetadataFor(cls: EntityClass): EntitySchemaMetadata & { decorated?: boolean } {
    const registry = MetadataStorage.getMetadata();
    let meta = registry.get(cls);
    if (!meta) {
      meta = { className: cls.name, properties: {} };
      registry.set(cls, meta);
    }
    return meta;
  }

  static addProperty(cls: EntityClass, name: string, options: PropertyOptions): void {
    const meta = MetadataStorage.getMetadataFor(cls);
    const prev = meta.properties[name] as PropertyOptions | undefined;
    meta.properties[name] = { ...prev, ...options, name };
  }

  static clear(): void {
    MetadataStorage.getMetadata().clear();
  }
}
