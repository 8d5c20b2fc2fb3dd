//! A server driver's pool for JS: asynchronous calls (each one await in JS) run on tokio. A build
//! holds one server backend (its cargo feature), named `Server` here.

use std::sync::Arc;
use std::time::Instant;

use napi_derive::napi;

#[cfg(feature = "mysql")]
use crate::driver::mysql::MyBackend as Server;
#[cfg(feature = "postgresql")]
use crate::driver::postgres::PgBackend as Server;
use crate::driver::server::{Backend, ServerDriver, ServerOptions};
use crate::driver::{Output, RawForm};
use crate::exec::{log_entry, mode_of, LogLevel, LogMode};
use crate::{encode, parse, to_napi, to_napi_logged, NativeOrm, NativeUow, R};
use engine::query::QueryKind;
use engine::uow::StepKind;

#[napi]
pub struct NativePool {
    driver: Arc<ServerDriver<Server>>,
}

#[napi]
impl NativePool {
    /// Connects (one connection first, so a refusal is reported at once) and opens the pool.
    #[napi(factory)]
    pub async fn connect(options_json: String) -> napi::Result<Self> {
        let opts: ServerOptions = parse("connection options", &options_json).map_err(to_napi)?;
        let driver = ServerDriver::connect(&opts).await.map_err(to_napi)?;
        Ok(NativePool {
            driver: Arc::new(driver),
        })
    }

