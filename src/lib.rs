//! The napi addon: one `NativeOrm` per `MikroORM` instance, one `NativeUow` per `EntityManager`.
//! Every method is one crossing for one user operation; results go back as one JSON string.

mod driver;
#[cfg(any(feature = "postgresql", feature = "mysql"))]
mod eager;
mod encode;
mod exec;
#[cfg(any(feature = "postgresql", feature = "mysql"))]
mod server;
mod stream;

use std::sync::{Mutex, MutexGuard};

use napi::bindgen_prelude::ObjectFinalize;
use napi::{Env, Error as NapiError, Result as NapiResult, Status};
use napi_derive::napi;

use driver::{ConnectOptions, Connection, Output};
use engine::dialect::{dialect_for, Dialect};
use engine::meta::{EntityMeta, Metadata};
use engine::query::QueryKind;
use engine::shape::ShapeCache;
use engine::sql::format_sql;
use engine::time::Zone;
use engine::uow::{FlushInput, PlanOptions, StepKind, UnitOfWork};
use engine::value::Value;
use engine::{Error, ErrorKind};
use exec::{mode_of, Exec, LogLevel, LogMode};

/// Flushes and reads allocate many small values; glibc's allocator spent a quarter of a
/// 10,000-row update in `malloc`/`free`.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Engine errors cross as a JS `Error` whose message is a tagged JSON object; the TS layer
/// turns it into MikroORM's error class.
fn to_napi(e: Error) -> NapiError {
    to_napi_logged(e, "[]")
}

/// Like `to_napi`, carrying the log lines written before the failure.
fn to_napi_logged(e: Error, log: &str) -> NapiError {
    let mut s = String::from("\u{1}mikro-native:{\"log\":");
    s.push_str(log);
    s.push_str(",\"kind\":");
    engine::value::write_json_str(&mut s, e.kind.class_name());
    s.push_str(",\"message\":");
    engine::value::write_json_str(&mut s, &e.message);
    if let Some(code) = &e.code {
        s.push_str(",\"code\":");
        engine::value::write_json_str(&mut s, code);
    }
    if let Some(sql) = &e.sql {
        s.push_str(",\"sql\":");
        engine::value::write_json_str(&mut s, sql);
    }
    if let Some(server) = &e.server {
        s.push_str(&format!(",\"errno\":{}", server.errno));
        if let Some(state) = &server.sql_state {
            s.push_str(",\"sqlState\":");
            engine::value::write_json_str(&mut s, state);
        }
    }
    s.push('}');
    NapiError::new(Status::GenericFailure, s)
}

type R<T> = NapiResult<T>;

struct Session {
    conn: Option<Box<dyn Connection>>,
    tx_depth: u32,
}

#[napi]
pub struct NativeOrm {
    driver: String,
    meta: Metadata,
    dialect: Box<dyn Dialect>,
    opts: ConnectOptions,
    batch_size: usize,
    session: Mutex<Session>,
    streams: Mutex<stream::Streams>,
    shapes: Mutex<ShapeCache>,
}

/// Snapshots live in native memory that V8 cannot see: their size is reported with
/// `adjust_external_memory`, so dropped forks get collected instead of piling up.
#[napi(custom_finalize)]
pub struct NativeUow {
    uow: UnitOfWork,
    reported: i64,
}

impl NativeUow {
    fn sync_memory(&mut self, env: &Env) {
        let size = self.uow.approx_bytes() as i64;
        if size != self.reported && env.adjust_external_memory(size - self.reported).is_ok() {
            self.reported = size;
        }
    }
}

impl ObjectFinalize for NativeUow {
    fn finalize(self, env: Env) -> napi::Result<()> {
        if self.reported != 0 {
            env.adjust_external_memory(-self.reported)?;
        }
        Ok(())
    }
}

#[napi]
impl NativeUow {
    #[napi(constructor)]
    pub fn new() -> Self {
        NativeUow {
            uow: UnitOfWork::new(),
            reported: 0,
        }
    }

    #[napi]
    pub fn clear(&mut self, env: Env) {
        self.uow.clear();
        self.sync_memory(&env);
    }

    /// Takes over another unit of work's snapshots (forks with `clear: false`, and the parent
    /// after a committed `transactional()`).
    #[napi]
    pub fn copy_from(&mut self, env: Env, other: &NativeUow) {
        self.uow = other.uow.clone();
        self.sync_memory(&env);
    }
}

impl Default for NativeUow {
    fn default() -> Self {
        Self::new()
    }
}

