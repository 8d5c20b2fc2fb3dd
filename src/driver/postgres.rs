//! PostgreSQL through sqlx: a pool, parameters typed as node-pg leaves them to the server, rows
//! decoded from the binary protocol.
//!
//! sqlx sends parameters in binary only. To give PostgreSQL's own type inference the last word
//! (as node-pg's untyped text parameters do), a statement is first described with unspecified
//! parameter types; each value is then encoded in binary for the inferred type where that is
//! exact (booleans, integers, floats, text, JSON, bytea), and otherwise sent as text with the
//! placeholder cast (`$1::text::timestamptz`), so the server parses it with the type's own input.

use sqlx::encode::IsNull;
use sqlx::error::BoxDynError;
use sqlx::postgres::PgConnection;
use sqlx::postgres::{
    PgArgumentBuffer, PgArguments, PgConnectOptions, PgRow, PgTypeInfo, PgTypeKind, PgValueRef,
};
use sqlx::{
    Arguments, Column, Connection as _, Encode, Executor, Postgres, Row, Statement, Type, TypeInfo,
    ValueRef,
};

use super::server::{
    connect_error, forward_rows, parse_client_url, send_columns, several_statements, Backend,
    ServerOptions,
};
use super::{ExecResult, Output, RawForm, Rows};
use engine::{Error, ErrorKind, Result, Value};

/// PostgreSQL through sqlx.
pub struct PgBackend;

/// A parameter already encoded for its inferred type (`None`: NULL), sent as type "unspecified".
struct Encoded(Option<Vec<u8>>);

const UNSPECIFIED: PgTypeInfo = PgTypeInfo::with_oid(sqlx::postgres::types::Oid(0));

impl Type<Postgres> for Encoded {
    fn type_info() -> PgTypeInfo {
        UNSPECIFIED
    }
}

impl Encode<'_, Postgres> for Encoded {
    fn encode_by_ref(
        &self,
        buf: &mut PgArgumentBuffer,
    ) -> std::result::Result<IsNull, BoxDynError> {
        match &self.0 {
            None => Ok(IsNull::Yes),
            Some(bytes) => {
                buf.extend_from_slice(bytes);
                Ok(IsNull::No)
            }
        }
    }
}

impl Backend for PgBackend {
    type Conn = PgConnection;
    const NAME: &'static str = "PostgreSQL";
    const INSERT_ID_IS_FIRST: bool = false;

    async fn connect(opts: &ServerOptions) -> Result<(PgConnectOptions, PgConnection)> {
        let mut connect = match &opts.client_url {
            Some(url) => parse_client_url::<PgConnectOptions>(url)?,
            None => PgConnectOptions::new_without_pgpass(),
        };
        if let Some(h) = &opts.host {
            connect = connect.host(h);
        }
        if let Some(p) = opts.port {
            connect = connect.port(p);
        }
        if let Some(u) = &opts.user {
            connect = connect.username(u);
        }
        if let Some(p) = &opts.password {
            connect = connect.password(p);
        }
        if let Some(d) = &opts.db_name {
            connect = connect.database(d);
        }
        let target = (
            connect.get_host(),
            connect.get_port(),
            connect.get_database(),
            connect.get_username(),
        );
        let first = sqlx::PgConnection::connect_with(&connect)
            .await
            .map_err(|e| connect_error(Self::NAME, target, map_err(e)))?;
        Ok((connect, first))
    }

    async fn run_on(conn: &mut PgConnection, sql: &str, params: &[Value]) -> Result<Output> {
        run_on(conn, sql, params).await
    }

    async fn stream_on(
        conn: &mut PgConnection,
        sql: &str,
        params: &[Value],
        columns: tokio::sync::oneshot::Sender<Result<Vec<String>>>,
        rows: tokio::sync::mpsc::Sender<Result<Vec<Value>>>,
    ) {
        let bound = bind(conn, sql, params)
            .await
            .map(|(final_sql, args, names)| (names, (final_sql, args)));
        let Some((final_sql, args)) = send_columns(columns, bound) else {
            return;
        };
        let stream = sqlx::query_with(&final_sql, args).fetch(&mut *conn);
        forward_rows(
            stream,
            |r| r.map_err(map_err).and_then(|r| decode_row(&r)),
            rows,
        )
        .await;
    }
}