    /// Starts streaming an entity query prepared by `NativeOrm.prepareQuery()` in transaction
    /// `tx` (0: on a pooled connection, held until the stream ends or is closed).
    #[napi(ts_return_type = "Promise<NativeStream>")]
    pub fn open_stream<'env>(
        &self,
        env: &'env napi::Env,
        tx: u32,
        query: &NativeQuery,
        log: LogLevel,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let driver = self.driver.clone();
        let compiled = query.compiled.clone();
        let key_fields = query.key_fields.clone();
        crate::eager::spawn(env, async move {
            let dialect = driver.dialect().map_err(to_napi)?;
            let sql = &compiled.sql;
            let opened = driver
                .open_stream(tx, sql.text.clone(), sql.params.clone())
                .await;
            let mut entries = String::new();
            if log > 0 {
                log_entry(
                    &mut entries,
                    dialect.as_ref(),
                    log,
                    &sql.text,
                    &sql.params,
                    None,
                    None,
                    opened.is_err(),
                );
            }
            let (columns, rows) = opened.map_err(|mut e| {
                e.sql = Some(engine::sql::format_sql(
                    dialect.as_ref(),
                    &sql.text,
                    &sql.params,
                ));
                to_napi_logged(e, &format!("[{entries}]"))
            })?;
            let key = key_fields
                .iter()
                .filter_map(|k| columns.iter().position(|c| c == k))
                .collect();
            Ok(NativeStream {
                id: STREAMS.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
                closed: Arc::new(std::sync::atomic::AtomicBool::new(false)),
                state: Arc::new(tokio::sync::Mutex::new(StreamState {
                    rows: Some(rows),
                    columns,
                    key,
                    carry: Vec::new(),
                })),
                log: format!("[{entries}]"),
            })
        })
    }

    /// A schema script: its statements in order on one connection (a session setting such as
    /// MySQL's `foreign_key_checks` holds for the rest), each run as its method (`all`/`run`,
    /// the last one for the rest); the log entries (`[…]`).
    #[napi(ts_return_type = "Promise<string>")]
    pub fn execute_script<'env>(
        &self,
        env: &'env napi::Env,
        statements: Vec<String>,
        methods: Vec<String>,
        log: LogLevel,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let driver = self.driver.clone();
        crate::eager::spawn(env, async move {
            let dialect = driver.dialect().map_err(to_napi)?;
            let mut conn = driver.conn(0).await.map_err(to_napi)?;
            let mut entries = String::new();
            for (n, sql) in statements.iter().enumerate() {
                let method = methods
                    .get(n)
                    .or(methods.last())
                    .map_or("all", |m| m.as_str());
                let start = Instant::now();
                let res = Server::run_on(&mut conn, sql, &[]).await;
                let logged = Logged {
                    dialect: dialect.as_ref(),
                    level: log,
                    sql,
                    params: &[],
                };
                logged.write(&mut entries, start, &res, mode_of(method));
                if let Err(mut e) = res {
                    // Session settings the script made (MySQL's foreign key checks) must not reach
                    // the next user of the connection.
                    if let crate::driver::server::ConnGuard::Pooled(c) = conn {
                        c.discard();
                    }
                    e.sql = Some(sql.clone());
                    return Err(to_napi_logged(e, &format!("[{entries}]")));
                }
            }
            Ok(format!("[{entries}]"))
        })
    }

    /// `em.execute(sql, params, method)`: `{"rows":[…],"affectedRows":n,"log":[…]}`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn execute<'env>(
        &self,
        env: &'env napi::Env,
        tx: u32,
        sql: String,
        params_json: String,
        method: String,
        log: LogLevel,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let driver = self.driver.clone();
        crate::eager::spawn(env, async move {
            let (out, entries) =
                run_logged(&driver, tx, &sql, &params_json, log, mode_of(&method)).await?;
            Ok(raw_answer(out, &entries, driver.raw_json_parsed))
        })
    }

    /// A query prepared by `NativeOrm.prepareQuery()` that is not an entity query (counts,
    /// QueryBuilder `execute()`, native writes): the answer of `execute`.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn execute_prepared<'env>(
        &self,
        env: &'env napi::Env,
        tx: u32,
        query: &NativeQuery,
        method: String,
        log: LogLevel,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let driver = self.driver.clone();
        let compiled = query.compiled.clone();
        let mode = match compiled.kind {
            QueryKind::Insert | QueryKind::Update | QueryKind::Delete => LogMode::Affected,
            _ => mode_of(&method),
        };
        crate::eager::spawn(env, async move {
            let sql = &compiled.sql;
            let (out, entries) = run_values(&driver, tx, &sql.text, &sql.params, log, mode).await?;
            Ok(raw_answer(out, &entries, driver.raw_json_parsed))
        })
    }

    /// Runs an entity query prepared by `NativeOrm.prepareQuery()`; its rows stay here, for
    /// `NativeOrm.findPrepared()` / `upsertPrepared()` (no JSON between the two). `affected`:
    /// the log counts affected rows instead of results.
    #[napi(ts_return_type = "Promise<NativeRows>")]
    pub fn query_prepared<'env>(
        &self,
        env: &'env napi::Env,
        tx: u32,
        query: &NativeQuery,
        log: LogLevel,
        affected: bool,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let driver = self.driver.clone();
        let compiled = query.compiled.clone();
        crate::eager::spawn(env, async move {
            let mode = if affected {
                LogMode::Affected
            } else {
                LogMode::Results
            };
            let sql = &compiled.sql;
            let (out, log) = run_values(&driver, tx, &sql.text, &sql.params, log, mode).await?;
            Ok(NativeRows {
                done: true,
                rows: match out {
                    Output::Rows(r) => Some(r),
                    Output::Exec(_) => None,
                },
                log: format!("[{log}]"),
            })
        })
    }

    /// `begin`, `commit` or `rollback` (savepoints when nested): the log.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn transaction<'env>(
        &self,
        env: &'env napi::Env,
        tx: u32,
        op: String,
        log: LogLevel,
        isolation: Option<String>,
        read_only: Option<bool>,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let driver = self.driver.clone();
        crate::eager::spawn(env, async move {
            let dialect = driver.dialect().map_err(to_napi)?;
            let begin =
                crate::BeginOptions::new(isolation.as_deref(), read_only).map_err(to_napi)?;
            let res = driver.transaction(tx, &op, begin).await;
            let mut entries = String::new();
            if log > 0 {
                let failed = [op.clone()];
                let statements = res.as_deref().unwrap_or(&failed);
                for sql in statements {
                    log_entry(
                        &mut entries,
                        dialect.as_ref(),
                        log,
                        sql,
                        &[],
                        None,
                        None,
                        res.is_err(),
                    );
                }
            }
            res.map_err(|e| to_napi_logged(e, &format!("[{entries}]")))?;
            Ok(format!("[{entries}]"))
        })
    }

    #[napi]
    pub async fn close(&self) -> R<()> {
        self.driver.close().await;
        Ok(())
    }
}

