//! MySQL and MariaDB through sqlx (prepared statements, binary rows), read back as mysql2 gives
//! them to MikroORM: `supportBigNumbers` (a bigint is a number while it is safe, else text),
//! `dateStrings` (dates and times as text), decimals as text, `tinyint(1)` as a number.

use sqlx::mysql::{MySqlArguments, MySqlConnectOptions, MySqlConnection, MySqlRow};
use sqlx::{Arguments, Column, Connection as _, Executor, Row, TypeInfo, ValueRef};

use super::server::{
    connect_error, forward_rows, parse_client_url, send_columns, several_statements,
    split_statements, Backend, ServerOptions,
};
use super::{ExecResult, Output, RawForm, Rows};
use engine::{Error, ErrorKind, Result, Value};

pub struct MyBackend;

impl Backend for MyBackend {
    type Conn = MySqlConnection;
    const NAME: &'static str = "MySQL";
    const INSERT_ID_IS_FIRST: bool = true;

    async fn connect(opts: &ServerOptions) -> Result<(MySqlConnectOptions, MySqlConnection)> {
        let mut connect = match &opts.client_url {
            Some(url) => parse_client_url::<MySqlConnectOptions>(url)?,
            None => MySqlConnectOptions::new(),
        };
        if let Some(h) = &opts.host {
            connect = connect.host(h);
        }
        if let Some(p) = opts.port {
            connect = connect.port(p);
        }
        connect = connect.username(opts.user.as_deref().unwrap_or("root"));
        // An empty password is none (as mysql2 takes it).
        if let Some(p) = opts.password.as_ref().filter(|p| !p.is_empty()) {
            connect = connect.password(p);
        }
        if let Some(d) = &opts.db_name {
            connect = connect.database(d);
        }
        // The session as mysql2 leaves it: no `PIPES_AS_CONCAT`, the server's sql_mode and time zone.
        connect = connect
            .pipes_as_concat(false)
            .no_engine_substitution(false)
            .timezone(None);
        let target = (
            connect.get_host(),
            connect.get_port(),
            connect.get_database(),
            connect.get_username(),
        );
        let first = MySqlConnection::connect_with(&connect)
            .await
            .map_err(|e| connect_error(Self::NAME, target, map_err(e)))?;
        Ok((connect, first))
    }

    async fn run_on(conn: &mut MySqlConnection, sql: &str, params: &[Value]) -> Result<Output> {
        run_on(conn, sql, params).await
    }

    async fn stream_on(
        conn: &mut MySqlConnection,
        sql: &str,
        params: &[Value],
        columns: tokio::sync::oneshot::Sender<Result<Vec<String>>>,
        rows: tokio::sync::mpsc::Sender<Result<Vec<Value>>>,
    ) {
        let prepared = match bind(params) {
            Ok(args) => (&mut *conn)
                .prepare(sql)
                .await
                .map_err(map_err)
                .map(|stmt| {
                    let names = sqlx::Statement::columns(&stmt)
                        .iter()
                        .map(|c| c.name().to_string())
                        .collect();
                    (names, args)
                }),
            Err(e) => Err(e),
        };
        let Some(args) = send_columns(columns, prepared) else {
            return;
        };
        let stream = sqlx::query_with(sql, args).fetch(&mut *conn);
        forward_rows(
            stream,
            |r| r.map_err(map_err).and_then(|r| decode_row(&r)),
            rows,
        )
        .await;
    }
}

async fn run_on(conn: &mut MySqlConnection, sql: &str, params: &[Value]) -> Result<Output> {
    if params.is_empty() && several_statements(sql) {
        // A schema group: sent as text, statement after statement (no `multipleStatements`
        // needed, as in MikroORM's schema runner).
        let mut affected = 0;
        for stmt in split_statements(sql) {
            let done = (&mut *conn).execute(stmt).await.map_err(map_err)?;
            affected += done.rows_affected();
        }
        return Ok(Output::Exec(ExecResult {
            affected,
            insert_id: None,
        }));
    }
    let args = bind(params)?;
    let stmt = match (&mut *conn).prepare(sql).await {
        Ok(stmt) => stmt,
        // A statement the server cannot prepare (ER_UNSUPPORTED_PS) goes as text.
        Err(sqlx::Error::Database(db))
            if params.is_empty()
                && db
                    .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                    .is_some_and(|m| m.number() == 1295) =>
        {
            let done = (&mut *conn).execute(sql).await.map_err(map_err)?;
            return Ok(Output::Exec(ExecResult {
                affected: done.rows_affected(),
                insert_id: None,
            }));
        }
        Err(e) => return Err(map_err(e)),
    };
    let columns: Vec<String> = sqlx::Statement::columns(&stmt)
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    // MySQL's JSON columns are given parsed in raw results, as mysql2 gives them (MariaDB's
    // JSON is longtext: without its extended metadata it stays text).
    let forms = sqlx::Statement::columns(&stmt)
        .iter()
        .map(|c| match c.type_info().name() {
            "JSON" => RawForm::Json,
            _ => RawForm::AsDecoded,
        })
        .collect();
    if columns.is_empty() {
        let done = sqlx::query_with(sql, args)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        let id = done.last_insert_id();
        return Ok(Output::Exec(ExecResult {
            affected: done.rows_affected(),
            insert_id: (id > 0).then_some(id as i64),
        }));
    }
    let rows = sqlx::query_with(sql, args)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(decode_row(row)?);
    }
    Ok(Output::Rows(Rows {
        columns,
        rows: out,
        forms,
    }))
}

