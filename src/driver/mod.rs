//! The `Connection` trait every driver implements. A backend's quirks stay in its own file.

#[cfg(feature = "sqlite")]
pub mod sqlite;

use engine::{Result, Value};

pub struct ExecResult {
    pub affected: u64,
    pub insert_id: Option<i64>,
}

/// Rows as the driver decoded them, column names first.
pub struct Rows {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<Value>>,
}

pub enum Output {
    Rows(Rows),
    Exec(ExecResult),
}

pub trait Connection: Send {
    /// Runs one statement; statements that produce columns return rows.
    fn run(&mut self, sql: &str, params: &[Value]) -> Result<Output>;

    fn load_extension(&mut self, path: &str, entry: Option<&str>) -> Result<()>;

    fn close(&mut self) -> Result<()>;
}

pub struct ConnectOptions {
    pub db_name: String,
}

pub fn connect(driver: &str, opts: &ConnectOptions) -> Result<Box<dyn Connection>> {
    match driver {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Box::new(sqlite::SqliteConnection::open(&opts.db_name)?)),
        other => Err(engine::Error::new(
            engine::ErrorKind::ConnectionError,
            format!("Driver '{other}' is not part of this build of mikro-native"),
        )),
    }
}