fn parse<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> engine::Result<T> {
    serde_json::from_str(json).map_err(|e| Error::validation(format!("Invalid {what}: {e}")))
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct OrmOptions {
    db_name: String,
    #[serde(default = "default_batch")]
    batch_size: usize,
    /// The zone of zone-less datetime columns (`Z`, `±HH:MM`, `local`); UTC when absent.
    #[serde(default)]
    timezone: Option<String>,
}

fn default_batch() -> usize {
    300
}

impl NativeOrm {
    fn session(&self) -> engine::Result<MutexGuard<'_, Session>> {
        self.session
            .lock()
            .map_err(|_| Error::new(ErrorKind::Driver, "The connection lock is poisoned"))
    }

    /// Runs `f` on the connection; the result comes with the JSON log, and so does an error.
    fn with_conn<T>(
        &self,
        level: LogLevel,
        f: impl FnOnce(&mut Exec, &mut u32) -> engine::Result<T>,
    ) -> R<(T, String)> {
        let mut s = self.session().map_err(to_napi)?;
        if s.conn.is_none() {
            s.conn = Some(driver::connect(&self.driver, &self.opts).map_err(to_napi)?);
        }
        let Session { conn, tx_depth } = &mut *s;
        let Some(conn) = conn.as_deref_mut() else {
            return Err(to_napi(Error::new(
                ErrorKind::ConnectionError,
                "Not connected",
            )));
        };
        let mut ex = Exec {
            conn,
            dialect: self.dialect.as_ref(),
            level,
            log: String::new(),
        };
        match f(&mut ex, tx_depth) {
            Ok(out) => Ok((out, ex.log_json())),
            Err(e) => Err(to_napi_logged(e, &ex.log_json())),
        }
    }

    /// Entities among the flush's inserts with an autoincrement key.
    fn autoincrement_inserts(&self, input: &FlushInput) -> R<Vec<usize>> {
        let mut out = Vec::new();
        for ch in &input.entities {
            let entity = self.meta.entity(ch.entity).map_err(to_napi)?;
            if !ch.insert.is_empty() && entity.autoincrement_pk().is_some() {
                out.push(ch.entity);
            }
        }
        Ok(out)
    }

    /// Entities among the flush's inserts whose generated keys the connection can count back
    /// from the last insert id (see `Connection::sequential_insert_keys`).
    fn sequential_key_entities(&self, input: &FlushInput) -> R<Vec<usize>> {
        let mut tables = Vec::new();
        for id in self.autoincrement_inserts(input)? {
            let entity = self.meta.entity(id).map_err(to_napi)?;
            tables.push((id, entity.table_name.as_str()));
        }
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        let (out, _) = self.with_conn(0, |ex, _| {
            let mut out = Vec::new();
            for (entity, table) in tables {
                if ex.conn.sequential_insert_keys(table)? {
                    out.push(entity);
                }
            }
            Ok(out)
        })?;
        Ok(out)
    }

    /// Compiles a query through the shape cache.
    fn compile(&self, json: &str) -> engine::Result<engine::query::Compiled> {
        // A panic while the cache was held leaves it poisoned: it starts over empty.
        let mut cache = self.shapes.lock().unwrap_or_else(|e| {
            let mut c = e.into_inner();
            *c = ShapeCache::default();
            c
        });
        cache.compile(self.dialect.as_ref(), &self.meta, json)
    }

    /// Compiles an entity query and runs it: the compiled query, its entity, the output and log.
    fn run_entity_query(
        &self,
        query_json: &str,
        log: LogLevel,
        mode: LogMode,
    ) -> R<(engine::query::Compiled, &EntityMeta, Output, String)> {
        let c = self.compile(query_json).map_err(to_napi)?;
        let entity = self.meta.entity(c.entity).map_err(to_napi)?;
        let (out, log) = self.with_conn(log, |ex, _| ex.run(&c.sql.text, &c.sql.params, mode))?;
        Ok((c, entity, out, log))
    }

    /// An entity query's rows as the `find` answer (unterminated JSON object), registering each
    /// row's snapshot in `uow`.
    fn entity_answer(
        &self,
        uow: &mut NativeUow,
        c: &engine::query::Compiled,
        entity: &EntityMeta,
        mut rows: driver::Rows,
        refresh: bool,
    ) -> R<String> {
        // A reference whose target did not pass its filters reads as null.
        for (fk, key) in &c.filtered {
            encode::null_where_null(&mut rows, fk, key);
        }
        // Inverse one-to-one keys, one per root row.
        let mut inverse = String::new();
        for (name, column) in &c.inverse {
            let values: Vec<engine::Value> = match rows.columns.iter().position(|c| c == column) {
                Some(i) => rows.rows.iter().map(|r| r[i].clone()).collect(),
                None => Vec::new(),
            };
            inverse.push(if inverse.is_empty() { '{' } else { ',' });
            engine::value::write_json_str(&mut inverse, name);
            inverse.push(':');
            encode::values(&mut inverse, &values);
        }
        let mut joined = String::new();
        for j in &c.joined {
            let target = self.meta.entity(j.entity).map_err(to_napi)?;
            let sub = encode::joined_rows(&rows, &j.alias, target);
            joined.push_str(if joined.is_empty() { "[" } else { "," });
            let body = encode::entity_rows(self.dialect.as_ref(), target, sub, |snap| {
                uow.uow.register_loaded(target, j.entity, snap, refresh)
            });
            let pairs = j
                .owner_key
                .as_ref()
                .map(|owner| encode::pairs(&rows, owner, &j.alias, target))
                .unwrap_or_default();
            joined.push_str(&format!(
                "{{\"entity\":{},\"path\":{}{pairs},{}}}",
                j.entity,
                serde_json::to_string(&j.path).unwrap_or_default(),
                &body[1..]
            ));
        }
        let mut s = encode::entity_rows(self.dialect.as_ref(), entity, rows, |snap| {
            uow.uow.register_loaded(entity, c.entity, snap, refresh)
        });
        if !joined.is_empty() {
            s.push_str(",\"joined\":");
            s.push_str(&joined);
            s.push(']');
        }
        if !inverse.is_empty() {
            s.push_str(",\"inverse\":");
            s.push_str(&inverse);
            s.push('}');
        }
        if c.repeats_rows {
            s.push_str(",\"repeats\":true");
        }
        Ok(s)
    }
}

