import type { EntityMetadata, EntityProperty } from '../metadata/types.js';
import { Collection } from './collection.js';
import { Reference } from './reference.js';
import type { Dictionary } from '../typings.js';

/**
 * Generated per-entity functions: hydration from columnar batches, the flush state row, and
 * `toObject`. Generated once per entity (and per selected-column shape for hydration).
 */

const MASK_BITS = 30;

/** JS expression converting a database value `v` (not null) to the property's runtime value. */
function fromDb(prop: EntityProperty, i = 0): string {
  if (prop.embeddedClass) {
    // An embeddable stored as one JSON column.
    return `embed(targets[${i}], v)`;
  }
  if (prop.customType) {
    const base = fromDb({ ...prop, customType: undefined }, i);
    return `ct[${i}].convertToJSValue(${base}, platform)`;
  }
  if (prop.kind === 'm:1') {
    const key = fromDb({ ...prop, kind: 'scalar', runtimeType: prop.targetMeta!.properties[prop.targetMeta!.primaryKeys[0]].runtimeType });
    if (prop.mapToPk) {
      return key;
    }
    const entity = `em.reference(targets[${i}], ${key === 'v' ? 'v' : key})`;
    return prop.ref ? `Reference.create(${entity})` : entity;
  }
  switch (prop.columnKind) {
    case 'datetime':
      return 'new Date(v)';
    case 'boolean':
      return '!!v';
    case 'blob':
      return 'Buffer.from(v)';
    case 'bigint':
      return prop.runtimeType === 'number' ? 'Number(v)' : prop.runtimeType === 'string' ? 'String(v)' : 'BigInt(v)';
    case 'decimal':
      return prop.runtimeType === 'number' ? 'Number(v)' : 'String(v)';
    case 'json':
      // The engine already sends JSON columns parsed (text that is not JSON comes as a string).
      return 'v';
    default:
      return 'v';
  }
}

/** JS expression converting a runtime value `v` (defined) to what the engine receives as JSON. */
function toEngine(prop: EntityProperty): string {
  if (prop.keyParts || prop.keyPart) {
    // A column of a composite foreign key: `read` gave its value already.
    return 'v';
  }
  if (prop.kind === 'm:1') {
    // An entity, a Reference or a bare key: the flush context turns it into a key (or a marker).
    return 'ctx.ref(v)';
  }
  switch (prop.columnKind) {
    case 'datetime':
      return '(v instanceof Date ? v.getTime() : v)';
    case 'date':
      return '(v instanceof Date ? v.toISOString().substring(0, 10) : v)';
    case 'bigint':
    case 'decimal':
      return "(typeof v === 'bigint' ? v.toString() : v)";
    default:
      return 'v';
  }
}

function key(name: string): string {
  return JSON.stringify(name);
}

export function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

export type Hydrator = (
  cols: (unknown[] | null)[],
  n: number,
  map: Map<unknown, object>,
  refresh: boolean,
  init: (e: object) => void,
  em: { reference(meta: EntityMetadata, pk: unknown): object },
) => object[];