/// `{"rows":[…],"affectedRows":n,"log":[…]}`; JSON columns stay text unless the dialect's
/// raw results parse them.
fn raw_answer(mut out: Output, entries: &str, json_parsed: bool) -> String {
    if let (Output::Rows(r), false) = (&mut out, json_parsed) {
        for f in r.forms.iter_mut().filter(|f| **f == RawForm::Json) {
            *f = RawForm::AsDecoded;
        }
    }
    let mut s = String::from("{");
    encode::output(&mut s, &out);
    s.push_str(",\"log\":[");
    s.push_str(entries);
    s.push_str("]}");
    s
}

/// Runs a statement with JSON parameters (from JS) on the pool or the open transaction; see
/// `run_values`.
async fn run_logged(
    driver: &ServerDriver<Server>,
    tx: u32,
    sql: &str,
    params_json: &str,
    log: LogLevel,
    mode: LogMode,
) -> R<(Output, String)> {
    let dialect = driver.dialect().map_err(to_napi)?;
    let params = parse_params(dialect.as_ref(), params_json)?;
    run_values(driver, tx, sql, &params, log, mode).await
}

/// Runs a statement on the pool (or the open transaction) with its log entry, its count as
/// `mode` says; an error carries the SQL and the log.
async fn run_values(
    driver: &ServerDriver<Server>,
    tx: u32,
    sql: &str,
    params: &[engine::Value],
    log: LogLevel,
    mode: LogMode,
) -> R<(Output, String)> {
    let dialect = driver.dialect().map_err(to_napi)?;
    let start = Instant::now();
    let res = driver.run(tx, sql, params).await;
    let mut entries = String::new();
    let logged = Logged {
        dialect: dialect.as_ref(),
        level: log,
        sql,
        params,
    };
    logged.write(&mut entries, start, &res, mode);
    let out = res.map_err(|mut e| {
        e.sql = Some(engine::sql::format_sql(dialect.as_ref(), sql, params));
        to_napi_logged(e, &format!("[{entries}]"))
    })?;
    Ok((out, entries))
}

/// A statement to log (nothing at level 0).
struct Logged<'a> {
    dialect: &'a dyn engine::dialect::Dialect,
    level: LogLevel,
    sql: &'a str,
    params: &'a [engine::Value],
}

impl Logged<'_> {
    /// Its log entry, with the time since `start` and the count `mode` asks for.
    fn write(
        &self,
        entries: &mut String,
        start: Instant,
        res: &engine::Result<Output>,
        mode: LogMode,
    ) {
        if self.level == 0 {
            return;
        }
        let count = crate::exec::log_count(res, mode);
        let took = Some(start.elapsed().as_millis());
        log_entry(
            entries,
            self.dialect,
            self.level,
            self.sql,
            self.params,
            took,
            count,
            res.is_err(),
        );
    }
}

/// Parameters as JSON values (from JS, or a compiled query's `params`).
fn parse_params(dialect: &dyn engine::dialect::Dialect, json: &str) -> R<Vec<engine::Value>> {
    let params: Vec<serde_json::Value> = parse("parameters", json).map_err(to_napi)?;
    params
        .iter()
        .map(|p| engine::convert::plain(dialect, p))
        .collect::<engine::Result<Vec<_>>>()
        .map_err(to_napi)
}

/// An entity query compiled by the engine, for a server driver's pool to run.
#[napi]
pub struct NativeQuery {
    compiled: Arc<engine::query::Compiled>,
    /// The root entity's key columns (a stream's chunks keep a root's rows together).
    key_fields: Vec<String>,
}

/// The rows a pool read for an entity query, and the log of the statement.
#[napi]
pub struct NativeRows {
    rows: Option<crate::driver::Rows>,
    log: String,
    /// A stream's chunk: the stream has no rows left.
    done: bool,
}

#[napi]
impl NativeRows {
    /// The log entries (JSON).
    #[napi(getter)]
    pub fn log(&self) -> String {
        self.log.clone()
    }

    /// Whether this was a stream's last chunk.
    #[napi(getter)]
    pub fn done(&self) -> bool {
        self.done
    }

