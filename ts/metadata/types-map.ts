import type { ColumnKind, RuntimeType } from './types.js';
import { NotImplementedError } from '../errors.js';

/** What a custom type's conversions receive as the platform: the dialect in use. */
export interface Platform {
  readonly name: string;
}

/**
 * Base of mapped types, as MikroORM's `Type`. The built-in types below name the column kind the
 * engine converts natively; a user subclass converts values in JS on the way in and out
 * (`convertToDatabaseValue`, `convertToJSValue`), declares its column (`getColumnType`), and may
 * serialize differently (`toJSON`).
 */
export abstract class Type<JSType = unknown, DBType = JSType> {
  static readonly columnKind: ColumnKind;
  declare readonly '~js'?: JSType;

  convertToDatabaseValue(value: JSType, _platform: Platform, _context?: unknown): DBType {
    return value as unknown as DBType;
  }

  convertToJSValue(value: DBType, _platform: Platform, _context?: unknown): JSType {
    return value as unknown as JSType;
  }

  toJSON(value: JSType, _platform: Platform): JSType | DBType {
    return value;
  }

  compareAsType(): string {
    return 'any';
  }

  /** The column type; a subclass of a built-in type keeps the built-in's column by default. */
  getColumnType(_prop: unknown, _platform: Platform): string {
    return (this.constructor as unknown as { columnKind?: string }).columnKind ?? 'text';
  }

  get name(): string {
    return this.constructor.name;
  }

  /** The shared instance of a type class. */
  static getType<T extends Type<any, any>>(cls: new () => T): T {
    let instance = instances.get(cls);
    if (!instance) {
      instance = new cls();
      instances.set(cls, instance);
    }
    return instance as T;
  }

  static isMappedType(data: unknown): data is Type<any> {
    return data instanceof Type;
  }
}

const instances = new Map<unknown, Type<any, any>>();

function typeClass<K extends ColumnKind>(kind: K, name: string) {
  const cls = class extends Type {
    static override readonly columnKind: ColumnKind = kind;
  };
  Object.defineProperty(cls, 'name', { value: name });
  return cls;
}

export const StringType = typeClass('string', 'StringType');
export const TextType = typeClass('text', 'TextType');
export const IntegerType = typeClass('integer', 'IntegerType');
export const SmallIntType = typeClass('smallint', 'SmallIntType');
export const TinyIntType = typeClass('tinyint', 'TinyIntType');
export const BigIntType = typeClass('bigint', 'BigIntType');
export const FloatType = typeClass('float', 'FloatType');
export const DoubleType = typeClass('double', 'DoubleType');
export const DecimalType = typeClass('decimal', 'DecimalType');
export const BooleanType = typeClass('boolean', 'BooleanType');
export const DateTimeType = typeClass('datetime', 'DateTimeType');
export const DateType = typeClass('date', 'DateType');
export const TimeType = typeClass('time', 'TimeType');
export const JsonType = typeClass('json', 'JsonType');
export const EnumType = typeClass('enum', 'EnumType');
export const UuidType = typeClass('uuid', 'UuidType');
export const BlobType = typeClass('blob', 'BlobType');
/** A string array: a native `text[]` on PostgreSQL, comma-joined text elsewhere (as MikroORM's ArrayType). */
export const ArrayType = typeClass('array', 'ArrayType');

const BUILT_IN = new Set<unknown>();

/** A user's `Type` (class or instance) whose conversions run in JS; `undefined` for built-in and other types. */
export function customTypeOf(type: unknown): Type<any, any> | undefined {
  if (type instanceof Type) {
    return BUILT_IN.has(type.constructor) ? undefined : type;
  }
  if (typeof type === 'function' && type.prototype instanceof Type && !BUILT_IN.has(type)) {
    return Type.getType(type as new () => Type<any, any>);
  }
  return undefined;
}

export const types = {
  string: StringType, text: TextType, integer: IntegerType, smallint: SmallIntType, tinyint: TinyIntType,
  bigint: BigIntType, float: FloatType, double: DoubleType, decimal: DecimalType, boolean: BooleanType,
  datetime: DateTimeType, date: DateType, time: TimeType, json: JsonType, enum: EnumType, uuid: UuidType,
  blob: BlobType, array: ArrayType,
} as const;
for (const cls of Object.values(types)) {
  BUILT_IN.add(cls);
}

const byName: Record<string, ColumnKind> = {
  string: 'string', varchar: 'string', character: 'string', char: 'string',
  text: 'text', tinytext: 'text', mediumtext: 'text', longtext: 'text',
  number: 'integer', integer: 'integer', int: 'integer', int4: 'integer', mediumint: 'integer',
  smallint: 'smallint', int2: 'smallint', tinyint: 'tinyint',
  bigint: 'bigint', int8: 'bigint',
  float: 'float', real: 'float', float4: 'float', double: 'double', 'double precision': 'double', float8: 'double',
  decimal: 'decimal', numeric: 'decimal',
  boolean: 'boolean', bool: 'boolean',
  date: 'date', datetime: 'datetime', timestamp: 'datetime', timestamptz: 'datetime', time: 'time',
  json: 'json', jsonb: 'json', object: 'json',
  enum: 'enum', uuid: 'uuid',
  blob: 'blob', buffer: 'blob', uint8array: 'blob', bytea: 'blob',
  array: 'array',
};

const runtimeOf: Record<ColumnKind, RuntimeType> = {
  string: 'string', text: 'string', uuid: 'string', enum: 'string', time: 'string', date: 'string', decimal: 'string',
  integer: 'number', smallint: 'number', tinyint: 'number', float: 'number', double: 'number',
  bigint: 'bigint', boolean: 'boolean', datetime: 'Date', json: 'object', blob: 'Buffer', array: 'string[]',
};

/** Resolves a user-given `type` (name, constructor or Type class/instance) to a column kind. */
export function resolveColumnKind(type: unknown): ColumnKind | undefined {
  if (type == null) {
    return undefined;
  }
  if (typeof type === 'string') {
    const name = type.toLowerCase().replace(/\(.*$/, '');
    if (name.endsWith('[]')) {
      if (name !== 'string[]' && name !== 'text[]') {
        throw new NotImplementedError(`Not implemented in mikro-native yet: arrays of other types than strings (type '${type}')`);
      }
      return 'array';
    }
    if (name === 'date' && type === 'Date') {
      return 'datetime';
    }
    return byName[name];
  }
  if (typeof type === 'function') {
    const kind = (type as { columnKind?: ColumnKind }).columnKind;
    if (kind) {
      return kind;
    }
    switch (type) {
      case String: return 'string';
      case Number: return 'integer';
      case Boolean: return 'boolean';
      case Date: return 'datetime';
      case BigInt: return 'bigint';
      case Object: case Array: return 'json';
      case Buffer: case Uint8Array: return 'blob';
    }
    return undefined;
  }
  if (type instanceof Type) {
    return (type.constructor as unknown as { columnKind: ColumnKind }).columnKind;
  }
  return undefined;
}

export function runtimeTypeOf(kind: ColumnKind): RuntimeType {
  return runtimeOf[kind];
}
