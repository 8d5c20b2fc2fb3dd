import type { EntityClass } from '../typings.js';
import type { EntitySchemaMetadata } from './types.js';

/** An entity definition without decorators; `defineEntity()` returns one too. */
export class EntitySchema<Entity = any, _Base = never> {
  declare readonly '~entity'?: Entity;
  readonly meta: EntitySchemaMetadata<Entity> & { className: string };

  constructor(meta: EntitySchemaMetadata<Entity>) {
    const className = meta.className ?? meta.name ?? (meta.class as { name?: string } | undefined)?.name;
    if (!className) {
      throw new TypeError('EntitySchema needs a `name` or a `class`');
    }
    this.meta = { ...meta, name: meta.name ?? className, className };
  }

  get name(): string {
    return this.meta.className;
  }

  /** The entity class; a schema without one gets a generated class named after the entity. */
  get class(): EntityClass<Entity> {
    if (!this.meta.class) {
      const name = this.meta.className;
      // A schema extending another entity gets a subclass of that entity's class.
      const base = this.meta.extends instanceof EntitySchema ? this.meta.extends.class : typeof this.meta.extends === 'function' ? this.meta.extends : undefined;
      // (`class extends Object` would construct slower than a plain class.)
      const cls = (base ? { [name]: class extends (base as new () => object) {} }[name] : { [name]: class {} }[name]) as unknown as EntityClass<Entity>;
      this.meta.class = cls;
    }
    return this.meta.class;
  }

  static fromMetadata<T = any>(meta: EntitySchemaMetadata<T>): EntitySchema<T> {
    return new EntitySchema<T>(meta);
  }
}