/// Entities whose flushed rows JS needs back (`onUpdate` values).
fn on_update_entities(input: &FlushInput) -> Vec<usize> {
    input
        .entities
        .iter()
        .filter(|e| !e.on_update.is_empty())
        .map(|e| e.entity)
        .collect()
}

impl NativeOrm {
    /// The engine's plan for a flush message (`row_updates`, `increment_keys`, `bulk`: see
    /// `PlanOptions`).
    fn plan_flush(
        &self,
        uow: &NativeUow,
        input: &FlushInput,
        row_updates: bool,
        increment_keys: &[usize],
        bulk: bool,
    ) -> R<engine::uow::FlushPlan> {
        uow.uow
            .plan(
                self.dialect.as_ref(),
                &self.meta,
                input,
                PlanOptions {
                    batch_size: self.batch_size,
                    row_updates,
                    increment_keys,
                    bulk,
                },
            )
            .map_err(to_napi)
    }

    /// A flush's answer: per entity the keys it inserted and, where JS needs them (`onUpdate`
    /// values, versions), the rows it updated; then the log.
    fn flush_answer(
        &self,
        applied: &[engine::uow::Applied],
        on_update: &[usize],
        log: &str,
    ) -> String {
        let mut s = String::from("{\"entities\":[");
        for (n, (entity, ids, updated)) in applied.iter().enumerate() {
            if n > 0 {
                s.push(',');
            }
            s.push_str(&format!("{{\"entity\":{entity},\"ids\":"));
            encode::values(&mut s, ids);
            let wanted = on_update.contains(entity)
                || self
                    .meta
                    .entity(*entity)
                    .is_ok_and(|m| m.version_prop().is_some());
            if wanted {
                s.push_str(&format!(",\"updated\":{updated:?}}}"));
            } else {
                s.push_str(",\"updated\":[]}");
            }
        }
        s.push_str("],\"log\":");
        s.push_str(log);
        s.push('}');
        s
    }
}

/// Closes an unterminated JSON object answer with its `log`.
fn with_log(mut s: String, log: &str) -> String {
    s.push_str(",\"log\":");
    s.push_str(log);
    s.push('}');
    s
}

fn flush_input(message: &str) -> R<FlushInput<'_>> {
    serde_json::from_str(message)
        .map_err(|e| to_napi(Error::validation(format!("Invalid flush message: {e}"))))
}

/// A versioned statement that missed rows means someone else changed them since they were loaded.
fn check_version(step: &engine::uow::Step, affected: u64) -> engine::Result<()> {
    match &step.expect {
        Some((n, entity)) if *n != affected => Err(Error::new(
            ErrorKind::OptimisticLock,
            format!("The optimistic lock on entity {entity} failed"),
        )),
        _ => Ok(()),
    }
}