/// The parameters as arguments.
fn bind(params: &[Value]) -> Result<MySqlArguments> {
    let mut args = MySqlArguments::default();
    for v in params {
        let res = match v {
            Value::Null => args.add(None::<i64>),
            Value::Bool(b) => args.add(*b),
            Value::Int(i) => args.add(*i),
            Value::Real(f) => args.add(*f),
            Value::Text(t) => args.add(t.as_str()),
            Value::Blob(b) => args.add(b.as_slice()),
        };
        res.map_err(|e| Error::new(ErrorKind::Driver, e.to_string()))?;
    }
    Ok(args)
}

fn decode_row(row: &MySqlRow) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        out.push(decode(row, i)?);
    }
    Ok(out)
}

/// A column value as mysql2 reads it for MikroORM.
fn decode(row: &MySqlRow, i: usize) -> Result<Value> {
    let raw = row.try_get_raw(i).map_err(map_err)?;
    if raw.is_null() {
        return Ok(Value::Null);
    }
    let ty = raw.type_info();
    let name = ty.name();
    let get_err = |e: sqlx::Error| Error::new(ErrorKind::Driver, e.to_string());
    Ok(match name {
        "BOOLEAN" | "TINYINT" | "SMALLINT" | "MEDIUMINT" | "INT" | "YEAR" | "TINYINT UNSIGNED"
        | "SMALLINT UNSIGNED" | "MEDIUMINT UNSIGNED" | "INT UNSIGNED" => {
            Value::Int(row.try_get_unchecked::<i64, _>(i).map_err(get_err)?)
        }
        // `supportBigNumbers`: a number while it is exact in JS, else its digits.
        "BIGINT" => safe_int(row.try_get_unchecked::<i64, _>(i).map_err(get_err)? as i128),
        "BIGINT UNSIGNED" => safe_int(row.try_get_unchecked::<u64, _>(i).map_err(get_err)? as i128),
        // As the JS drivers read it: 3.14, not the f32 widened to 3.140000104904175.
        "FLOAT" => Value::Real(engine::value::f32_as_shown(
            row.try_get_unchecked::<f32, _>(i).map_err(get_err)?,
        )),
        "DOUBLE" => Value::Real(row.try_get_unchecked::<f64, _>(i).map_err(get_err)?),
        "DECIMAL" => Value::Text(row.try_get_unchecked::<String, _>(i).map_err(get_err)?),
        "DATE" | "DATETIME" | "TIMESTAMP" | "TIME" => {
            let b = row.try_get_unchecked::<&[u8], _>(i).map_err(get_err)?;
            Value::Text(if name == "TIME" {
                time_text(b)
            } else {
                datetime_text(b, name == "DATE")
            })
        }
        "BIT" => Value::Int(row.try_get_unchecked::<u64, _>(i).map_err(get_err)? as i64),
        // A `_bin` collation (MariaDB's JSON) sets the binary flag too: text that is UTF-8 is
        // read as text; the engine turns it back into bytes for blob properties.
        "BINARY" | "VARBINARY" | "TINYBLOB" | "BLOB" | "MEDIUMBLOB" | "LONGBLOB" | "GEOMETRY" => {
            let bytes = row.try_get_unchecked::<Vec<u8>, _>(i).map_err(get_err)?;
            match String::from_utf8(bytes) {
                Ok(s) => Value::Text(s),
                Err(e) => Value::Blob(e.into_bytes()),
            }
        }
        _ => Value::Text(row.try_get_unchecked::<String, _>(i).map_err(get_err)?),
    })
}

fn safe_int(i: i128) -> Value {
    const MAX_SAFE: i128 = 9_007_199_254_740_991;
    if (-MAX_SAFE..=MAX_SAFE).contains(&i) {
        Value::Int(i as i64)
    } else {
        Value::Text(i.to_string())
    }
}