    /// The rows as a raw result: `{"rows":[{column: value}],…}` (they leave this handle).
    #[napi]
    pub fn take_json(&mut self) -> String {
        let rows = self.rows.take().unwrap_or(crate::driver::Rows {
            columns: Vec::new(),
            rows: Vec::new(),
            forms: Vec::new(),
        });
        let mut s = String::from("{");
        encode::output(&mut s, &Output::Rows(rows));
        s.push('}');
        s
    }
}

/// A select streaming its rows (`NativePool.openStream`), read chunk by chunk as JS asks.
#[napi]
pub struct NativeStream {
    state: Arc<tokio::sync::Mutex<StreamState>>,
    log: String,
    /// A number for messages (`The stream 3 is closed`).
    id: u32,
    closed: Arc<std::sync::atomic::AtomicBool>,
}

/// The next stream's number.
static STREAMS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(1);

struct StreamState {
    /// None once closed or read to the end.
    rows: Option<crate::driver::server::RowReceiver>,
    columns: Vec<String>,
    key: Vec<usize>,
    /// Rows read past the previous chunk, the start of the next one.
    carry: Vec<Vec<engine::Value>>,
}

impl StreamState {
    /// At least `max` rows (fewer at the end) or, with `whole_roots`, up to where the last
    /// root's rows start (see `stream::last_root_start`).
    async fn next_chunk(
        &mut self,
        max: usize,
        whole_roots: bool,
    ) -> engine::Result<Vec<Vec<engine::Value>>> {
        let mut rows = std::mem::take(&mut self.carry);
        while let Some(rx) = self.rows.as_mut() {
            if rows.len() >= max {
                if !whole_roots || self.key.is_empty() {
                    break;
                }
                if let Some(end) = crate::stream::last_root_start(&rows, &self.key) {
                    self.carry = rows.split_off(end);
                    break;
                }
            }
            match rx.recv().await {
                Some(Ok(row)) => rows.push(row),
                Some(Err(e)) => {
                    self.rows = None;
                    return Err(e);
                }
                None => self.rows = None,
            }
        }
        Ok(rows)
    }
}

#[napi]
impl NativeStream {
    /// The log of the statement (as MikroORM logs a stream: without `[took …]`).
    #[napi(getter)]
    pub fn log(&self) -> String {
        self.log.clone()
    }

    /// The next chunk of rows (`done` once none are left).
    #[napi(ts_return_type = "Promise<NativeRows>")]
    pub fn next<'env>(
        &self,
        env: &'env napi::Env,
        max: u32,
        whole_roots: bool,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let state = self.state.clone();
        let (id, closed) = (self.id, self.closed.clone());
        crate::eager::spawn(env, async move {
            if closed.load(std::sync::atomic::Ordering::Acquire) {
                return Err(to_napi(engine::Error::new(
                    engine::ErrorKind::Driver,
                    format!("The stream {id} is closed"),
                )));
            }
            let mut st = state.lock().await;
            let rows = st
                .next_chunk((max as usize).max(1), whole_roots)
                .await
                .map_err(to_napi)?;
            Ok(NativeRows {
                rows: Some(crate::driver::Rows {
                    columns: st.columns.clone(),
                    rows,
                    forms: Vec::new(),
                }),
                log: "[]".to_string(),
                done: st.rows.is_none() && st.carry.is_empty(),
            })
        })
    }

    /// Stops the stream: its connection goes back to the pool (or its transaction) once the
    /// server's pending rows are dropped.
    #[napi]
    pub fn close(&self) {
        self.closed
            .store(true, std::sync::atomic::Ordering::Release);
        match self.state.try_lock() {
            Ok(mut st) => {
                st.rows = None;
                st.carry.clear();
            }
            // A chunk is being read: closed once it is.
            Err(_) => {
                let state = self.state.clone();
                napi::bindgen_prelude::spawn(async move {
                    let mut st = state.lock().await;
                    st.rows = None;
                    st.carry.clear();
                });
            }
        }
    }
}

/// A flush planned by the engine (the JS thread), run on one pooled connection in its own
/// transaction (tokio), then applied to the unit of work (the JS thread again).
#[napi]
pub struct NativeFlush {
    state: Arc<tokio::sync::Mutex<FlushState>>,
    bulk: bool,
}