/// The statement of a transaction operation at `depth` (savepoints below the outermost).
/// How `begin` opens a transaction (`em.transactional`'s `isolationLevel` and `readOnly`).
#[derive(Default, Clone, Copy)]
pub(crate) struct BeginOptions<'a> {
    pub isolation: Option<&'a str>,
    pub read_only: bool,
}

impl<'a> BeginOptions<'a> {
    pub fn new(isolation: Option<&'a str>, read_only: Option<bool>) -> engine::Result<Self> {
        if let Some(level) = isolation {
            if !engine::dialect::ISOLATION_LEVELS.contains(&level) {
                return Err(Error::validation(format!(
                    "Invalid transaction option isolationLevel '{level}': expected one of {}",
                    engine::dialect::ISOLATION_LEVELS
                        .map(|l| format!("'{l}'"))
                        .join(", ")
                )));
            }
        }
        Ok(BeginOptions {
            isolation,
            read_only: read_only.unwrap_or(false),
        })
    }
}

/// The statements of `begin`, `commit` or `rollback` at `depth` (savepoints below the outermost
/// level; the options apply to the outermost `begin` only, as in MikroORM).
pub(crate) fn tx_statements(
    dialect: &dyn Dialect,
    op: &str,
    depth: u32,
    begin: BeginOptions,
) -> Vec<String> {
    let savepoint = |prefix: &str, n: u32| {
        let mut s = String::from(prefix);
        dialect.quote_ident(&mut s, &format!("trx{n}"));
        s
    };
    vec![match (op, depth) {
        ("begin", 0) => return dialect.begin_with(begin.isolation, begin.read_only),
        ("begin", d) => savepoint("savepoint ", d),
        ("commit", 1) => dialect.commit_sql().into(),
        ("commit", d) => savepoint("release savepoint ", d - 1),
        ("rollback", 1) => dialect.rollback_sql().into(),
        (_, d) => savepoint("rollback to savepoint ", d - 1),
    }]
}

fn tx_step(ex: &mut Exec, depth: &mut u32, op: &str, begin: BeginOptions) -> engine::Result<()> {
    if op != "begin" && *depth == 0 {
        return Err(Error::validation(format!(
            "Cannot {op}: no transaction is active"
        )));
    }
    for sql in tx_statements(ex.dialect, op, *depth, begin) {
        ex.run(&sql, &[], LogMode::Bare)?;
    }
    if op == "begin" {
        *depth += 1;
    } else {
        *depth -= 1;
    }
    Ok(())
}

#[napi]
impl NativeOrm {
    #[napi(constructor)]
    pub fn new(driver: String, meta_json: String, options_json: String) -> napi::Result<Self> {
        let opts: OrmOptions = parse("options", &options_json).map_err(to_napi)?;
        let zone = match opts.timezone.as_deref() {
            None => Zone::Utc,
            Some(z) => Zone::parse(z).ok_or_else(|| {
                to_napi(Error::validation(format!(
                    "Invalid 'timezone' option '{z}': expected 'Z', 'local' or an offset like '+02:00'"
                )))
            })?,
        };
        #[cfg(not(unix))]
        if zone == Zone::Local {
            return Err(to_napi(Error::not_implemented(
                "forceUtcTimezone: false without a 'timezone' (local time) on this platform",
            )));
        }
        zone.init();
        let dialect = dialect_for(&driver, zone)
            .ok_or_else(|| to_napi(Error::validation(format!("Unknown driver '{driver}'"))))?;
        let meta = Metadata::from_json(&meta_json).map_err(to_napi)?;
        Ok(NativeOrm {
            driver,
            meta,
            dialect,
            opts: ConnectOptions {
                db_name: opts.db_name,
            },
            batch_size: opts.batch_size,
            session: Mutex::new(Session {
                conn: None,
                tx_depth: 0,
            }),
            streams: Mutex::new(stream::Streams::default()),
            shapes: Mutex::new(ShapeCache::default()),
        })
    }

    /// Opens the connection if it is not open; returns whether it was opened now.
    #[napi(catch_unwind)]
    pub fn connect(&self) -> R<bool> {
        let mut s = self.session().map_err(to_napi)?;
        if s.conn.is_some() {
            return Ok(false);
        }
        s.conn = Some(driver::connect(&self.driver, &self.opts).map_err(to_napi)?);
        Ok(true)
    }

    /// Runs the dialect's ensure-database check (logged); returns the log.
    #[napi(catch_unwind)]
    pub fn ensure_database(&self, log: LogLevel) -> R<String> {
        let Some(sql) = self.dialect.ensure_database_sql() else {
            return Ok("[]".into());
        };
        let (_, log) = self.with_conn(log, |ex, _| ex.run(sql, &[], LogMode::Results))?;
        Ok(log)
    }

