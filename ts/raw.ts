import { randomBytes } from 'node:crypto';

/**
 * A secret every fragment sent to the engine carries (the engine receives it with the metadata):
 * an object that merely looks like a fragment, say from parsed user input, stays data.
 */
export const RAW_NONCE = randomBytes(16).toString('hex');

/**
 * Raw SQL fragments: `raw('count(*) as cnt')`, the `sql` tag, `sql.ref('b.title')`. In the text,
 * `?` binds the next parameter and `??` names an identifier (quoted by the dialect). Every value
 * stays a bound parameter: the engine writes the text, never the values.
 */
export class RawQueryFragment {
  #key?: string;

  constructor(
    readonly sql: string,
    readonly params: readonly unknown[] = [],
  ) {}

  /** As an object key (`{ [raw('lower(name)')]: 'x' }`): a token standing for this fragment. */
  toString(): string {
    if (!this.#key) {
      this.#key = `${KEY_PREFIX}${++keys}`;
      registry.set(this.#key, this);
      if (registry.size > MAX_KEYS) {
        registry.delete(registry.keys().next().value as string);
      }
    }
    return this.#key;
  }

  /** What the engine receives in a select list or a condition. */
  toJSON(): { raw: string; params: readonly unknown[]; nonce: string } {
    const { sql, params } = rawWithParams(this.sql, this.params);
    return { raw: sql, params, nonce: RAW_NONCE };
  }

  /** `… as alias` (the alias quoted), for a select list. */
  as(alias: string): RawQueryFragment {
    return new RawQueryFragment(`${this.sql} as ??`, [...this.params, alias]);
  }
}

const KEY_PREFIX = '\u0001raw:';
const MAX_KEYS = 10_000;
let keys = 0;
/** Fragments used as object keys, by token (the oldest are forgotten past `MAX_KEYS`). */
const registry = new Map<string, RawQueryFragment>();

/**
 * A simple `RegExp` as MikroORM sends it: `/^Jo.*n$/` is `like 'Jo%n'`; other patterns `$re`.
 */
function regexpCondition(re: RegExp): unknown {
  const m = /^(\^?)((?:[^\\^$.*+?()[\]{}|]|\.\*)*)(\$?)$/.exec(re.source);
  if (!m || re.flags) {
    return { $re: re.source };
  }
  const body = m[2].replace(/\.\*/g, '%');
  return { $like: `${m[1] ? '' : '%'}${body}${m[3] ? '' : '%'}` };
}

/**
 * Whether a value needs `engineReplacer`: bigints, fragment keys, or any object that is not a
 * plain object, array or `Date` (entities, references, regular expressions, fragments, query
 * builders). Plain JSON is written by `JSON.stringify` alone, many times faster.
 */
export function needsReplacer(v: unknown): boolean {
  if (typeof v === 'bigint') {
    return true;
  }
  if (v === null || typeof v !== 'object') {
    return false;
  }
  if (Array.isArray(v)) {
    return v.some(needsReplacer);
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    return !(v instanceof Date);
  }
  for (const k in v) {
    if (k.charCodeAt(0) === 1 || needsReplacer((v as Record<string, unknown>)[k])) {
      return true;
    }
  }
  return false;
}

/**
 * A `JSON.stringify` replacer for the engine: object keys that stand for fragments become
 * `$raw{"raw":…,"params":[…]}` keys, bigints text, entities and references their key, simple
 * regular expressions `like` patterns (the holder's original value is read: `toJSON` ran first).
 */
export function engineReplacer(this: unknown, key: string, v: unknown): unknown {
  const original = this && typeof this === 'object' ? (this as Record<string, unknown>)[key] : v;
  if (typeof original === 'bigint') {
    return original.toString();
  }
  if (original instanceof RegExp) {
    return regexpCondition(original);
  }
  if (original && typeof original === 'object') {
    const entity = original as { __helper?: { getPrimaryKey(): unknown }; getPrimaryKey?: () => unknown; unwrap?: () => unknown };
    if (entity.__helper && !(original instanceof RawQueryFragment)) {
      return entity.__helper.getPrimaryKey();
    }
    if (typeof entity.unwrap === 'function' && typeof entity.getPrimaryKey === 'function') {
      return entity.getPrimaryKey();
    }
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v) || v instanceof RawQueryFragment) {
    return v;
  }
  let fragmentKeys = false;
  for (const k in v as Record<string, unknown>) {
    if (k.charCodeAt(0) === 1 && k.startsWith(KEY_PREFIX)) {
      fragmentKeys = true;
      break;
    }
  }
  if (!fragmentKeys) {
    return v;
  }
  return Object.fromEntries(
    Object.entries(v as Record<string, unknown>).map(([k, value]) => {
      const fragment = k.startsWith(KEY_PREFIX) ? registry.get(k) : undefined;
      return fragment ? [`$raw${JSON.stringify(fragment.toJSON())}`, rawDates(value)] : [k, value];
    }),
  );
}