struct FlushState {
    driver: Arc<ServerDriver<Server>>,
    /// The transaction the flush joins (0: none; it then has one of its own).
    tx: u32,
    plan: Option<engine::uow::FlushPlan>,
    keys: Vec<Vec<engine::Value>>,
    on_update: Vec<usize>,
    level: LogLevel,
    log: String,
    ran: bool,
}

#[napi]
impl NativeFlush {
    /// Whether some statement binds whole columns as arrays (`PlanOptions::bulk`).
    #[napi(getter)]
    pub fn bulk(&self) -> bool {
        self.bulk
    }

    /// Runs the plan's statements, in a transaction unless `implicit_tx` is off; the log.
    #[napi(ts_return_type = "Promise<string>")]
    pub fn run<'env>(
        &self,
        env: &'env napi::Env,
        implicit_tx: bool,
    ) -> napi::Result<napi::bindgen_prelude::Object<'env>> {
        let state = self.state.clone();
        crate::eager::spawn(env, async move {
            let mut st = state.lock().await;
            let st = &mut *st;
            let dialect = st.driver.dialect().map_err(to_napi)?;
            // Inside a transaction the flush joins it; otherwise it has one of its own.
            let implicit_tx = implicit_tx && !st.driver.in_transaction(st.tx);
            let driver = st.driver.clone();
            let mut conn = driver.conn(st.tx).await.map_err(to_napi)?;
            let mut log = String::new();
            let level = st.level;
            let mut statement = async |sql: &str, params: &[engine::Value], count: &str| {
                let start = Instant::now();
                let res = Server::run_on(&mut conn, sql, params).await;
                if level > 0 {
                    let n = match &res {
                        Ok(Output::Rows(r)) => Some((count, r.rows.len() as u64)),
                        Ok(Output::Exec(e)) => Some((count, e.affected)),
                        Err(_) => None,
                    };
                    let took = (!count.is_empty()).then(|| start.elapsed().as_millis());
                    let n = n.filter(|_| !count.is_empty());
                    log_entry(
                        &mut log,
                        dialect.as_ref(),
                        level,
                        sql,
                        params,
                        took,
                        n,
                        res.is_err(),
                    );
                }
                res.map_err(|mut e| {
                    e.sql = Some(engine::sql::format_sql(dialect.as_ref(), sql, params));
                    e
                })
            };
            let result: engine::Result<()> = async {
                if implicit_tx {
                    statement(dialect.begin_sql(), &[], "").await?;
                }
                let steps = async {
                    let plan = st
                        .plan
                        .as_mut()
                        .ok_or_else(|| engine::Error::validation("The flush has run already"))?;
                    for i in 0..plan.steps.len() {
                        plan.resolve(i, &st.keys)?;
                        let step = &plan.steps[i];
                        if let StepKind::UpdateRows { .. } = step.kind {
                            return Err(engine::Error::not_implemented(format!(
                                "single-row updates on {}",
                                Server::NAME
                            )));
                        }
                        let count = match step.kind {
                            StepKind::VersionCheck | StepKind::Reload => "results",
                            _ => "affected",
                        };
                        let out = statement(&step.sql.text, &step.sql.params, count).await?;
                        if let StepKind::Insert { .. } = step.kind {
                            st.keys.push(encode::generated_keys(
                                step,
                                &out,
                                Server::INSERT_ID_IS_FIRST,
                            ));
                        }
                        let affected = match &out {
                            Output::Rows(r) => r.rows.len() as u64,
                            Output::Exec(e) => e.affected,
                        };
                        crate::check_version(step, affected)?;
                    }
                    Ok(())
                }
                .await;
                match steps {
                    Ok(()) if implicit_tx => {
                        statement(dialect.commit_sql(), &[], "").await.map(|_| ())
                    }
                    Ok(()) => Ok(()),
                    Err(e) => {
                        if implicit_tx {
                            let _ = statement(dialect.rollback_sql(), &[], "").await;
                        }
                        Err(e)
                    }
                }
            }
            .await;
            let log = format!("[{log}]");
            result.map_err(|e| to_napi_logged(e, &log))?;
            st.ran = true;
            st.log = log.clone();
            Ok(log)
        })
    }
}