    #[napi(catch_unwind)]
    pub fn is_connected(&self) -> R<bool> {
        Ok(self.session().map_err(to_napi)?.conn.is_some())
    }

    #[napi(catch_unwind)]
    pub fn close(&self) -> R<()> {
        self.streams.lock().map(|mut s| s.clear()).ok();
        let mut s = self.session().map_err(to_napi)?;
        s.tx_depth = 0;
        if let Some(mut c) = s.conn.take() {
            c.close().map_err(to_napi)?;
        }
        Ok(())
    }

    #[napi(catch_unwind)]
    pub fn in_transaction(&self) -> R<bool> {
        Ok(self.session().map_err(to_napi)?.tx_depth > 0)
    }

    /// `{"sql","params","formatted"}` for `getQuery()`, `getParams()`, `getFormattedQuery()`.
    #[napi(catch_unwind)]
    pub fn compile_query(&self, query_json: String) -> R<String> {
        let c = self.compile(&query_json).map_err(to_napi)?;
        let mut out = String::from("{\"sql\":");
        engine::value::write_json_str(&mut out, &c.sql.text);
        out.push_str(",\"params\":");
        // Datetime parameters as their instants (`getParams()` shows them as `Date`s); a date
        // (`YYYY-MM-DD`) stays as it is.
        let mut params = c.sql.params.clone();
        for &i in &c.sql.dates {
            let instant = match params.get(i) {
                Some(Value::Text(t)) if t.len() > 10 => self.dialect.datetime_instant(t),
                _ => None,
            };
            if let Some(ms) = instant {
                params[i] = Value::Int(ms);
            }
        }
        encode::values(&mut out, &params);
        out.push_str(",\"formatted\":");
        let f = format_sql(self.dialect.as_ref(), &c.sql.text, &c.sql.params);
        engine::value::write_json_str(&mut out, &f);
        out.push_str(&format!(",\"dates\":{:?}}}", c.sql.dates));
        Ok(out)
    }

    /// The SQL text alone, for `getQuery()`.
    #[napi(catch_unwind)]
    pub fn compile_sql(&self, query_json: String) -> R<String> {
        Ok(self.compile(&query_json).map_err(to_napi)?.sql.text)
    }

    /// `{"hits","misses"}` of the compiled-query cache (tests and benchmarks).
    #[napi(catch_unwind)]
    pub fn query_cache_stats(&self) -> R<String> {
        let c = self.shapes.lock().map_err(|_| {
            to_napi(Error::new(
                ErrorKind::Driver,
                "The query cache lock is poisoned",
            ))
        })?;
        Ok(format!("{{\"hits\":{},\"misses\":{}}}", c.hits, c.misses))
    }

    /// Entity query: rows come back columnar in property order and are registered as snapshots.
    #[napi(catch_unwind)]
    pub fn find(
        &self,
        env: Env,
        uow: &mut NativeUow,
        query_json: String,
        refresh: bool,
        log: LogLevel,
    ) -> R<String> {
        let (c, entity, out, log) = self.run_entity_query(&query_json, log, LogMode::Results)?;
        let Output::Rows(rows) = out else {
            return Ok(format!("{{\"n\":0,\"cols\":[],\"log\":{log}}}"));
        };
        let s = self.entity_answer(uow, &c, entity, rows, refresh)?;
        uow.sync_memory(&env);
        Ok(with_log(s, &log))
    }

    /// `em.upsert()`: an `insert … on conflict … returning` whose rows become loaded entities:
    /// each row is the inserted values plus the returned columns, registered as a snapshot.
    #[napi(catch_unwind)]
    pub fn upsert(
        &self,
        env: Env,
        uow: &mut NativeUow,
        query_json: String,
        log: LogLevel,
    ) -> R<String> {
        let (c, entity, out, log) = self.run_entity_query(&query_json, log, LogMode::Affected)?;
        let s = self.upsert_answer(uow, &c, entity, out);
        uow.sync_memory(&env);
        Ok(with_log(s, &log))
    }
}

