//! The `Connection` trait every driver implements. A backend's quirks stay in its own file.

#[cfg(feature = "mysql")]
pub mod mysql;
#[cfg(any(feature = "postgresql", feature = "mysql"))]
pub mod pool;
#[cfg(feature = "postgresql")]
pub mod postgres;
#[cfg(any(feature = "postgresql", feature = "mysql"))]
pub mod server;
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
    /// How each column is given in a raw result, when not as decoded (empty: all as decoded).
    pub forms: Vec<RawForm>,
}

/// How a column's values are given in a raw result (`em.execute`, `qb.execute`), as the
/// reference drivers give them: node-pg parses JSON and gives timestamps as PostgreSQL's text.
#[derive(Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "postgresql"), allow(dead_code))]
pub enum RawForm {
    AsDecoded,
    /// JSON text, given parsed.
    Json,
    /// Epoch milliseconds, given as `YYYY-MM-DD HH:MM:SS[.fff]+00`.
    TimestampTz,
    /// Epoch milliseconds, given as `YYYY-MM-DD HH:MM:SS[.fff]`.
    Timestamp,
    /// A string array's literal (`{a,"b c",NULL}`), given as an array.
    TextArray,
}

pub enum Output {
    Rows(Rows),
    Exec(ExecResult),
}

pub trait Connection {
    /// Runs one statement; statements that produce columns return rows.
    fn run(&mut self, sql: &str, params: &[Value]) -> Result<Output>;

    /// Runs one statement once per row of `width` parameters. On failure, returns the index of
    /// the failing row with the error.
    fn run_rows(
        &mut self,
        sql: &str,
        params: &[Value],
        width: usize,
    ) -> std::result::Result<u64, (usize, engine::Error)> {
        let mut affected = 0;
        for (i, row) in params.chunks(width.max(1)).enumerate() {
            match self.run(sql, row).map_err(|e| (i, e))? {
                Output::Exec(e) => affected += e.affected,
                Output::Rows(r) => affected += r.rows.len() as u64,
            }
        }
        Ok(affected)
    }

    /// Whether a multi-row insert into `table` that generates every key gets consecutive keys
    /// ending at the connection's last insert id (so it needs no `returning`).
    fn sequential_insert_keys(&mut self, _table: &str) -> Result<bool> {
        Ok(false)
    }

    /// Starts a query whose rows are read in batches by `next_rows` (streaming); returns the
    /// cursor's id and the column names.
    fn open_cursor(&mut self, sql: &str, params: &[Value]) -> Result<(u32, Vec<String>)>;

    /// Up to `max` more rows of a cursor; fewer means the rows are exhausted and the cursor is
    /// closed.
    fn next_rows(&mut self, cursor: u32, max: usize) -> Result<Vec<Vec<Value>>>;

    /// Closes a cursor before its end (a cursor already closed is ignored).
    fn close_cursor(&mut self, cursor: u32);

    fn load_extension(&mut self, path: &str, entry: Option<&str>) -> Result<()>;

    fn close(&mut self) -> Result<()>;
}

pub struct ConnectOptions {
    #[cfg_attr(not(feature = "sqlite"), allow(dead_code))]
    pub db_name: String,
}

#[cfg_attr(not(feature = "sqlite"), allow(unused_variables))]
pub fn connect(driver: &str, opts: &ConnectOptions) -> Result<Box<dyn Connection>> {
    match driver {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Box::new(sqlite::SqliteConnection::open(&opts.db_name)?)),
        "postgresql" | "mysql" | "mariadb" => Err(engine::Error::not_implemented(format!(
            "a synchronous connection to {driver} (its calls go through the pool)"
        ))),
        other => Err(engine::Error::new(
            engine::ErrorKind::ConnectionError,
            format!("Driver '{other}' is not part of this build of mikro-native"),
        )),
    }
}