/**
 * A raw key's value with its `Date`s (alone, in an array or under an operator) as the engine binds
 * them (`{"$date": ms}`): no property type tells the engine the value is a datetime.
 */
function rawDates(v: unknown): unknown {
  if (v instanceof Date) {
    return rawParam(v);
  }
  if (Array.isArray(v)) {
    return v.map(rawDates);
  }
  if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k.startsWith('$') ? rawDates(x) : x]));
  }
  return v;
}

/**
 * User SQL and its parameters with each array parameter of a `?` spread into `?, ?, …` (as
 * MikroORM binds `in (?)` with `[[1, 2]]`), every parameter as the engine binds it. Placeholders
 * are found as the engine finds them: outside quotes, `??` being an identifier.
 */
export function rawWithParams(sql: string, params: readonly unknown[]): { sql: string; params: unknown[] } {
  if (!params.some(Array.isArray)) {
    return { sql, params: params.map(rawParam) };
  }
  let out = '';
  const flat: unknown[] = [];
  let next = 0;
  let quote: string | undefined;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (quote !== undefined) {
      out += c;
      if (c === quote) {
        quote = undefined;
      }
    } else if (c === "'" || c === '"' || c === '`') {
      quote = c;
      out += c;
    } else if (c === '?' && next < params.length && sql[i + 1] === '?') {
      out += '??';
      flat.push(params[next++]);
      i++;
    } else if (c === '?' && next < params.length) {
      const p = params[next++];
      if (Array.isArray(p)) {
        out += p.map(() => '?').join(', ');
        flat.push(...p);
      } else {
        out += '?';
        flat.push(p);
      }
    } else {
      out += c;
    }
  }
  flat.push(...params.slice(next));
  return { sql: out, params: flat.map(rawParam) };
}

/** A parameter as the engine binds it: a `Date` as `{"$date": ms}` (stored as the dialect stores datetimes). */
export function rawParam(v: unknown): unknown {
  return v instanceof Date ? { $date: v.getTime() } : typeof v === 'bigint' ? v.toString() : v;
}

/**
 * `raw('lower(name) = ?', ['x'])`: a fragment of SQL with its parameters; named parameters
 * (`raw('age > :min', { min: 18 })`) become positional ones.
 */
/** Something that compiles to a fragment: a QueryBuilder (`raw(qb)`, `sql\`exists (${qb})\``). */
interface ToRaw {
  toRaw(): RawQueryFragment;
}

function isToRaw(v: unknown): v is ToRaw {
  return typeof (v as ToRaw | null)?.toRaw === 'function';
}

export function raw(sql: string | RawQueryFragment | ToRaw | ((alias: string) => string), params: readonly unknown[] | Record<string, unknown> = []): RawQueryFragment {
  if (sql instanceof RawQueryFragment) {
    return sql;
  }
  if (typeof sql === 'function') {
    // `raw(alias => \`lower(${alias}.name)\`)`: the engine writes the query's alias for the marker.
    return raw(sql('[::alias::]'), params);
  }
  if (isToRaw(sql)) {
    return sql.toRaw();
  }
  if (!Array.isArray(params)) {
    const named = params as Record<string, unknown>;
    const values: unknown[] = [];
    const text = sql.replace(/(?<![:\w]):(\w+)/g, (match, name: string) => {
      if (!(name in named)) {
        return match;
      }
      values.push(named[name]);
      return '?';
    });
    return new RawQueryFragment(text, values);
  }
  return new RawQueryFragment(sql, params);
}

export function isRaw(v: unknown): v is RawQueryFragment {
  return v instanceof RawQueryFragment;
}

/** An identifier: `ref('b.title')` is written `b`.`title` in MySQL/SQLite, "b"."title" in PostgreSQL. */
function ref(...keys: string[]): RawQueryFragment {
  return new RawQueryFragment('??', [keys.join('.')]);
}

/** The `sql` tag: interpolated values become parameters, interpolated fragments are inlined. */
function tag(strings: TemplateStringsArray, ...values: unknown[]): RawQueryFragment {
  let text = strings[0];
  const params: unknown[] = [];
  values.forEach((v, i) => {
    if (isToRaw(v)) {
      v = v.toRaw();
    }
    if (v instanceof RawQueryFragment) {
      text += v.sql;
      params.push(...v.params);
    } else {
      text += '?';
      params.push(v);
    }
    text += strings[i + 1];
  });
  return new RawQueryFragment(text, params);
}

/** `lower(name)`: the key is written as given (a fragment with its parameters). */
const fn = (name: string) => (key: string | RawQueryFragment) => {
  const inner = typeof key === 'string' ? new RawQueryFragment(key) : key;
  return new RawQueryFragment(`${name}(${inner.sql})`, inner.params);
};

export const sql = Object.assign(tag, {
  ref,
  now: (precision?: number) => new RawQueryFragment(precision === undefined ? 'current_timestamp' : `current_timestamp(${Number(precision)})`),
  lower: fn('lower'),
  upper: fn('upper'),
});
