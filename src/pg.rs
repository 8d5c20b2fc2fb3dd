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
        let params: Vec<serde_json::Value> = parse("parameters", &params_json).map_err(to_napi)?;
        let params = params
            .iter()
            .map(|p| engine::convert::plain(dialect.as_ref(), p))
            .collect::<engine::Result<Vec<_>>>()
            .map_err(to_napi)?;
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

    #[napi]
    pub async fn close(&self) -> R<()> {
        self.driver.close().await;
        Ok(())
    }
}