/** Builds entities from columns in property order (`null` column = not selected). */
export function createHydrator(meta: EntityMetadata, present: boolean[]): Hydrator {
  const lines: string[] = [];
  meta.props.forEach((p, i) => {
    if (present[i]) {
      lines.push(`const c${i} = cols[${i}];`);
    }
  });
  const pkIdx = meta.primaryKeys.map(pk => meta.props.findIndex(p => p.name === pk));
  const keyExpr = pkIdx.length === 1 ? `c${pkIdx[0]}[i]` : pkIdx.map(i => `c${i}[i]`).join(" + '~' + ");
  const assigns = meta.props
    .map((p, i) => {
      if (!present[i] || p.embedded || p.foreign || p.discriminator || p.keyPart) {
        return '';
      }
      if (p.keyParts) {
        return `v = c${i}[i]; e[${key(p.name)}] = v === null ? null : ${compositeReference(meta, p, i)};`;
      }
      const conv = fromDb(p, i);
      return conv === 'v' ? `e[${key(p.name)}] = c${i}[i];` : `v = c${i}[i]; e[${key(p.name)}] = v === null ? null : ${conv};`;
    })
    .concat(embeddedAssigns(meta, present))
    .join('\n      ');
  const fills = meta.props
    .map((p, i) => {
      if (!present[i] || p.primary || p.embedded || p.foreign || p.discriminator || p.keyPart) {
        return '';
      }
      const conv = p.keyParts ? compositeReference(meta, p, i) : fromDb(p, i);
      return `if (e[${key(p.name)}] === undefined) { v = c${i}[i]; e[${key(p.name)}] = v === null ? null : ${conv}; }`;
    })
    .join('\n        ');
  const body = `
    ${lines.join('\n    ')}
    const out = new Array(n);
    let v;
    for (let i = 0; i < n; i++) {
      const k = ${keyExpr};
      let e = map.get(k);
      if (e === undefined) {
        e = Object.create(proto);
        map.set(k, e);
      } else if (!refresh && e.__helper.__initialized) {
        // A managed entity keeps its values; properties it has not loaded yet are filled in.
        ${fills}
        out[i] = e;
        continue;
      }
      ${assigns}
      init(e);
      out[i] = e;
    }
    return out;`;
  const targets = meta.props.map(p => p.targetMeta ?? p.embeddedClass);
  const embedded = Object.values(meta.properties).map(p => (p.kind === 'embedded' ? p.embeddedClass!.prototype : undefined));
  return new Function('proto', 'safeJson', 'targets', 'Reference', 'ct', 'platform', 'embed', 'embeddedProtos', `return function hydrate(cols, n, map, refresh, init, em) {${body}\n}`)(
    meta.prototype,
    safeJson,
    targets,
    Reference,
    ...customTypes(meta),
    embed,
    embedded,
  ) as Hydrator;
}

/** Applies the `merged` entries of a load: `[row, property, previous database value]`. */
export type Merger = (out: object[], cols: (unknown[] | null)[], merged: [number, number, unknown][], em: { reference(meta: EntityMetadata, pk: unknown): object }) => void;

/** Whether two runtime values are the same (dates as instants, references by entity, objects by content). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (a instanceof Reference) {
    a = a.unwrap();
  }
  if (b instanceof Reference) {
    b = b.unwrap();
  }
  if (a === b || a == null || b == null) {
    return a === b;
  }
  if (a instanceof Date && b instanceof Date) {
    return a.getTime() === b.getTime();
  }
  return typeof a === 'object' && typeof b === 'object' && JSON.stringify(a) === JSON.stringify(b);
}

/**
 * As MikroORM merges the data of an entity loaded again: a property whose value changed in the
 * database takes the new value, unless the entity's value was changed since it was loaded (it
 * differs from the previous database value).
 */
export function createMerger(meta: EntityMetadata): Merger {
  const cases = meta.props
    .map((p, i) => {
      if (p.primary || p.foreign || p.discriminator || p.keyPart || p.keyParts) {
        return '';
      }
      const conv = fromDb(p, i);
      const read = conv === 'v' ? 'v' : `(v === null ? null : ${conv})`;
      // An inline embeddable's column: its value on the embedded object.
      const target = p.embedded ? `e[${key(p.embedded[0])}]?.[${key(p.embedded[1])}]` : `e[${key(p.name)}]`;
      const assign = p.embedded ? `if (e[${key(p.embedded[0])}] != null) e[${key(p.embedded[0])}][${key(p.embedded[1])}]` : `e[${key(p.name)}]`;
      return `case ${i}: v = prev; if (same(${target}, ${read})) { v = cols[${i}][r]; ${assign} = ${read}; } break;`;
    })
    .filter(c => c !== '')
    .join('\n        ');
  const targets = meta.props.map(p => p.targetMeta ?? p.embeddedClass);
  return new Function('same', 'safeJson', 'targets', 'Reference', 'ct', 'platform', 'embed', `return function merge(out, cols, merged, em) {
    let v;
    for (const [r, p, prev] of merged) {
      const e = out[r];
      switch (p) {
        ${cases}
      }
    }
  }`)(sameValue, safeJson, targets, Reference, ...customTypes(meta), embed) as Merger;
}