impl NativeOrm {
    /// The upserted rows: each the inserted values plus the returned columns, registered as
    /// loaded entities.
    fn upsert_answer(
        &self,
        uow: &mut NativeUow,
        c: &engine::query::Compiled,
        entity: &EntityMeta,
        out: Output,
    ) -> String {
        let mut columns: Vec<String> = c
            .insert_columns
            .iter()
            .map(|&i| entity.props[i].field_name.clone())
            .collect();
        // The inserted values row by row; a column's default (no parameter) reads as null.
        let mut params = c.sql.params.iter();
        let count = (c.sql.params.len() + c.insert_missing.len())
            .checked_div(columns.len())
            .unwrap_or(1);
        let inserted: Vec<Vec<Value>> = (0..count)
            .map(|r| {
                (0..columns.len())
                    .map(|n| match c.insert_missing.contains(&(r, n)) {
                        true => Value::Null,
                        false => params.next().cloned().unwrap_or(Value::Null),
                    })
                    .collect()
            })
            .collect();
        let (returned_columns, returned) = match out {
            Output::Rows(r) => (r.columns, r.rows),
            Output::Exec(_) => (Vec::new(), Vec::new()),
        };
        // A returned column that was inserted in every row (a reload select's conflict fields)
        // matches the rows up; other returned columns of inserted ones (defaults) replace them.
        let mut keys = Vec::new();
        let mut replaced = Vec::new();
        let mut added = Vec::new();
        for (j, name) in returned_columns.iter().enumerate() {
            match columns.iter().position(|n| n == name) {
                Some(i) if !c.insert_missing.iter().any(|m| m.1 == i) => keys.push((i, j)),
                Some(i) => replaced.push((i, j)),
                None => added.push(j),
            }
        }
        columns.extend(added.iter().map(|&j| returned_columns[j].clone()));
        let rows = inserted
            .into_iter()
            .enumerate()
            .map(|(r, mut row)| {
                let back = if keys.is_empty() {
                    returned.get(r)
                } else {
                    returned
                        .iter()
                        .find(|b| keys.iter().all(|&(i, j)| same_key(b.get(j), row.get(i))))
                };
                for &(i, j) in &replaced {
                    if let Some(v) = back.and_then(|b| b.get(j)) {
                        row[i] = v.clone();
                    }
                }
                row.extend(
                    added
                        .iter()
                        .map(|&j| back.and_then(|b| b.get(j)).cloned().unwrap_or(Value::Null)),
                );
                row
            })
            .collect();
        encode::entity_rows(
            self.dialect.as_ref(),
            entity,
            driver::Rows {
                columns,
                rows,
                forms: Vec::new(),
            },
            |snap| uow.uow.register_loaded(entity, c.entity, snap, true),
        )
    }
}

/// Whether a value read back matches the one written for a conflict field: numbers whatever
/// their form, text without regard to case (MySQL's default collation matched it so).
fn same_key(read: Option<&Value>, written: Option<&Value>) -> bool {
    match (read, written) {
        (Some(Value::Text(a)), Some(Value::Text(b))) => a.eq_ignore_ascii_case(b),
        (Some(a), Some(b)) => a.same(b),
        _ => false,
    }
}

/// Rows a server driver's pool read: `{"columns":[…],"rows":[[…]]}`.
#[napi]
impl NativeOrm {
    /// Non-entity query (count, native insert/update/delete, QueryBuilder `execute()`), with
    /// `method` = all | get | run.
    #[napi(catch_unwind)]
    pub fn query(&self, query_json: String, method: String, log: LogLevel) -> R<String> {
        let c = self.compile(&query_json).map_err(to_napi)?;
        let mode = match c.kind {
            QueryKind::Insert | QueryKind::Update | QueryKind::Delete => LogMode::Affected,
            _ => mode_of(&method),
        };
        let (out, log) = self.with_conn(log, |ex, _| ex.run(&c.sql.text, &c.sql.params, mode))?;
        let mut s = String::from("{");
        encode::output(&mut s, &out);
        s.push_str(",\"log\":");
        s.push_str(&log);
        s.push('}');
        Ok(s)
    }

    /// `em.execute(sql, params, method)`: raw SQL with bound parameters.
    #[napi(catch_unwind)]
    pub fn execute(
        &self,
        sql: String,
        params_json: String,
        method: String,
        log: LogLevel,
    ) -> R<String> {
        let params: Vec<serde_json::Value> = parse("parameters", &params_json).map_err(to_napi)?;
        let params = params
            .iter()
            .map(|p| engine::convert::plain(self.dialect.as_ref(), p))
            .collect::<engine::Result<Vec<_>>>()
            .map_err(to_napi)?;
        let (out, log) = self.with_conn(log, |ex, _| ex.run(&sql, &params, mode_of(&method)))?;
        let mut s = String::from("{");
        encode::output(&mut s, &out);
        s.push_str(",\"log\":");
        s.push_str(&log);
        s.push('}');
        Ok(s)
    }