/// Runs one statement on `conn`.
async fn run_on(conn: &mut PgConnection, sql: &str, params: &[Value]) -> Result<Output> {
    // Several statements (a schema group) go by the simple protocol, as node-pg sends them.
    if params.is_empty() && several_statements(sql) {
        // Without arguments sqlx sends the text by the simple protocol.
        let done = (&mut *conn).execute(sql).await.map_err(map_err)?;
        return Ok(Output::Exec(ExecResult {
            affected: done.rows_affected(),
            insert_id: None,
        }));
    }
    let (final_sql, args, columns) = bind(conn, sql, params).await?;
    let returns_rows = !columns.is_empty();
    if !returns_rows {
        let done = sqlx::query_with(&final_sql, args)
            .execute(&mut *conn)
            .await
            .map_err(map_err)?;
        return Ok(Output::Exec(ExecResult {
            affected: done.rows_affected(),
            insert_id: None,
        }));
    }
    let rows = sqlx::query_with(&final_sql, args)
        .fetch_all(&mut *conn)
        .await
        .map_err(map_err)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in &rows {
        out.push(decode_row(row)?);
    }
    let forms = rows.first().map_or_else(Vec::new, raw_forms);
    Ok(Output::Rows(Rows {
        columns,
        rows: out,
        forms,
    }))
}

/// The statement as it is sent (`$n` placeholders, casts where a value goes as text), its
/// arguments encoded for the types the server inferred, and its result columns.
async fn bind(
    conn: &mut PgConnection,
    sql: &str,
    params: &[Value],
) -> Result<(String, PgArguments, Vec<String>)> {
    let numbered = number_placeholders(sql, params.len())?;
    let unspecified = vec![UNSPECIFIED; params.len()];
    // Described once per connection (sqlx caches the statement): the inferred parameter types.
    let (types, columns): (Vec<PgTypeInfo>, Vec<String>) = {
        let stmt = (&mut *conn)
            .prepare_with(&numbered, &unspecified)
            .await
            .map_err(map_err)?;
        let types = match stmt.parameters() {
            Some(sqlx::Either::Left(types)) => types.to_vec(),
            _ => Vec::new(),
        };
        (
            types,
            stmt.columns()
                .iter()
                .map(|c| c.name().to_string())
                .collect(),
        )
    };
    let mut args = PgArguments::default();
    let mut casts: Vec<Option<String>> = Vec::with_capacity(params.len());
    for (i, v) in params.iter().enumerate() {
        let (bytes, cast) = encode(v, types.get(i));
        args.add(Encoded(bytes))
            .map_err(|e| Error::new(ErrorKind::Driver, e.to_string()))?;
        casts.push(cast);
    }
    let final_sql = if casts.iter().any(Option::is_some) {
        number_placeholders_with(sql, &casts)?
    } else {
        numbered
    };
    Ok((final_sql, args, columns))
}

/// `?` → `$1`, `$2`, … outside quoted text; `\?` stays a literal `?` (PostgreSQL's JSON
/// operators).
fn number_placeholders(sql: &str, count: usize) -> Result<String> {
    number_placeholders_with(sql, &vec![None; count])
}