/** The reference a composite foreign key's columns (`c{i}` and its parts') name. */
function compositeReference(meta: EntityMetadata, p: EntityProperty, i: number): string {
  const cols = [`v`, ...p.keyParts!.map(k => `c${meta.props.indexOf(k)}[i]`)];
  const entity = `em.reference(targets[${i}], [${cols.join(', ')}])`;
  return p.ref ? `Reference.create(${entity})` : entity;
}

/** An embeddable instance from a plain object (JSON column, `em.create()` data). */
export function embed(cls: { prototype: object }, v: unknown): unknown {
  if (Array.isArray(v)) {
    return v.map(item => embed(cls, item));
  }
  if (v === null || typeof v !== 'object' || v instanceof (cls as unknown as new () => object)) {
    return v;
  }
  // The embeddable's properties in their declared order (PostgreSQL's jsonb sorts the keys),
  // so the object is written back as MikroORM writes it.
  const e = Object.create(cls.prototype) as Dictionary;
  const data = v as Dictionary;
  for (const k of embeddableKeys.get(cls) ?? []) {
    if (k in data) {
      e[k] = data[k];
    }
  }
  return Object.assign(e, data);
}

/** The declared property names of embeddable classes (see `embed`). */
export const embeddableKeys = new WeakMap<object, string[]>();

/**
 * Hydration of inline embeddables: an instance built from its columns; a nullable one whose
 * columns are all null is null.
 */
function embeddedAssigns(meta: EntityMetadata, present: boolean[]): string[] {
  return Object.values(meta.properties)
    .map((e, k) => {
      if (e.kind !== 'embedded') {
        return '';
      }
      const children = e.embeddedProps!.map(c => [c, meta.props.indexOf(c)] as const).filter(([, i]) => present[i]);
      if (children.length === 0) {
        return '';
      }
      const sets = children.map(([c, i]) => {
        const conv = fromDb({ ...c, embedded: undefined }, i);
        return `v = c${i}[i]; if (v !== null) any = true; o[${key(c.embedded![1])}] = v === null ? null : ${conv};`;
      });
      return `{ const o = Object.create(embeddedProtos[${k}]); let any = false; ${sets.join(' ')} e[${key(e.name)}] = any || ${!e.nullable} ? o : null; }`;
    })
    .filter(l => l !== '');
}

/** How generated code reads a column property of an entity `e`: an inline embeddable's through its instance. */
function read(meta: EntityMetadata, p: EntityProperty): string {
  if (p.foreign) {
    return 'undefined';
  }
  if (p.keyPart) {
    return `keyPart(e[${key(p.keyPart[0])}], ${p.keyPart[1]})`;
  }
  if (p.keyParts) {
    return `keyPart(e[${key(p.name)}], 0)`;
  }
  if (p.discriminator) {
    return JSON.stringify(meta.discriminatorValue);
  }
  if (!p.embedded) {
    return `e[${key(p.name)}]`;
  }
  const owner = `e[${key(p.embedded[0])}]`;
  return `(${owner} == null ? ${owner} : ${owner}[${key(p.embedded[1])}])`;
}

/** The flush row `[mask…, v0 … vn]` as a JS expression over the locals `v0 … vn`. */
function rowExpr(meta: EntityMetadata): string {
  const n = meta.props.length;
  const masks: string[] = [];
  for (let m = 0; m < Math.max(1, Math.ceil(n / MASK_BITS)); m++) {
    const parts: string[] = [];
    for (let i = m * MASK_BITS; i < Math.min(n, (m + 1) * MASK_BITS); i++) {
      parts.push(`(v${i} !== undefined ? ${1 << (i % MASK_BITS)} : 0)`);
    }
    masks.push(parts.join(' | ') || '0');
  }
  const values = meta.props.map((p, i) => {
    const conv = toEngine(p);
    const value = p.customType ? `ct[${i}].convertToDatabaseValue(v${i}, platform)` : `v${i}`;
    if (conv === 'v') {
      return p.customType ? `(v${i} == null ? v${i} : ${value})` : value;
    }
    return `(v${i} == null ? v${i} : ${conv.replace(/\bv\b/g, p.customType ? `(${value})` : value)})`;
  });
  return `[${[...masks, ...values].join(', ')}]`;
}