    /// `begin` (with an isolation level and read-only access), `commit` or `rollback`; nested
    /// levels use savepoints. Returns the log.
    #[napi(catch_unwind)]
    pub fn transaction(
        &self,
        op: String,
        log: LogLevel,
        isolation: Option<String>,
        read_only: Option<bool>,
    ) -> R<String> {
        let begin = BeginOptions::new(isolation.as_deref(), read_only).map_err(to_napi)?;
        let ((), log) = self.with_conn(log, |ex, depth| tx_step(ex, depth, &op, begin))?;
        Ok(log)
    }

    /// One flush: change sets, statements and keys, in one transaction unless one is open
    /// (or implicit transactions are off). Snapshots change only after success.
    #[napi(catch_unwind)]
    pub fn flush(
        &self,
        env: Env,
        uow: &mut NativeUow,
        message: String,
        implicit_tx: bool,
        log: LogLevel,
    ) -> R<String> {
        let input = flush_input(&message)?;
        // Statement shapes other than MikroORM's are used only when no query log shows them.
        let increment_keys = if log == 0 {
            self.sequential_key_entities(&input)?
        } else {
            Vec::new()
        };
        let row_updates = log == 0 && self.dialect.prefers_row_updates();
        let mut plan = self.plan_flush(uow, &input, row_updates, &increment_keys, false)?;
        if plan.is_empty() {
            return Ok("{\"entities\":[],\"log\":[]}".into());
        }
        let dialect = self.dialect.as_ref();
        let (keys, log) = self.with_conn(log, |ex, depth| {
            let own = implicit_tx && *depth == 0;
            if own {
                tx_step(ex, depth, "begin", BeginOptions::default())?;
            }
            let mut keys = Vec::new();
            let mut run = || -> engine::Result<()> {
                for i in 0..plan.steps.len() {
                    plan.resolve(i, &keys)?;
                    let step = &plan.steps[i];
                    if let StepKind::UpdateRows {
                        group,
                        first,
                        width,
                    } = step.kind
                    {
                        let batched = |row: usize| {
                            let sql = plan
                                .batched_update_sql(dialect, &self.meta, group, first + row)
                                .ok()?;
                            Some(format_sql(dialect, &sql.text, &sql.params))
                        };
                        let affected =
                            ex.run_rows(&step.sql.text, &step.sql.params, width, batched)?;
                        check_version(step, affected)?;
                        continue;
                    }
                    let mode = match step.kind {
                        StepKind::VersionCheck | StepKind::Reload => LogMode::Results,
                        _ => LogMode::Affected,
                    };
                    let out = ex.run(&step.sql.text, &step.sql.params, mode)?;
                    if let StepKind::Insert { .. } = step.kind {
                        keys.push(encode::generated_keys(step, &out, false));
                    }
                    let affected = match &out {
                        Output::Rows(r) => r.rows.len() as u64,
                        Output::Exec(e) => e.affected,
                    };
                    check_version(step, affected)?;
                }
                Ok(())
            };
            if let Err(e) = run() {
                if own {
                    let _ = tx_step(ex, depth, "rollback", BeginOptions::default());
                }
                return Err(e);
            }
            if own {
                tx_step(ex, depth, "commit", BeginOptions::default())?;
            }
            Ok(keys)
        })?;
        let applied = uow.uow.apply(&self.meta, plan, keys).map_err(to_napi)?;
        uow.sync_memory(&env);
        Ok(self.flush_answer(&applied, &on_update_entities(&input), &log))
    }

    /// Registers a merged entity's state (`[mask…, values…]`, as in a flush message) as its snapshot.
    #[napi(catch_unwind)]
    pub fn register(&self, env: Env, uow: &mut NativeUow, entity: u32, row: String) -> R<()> {
        let idx = entity as usize;
        let meta = self.meta.entity(idx).map_err(to_napi)?;
        let values: Vec<&serde_json::value::RawValue> =
            serde_json::from_str(&row).map_err(|e| {
                to_napi(Error::validation(format!(
                    "Invalid merged entity state: {e}"
                )))
            })?;
        uow.uow
            .register_state(self.dialect.as_ref(), meta, idx, &values)
            .map_err(to_napi)?;
        uow.sync_memory(&env);
        Ok(())
    }

    /// What a flush would write, without writing: per entity type, the changed managed rows and
    /// their changed properties, and whether any statement would run (for flush events).
    #[napi(catch_unwind)]
    pub fn flush_preview(&self, uow: &mut NativeUow, message: String) -> R<String> {
        let input = flush_input(&message)?;
        let plan = self.plan_flush(uow, &input, false, &[], false)?;
        let entities: Vec<serde_json::Value> = plan
            .updates()
            .into_iter()
            .map(|(entity, rows)| serde_json::json!({ "entity": entity, "updated": rows }))
            .collect();
        Ok(serde_json::json!({ "empty": plan.is_empty(), "entities": entities }).to_string())
    }

