//! Engine errors. `kind` names the MikroORM error class JS raises.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A plain JS `Error` (MikroORM reports unknown properties in queries this way).
    Plain,
    Validation,
    /// A versioned row changed since it was loaded.
    OptimisticLock,
    Metadata,
    NotImplemented,
    /// Errors raised by a driver; the class is decided by the driver's code mapping.
    UniqueConstraintViolation,
    NotNullConstraintViolation,
    ForeignKeyConstraintViolation,
    TableNotFound,
    TableExists,
    InvalidFieldName,
    SyntaxError,
    Deadlock,
    LockWaitTimeout,
    ConnectionError,
    Driver,
}

impl ErrorKind {
    /// The JS class name the TS layer maps this kind to.
    pub fn class_name(self) -> &'static str {
        match self {
            ErrorKind::Plain => "Error",
            ErrorKind::Validation => "ValidationError",
            ErrorKind::OptimisticLock => "OptimisticLockError",
            ErrorKind::Metadata => "MetadataError",
            ErrorKind::NotImplemented => "NotImplementedError",
            ErrorKind::UniqueConstraintViolation => "UniqueConstraintViolationException",
            ErrorKind::NotNullConstraintViolation => "NotNullConstraintViolationException",
            ErrorKind::ForeignKeyConstraintViolation => "ForeignKeyConstraintViolationException",
            ErrorKind::TableNotFound => "TableNotFoundException",
            ErrorKind::TableExists => "TableExistsException",
            ErrorKind::InvalidFieldName => "InvalidFieldNameException",
            ErrorKind::SyntaxError => "SyntaxErrorException",
            ErrorKind::Deadlock => "DeadlockException",
            ErrorKind::LockWaitTimeout => "LockWaitTimeoutException",
            ErrorKind::ConnectionError => "ConnectionException",
            ErrorKind::Driver => "DriverException",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
    /// The driver's own code (e.g. `SQLITE_CONSTRAINT_UNIQUE`), when there is one.
    pub code: Option<String>,
    /// The failing statement with its parameters inlined, when there is one.
    pub sql: Option<String>,
    /// The server's error number and SQLSTATE, where the driver reports them apart from `code`
    /// (MySQL: `errno` 1062, `sqlState` 23000).
    pub server: Option<Box<ServerCode>>,
}

#[derive(Debug, Clone)]
pub struct ServerCode {
    pub errno: i64,
    pub sql_state: Option<String>,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            code: None,
            sql: None,
            server: None,
        }
    }
    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Validation, message)
    }
    pub fn plain(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Plain, message)
    }
    pub fn metadata(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Metadata, message)
    }
    pub fn not_implemented(what: impl Into<String>) -> Self {
        Self::new(
            ErrorKind::NotImplemented,
            format!("Not implemented in mikro-native yet: {}", what.into()),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