/// A binary DATE/DATETIME value (its length byte first) as `YYYY-MM-DD[ HH:MM:SS[.ffffff]]`.
fn datetime_text(b: &[u8], date_only: bool) -> String {
    let len = b.first().copied().unwrap_or(0) as usize;
    let byte = |n: usize| b.get(n).copied().unwrap_or(0);
    let year = u16::from_le_bytes([byte(1), byte(2)]);
    let mut s = format!("{year:04}-{:02}-{:02}", byte(3), byte(4));
    if date_only {
        return s;
    }
    s.push_str(&format!(" {:02}:{:02}:{:02}", byte(5), byte(6), byte(7)));
    if len >= 11 {
        let us = u32::from_le_bytes([byte(8), byte(9), byte(10), byte(11)]);
        push_fraction(&mut s, us);
    }
    s
}

/// A binary TIME value as `[-]HH:MM:SS[.ffffff]`.
fn time_text(b: &[u8]) -> String {
    let len = b.first().copied().unwrap_or(0) as usize;
    let byte = |n: usize| b.get(n).copied().unwrap_or(0);
    if len == 0 {
        return "00:00:00".into();
    }
    let neg = byte(1) == 1;
    let days = u32::from_le_bytes([byte(2), byte(3), byte(4), byte(5)]);
    let hours = days * 24 + byte(6) as u32;
    let mut s = format!(
        "{}{hours:02}:{:02}:{:02}",
        if neg { "-" } else { "" },
        byte(7),
        byte(8)
    );
    if len >= 12 {
        push_fraction(
            &mut s,
            u32::from_le_bytes([byte(9), byte(10), byte(11), byte(12)]),
        );
    }
    s
}

/// `.fff` (or `.ffffff` when the microseconds need it); nothing for zero.
fn push_fraction(s: &mut String, us: u32) {
    if us == 0 {
    } else if us.is_multiple_of(1000) {
        s.push_str(&format!(".{:03}", us / 1000));
    } else {
        s.push_str(&format!(".{us:06}"));
    }
}

/// sqlx errors as the engine's kinds, by MySQL error number; `code` is mysql2's name for it.
pub fn map_err(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Database(db) => {
            let my = db.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>();
            let number = my.map(|m| m.number()).unwrap_or(0);
            let sql_state = my.and_then(|m| m.code()).map(str::to_string);
            let (kind, code) = match number {
                1062 | 1586 => (ErrorKind::UniqueConstraintViolation, "ER_DUP_ENTRY"),
                1451 => (
                    ErrorKind::ForeignKeyConstraintViolation,
                    "ER_ROW_IS_REFERENCED_2",
                ),
                1452 => (
                    ErrorKind::ForeignKeyConstraintViolation,
                    "ER_NO_REFERENCED_ROW_2",
                ),
                1048 => (ErrorKind::NotNullConstraintViolation, "ER_BAD_NULL_ERROR"),
                1364 => (
                    ErrorKind::NotNullConstraintViolation,
                    "ER_NO_DEFAULT_FOR_FIELD",
                ),
                1213 => (ErrorKind::Deadlock, "ER_LOCK_DEADLOCK"),
                1205 => (ErrorKind::LockWaitTimeout, "ER_LOCK_WAIT_TIMEOUT"),
                1146 => (ErrorKind::TableNotFound, "ER_NO_SUCH_TABLE"),
                1050 => (ErrorKind::TableExists, "ER_TABLE_EXISTS_ERROR"),
                1054 => (ErrorKind::InvalidFieldName, "ER_BAD_FIELD_ERROR"),
                1052 => (ErrorKind::Driver, "ER_NON_UNIQ_ERROR"),
                1064 => (ErrorKind::SyntaxError, "ER_PARSE_ERROR"),
                1049 => (ErrorKind::ConnectionError, "ER_BAD_DB_ERROR"),
                1045 => (ErrorKind::ConnectionError, "ER_ACCESS_DENIED_ERROR"),
                1044 => (ErrorKind::ConnectionError, "ER_DBACCESS_DENIED_ERROR"),
                _ => (ErrorKind::Driver, ""),
            };
            Error {
                kind,
                message: db.message().to_string(),
                code: Some(if code.is_empty() {
                    number.to_string()
                } else {
                    code.to_string()
                }),
                sql: None,
                server: Some(Box::new(engine::error::ServerCode {
                    errno: number as i64,
                    sql_state,
                })),
            }
        }
        sqlx::Error::Io(io) => Error::new(ErrorKind::ConnectionError, io.to_string()),
        other => Error::new(ErrorKind::Driver, other.to_string()),
    }
}