/** What the generated flush functions need from the flush: references as keys, pending values. */
export interface FlushContext {
  /** The engine value of a many-to-one value: the target's key, or a marker for a new target. */
  ref(v: unknown): unknown;
  /** Set by `insertState`: `onCreate`/default values to assign once the flush succeeded. */
  pending?: Record<string, unknown>;
}

export type StateFn = (e: any, ctx: FlushContext) => unknown[];

/** The flush row `[mask…, v0 … vn]` for an entity (see the engine's unit of work). */
export function createStateFn(meta: EntityMetadata): StateFn {
  const reads = meta.props.map((p, i) => `const v${i} = ${read(meta, p)};`).join('\n  ');
  return new Function('ct', 'platform', 'keyPart', `return function state(e, ctx) {\n  ${reads}\n  return ${rowExpr(meta)};\n}`)(...customTypes(meta), keyPart) as StateFn;
}

export type InsertStateFn = (e: any, em: unknown, ctx: FlushContext) => unknown[];

/**
 * The flush row of a new entity. Undefined properties take their `onCreate` or default value in
 * the row and in `out.pending` (assigned to the entity once the flush succeeded); a required
 * property still missing calls `missing(e, name, value)`, which throws.
 */
export function createInsertStateFn(meta: EntityMetadata, isRequired: (p: EntityProperty) => boolean, missing: (e: object, name: string, v: unknown) => never): InsertStateFn {
  const lines: string[] = [];
  const defaults: unknown[] = [];
  const onCreate: ((e: any, em: unknown) => unknown)[] = [];
  meta.props.forEach((p, i) => {
    lines.push(`let v${i} = ${read(meta, p)};`);
    if (p.embedded || p.foreign || p.discriminator || p.keyPart) {
      return;
    }
    if (p.onCreate) {
      onCreate[i] = p.onCreate as (e: any, em: unknown) => unknown;
      lines.push(`if (v${i} === undefined) { v${i} = onCreate[${i}](e, em); (pending ??= {})[${key(p.name)}] = v${i}; }`);
    } else if (p.default !== undefined && p.default !== null) {
      defaults[i] = p.default;
      lines.push(`if (v${i} === undefined) { v${i} = defaults[${i}]; (pending ??= {})[${key(p.name)}] = v${i}; }`);
    }
  });
  meta.props.forEach((p, i) => {
    if (isRequired(p)) {
      lines.push(`if (v${i} == null) missing(e, ${key(p.name)}, v${i});`);
    }
  });
  const body = `let pending;\n  ${lines.join('\n  ')}\n  ctx.pending = pending;\n  return ${rowExpr(meta)};`;
  return new Function('onCreate', 'defaults', 'missing', 'ct', 'platform', 'keyPart', `return function insertState(e, em, ctx) {\n  ${body}\n}`)(
    onCreate,
    defaults,
    missing,
    ...customTypes(meta),
    keyPart,
  ) as InsertStateFn;
}

/**
 * Column `n` of a composite foreign key's value: of the target entity's key, or of a key given
 * as an array (or an object by key property).
 */
export function keyPart(v: unknown, n: number): unknown {
  if (v == null) {
    return v;
  }
  const t = (v instanceof Reference ? v.unwrap() : v) as Dictionary & { __helper?: { __meta: EntityMetadata } };
  if (Array.isArray(t)) {
    return t[n];
  }
  if (t instanceof Date) {
    return n === 0 ? t : undefined;
  }
  const meta = t.__helper?.__meta;
  if (meta) {
    const pk = meta.properties[meta.primaryKeys[n]];
    return engineValue(pk, t[pk.name]);
  }
  return typeof t === 'object' ? Object.values(t)[n] : n === 0 ? t : undefined;
}

