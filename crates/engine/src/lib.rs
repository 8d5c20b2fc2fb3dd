//! mikro-native engine: metadata model, query compiler, unit of work and DDL. No I/O.

pub mod convert;
pub mod dialect;
pub mod error;
pub mod filter;
pub mod joins;
pub mod meta;
pub mod order;
pub mod query;
pub mod schema;
pub mod schema_diff;
pub mod shape;
pub mod sql;
pub mod time;
pub mod uow;
pub mod value;

pub use error::{Error, ErrorKind, Result};
pub use value::Value;
