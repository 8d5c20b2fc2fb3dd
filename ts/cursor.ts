import { ValidationError } from './errors.js';
import type { EntityMetadata } from './metadata/types.js';
import type { Dictionary } from './typings.js';

/** `em.findByCursor()` options: a page of `first` items after a cursor, or `last` before one. */
export interface FindByCursorOptions<T> {
  where?: Dictionary;
  orderBy: Dictionary | Dictionary[];
  first?: number;
  last?: number;
  /** A cursor: an opaque string (`endCursor`), a `Cursor`, or an entity-like object of the ordered properties. */
  after?: string | Cursor<T> | Dictionary;
  before?: string | Cursor<T> | Dictionary;
  /** Counts every matching row too (default true). */
  includeCount?: boolean;
  [key: string]: unknown;
}

type Order = [name: string, dir: 'asc' | 'desc'][];

/** The ordered properties and their directions (`orderBy` flattened, in order). */
export function cursorOrder(meta: EntityMetadata, orderBy: Dictionary | Dictionary[]): Order {
  const out: Order = [];
  for (const o of Array.isArray(orderBy) ? orderBy : [orderBy]) {
    for (const [name, dir] of Object.entries(o)) {
      if (!meta.properties[name]) {
        throw new ValidationError(`Cursor pagination orders by ${meta.className}.${name}, which is not a property`);
      }
      out.push([name, String(dir).toLowerCase().startsWith('desc') || dir === -1 ? 'desc' : 'asc']);
    }
  }
  if (out.length === 0) {
    throw new ValidationError(`Cursor pagination of ${meta.className} needs an orderBy`);
  }
  return out;
}

/** The values of the ordered properties a cursor names. */
function cursorValues(cursor: string | Cursor<unknown> | Dictionary, order: Order): unknown[] {
  if (cursor instanceof Cursor) {
    return Cursor.decode(cursor.endCursor ?? '');
  }
  if (typeof cursor === 'string') {
    return Cursor.decode(cursor);
  }
  return order.map(([name]) => {
    const v = cursor[name];
    return v !== null && typeof v === 'object' && !(v instanceof Date) ? (v as { id?: unknown }).id ?? v : v;
  });
}

/**
 * The condition of the rows after (`forward`) or before the cursor, as MikroORM writes it:
 * `a <= ? and (a < ? or b > ?)` for `a desc, b asc`.
 */
export function cursorCondition(order: Order, cursor: string | Cursor<unknown> | Dictionary, forward: boolean): Dictionary {
  const values = cursorValues(cursor, order);
  const level = (i: number): Dictionary => {
    const [name, dir] = order[i];
    const after = (dir === 'asc') === forward;
    if (i === order.length - 1) {
      return { [name]: { [after ? '$gt' : '$lt']: values[i] } };
    }
    return { [name]: { [after ? '$gte' : '$lte']: values[i] }, $or: [{ [name]: { [after ? '$gt' : '$lt']: values[i] } }, level(i + 1)] };
  };
  return level(0);
}

/** A page of entities and where it stands (MikroORM's `Cursor`). */
export class Cursor<T> {
  constructor(
    readonly items: T[],
    readonly totalCount: number | undefined,
    readonly hasPrevPage: boolean,
    readonly hasNextPage: boolean,
    private readonly order: Order,
  ) {}

  get length(): number {
    return this.items.length;
  }

  [Symbol.iterator](): IterableIterator<T> {
    return this.items[Symbol.iterator]();
  }

  get startCursor(): string | null {
    return this.items.length > 0 ? this.from(this.items[0]) : null;
  }

  get endCursor(): string | null {
    return this.items.length > 0 ? this.from(this.items[this.items.length - 1]) : null;
  }

  /** The opaque cursor of an entity: its ordered values. */
  from(entity: T): string {
    return Cursor.encode(cursorValues(entity as Dictionary, this.order));
  }

  static encode(values: unknown[]): string {
    return Buffer.from(JSON.stringify(values)).toString('base64url');
  }

  static decode(value: string): unknown[] {
    try {
      const decoded = JSON.parse(Buffer.from(value, 'base64url').toString()) as unknown;
      if (Array.isArray(decoded)) {
        return decoded;
      }
    } catch {
      // reported below
    }
    throw new ValidationError(`Invalid cursor '${value}': expected a cursor string from Cursor.startCursor/endCursor`);
  }
}
