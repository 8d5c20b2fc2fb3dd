import { inspect } from 'node:util';

/** MikroORM's error classes, same names and hierarchy. */

export class ValidationError<T = unknown> extends Error {
  constructor(message: string, readonly entity?: T, readonly cause?: Error) {
    super(message);
    this.name = new.target.name;
  }
  getEntity(): T | undefined {
    return this.entity;
  }
}

export class NotFoundError<T = unknown> extends ValidationError<T> {
  static findOneFailed(name: string, where: unknown): NotFoundError {
    return new NotFoundError(`${name} not found (${inspectWhere(where)})`);
  }
  static findExactlyOneFailed(name: string, where: unknown): NotFoundError {
    return new NotFoundError(`Wrong number of ${name} entities found for query ${inspectWhere(where)}, expected exactly one`);
  }
}

export class MetadataError<T = unknown> extends ValidationError<T> {}

export class OptimisticLockError<T = unknown> extends ValidationError<T> {}

/** A transaction propagation that the current state does not allow (MikroORM's messages). */
export class TransactionStateError<T = unknown> extends ValidationError<T> {
  static requiredTransactionNotFound(propagation: string): TransactionStateError {
    return new TransactionStateError(`No existing transaction found for transaction marked with propagation "${propagation}"`);
  }

  static transactionNotAllowed(propagation: string): TransactionStateError {
    return new TransactionStateError(`Existing transaction found for transaction marked with propagation "${propagation}"`);
  }

  static invalidPropagation(propagation: string): TransactionStateError {
    return new TransactionStateError(`Unsupported transaction propagation type: ${propagation}`);
  }
}

/** Raised for a feature mikro-native does not implement yet; the message names it. */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NotImplementedError';
  }
}

type DriverError = Error & { code?: string; errno?: number; sqlState?: string; sqlMessage?: string; errmsg?: string; sql?: string };

/** A database error; `code` is the driver's own code (e.g. `SQLITE_CONSTRAINT_UNIQUE`). */
export class DriverException extends Error {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  errmsg?: string;
  /** The failing statement with its parameters inlined (mikro-native addition). */
  sql?: string;
  constructor(previous: DriverError) {
    super(previous.message);
    this.code = previous.code;
    this.errno = previous.errno;
    this.sqlState = previous.sqlState;
    this.sqlMessage = previous.sqlMessage;
    this.errmsg = previous.errmsg;
    this.sql = previous.sql;
    this.name = new.target.name;
  }
}

export class ConnectionException extends DriverException {}
export class ServerException extends DriverException {}
export class ConstraintViolationException extends ServerException {}
export class UniqueConstraintViolationException extends ConstraintViolationException {}
export class NotNullConstraintViolationException extends ConstraintViolationException {}
export class ForeignKeyConstraintViolationException extends ConstraintViolationException {}
export class CheckConstraintViolationException extends ConstraintViolationException {}
export class DatabaseObjectNotFoundException extends ServerException {}
export class TableNotFoundException extends DatabaseObjectNotFoundException {}
export class DatabaseObjectExistsException extends ServerException {}
export class TableExistsException extends DatabaseObjectExistsException {}
export class SyntaxErrorException extends ServerException {}
export class InvalidFieldNameException extends ServerException {}
export class NonUniqueFieldNameException extends ServerException {}
export class LockWaitTimeoutException extends ServerException {}
export class DeadlockException extends ServerException {}
export class ReadOnlyException extends ServerException {}

/** The filter as MikroORM prints it (`util.inspect`): `9999`, `{ name: 'x', age: { '$gt': 5 } }`. */
function inspectWhere(where: unknown): string {
  return inspect(where);
}