/// Like `number_placeholders`, with `$n::text::<type>` where a parameter goes as text.
fn number_placeholders_with(sql: &str, casts: &[Option<String>]) -> Result<String> {
    let mut out = String::with_capacity(sql.len() + casts.len() * 3);
    let mut n = 0usize;
    let mut quote: Option<char> = None;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                out.push(c);
            }
            '\\' if chars.peek() == Some(&'?') => {
                chars.next();
                out.push('?');
            }
            '?' => {
                let Some(cast) = casts.get(n) else {
                    return Err(Error::validation(format!(
                        "The statement has more placeholders than its {} parameters: {sql}",
                        casts.len()
                    )));
                };
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
                if let Some(ty) = cast {
                    out.push_str("::text::");
                    out.push_str(ty);
                }
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// A value's bytes for the parameter type the server inferred, or its text with a cast.
fn encode(v: &Value, ty: Option<&PgTypeInfo>) -> (Option<Vec<u8>>, Option<String>) {
    let name = ty.map(|t| t.name()).unwrap_or_default();
    let binary = match (v, name) {
        (Value::Null, _) => return (None, None),
        (Value::Bool(b), "BOOL") => Some(vec![*b as u8]),
        (Value::Int(i), "INT2") => i16::try_from(*i).ok().map(|i| i.to_be_bytes().to_vec()),
        (Value::Int(i), "INT4") => i32::try_from(*i).ok().map(|i| i.to_be_bytes().to_vec()),
        (Value::Int(i), "INT8") => Some(i.to_be_bytes().to_vec()),
        (Value::Int(i), "FLOAT8") => Some((*i as f64).to_be_bytes().to_vec()),
        (Value::Real(f), "FLOAT8") => Some(f.to_be_bytes().to_vec()),
        (Value::Real(f), "FLOAT4") => Some((*f as f32).to_be_bytes().to_vec()),
        (Value::Blob(b), "BYTEA") => Some(b.clone()),
        (
            Value::Text(t),
            "TEXT" | "VARCHAR" | "BPCHAR" | "CHAR" | "NAME" | "JSON" | "UNKNOWN" | "",
        ) => Some(t.as_bytes().to_vec()),
        (Value::Text(t), "JSONB") => {
            let mut b = vec![1u8];
            b.extend_from_slice(t.as_bytes());
            Some(b)
        }
        _ => None,
    };
    if let Some(b) = binary {
        return (Some(b), None);
    }
    let text = match v {
        Value::Null => return (None, None),
        Value::Bool(b) => b.to_string(),
        Value::Int(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => {
            let mut s = String::from("\\x");
            for byte in b {
                s.push_str(&format!("{byte:02x}"));
            }
            s
        }
    };
    let cast = ty.map(cast_name).filter(|n| !n.is_empty() && n != "TEXT");
    (Some(text.into_bytes()), cast)
}

/// The type to cast a text parameter to (`TIMESTAMPTZ`, `INT4[]`, an enum's quoted name).
fn cast_name(ty: &PgTypeInfo) -> String {
    let name = ty.name();
    match ty.kind() {
        PgTypeKind::Enum(_) => format!("\"{}\"", name.replace('"', "\"\"")),
        _ => name.to_string(),
    }
}

fn decode_row(row: &PgRow) -> Result<Vec<Value>> {
    let mut out = Vec::with_capacity(row.len());
    for i in 0..row.len() {
        let raw = row.try_get_raw(i).map_err(map_err)?;
        out.push(decode(raw)?);
    }
    Ok(out)
}

/// How each column of `row` is given in a raw result: JSON parsed, timestamps as text and string
/// arrays as arrays, as node-pg gives them under MikroORM.
fn raw_forms(row: &PgRow) -> Vec<RawForm> {
    row.columns()
        .iter()
        .map(|c| match c.type_info().name() {
            "JSON" | "JSONB" => RawForm::Json,
            "TIMESTAMPTZ" => RawForm::TimestampTz,
            "TIMESTAMP" => RawForm::Timestamp,
            "TEXT[]" | "VARCHAR[]" | "BPCHAR[]" | "CHAR[]" | "NAME[]" => RawForm::TextArray,
            _ => RawForm::AsDecoded,
        })
        .collect()
}

/// A column value from its binary form.
fn decode(raw: PgValueRef<'_>) -> Result<Value> {
    if raw.is_null() {
        return Ok(Value::Null);
    }
    // Built-in type names come upper-case from sqlx ("INT4"); enums keep their own.
    let ty = raw.type_info();
    let bytes = raw
        .as_bytes()
        .map_err(|e| Error::new(ErrorKind::Driver, e.to_string()))?;
    let name = ty.name();
    let be = |n: usize| -> Result<&[u8]> {
        bytes
            .get(..n)
            .ok_or_else(|| Error::new(ErrorKind::Driver, format!("Short {name} value")))
    };
    Ok(match name {
        "BOOL" => Value::Bool(bytes.first() == Some(&1)),
        "INT2" => Value::Int(i16::from_be_bytes(be(2)?.try_into().unwrap_or_default()) as i64),
        "INT4" => Value::Int(i32::from_be_bytes(be(4)?.try_into().unwrap_or_default()) as i64),
        "OID" => Value::Int(u32::from_be_bytes(be(4)?.try_into().unwrap_or_default()) as i64),
        // As node-pg: a bigint is text, so no digit is lost to a JS number.
        "INT8" => {
            Value::Text(i64::from_be_bytes(be(8)?.try_into().unwrap_or_default()).to_string())
        }
        // As node-pg reads its text: 3.14, not the f32 widened to 3.140000104904175.
        "FLOAT4" => Value::Real(engine::value::f32_as_shown(f32::from_be_bytes(
            be(4)?.try_into().unwrap_or_default(),
        ))),
        "FLOAT8" => Value::Real(f64::from_be_bytes(be(8)?.try_into().unwrap_or_default())),
        "TEXT" | "VARCHAR" | "BPCHAR" | "CHAR" | "NAME" | "JSON" | "UNKNOWN" | "CITEXT" => {
            Value::Text(String::from_utf8_lossy(bytes).into_owned())
        }
        "JSONB" => {
            Value::Text(String::from_utf8_lossy(bytes.get(1..).unwrap_or_default()).into_owned())
        }
        "BYTEA" => Value::Blob(bytes.to_vec()),
        // `select pg_sleep(1)`: node-pg reads a void as an empty string.
        "VOID" => Value::Text(String::new()),
        "UUID" => Value::Text(uuid_text(be(16)?)),
        "NUMERIC" => Value::Text(numeric_text(bytes)?),
        // Microseconds since 2000-01-01: milliseconds since the Unix epoch, as JS dates take them.
        "TIMESTAMPTZ" | "TIMESTAMP" => {
            let us = i64::from_be_bytes(be(8)?.try_into().unwrap_or_default());
            Value::Int(us.div_euclid(1000) + 946_684_800_000)
        }
        // Microseconds since midnight, as PostgreSQL writes the time (node-pg gives that text).
        "TIME" => Value::Text(time_text(i64::from_be_bytes(
            be(8)?.try_into().unwrap_or_default(),
        ))),
        "DATE" => {
            let days = i32::from_be_bytes(be(4)?.try_into().unwrap_or_default());
            Value::Text(date_text(days as i64 + 10_957))
        }
        // A native string array, as its literal (`{a,"b,c"}`), which is what it compares as.
        "TEXT[]" | "VARCHAR[]" | "BPCHAR[]" | "CHAR[]" | "NAME[]" => {
            Value::Text(text_array_literal(bytes)?)
        }
        _ if matches!(ty.kind(), PgTypeKind::Enum(_)) => {
            Value::Text(String::from_utf8_lossy(bytes).into_owned())
        }
        other => {
            return Err(Error::not_implemented(format!(
                "reading PostgreSQL values of type {other}"
            )))
        }
    })
}

/// `HH:MM:SS[.f…]` from microseconds since midnight (no trailing zeros in the fraction).
fn time_text(us: i64) -> String {
    let (secs, frac) = (us.div_euclid(1_000_000), us.rem_euclid(1_000_000));
    let mut text = format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    if frac > 0 {
        text.push_str(format!(".{frac:06}").trim_end_matches('0'));
    }
    text
}

/// A one-dimensional text array from its binary form (dimensions, flags, element type, then
/// length-prefixed elements; -1 for a null) as its literal.
fn text_array_literal(bytes: &[u8]) -> Result<String> {
    let short = || Error::new(ErrorKind::Driver, "Short array value");
    let int = |at: usize| -> Result<i32> {
        let b = bytes.get(at..at + 4).ok_or_else(short)?;
        Ok(i32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let dims = int(0)?;
    if dims == 0 {
        return Ok("{}".to_string());
    }
    if dims != 1 {
        return Err(Error::not_implemented(
            "reading PostgreSQL arrays of more than one dimension",
        ));
    }
    let count = int(12)?.max(0) as usize;
    let mut at = 20;
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        let len = int(at)?;
        at += 4;
        // A null element is written NULL (unquoted), as PostgreSQL does.
        if len < 0 {
            parts.push("NULL".to_string());
            continue;
        }
        let end = at + len as usize;
        let item = String::from_utf8_lossy(bytes.get(at..end).ok_or_else(short)?).into_owned();
        parts.push(engine::dialect::array_elements(&[item]));
        at = end;
    }
    Ok(format!("{{{}}}", parts.join(",")))
}

fn uuid_text(b: &[u8]) -> String {
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// `YYYY-MM-DD` of a day count since 1970-01-01.
fn date_text(days: i64) -> String {
    let mut s = engine::time::format_iso_datetime(days * 86_400_000);
    s.truncate(10);
    s
}

/// A `numeric` in its binary form (base-10000 digits) as decimal text.
fn numeric_text(b: &[u8]) -> Result<String> {
    let short = || Error::new(ErrorKind::Driver, "Short numeric value");
    let word = |i: usize| -> Result<i16> {
        Ok(i16::from_be_bytes(
            b.get(i..i + 2)
                .ok_or_else(short)?
                .try_into()
                .unwrap_or_default(),
        ))
    };
    let ndigits = word(0)? as usize;
    let weight = word(2)? as i64;
    let sign = word(4)? as u16;
    let dscale = word(6)? as usize;
    match sign {
        0xC000 => return Ok("NaN".into()),
        0xD000 => return Ok("Infinity".into()),
        0xF000 => return Ok("-Infinity".into()),
        _ => {}
    }
    let digits: Vec<i64> = (0..ndigits)
        .map(|i| word(8 + i * 2).map(|d| d as i64))
        .collect::<Result<_>>()?;
    let mut int = String::new();
    for pos in 0..=weight.max(-1) {
        let d = digits.get(pos as usize).copied().unwrap_or(0);
        if int.is_empty() {
            int.push_str(&d.to_string());
        } else {
            int.push_str(&format!("{d:04}"));
        }
    }
    if int.is_empty() {
        int.push('0');
    }
    let mut frac = String::new();
    let mut pos = weight + 1;
    while frac.len() < dscale {
        let d = if pos >= 0 {
            digits.get(pos as usize).copied().unwrap_or(0)
        } else {
            0
        };
        frac.push_str(&format!("{d:04}"));
        pos += 1;
    }
    frac.truncate(dscale);
    let mut s = if sign == 0x4000 {
        String::from("-")
    } else {
        String::new()
    };
    s.push_str(&int);
    if dscale > 0 {
        s.push('.');
        s.push_str(&frac);
    }
    Ok(s)
}

/// sqlx errors as the engine's kinds, by SQLSTATE.
pub fn map_err(e: sqlx::Error) -> Error {
    match e {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.to_string());
            let kind = match code.as_deref() {
                Some("23505") => ErrorKind::UniqueConstraintViolation,
                Some("23503") => ErrorKind::ForeignKeyConstraintViolation,
                Some("23502") => ErrorKind::NotNullConstraintViolation,
                Some("40P01") => ErrorKind::Deadlock,
                Some("55P03") => ErrorKind::LockWaitTimeout,
                Some("42P01") => ErrorKind::TableNotFound,
                Some("42P07") => ErrorKind::TableExists,
                Some("42703") => ErrorKind::InvalidFieldName,
                Some("42601") => ErrorKind::SyntaxError,
                Some(c) if c.starts_with("08") => ErrorKind::ConnectionError,
                _ => ErrorKind::Driver,
            };
            // As MikroORM writes them: the server's detail and hint after the message.
            let mut message = db.message().to_string();
            if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
                for (label, text) in [("detail", pg.detail()), ("hint", pg.hint())] {
                    if let Some(t) = text.map(str::trim).filter(|t| !t.is_empty()) {
                        message.push_str(&format!("\n - {label}: {t}"));
                    }
                }
            }
            Error {
                kind,
                message,
                code,
                sql: None,
                server: None,
            }
        }
        sqlx::Error::Io(io) => Error::new(ErrorKind::ConnectionError, io.to_string()),
        other => Error::new(ErrorKind::Driver, other.to_string()),
    }
}