    /// `create` DDL as groups of statements (one group per table); `wrap: false` leaves out
    /// the dialect's preamble (`set names …`).
    #[napi(catch_unwind)]
    pub fn create_schema_sql(&self, wrap: Option<bool>) -> R<Vec<Vec<String>>> {
        Ok(engine::schema::create_statements(
            self.dialect.as_ref(),
            &self.meta,
            wrap != Some(false),
        ))
    }

    /// The create script's statements as they run (see `schema::create_batches`).
    #[napi(catch_unwind)]
    pub fn create_schema_batches(&self) -> R<Vec<String>> {
        Ok(engine::schema::create_batches(
            self.dialect.as_ref(),
            &self.meta,
        ))
    }

    /// The queries that read the database's schema for diffing, as `[key, sql]` pairs (see
    /// `schema_diff::IntrospectionRows`); null where diffing is not implemented.
    #[napi(catch_unwind)]
    pub fn introspection_sql(&self) -> R<Option<Vec<Vec<String>>>> {
        Ok(self.dialect.introspection_sql().map(|q| {
            q.iter()
                .map(|(k, s)| vec![k.to_string(), s.to_string()])
                .collect()
        }))
    }

    /// The update script in groups, from the introspection queries' rows by key and
    /// `{safe, dropTables, wrap}`.
    #[napi(catch_unwind)]
    pub fn update_schema_sql(
        &self,
        rows_json: String,
        options_json: String,
    ) -> R<Vec<Vec<String>>> {
        let rows: engine::schema_diff::IntrospectionRows =
            parse("introspection rows", &rows_json).map_err(to_napi)?;
        let options: engine::schema_diff::UpdateOptions =
            parse("update options", &options_json).map_err(to_napi)?;
        let d = self.dialect.as_ref();
        let db = engine::schema_diff::read_database(d, &rows);
        engine::schema_diff::update_statements(d, &self.meta, &db, &options).map_err(to_napi)
    }

    /// Groups of statements as they run (see `schema::batches`).
    #[napi(catch_unwind)]
    pub fn schema_batches(&self, groups: Vec<Vec<String>>) -> R<Vec<String>> {
        Ok(engine::schema::batches(self.dialect.as_ref(), groups))
    }

    /// The drop script's statements as they run (see `schema::drop_batches`).
    #[napi(catch_unwind)]
    pub fn drop_schema_batches(&self) -> R<Vec<String>> {
        Ok(engine::schema::drop_batches(
            self.dialect.as_ref(),
            &self.meta,
        ))
    }

    /// The drop script, in groups (the dialect's preamble first).
    #[napi(catch_unwind)]
    pub fn drop_schema_sql(&self) -> R<Vec<Vec<String>>> {
        Ok(engine::schema::drop_statements(
            self.dialect.as_ref(),
            &self.meta,
        ))
    }

    /// `clear` statements (with the `schema` option, of that schema's tables only).
    #[napi(catch_unwind)]
    pub fn schema_sql(&self, kind: String, schema: Option<String>) -> R<Vec<String>> {
        let d = self.dialect.as_ref();
        Ok(match kind.as_str() {
            "clear" => engine::schema::clear_statements(d, &self.meta, schema.as_deref()),
            other => {
                return Err(to_napi(Error::validation(format!(
                    "Unknown schema operation '{other}'"
                ))))
            }
        })
    }

    /// Runs statements one by one, each logged with `method`'s suffix. Returns the log.
    #[napi(catch_unwind)]
    pub fn run_statements(
        &self,
        statements: Vec<String>,
        method: String,
        log: LogLevel,
    ) -> R<String> {
        let mode = mode_of(&method);
        let ((), log) = self.with_conn(log, |ex, _| {
            for s in &statements {
                ex.run(s, &[], mode)?;
            }
            Ok(())
        })?;
        Ok(log)
    }

    #[napi(catch_unwind)]
    pub fn load_extension(&self, path: String, entry_point: Option<String>) -> R<()> {
        self.with_conn(0, |ex, _| {
            ex.conn.load_extension(&path, entry_point.as_deref())
        })?;
        Ok(())
    }
}

/// Test hook: proves a Rust panic reaches JS as an `Error` instead of aborting the process.
#[napi(catch_unwind)]
pub fn debug_panic(message: String) -> R<()> {
    panic!("{message}");
}