#[napi]
impl NativeOrm {
    /// Compiles an entity query for `NativePool.queryPrepared()`.
    #[napi(catch_unwind)]
    pub fn prepare_query(&self, query_json: String) -> R<NativeQuery> {
        let compiled = self.compile(&query_json).map_err(to_napi)?;
        let entity = self.meta.entity(compiled.entity).map_err(to_napi)?;
        let key_fields = entity
            .pk
            .iter()
            .map(|&i| entity.props[i].field_name.clone())
            .collect();
        Ok(NativeQuery {
            compiled: Arc::new(compiled),
            key_fields,
        })
    }

    /// The entities of the rows a pool read for `query`, registered in `uow`.
    #[napi(catch_unwind)]
    pub fn find_prepared(
        &self,
        env: napi::Env,
        uow: &mut NativeUow,
        query: &NativeQuery,
        rows: &mut NativeRows,
        refresh: bool,
    ) -> R<String> {
        let c = &query.compiled;
        let entity = self.meta.entity(c.entity).map_err(to_napi)?;
        let rows = rows.rows.take().unwrap_or_else(|| crate::driver::Rows {
            columns: Vec::new(),
            rows: Vec::new(),
            forms: Vec::new(),
        });
        let s = self.entity_answer(uow, c, entity, rows, refresh)?;
        uow.sync_memory(&env);
        Ok(crate::with_log(s, "[]"))
    }

    /// `em.upsert()` on a server: the returned rows with the inserted values, as loaded entities.
    #[napi(catch_unwind)]
    pub fn upsert_prepared(
        &self,
        env: napi::Env,
        uow: &mut NativeUow,
        query: &NativeQuery,
        rows: &mut NativeRows,
    ) -> R<String> {
        let c = &query.compiled;
        let entity = self.meta.entity(c.entity).map_err(to_napi)?;
        let out = match rows.rows.take() {
            Some(r) => Output::Rows(r),
            None => Output::Exec(crate::driver::ExecResult {
                affected: 0,
                insert_id: None,
            }),
        };
        let s = self.upsert_answer(uow, c, entity, out);
        uow.sync_memory(&env);
        Ok(crate::with_log(s, "[]"))
    }

    /// Plans a flush for a server driver's `pool`: null when there is nothing to write. `bulk`:
    /// columns may go as arrays (`PlanOptions::bulk`); the caller runs a failed bulk flush again
    /// without.
    #[napi(catch_unwind)]
    pub fn flush_prepare(
        &self,
        uow: &mut NativeUow,
        message: String,
        pool: &NativePool,
        tx: u32,
        log: LogLevel,
        bulk: bool,
    ) -> R<Option<NativeFlush>> {
        let input = crate::flush_input(&message)?;
        // Without `returning`, generated keys are counted from the insert id (MySQL).
        let increment = if self.dialect.supports_returning() {
            Vec::new()
        } else {
            self.autoincrement_inserts(&input)?
        };
        let plan = self.plan_flush(uow, &input, false, &increment, bulk)?;
        if plan.is_empty() {
            return Ok(None);
        }
        Ok(Some(NativeFlush {
            bulk: plan.uses_bulk(),
            state: Arc::new(tokio::sync::Mutex::new(FlushState {
                driver: pool.driver.clone(),
                tx,
                plan: Some(plan),
                keys: Vec::new(),
                on_update: crate::on_update_entities(&input),
                level: log,
                log: String::new(),
                ran: false,
            })),
        }))
    }

    /// Applies a flush that ran to the unit of work: the same answer as `flush()`.
    #[napi(catch_unwind)]
    pub fn flush_apply(
        &self,
        env: napi::Env,
        uow: &mut NativeUow,
        flush: &NativeFlush,
    ) -> R<String> {
        let mut st = flush
            .state
            .try_lock()
            .map_err(|_| to_napi(engine::Error::validation("The flush is still running")))?;
        if !st.ran {
            return Err(to_napi(engine::Error::validation("The flush has not run")));
        }
        st.ran = false;
        let plan = st
            .plan
            .take()
            .ok_or_else(|| to_napi(engine::Error::validation("The flush was applied already")))?;
        let keys = std::mem::take(&mut st.keys);
        let applied = uow.uow.apply(&self.meta, plan, keys).map_err(to_napi)?;
        uow.sync_memory(&env);
        Ok(self.flush_answer(&applied, &st.on_update, "[]"))
    }
}