/** What `em.create()` needs from the EntityManager for relation values. */
export interface RelationFactory {
  reference(meta: EntityMetadata, pk: unknown): object;
  create(entityName: unknown, data: unknown): object;
}

export type AssignDataFn = (e: any, data: any, em: RelationFactory) => void;

/**
 * A many-to-one value given to `em.create()`: an entity, a `Reference`, a primary key (becomes a
 * reference) or a data object (becomes a new entity); wrapped in a `Reference` for `ref: true`.
 */
function relation(prop: EntityProperty, v: unknown, em: RelationFactory): unknown {
  if (v === null) {
    return v;
  }
  const target = prop.targetMeta!;
  let entity: object;
  if (v instanceof Reference) {
    entity = v.unwrap();
  } else if (typeof v !== 'object') {
    entity = em.reference(target, v);
  } else if ((v as { __helper?: unknown }).__helper) {
    entity = v;
  } else {
    const keys = Object.keys(v);
    const pk = target.primaryKeys[0];
    entity = keys.length === 1 && keys[0] === pk ? em.reference(target, (v as Dictionary)[pk]) : em.create(target.class, v);
  }
  return prop.ref ? Reference.create(entity) : entity;
}

/**
 * Copies `em.create()` data onto a new entity: every defined value of a known property, except
 * one the constructor already set from a parameter of the same name.
 */
export function createAssignData(meta: EntityMetadata): AssignDataFn {
  const params = new Set(meta.constructorParams);
  // Embedded values (inline or JSON) become instances of the embeddable.
  const embeddedLines = Object.values(meta.properties)
    .filter(p => p.kind === 'embedded')
    .map(p => `v = data[${key(p.name)}]; if (v !== undefined) e[${key(p.name)}] = embed(classes[${key(p.name)}], v);`);
  const lines = meta.props.map((p, i) => {
    if (p.embedded || p.foreign || p.discriminator || p.keyPart) {
      return '';
    }
    const k = key(p.name);
    const skip = params.has(p.name) ? ` && e[${k}] !== v` : '';
    const value = p.kind === 'm:1' && !p.mapToPk ? `relation(props[${i}], v, em)` : p.embeddedClass ? `embed(classes[${k}], v)` : 'v';
    return `v = data[${k}]; if (v !== undefined${skip}) e[${k}] = ${value};`;
  });
  const classes = Object.fromEntries(Object.values(meta.properties).filter(p => p.embeddedClass).map(p => [p.name, p.embeddedClass]));
  return new Function('relation', 'props', 'embed', 'classes', `return function assignData(e, data, em) {\n  let v;\n  ${[...lines, ...embeddedLines].join('\n  ')}\n}`)(
    relation,
    meta.props,
    embed,
    classes,
  ) as AssignDataFn;
}

/** Fills undefined properties from `onCreate` and literal defaults (for `em.create()`). */
export function createApplyDefaults(meta: EntityMetadata): (e: any, em: unknown) => void {
  const defaults: unknown[] = [];
  const onCreate: ((e: any, em: unknown) => unknown)[] = [];
  const lines: string[] = [];
  meta.props.forEach((p, i) => {
    if (p.embedded || p.foreign || p.discriminator || p.keyPart) {
      return;
    }
    if (p.onCreate) {
      onCreate[i] = p.onCreate as (e: any, em: unknown) => unknown;
      lines.push(`if (e[${key(p.name)}] === undefined) e[${key(p.name)}] = onCreate[${i}](e, em);`);
    } else if (p.default !== undefined && p.default !== null) {
      defaults[i] = p.default;
      lines.push(`if (e[${key(p.name)}] === undefined) e[${key(p.name)}] = defaults[${i}];`);
    }
  });
  return new Function('onCreate', 'defaults', `return function applyDefaults(e, em) {\n  ${lines.join('\n  ')}\n}`)(onCreate, defaults) as (e: any, em: unknown) => void;
}

