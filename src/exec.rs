//! Runs statements on a connection, timing and logging them, and attaching the SQL to errors.

use std::fmt::Write;
use std::time::Instant;

use crate::driver::{Connection, Output};
use engine::dialect::Dialect;
use engine::sql::format_sql;
use engine::value::write_json_str;
use engine::{Result, Value};

/// What the `[took …]` suffix of a log line reports, as MikroORM decides it per call.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum LogMode {
    /// `[took N ms, K results]`: rows returned.
    Results,
    /// `[took N ms, K rows affected]`: rows written.
    Affected,
    /// `[took N ms]`
    Plain,
    /// No suffix at all (`begin`, `commit`, savepoints).
    Bare,
}

/// The count a log line shows for a statement's outcome.
pub fn log_count(res: &Result<Output>, mode: LogMode) -> Option<(&'static str, u64)> {
    match (res, mode) {
        (Ok(Output::Rows(r)), LogMode::Results) => Some(("results", r.rows.len() as u64)),
        (Ok(Output::Exec(_)), LogMode::Results) => Some(("results", 0)),
        (Ok(Output::Rows(r)), LogMode::Affected) => Some(("affected", r.rows.len() as u64)),
        (Ok(Output::Exec(e)), LogMode::Affected) => Some(("affected", e.affected)),
        _ => None,
    }
}

/// The log mode of a raw statement run with `method` (`get`: no count, `run`: rows affected).
pub fn mode_of(method: &str) -> LogMode {
    match method {
        "get" => LogMode::Plain,
        "run" => LogMode::Affected,
        _ => LogMode::Results,
    }
}

/// 0: no log, 1: SQL with placeholders, 2: SQL with parameters inlined.
pub type LogLevel = u32;

pub struct Exec<'a> {
    pub conn: &'a mut dyn Connection,
    pub dialect: &'a dyn Dialect,
    pub level: LogLevel,
    /// JSON log entries (`{"sql":…,"took":…,"results":…}`).
    pub log: String,
}

/// Appends one JSON log entry (`{"sql":…,"params":[…],"took":…,"results":…}`) to `log`.
#[allow(clippy::too_many_arguments)]
pub fn log_entry(
    log: &mut String,
    dialect: &dyn Dialect,
    level: LogLevel,
    sql: &str,
    params: &[Value],
    took: Option<u128>,
    count: Option<(&str, u64)>,
    failed: bool,
) {
    if !log.is_empty() {
        log.push(',');
    }
    log.push_str("{\"sql\":");
    if level >= 2 {
        write_json_str(log, &format_sql(dialect, sql, params));
    } else {
        write_json_str(log, sql);
    }
    // The parameters too, for loggers that read them (`LogContext.params`).
    log.push_str(",\"params\":[");
    for (n, p) in params.iter().enumerate() {
        if n > 0 {
            log.push(',');
        }
        p.write_json(log);
    }
    log.push(']');
    if let Some(t) = took {
        let _ = write!(log, ",\"took\":{t}");
    }
    if let Some((key, n)) = count {
        let _ = write!(log, ",\"{key}\":{n}");
    }
    if failed {
        log.push_str(",\"error\":true");
    }
    log.push('}');
}

impl Exec<'_> {
    fn entry(
        &mut self,
        sql: &str,
        params: &[Value],
        took: Option<u128>,
        count: Option<(&str, u64)>,
        failed: bool,
    ) {
        log_entry(
            &mut self.log,
            self.dialect,
            self.level,
            sql,
            params,
            took,
            count,
            failed,
        );
    }

    pub fn run(&mut self, sql: &str, params: &[Value], mode: LogMode) -> Result<Output> {
        let start = Instant::now();
        let res = self.conn.run(sql, params);
        if self.level > 0 {
            let took = (mode != LogMode::Bare).then(|| start.elapsed().as_millis());
            self.entry(sql, params, took, log_count(&res, mode), res.is_err());
        }
        res.map_err(|mut e| {
            e.sql = Some(format_sql(self.dialect, sql, params));
            e
        })
    }

    /// Opens a cursor for streaming; logged as MikroORM logs a stream, without `[took …]`.
    pub fn open_cursor(&mut self, sql: &str, params: &[Value]) -> Result<(u32, Vec<String>)> {
        let res = self.conn.open_cursor(sql, params);
        if self.level > 0 {
            self.entry(sql, params, None, None, res.is_err());
        }
        res.map_err(|mut e| {
            e.sql = Some(format_sql(self.dialect, sql, params));
            e
        })
    }

    /// Runs a statement once per row of `width` parameters, unlogged (the flush chooses this only
    /// when no query log is on). A failing row's error carries the SQL `sql_for(row)` names.
    pub fn run_rows(
        &mut self,
        sql: &str,
        params: &[Value],
        width: usize,
        sql_for: impl FnOnce(usize) -> Option<String>,
    ) -> Result<u64> {
        self.conn
            .run_rows(sql, params, width)
            .map_err(|(row, mut e)| {
                e.sql = sql_for(row).or_else(|| {
                    let start = (row * width).min(params.len());
                    let end = (start + width).min(params.len());
                    Some(format_sql(self.dialect, sql, &params[start..end]))
                });
                e
            })
    }

    /// The log as a JSON array.
    pub fn log_json(&self) -> String {
        format!("[{}]", self.log)
    }
}
