import type { EntityMetadata, EntityProperty } from '../metadata/types.js';
import type { Dictionary, EntityDTO } from '../typings.js';
import { Collection } from './collection.js';
import { Reference } from './reference.js';

export interface SerializeOptions<P extends string = string> {
  /** Relations written as objects (nested paths, `'*'` for all; `true` is `'*'`). Other loaded
   * relations are written as their keys. */
  populate?: readonly (P | '*')[] | boolean;
  /** Properties left out, nested paths included (`'books.title'`). */
  exclude?: readonly string[];
  /** Relations not populated are written as `{ pk: value }` instead of the bare key. */
  forceObject?: boolean;
  /** Properties whose value is `null` are left out. */
  skipNull?: boolean;
  /** @internal Hidden properties are written too (`toPOJO()`). */
  includeHidden?: boolean;
}

type Helper = { __meta: EntityMetadata; __initialized: boolean; getPrimaryKey(): unknown };

/** The paths under `name` of a path list (`['books.tags']` under `books` is `['tags']`). */
function under(paths: readonly string[], name: string): string[] {
  const prefix = `${name}.`;
  return paths.filter(p => p.startsWith(prefix)).map(p => p.substring(prefix.length));
}

/**
 * MikroORM's `serialize()`: defined properties in order without hidden ones. A relation is an
 * object when `populate` names it and its target is loaded, else its key. A relation already
 * followed from the same entity type higher up the path (a cycle) is left out.
 */
class Serializer {
  private readonly path: [EntityMetadata, string][] = [];

  constructor(private readonly options: SerializeOptions) {}

  entity(e: object, populate: readonly string[], exclude: readonly string[]): Dictionary {
    const meta = (e as { __helper: Helper }).__helper.__meta;
    const all = populate.includes('*');
    const out: Dictionary = {};
    for (const prop of Object.values(meta.properties)) {
      if ((prop.hidden && !this.options.includeHidden) || exclude.includes(prop.name)) {
        continue;
      }
      let v = (e as Dictionary)[prop.name];
      if (v === undefined) {
        continue;
      }
      if (prop.kind !== 'scalar' && prop.kind !== 'embedded' && !prop.mapToPk) {
        if (this.path.some(([m, name]) => m === meta && name === prop.name)) {
          continue;
        }
        const populated = all || populate.includes(prop.name) || populate.some(p => p.startsWith(`${prop.name}.`));
        this.path.push([meta, prop.name]);
        try {
          v = this.relation(prop, v, populated, all ? ['*'] : under(populate, prop.name), under(exclude, prop.name));
        } finally {
          this.path.pop();
        }
        if (v === undefined) {
          continue;
        }
      } else if (prop.embeddedClass && v !== null) {
        v = Array.isArray(v) ? v.map(x => ({ ...(x as object) })) : { ...(v as object) };
      } else if (prop.customType && v !== null) {
        v = prop.customType.toJSON(v, prop.platform!);
      } else if (typeof v === 'bigint') {
        v = v.toString();
      }
      if (v === null && this.options.skipNull) {
        continue;
      }
      out[prop.name] = v;
    }
    return out;
  }

  private relation(prop: EntityProperty, v: unknown, populated: boolean, populate: string[], exclude: string[]): unknown {
    if (v instanceof Collection) {
      if (!v.isInitialized()) {
        return undefined;
      }
      return v.getItems().map(item => this.target(item, populated, populate, exclude));
    }
    return v === null ? null : this.target(Reference.unwrapReference(v as object), populated, populate, exclude);
  }

  private target(target: object, populated: boolean, populate: string[], exclude: string[]): unknown {
    const h = (target as { __helper?: Helper }).__helper;
    if (!h) {
      return typeof target === 'bigint' ? (target as bigint).toString() : target;
    }
    if (populated && h.__initialized) {
      return this.entity(target, populate, exclude);
    }
    let pk = h.getPrimaryKey();
    pk = typeof pk === 'bigint' ? pk.toString() : pk;
    return this.options.forceObject ? { [h.__meta.primaryKeys[0]]: pk } : pk;
  }
}

const POJO: SerializeOptions = { includeHidden: true };

/** `toPOJO()`: every loaded relation as an object, hidden properties included. */
export function toPOJO(e: object): Dictionary {
  return new Serializer(POJO).entity(e, ['*'], []);
}

/** `serialize(entity | entities, options)`: plain objects as MikroORM's `serialize()` writes them. */
export function serialize<T extends object>(entities: T, options?: SerializeOptions): EntityDTO<T>;
export function serialize<T extends object>(entities: T[], options?: SerializeOptions): EntityDTO<T>[];
export function serialize<T extends object>(entities: T | T[], options: SerializeOptions = {}): EntityDTO<T> | EntityDTO<T>[] {
  const populate = options.populate === true ? ['*'] : options.populate === false ? [] : (options.populate ?? []);
  const one = (e: T) => new Serializer(options).entity(e, populate as string[], options.exclude ?? []) as EntityDTO<T>;
  return Array.isArray(entities) ? entities.map(one) : one(entities);
}
