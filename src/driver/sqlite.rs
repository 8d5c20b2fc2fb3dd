//! SQLite through rusqlite (bundled SQLite), on the calling thread.

use rusqlite::types::ValueRef;
use std::collections::HashMap;

use rusqlite::{ffi, params_from_iter, Statement, ToSql};

use super::{Connection, ExecResult, Output, Rows};
use engine::{Error, ErrorKind, Result, Value};

pub struct SqliteConnection {
    /// Open cursors (streams). They borrow the connection, so this field comes first and is
    /// dropped before `conn`; `close()` drops them first too.
    cursors: HashMap<u32, Statement<'static>>,
    next_cursor: u32,
    /// Boxed so that the cursors' borrow stays valid: the connection never moves.
    conn: Option<Box<rusqlite::Connection>>,
}

fn map_err(e: rusqlite::Error) -> Error {
    // Prepare errors carry SQLite's own message plus the SQL; keep SQLite's message only.
    let e = match e {
        rusqlite::Error::SqlInputError { error, msg, .. } => {
            rusqlite::Error::SqliteFailure(error, Some(msg))
        }
        other => other,
    };
    let message = match &e {
        rusqlite::Error::SqliteFailure(_, Some(msg)) => msg.clone(),
        other => other.to_string(),
    };
    let kind = match &e {
        rusqlite::Error::SqliteFailure(f, msg) => {
            let text = msg.as_deref().unwrap_or("");
            match f.extended_code {
                ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => {
                    ErrorKind::UniqueConstraintViolation
                }
                ffi::SQLITE_CONSTRAINT_NOTNULL => ErrorKind::NotNullConstraintViolation,
                ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ErrorKind::ForeignKeyConstraintViolation,
                ffi::SQLITE_BUSY | ffi::SQLITE_LOCKED => ErrorKind::LockWaitTimeout,
                ffi::SQLITE_CANTOPEN => ErrorKind::ConnectionError,
                _ if text.starts_with("no such table") => ErrorKind::TableNotFound,
                _ if text.contains("already exists") => ErrorKind::TableExists,
                _ if text.starts_with("no such column") => ErrorKind::InvalidFieldName,
                _ if text.contains("syntax error") || text.starts_with("incomplete input") => {
                    ErrorKind::SyntaxError
                }
                _ => ErrorKind::Driver,
            }
        }
        _ => ErrorKind::Driver,
    };
    let code = match &e {
        rusqlite::Error::SqliteFailure(f, _) => Some(sqlite_code_name(f.extended_code)),
        _ => None,
    };
    Error {
        kind,
        message,
        code,
        sql: None,
        server: None,
    }
}

fn sqlite_code_name(code: i32) -> String {
    match code {
        ffi::SQLITE_CONSTRAINT_UNIQUE => "SQLITE_CONSTRAINT_UNIQUE".into(),
        ffi::SQLITE_CONSTRAINT_PRIMARYKEY => "SQLITE_CONSTRAINT_PRIMARYKEY".into(),
        ffi::SQLITE_CONSTRAINT_NOTNULL => "SQLITE_CONSTRAINT_NOTNULL".into(),
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => "SQLITE_CONSTRAINT_FOREIGNKEY".into(),
        ffi::SQLITE_CONSTRAINT_CHECK => "SQLITE_CONSTRAINT_CHECK".into(),
        ffi::SQLITE_ERROR => "SQLITE_ERROR".into(),
        ffi::SQLITE_BUSY => "SQLITE_BUSY".into(),
        other => format!("SQLITE_{other}"),
    }
}

struct Param<'a>(&'a Value);

impl ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::ToSqlOutput::Borrowed;
        Ok(match self.0 {
            Value::Null => Borrowed(ValueRef::Null),
            Value::Bool(b) => Borrowed(ValueRef::Integer(*b as i64)),
            Value::Int(i) => Borrowed(ValueRef::Integer(*i)),
            Value::Real(f) => Borrowed(ValueRef::Real(*f)),
            Value::Text(s) => Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => Borrowed(ValueRef::Blob(b)),
        })
    }
}

