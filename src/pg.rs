//! The PostgreSQL pool for JS: asynchronous calls (each one await in JS) run on tokio.

use std::sync::Arc;
use std::time::Instant;

use napi_derive::napi;

use crate::driver::postgres::{PgDriver, PgOptions};
use crate::driver::Output;
use crate::exec::{log_entry, LogLevel};
use crate::{encode, parse, to_napi, to_napi_logged, R};
use engine::dialect::dialect_by_name;

#[napi]
pub struct NativePgPool {
    driver: Arc<PgDriver>,
}

#[napi]
impl NativePgPool {
    /// Connects (one connection first, so a refusal is reported at once) and opens the pool.
    #[napi(factory)]
    pub async fn connect(options_json: String) -> napi::Result<Self> {
        let opts: PgOptions = parse("PostgreSQL options", &options_json).map_err(to_napi)?;
        let driver = PgDriver::connect(&opts).await.map_err(to_napi)?;
        Ok(NativePgPool {
            driver: Arc::new(driver),
        })
    }

    /// `em.execute(sql, params, method)`: `{"rows":[…],"affectedRows":n,"log":[…]}`.
    #[napi]
    pub async fn execute(
        &self,
        sql: String,
        params_json: String,
        method: String,
        log: LogLevel,
    ) -> R<String> {
        let driver = self.driver.clone();
        let dialect = dialect_by_name("postgresql")
            .ok_or_else(|| to_napi(engine::Error::validation("No PostgreSQL dialect")))?;
        let params = parse_params(dialect.as_ref(), &params_json)?;
        let start = Instant::now();
        let res = driver.run(&sql, &params).await;
        let mut entries = String::new();
        if log > 0 {
            let took = Some(start.elapsed().as_millis());
            let count = match (&res, method.as_str()) {
                (Ok(Output::Rows(r)), "run") => Some(("affected", r.rows.len() as u64)),
                (Ok(Output::Rows(r)), _) => Some(("results", r.rows.len() as u64)),
                (Ok(Output::Exec(e)), _) => Some(("affected", e.affected)),
                _ => None,
            };
            log_entry(
                &mut entries,
                dialect.as_ref(),
                log,
                &sql,
                &params,
                took,
                count,
                res.is_err(),
            );
        }
        let out = res.map_err(|mut e| {
            e.sql = Some(engine::sql::format_sql(dialect.as_ref(), &sql, &params));
            to_napi_logged(e, &format!("[{entries}]"))
        })?;
        let mut s = String::from("{");
        encode::output(&mut s, &out);
        s.push_str(",\"log\":[");
        s.push_str(&entries);
        s.push_str("]}");
        Ok(s)
    }

    /// An entity query's compiled SQL: `{"columns":[…],"rows":[[…]],"log":[…]}` for
    /// `NativeOrm.findRows()`, logged as MikroORM logs a find.
    #[napi]
    pub async fn query_rows(&self, sql: String, params_json: String, log: LogLevel) -> R<String> {
        let driver = self.driver.clone();
        let dialect = dialect_by_name("postgresql")
            .ok_or_else(|| to_napi(engine::Error::validation("No PostgreSQL dialect")))?;
        let params = parse_params(dialect.as_ref(), &params_json)?;
        let start = Instant::now();
        let res = driver.run(&sql, &params).await;
        let mut entries = String::new();
        if log > 0 {
            let count = match &res {
                Ok(Output::Rows(r)) => Some(("results", r.rows.len() as u64)),
                Ok(Output::Exec(_)) => Some(("results", 0)),
                Err(_) => None,
            };
            let took = Some(start.elapsed().as_millis());
            log_entry(
                &mut entries,
                dialect.as_ref(),
                log,
                &sql,
                &params,
                took,
                count,
                res.is_err(),
            );
        }
        let out = res.map_err(|mut e| {
            e.sql = Some(engine::sql::format_sql(dialect.as_ref(), &sql, &params));
            to_napi_logged(e, &format!("[{entries}]"))
        })?;
        let mut s = String::from("{\"columns\":[");
        if let Output::Rows(rows) = &out {
            for (n, c) in rows.columns.iter().enumerate() {
                if n > 0 {
                    s.push(',');
                }
                engine::value::write_json_str(&mut s, c);
            }
            s.push_str("],\"rows\":[");
            for (n, row) in rows.rows.iter().enumerate() {
                if n > 0 {
                    s.push(',');
                }
                encode::values(&mut s, row);
            }
        } else {
            s.push_str("],\"rows\":[");
        }
        s.push_str("],\"log\":[");
        s.push_str(&entries);
        s.push_str("]}");
        Ok(s)
    }

    #[napi]
    pub async fn close(&self) -> R<()> {
        self.driver.close().await;
        Ok(())
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
