import type { EntityMetadata } from './metadata/types.js';
import type { Dictionary, FilterQuery } from './typings.js';

/** A filter, as MikroORM's `FilterDef`: a condition added to queries of the entities it names. */
export interface FilterDef<T = any> {
  name: string;
  /** The condition, or a function of the filter's arguments returning it. */
  cond: FilterQuery<T> | ((args: Dictionary, type: 'read' | 'update' | 'delete', em: any, options?: any, entityName?: string) => FilterQuery<T> | Promise<FilterQuery<T>>);
  /** Enabled unless a query turns it off (default: false for an entity's filters, true for
   * filters of the config and of `em.addFilter()`). */
  default?: boolean;
  /** The entities it applies to (all when omitted; for filters given in config or `em.addFilter`). */
  entity?: unknown;
  /** Whether a function `cond` needs arguments (default true). */
  args?: boolean;
}

/** The `filters` option of a query: `false` (none), names to enable, or `{ name: false | args }`. */
export type FilterOptions = boolean | readonly string[] | Dictionary<boolean | Dictionary>;

/** Where the filters of a query come from. */
export interface FilterSources {
  /** Filters of the config (`filters`) and of the EntityManager (`em.addFilter`). */
  global: FilterDef[];
  /** `em.setFilterParams()` values by filter name. */
  params: Dictionary<Dictionary>;
  /** Whether `entity` of a global filter names this entity. */
  names(entity: unknown, meta: EntityMetadata): boolean;
  em: unknown;
}

/**
 * The conditions of the filters enabled for `meta` in a query, in MikroORM's order: global
 * filters, then the entity's own.
 */
export async function filterConditions(meta: EntityMetadata, options: { filters?: FilterOptions }, type: 'read' | 'update' | 'delete', sources: FilterSources, queryOptions?: unknown): Promise<Dictionary[]> {
  const opt = options.filters;
  if (opt === false) {
    return [];
  }
  const defs = new Map<string, FilterDef>();
  for (const def of sources.global) {
    const entities = def.entity === undefined ? undefined : Array.isArray(def.entity) ? def.entity : [def.entity];
    if (!entities || entities.some(e => sources.names(e, meta))) {
      // Filters of the config and of `em.addFilter()` are enabled unless `default: false`.
      defs.set(def.name, { ...def, default: def.default ?? true });
    }
  }
  for (const def of Object.values(meta.filters ?? {})) {
    defs.set(def.name, def);
  }
  const out: Dictionary[] = [];
  for (const [name, def] of defs) {
    const given = opt && typeof opt === 'object' && !Array.isArray(opt) ? (opt as Dictionary<boolean | Dictionary>)[name] : undefined;
    const enabled = given !== undefined ? given !== false : (Array.isArray(opt) && opt.includes(name)) || !!def.default;
    if (!enabled) {
      continue;
    }
    let cond = def.cond;
    if (typeof cond === 'function') {
      const args = (given && typeof given === 'object' ? given : undefined) ?? sources.params[name];
      if (!args && def.args !== false) {
        throw new Error(`No arguments provided for filter '${name}'`);
      }
      cond = await cond(args ?? {}, type, sources.em, queryOptions, meta.className);
    }
    if (cond && typeof cond === 'object' && Object.keys(cond).length > 0) {
      out.push(cond as Dictionary);
    }
  }
  return out;
}

/** `where` with filter conditions before it: `{ $and: [...conditions, where] }`. */
export function withConditions(meta: EntityMetadata, where: unknown, conditions: Dictionary[]): unknown {
  if (conditions.length === 0) {
    return where;
  }
  const own = where == null ? {} : typeof where === 'object' && !Array.isArray(where) ? where : { [meta.primaryKeys[0]]: where };
  const parts = Object.keys(own).length > 0 ? [...conditions, own] : conditions;
  return parts.length === 1 ? parts[0] : { $and: parts };
}