fn value_of(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

impl SqliteConnection {
    pub fn open(path: &str) -> Result<Self> {
        let conn = rusqlite::Connection::open(path).map_err(|e| {
            let mut err = map_err(e);
            err.kind = ErrorKind::ConnectionError;
            err.message = format!("Cannot open SQLite database '{path}': {}", err.message);
            err
        })?;
        conn.set_prepared_statement_cache_capacity(256);
        // Query planner stability: binding a new value (the `limit ?` of every find) would
        // otherwise expire the cached statement and parse it again on each run.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )
        .map_err(map_err)?;
        conn.execute_batch("pragma foreign_keys = on;")
            .map_err(map_err)?;
        Ok(SqliteConnection {
            cursors: HashMap::new(),
            next_cursor: 0,
            conn: Some(Box::new(conn)),
        })
    }

    fn conn(&self) -> Result<&rusqlite::Connection> {
        self.conn.as_deref().ok_or_else(|| {
            Error::new(
                ErrorKind::ConnectionError,
                "The SQLite connection is closed",
            )
        })
    }
}

/// The cursors borrow the connection: they go first, whatever the field order.
impl Drop for SqliteConnection {
    fn drop(&mut self) {
        self.cursors.clear();
    }
}

impl Connection for SqliteConnection {
    fn run(&mut self, sql: &str, params: &[Value]) -> Result<Output> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(sql).map_err(map_err)?;
        let params = params_from_iter(params.iter().map(Param));
        if stmt.column_count() == 0 {
            let affected = stmt.execute(params).map_err(map_err)? as u64;
            return Ok(Output::Exec(ExecResult {
                affected,
                insert_id: Some(conn.last_insert_rowid()),
            }));
        }
        let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
        let n = columns.len();
        let mut rows_out = Vec::new();
        let mut rows = stmt.query(params).map_err(map_err)?;
        while let Some(row) = rows.next().map_err(map_err)? {
            let mut r = Vec::with_capacity(n);
            for i in 0..n {
                r.push(value_of(row.get_ref(i).map_err(map_err)?));
            }
            rows_out.push(r);
        }
        Ok(Output::Rows(Rows {
            columns,
            rows: rows_out,
            forms: Vec::new(),
        }))
    }

    fn run_rows(
        &mut self,
        sql: &str,
        params: &[Value],
        width: usize,
    ) -> std::result::Result<u64, (usize, Error)> {
        let conn = self.conn().map_err(|e| (0, e))?;
        let mut stmt = conn.prepare_cached(sql).map_err(|e| (0, map_err(e)))?;
        let mut affected = 0;
        for (i, row) in params.chunks(width.max(1)).enumerate() {
            affected += stmt
                .execute(params_from_iter(row.iter().map(Param)))
                .map_err(|e| (i, map_err(e)))? as u64;
        }
        Ok(affected)
    }

    /// A rowid table assigns the rows of one statement consecutive rowids; only a trigger could
    /// insert into the table in between, so tables with triggers keep `returning`.
    fn sequential_insert_keys(&mut self, table: &str) -> Result<bool> {
        let conn = self.conn()?;
        let mut stmt = conn
            .prepare_cached(
                "select (select count(*) from sqlite_master where type = 'trigger' and tbl_name = ?1) \
                 + (select count(*) from sqlite_temp_master where type = 'trigger' and tbl_name = ?1)",
            )
            .map_err(map_err)?;
        let triggers: i64 = stmt.query_row([table], |r| r.get(0)).map_err(map_err)?;
        Ok(triggers == 0)
    }

    fn open_cursor(&mut self, sql: &str, params: &[Value]) -> Result<(u32, Vec<String>)> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare(sql).map_err(map_err)?;
        for (i, p) in params.iter().enumerate() {
            stmt.raw_bind_parameter(i + 1, Param(p)).map_err(map_err)?;
        }
        let columns = stmt.column_names().iter().map(|c| c.to_string()).collect();
        // SAFETY: the statement borrows the boxed connection, whose address never changes; every
        // cursor is dropped before the connection (field order, `close`), so the borrow it
        // holds never dangles.
        let stmt: Statement<'static> = unsafe { std::mem::transmute(stmt) };
        self.next_cursor += 1;
        self.cursors.insert(self.next_cursor, stmt);
        Ok((self.next_cursor, columns))
    }

    fn next_rows(&mut self, cursor: u32, max: usize) -> Result<Vec<Vec<Value>>> {
        let stmt = self.cursors.get_mut(&cursor).ok_or_else(|| {
            Error::new(ErrorKind::Driver, format!("The cursor {cursor} is closed"))
        })?;
        let n = stmt.column_count();
        let mut out = Vec::new();
        let mut rows = stmt.raw_query();
        let mut failed = None;
        while out.len() < max {
            match rows.next() {
                Ok(Some(row)) => {
                    let mut r = Vec::with_capacity(n);
                    for i in 0..n {
                        match row.get_ref(i) {
                            Ok(v) => r.push(value_of(v)),
                            Err(e) => failed = Some(map_err(e)),
                        }
                    }
                    out.push(r);
                }
                Ok(None) => break,
                Err(e) => {
                    failed = Some(map_err(e));
                    break;
                }
            }
            if failed.is_some() {
                break;
            }
        }
        // Dropping `Rows` would reset the statement to its first row: the cursor keeps its place.
        std::mem::forget(rows);
        if let Some(e) = failed {
            self.cursors.remove(&cursor);
            return Err(e);
        }
        if out.len() < max {
            self.cursors.remove(&cursor);
        }
        Ok(out)
    }

    fn close_cursor(&mut self, cursor: u32) {
        self.cursors.remove(&cursor);
    }

    fn load_extension(&mut self, path: &str, entry: Option<&str>) -> Result<()> {
        let conn = self.conn()?;
        // SAFETY: loading an extension runs its native code; the user asked for it by path.
        unsafe {
            let _guard = rusqlite::LoadExtensionGuard::new(conn).map_err(map_err)?;
            conn.load_extension(path, entry).map_err(map_err)
        }
    }

    fn close(&mut self) -> Result<()> {
        self.cursors.clear();
        if let Some(c) = self.conn.take() {
            (*c).close().map_err(|(_, e)| map_err(e))?;
        }
        Ok(())
    }
}