/** The custom types of an entity's column properties (by position) and their platform, for generated code. */
function customTypes(meta: EntityMetadata): [unknown[], unknown] {
  return [meta.props.map(p => p.customType), meta.props.find(p => p.platform)?.platform];
}

/** Converts one runtime value for the engine (used for `onUpdate` values and primary keys). */
export function engineValue(prop: EntityProperty, v: unknown): unknown {
  if (v == null) {
    return v;
  }
  if (prop.kind === 'm:1' && typeof v === 'object' && !(v instanceof Date)) {
    // An entity or Reference: its key (a foreign key as primary key, `remove` of such a row).
    const target = (v instanceof Reference ? v.unwrap() : v) as Dictionary;
    const t = prop.targetMeta!;
    return engineValue(t.properties[t.primaryKeys[0]], target[t.primaryKeys[0]]);
  }
  if (prop.customType) {
    v = prop.customType.convertToDatabaseValue(v, prop.platform!);
    if (v == null) {
      return v;
    }
  }
  if (v instanceof Date) {
    return prop.columnKind === 'date' ? v.toISOString().substring(0, 10) : v.getTime();
  }
  return typeof v === 'bigint' ? v.toString() : v;
}

type RelationHelper = { __initialized: boolean; __meta: EntityMetadata; getPrimaryKey(): unknown };

/** Returned by `relation()` for a property `toObject()` leaves out. */
const OMIT = Symbol('omit');

/**
 * How `toObject()` walks relations, as MikroORM's serializer does. Every entity entered joins
 * `visited` (shared by the whole walk). A many-to-one is written as its key unless its target is
 * loaded and populated (`populate` names it, or is `true` for entities created here); a populated
 * target already visited is written again in "revisit" mode: scalars and relations to entities
 * not visited yet, without collections, and a many-to-one to a visited entity is left out. A
 * loaded collection is written as its items (left out in revisit mode).
 */
export interface ToObjectWalk {
  visited: Set<object>;
  revisit: boolean;
}

function subPaths(populate: true | readonly string[] | undefined, name: string): true | readonly string[] {
  return populate === true ? true : (populate ?? []).filter(p => p.startsWith(`${name}.`)).map(p => p.substring(name.length + 1));
}

function keyOf(h: RelationHelper): unknown {
  const pk = h.getPrimaryKey();
  return typeof pk === 'bigint' ? pk.toString() : pk;
}

function relationObject(v: unknown, name: string, owner: object, includeHidden: boolean, populate: true | readonly string[] | undefined, walk: ToObjectWalk | undefined): unknown {
  if (v === null) {
    return v;
  }
  const target = Reference.unwrapReference(v as object) as { __helper?: RelationHelper };
  const h = target.__helper;
  if (!h) {
    return typeof target === 'bigint' ? (target as bigint).toString() : target;
  }
  const visited = walk?.visited.has(target) ?? false;
  if (walk?.revisit && visited) {
    return OMIT;
  }
  if (!h.__initialized || !(populate === true || (populate?.includes(name) ?? false))) {
    return keyOf(h);
  }
  const w = walk ?? { visited: new Set([owner]), revisit: false };
  w.visited.add(target);
  return h.__meta.runtime.toObject(target, includeHidden, subPaths(populate, name), { visited: w.visited, revisit: visited });
}

function collectionObjects(coll: Collection<object>, name: string, owner: object, includeHidden: boolean, populate: true | readonly string[] | undefined, walk: ToObjectWalk | undefined): unknown {
  if (walk?.revisit) {
    return OMIT;
  }
  const sub = subPaths(populate, name);
  const w = walk ?? { visited: new Set([owner]), revisit: false };
  return coll.getItems().map(item => {
    const h = (item as { __helper?: RelationHelper }).__helper!;
    if (h.getPrimaryKey() == null) {
      return null;
    }
    const visited = w.visited.has(item);
    w.visited.add(item);
    return h.__meta.runtime.toObject(item, includeHidden, sub, { visited: w.visited, revisit: visited });
  });
}

export type ToObjectFn = (e: any, includeHidden: boolean, populate?: true | readonly string[], walk?: ToObjectWalk) => Record<string, unknown>;

/** `toObject()`: defined properties in definition order; bigints as strings. */
export function createToObject(meta: EntityMetadata): ToObjectFn {
  const lines = Object.values(meta.properties).map(p => {
    const k = key(p.name);
    const hidden = p.hidden ? 'includeHidden && ' : '';
    if (p.kind === '1:m' || p.kind === 'm:n') {
      // A loaded collection is written as its items; one not loaded is left out.
      return `v = e[${k}]; if (${hidden}v instanceof Collection && v.isInitialized()) { v = collection(v, ${k}, e, includeHidden, populate, walk); if (v !== OMIT) o[${k}] = v; }`;
    }
    if ((p.kind === 'm:1' && !p.mapToPk) || p.kind === '1:1') {
      return `v = e[${k}]; if (${hidden}v !== undefined) { v = relation(v, ${k}, e, includeHidden, populate, walk); if (v !== OMIT) o[${k}] = v; }`;
    }
    if (p.customType) {
      return `v = e[${k}]; if (${hidden}v !== undefined) o[${k}] = v === null ? v : props[${k}].customType.toJSON(v, props[${k}].platform);`;
    }
    if (p.embeddedClass) {
      return `v = e[${k}]; if (${hidden}v !== undefined) o[${k}] = v === null ? v : Array.isArray(v) ? v.map(x => ({ ...x })) : { ...v };`;
    }
    const value = p.columnKind === 'bigint' ? "(typeof v === 'bigint' ? v.toString() : v)" : 'v';
    return `v = e[${k}]; if (${hidden}v !== undefined) o[${k}] = ${value};`;
  });
  return new Function(
    'relation',
    'collection',
    'Collection',
    'OMIT',
    'props',
    `return function toObject(e, includeHidden, populate, walk) {\n  const o = {};\n  let v;\n  ${lines.join('\n  ')}\n  return o;\n}`,
  )(relationObject, collectionObjects, Collection, OMIT, meta.properties) as ToObjectFn;
}

/** `toDate`: a datetime column's value as a `Date` (the driver's zone for zone-less text). */
export type RowMapper = (row: Record<string, unknown>, toDate: (v: unknown) => Date) => Record<string, unknown>;

/** Maps a raw row (column names, database values) to property names and runtime values. */
export function createRowMapper(meta: EntityMetadata): RowMapper {
  const byField = new Map(meta.props.map(p => [p.fieldName, p]));
  return (row: Record<string, unknown>, toDate: (v: unknown) => Date) => {
    const out: Record<string, unknown> = {};
    for (const [col, raw] of Object.entries(row)) {
      const p = byField.get(col);
      if (!p) {
        out[col] = raw;
        continue;
      }
      out[p.name] = raw == null ? raw : convertFromDb(p, raw, toDate);
    }
    return out;
  };
}

/** A database value as the property's runtime value; `toDate`: a datetime's (see `RowMapper`). */
export function convertFromDb(p: EntityProperty, v: unknown, toDate: (v: unknown) => Date = v => new Date(v as number)): unknown {
  if (p.customType) {
    return p.customType.convertToJSValue(convertFromDb({ ...p, customType: undefined }, v, toDate), p.platform!);
  }
  switch (p.columnKind) {
    case 'datetime':
      return toDate(v);
    case 'boolean':
      return !!v;
    case 'blob':
      return Buffer.from(v as number[]);
    case 'bigint':
      return p.runtimeType === 'number' ? Number(v) : p.runtimeType === 'string' ? String(v) : BigInt(v as number);
    case 'decimal':
      return p.runtimeType === 'number' ? Number(v) : String(v);
    case 'json':
      return typeof v === 'string' ? safeJson(v) : v;
    default:
      return v;
  }
}
