//! What every server driver shares: connection settings as MikroORM names them, the pool, and
//! the transaction that pins one connection. A backend (`postgres.rs`, `mysql.rs`) supplies
//! connecting and running one statement.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::pool::{Pool, PoolSettings, Pooled};
use super::Output;
use engine::{Error, ErrorKind, Result, Value};

/// Connection settings, as MikroORM names them.
#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ServerOptions {
    /// The engine dialect (`mysql` and `mariadb` share a backend).
    pub dialect: String,
    /// The zone of zone-less datetime columns (`±HH:MM`, `local`); UTC when absent.
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub client_url: Option<String>,
    #[serde(default)]
    pub db_name: Option<String>,
    #[serde(default)]
    pub host: Option<String>,
    #[serde(default)]
    pub port: Option<u16>,
    #[serde(default)]
    pub user: Option<String>,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub pool: PoolOptions,
}

#[derive(serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PoolOptions {
    #[serde(default)]
    pub min: Option<u32>,
    #[serde(default)]
    pub max: Option<u32>,
    #[serde(default)]
    pub idle_timeout_millis: Option<u64>,
    /// How long a query waits for a free connection before failing (default 30 s).
    #[serde(default)]
    pub acquire_timeout_millis: Option<u64>,
}

/// One database server's protocol.
pub trait Backend: Send + Sync + 'static {
    type Conn: sqlx::Connection + Send;
    /// The server's name in messages ("PostgreSQL").
    const NAME: &'static str;
    /// Whether an insert's id is the first generated key (MySQL) rather than the last (SQLite).
    const INSERT_ID_IS_FIRST: bool;

    /// The connect options, and a first connection (a refusal is reported at once, naming host,
    /// port, database and user, never the password).
    fn connect(
        opts: &ServerOptions,
    ) -> impl Future<Output = Result<(<Self::Conn as sqlx::Connection>::Options, Self::Conn)>> + Send;

    /// Runs one statement with `?` placeholders; statements that produce columns return rows.
    fn run_on(
        conn: &mut Self::Conn,
        sql: &str,
        params: &[Value],
    ) -> impl Future<Output = Result<Output>> + Send;

    /// Streams a select: its column names into `columns` (or its error), then each row into
    /// `rows` as it comes from the server, waiting while the channel is full; stops when the
    /// receiver is gone or a row fails.
    fn stream_on(
        conn: &mut Self::Conn,
        sql: &str,
        params: &[Value],
        columns: tokio::sync::oneshot::Sender<Result<Vec<String>>>,
        rows: tokio::sync::mpsc::Sender<Result<Vec<Value>>>,
    ) -> impl Future<Output = ()> + Send;
}

/// The connect options in `clientUrl` (an error naming the option when it does not parse).
pub fn parse_client_url<T: std::str::FromStr>(url: &str) -> Result<T>
where
    T::Err: std::fmt::Display,
{
    url.parse::<T>().map_err(|e| {
        Error::new(
            ErrorKind::ConnectionError,
            format!("Invalid clientUrl: {e}"),
        )
    })
}

/// Hands a streaming select's columns (or its error) to `columns`: the arguments to run it with,
/// or None when it failed or nobody waits any more.
pub fn send_columns<T>(
    columns: tokio::sync::oneshot::Sender<Result<Vec<String>>>,
    prepared: Result<(Vec<String>, T)>,
) -> Option<T> {
    match prepared {
        Ok((names, args)) => columns.send(Ok(names)).ok().map(|_| args),
        Err(e) => {
            let _ = columns.send(Err(e));
            None
        }
    }
}

/// Sends a fetch's rows into `rows` as they come, decoded; stops when the receiver is gone or a
/// row fails.
pub async fn forward_rows<R>(
    mut stream: futures_util::stream::BoxStream<'_, std::result::Result<R, sqlx::Error>>,
    decode: impl Fn(std::result::Result<R, sqlx::Error>) -> Result<Vec<Value>>,
    rows: tokio::sync::mpsc::Sender<Result<Vec<Value>>>,
) {
    while let Some(row) = futures_util::StreamExt::next(&mut stream).await {
        let row = decode(row);
        let failed = row.is_err();
        if rows.send(row).await.is_err() || failed {
            return;
        }
    }
}

/// The rows of a streaming select, as they come.
pub type RowReceiver = tokio::sync::mpsc::Receiver<Result<Vec<Value>>>;

/// The id JS gives a transaction (0: no transaction).
pub type TxId = u32;

pub struct ServerDriver<B: Backend> {
    pool: Pool<B::Conn>,
    /// Open transactions by id, each pinning one connection. Transactions of different forks
    /// run side by side; the statements of one transaction take turns on its connection.
    txs: std::sync::Mutex<HashMap<TxId, OpenTx<B::Conn>>>,
    dialect: String,
    zone: engine::time::Zone,
    /// Whether raw results give JSON columns parsed (`Dialect::raw_json_parsed`).
    pub raw_json_parsed: bool,
}

/// An open transaction, shared by the statements that run in it.
type OpenTx<C> = Arc<tokio::sync::Mutex<TxConn<C>>>;

/// A connection held by a transaction, and its depth (savepoints below 1).
pub struct TxConn<C: sqlx::Connection> {
    conn: Pooled<C>,
    depth: u32,
}

/// The connection a statement runs on: its transaction's, or one from the pool.
pub enum ConnGuard<C: sqlx::Connection> {
    Tx(tokio::sync::OwnedMutexGuard<TxConn<C>>),
    Pooled(Pooled<C>),
}

impl<C: sqlx::Connection> std::ops::Deref for ConnGuard<C> {
    type Target = C;
    fn deref(&self) -> &C {
        match self {
            ConnGuard::Tx(t) => &t.conn,
            ConnGuard::Pooled(c) => c,
        }
    }
}

impl<C: sqlx::Connection> std::ops::DerefMut for ConnGuard<C> {
    fn deref_mut(&mut self) -> &mut C {
        match self {
            ConnGuard::Tx(t) => &mut t.conn,
            ConnGuard::Pooled(c) => c,
        }
    }
}

impl<B: Backend> ServerDriver<B> {
    pub async fn connect(opts: &ServerOptions) -> Result<ServerDriver<B>> {
        let zone = match opts.timezone.as_deref() {
            None => engine::time::Zone::Utc,
            Some(z) => engine::time::Zone::parse(z).ok_or_else(|| {
                Error::validation(format!(
                    "Invalid 'timezone' option '{z}': expected 'Z', 'local' or an offset like '+02:00'"
                ))
            })?,
        };
        let (connect, first) = B::connect(opts).await?;
        let settings = PoolSettings {
            min: opts.pool.min.unwrap_or(0),
            max: opts.pool.max.unwrap_or(10),
            idle_timeout: opts.pool.idle_timeout_millis.map(Duration::from_millis),
            acquire_timeout: Duration::from_millis(
                opts.pool.acquire_timeout_millis.unwrap_or(30_000),
            ),
            server: B::NAME,
        };
        Ok(ServerDriver {
            pool: Pool::new(connect, settings, Some(first)),
            txs: std::sync::Mutex::new(HashMap::new()),
            dialect: opts.dialect.clone(),
            zone,
            raw_json_parsed: engine::dialect::dialect_by_name(&opts.dialect)
                .is_none_or(|d| d.raw_json_parsed()),
        })
    }

    /// The engine dialect this driver's SQL is written in (datetime parameters in its zone).
    pub fn dialect(&self) -> Result<Box<dyn engine::dialect::Dialect>> {
        engine::dialect::dialect_for(&self.dialect, self.zone)
            .ok_or_else(|| Error::validation(format!("Unknown dialect '{}'", self.dialect)))
    }

    /// Closes every connection; transactions still open are abandoned (the server rolls them
    /// back when their connection closes).
    pub async fn close(&self) {
        self.txs.lock().unwrap_or_else(|p| p.into_inner()).clear();
        self.pool.close().await;
    }

    /// Transaction `tx`'s connection, or one from the pool when `tx` is not open (statements
    /// that must share a connection, as a flush's, keep the guard).
    pub async fn conn(&self, tx: TxId) -> Result<ConnGuard<B::Conn>> {
        match self.open_tx(tx) {
            Some(t) => Ok(ConnGuard::Tx(t.lock_owned().await)),
            None => Ok(ConnGuard::Pooled(self.pool.acquire().await?)),
        }
    }

    fn open_tx(&self, tx: TxId) -> Option<OpenTx<B::Conn>> {
        let txs = self.txs.lock().unwrap_or_else(|p| p.into_inner());
        txs.get(&tx).cloned()
    }

    /// Whether transaction `tx` is open.
    pub fn in_transaction(&self, tx: TxId) -> bool {
        self.open_tx(tx).is_some()
    }

    /// `begin`, `commit` or `rollback` of transaction `tx` (savepoints when nested): the
    /// statements it ran.
    pub async fn transaction(
        &self,
        tx: TxId,
        op: &str,
        begin: crate::BeginOptions<'_>,
    ) -> Result<Vec<String>> {
        let dialect = self.dialect()?;
        let Some(open) = self.open_tx(tx) else {
            if op != "begin" {
                return Err(Error::validation(format!(
                    "Cannot {op}: no transaction is active"
                )));
            }
            let statements = crate::tx_statements(dialect.as_ref(), op, 0, begin);
            let mut conn = self.pool.acquire().await?;
            for sql in &statements {
                B::run_on(&mut conn, sql, &[]).await?;
            }
            let t = Arc::new(tokio::sync::Mutex::new(TxConn { conn, depth: 1 }));
            self.txs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(tx, t);
            return Ok(statements);
        };
        let mut t = open.lock().await;
        let statements = crate::tx_statements(dialect.as_ref(), op, t.depth, begin);
        for sql in &statements {
            if let Err(e) = B::run_on(&mut t.conn, sql, &[]).await {
                if t.depth == 1 && op != "begin" {
                    // A failed commit or rollback ends the transaction (the server ended it).
                    self.txs
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .remove(&tx);
                }
                return Err(e);
            }
        }
        if op == "begin" {
            t.depth += 1;
        } else {
            t.depth -= 1;
        }
        if t.depth == 0 {
            // The connection goes back to the pool once the guard and the map let it go.
            self.txs
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(&tx);
        }
        Ok(statements)
    }

    /// Starts streaming a select on a pooled connection, which the stream holds until its rows
    /// run out or its receiver is dropped: the column names and the rows as they come (a
    /// bounded channel, so the server is read as JS asks for rows). In transaction `tx`, the
    /// rows are read at once.
    pub async fn open_stream(
        &self,
        tx: TxId,
        sql: String,
        params: Vec<Value>,
    ) -> Result<(Vec<String>, RowReceiver)> {
        if self.in_transaction(tx) {
            // In a transaction the rows are read at once: a stream holding the transaction's
            // connection would keep the transaction's other statements waiting for it.
            let rows = match self.run(tx, &sql, &params).await? {
                Output::Rows(r) => r,
                Output::Exec(_) => super::Rows {
                    columns: Vec::new(),
                    rows: Vec::new(),
                    forms: Vec::new(),
                },
            };
            let (rows_tx, rows_rx) = tokio::sync::mpsc::channel(rows.rows.len().max(1));
            for row in rows.rows {
                let _ = rows_tx.try_send(Ok(row));
            }
            return Ok((rows.columns, rows_rx));
        }
        let mut conn = self.conn(tx).await?;
        let (columns_tx, columns_rx) = tokio::sync::oneshot::channel();
        let (rows_tx, rows_rx) = tokio::sync::mpsc::channel(256);
        tokio::spawn(async move {
            B::stream_on(&mut conn, &sql, &params, columns_tx, rows_tx).await;
        });
        let columns = columns_rx.await.map_err(|_| {
            Error::new(ErrorKind::Driver, "The stream ended before its first row")
        })??;
        Ok((columns, rows_rx))
    }

    /// Runs one statement in transaction `tx` or on a pooled connection.
    pub async fn run(&self, tx: TxId, sql: &str, params: &[Value]) -> Result<Output> {
        let mut conn = self.conn(tx).await?;
        let res = B::run_on(&mut conn, sql, params).await;
        if let (Err(e), ConnGuard::Pooled(c)) = (&res, conn) {
            if e.kind == ErrorKind::ConnectionError {
                // A connection that failed mid-statement does not go back to the pool.
                c.discard();
            }
        }
        res
    }
}

/// A failed first connection: "Cannot connect to PostgreSQL at host:port (database 'db', user
/// 'u'): …", never with the password.
pub fn connect_error(
    server: &str,
    (host, port, db, user): (&str, u16, Option<&str>, &str),
    mut err: Error,
) -> Error {
    err.kind = ErrorKind::ConnectionError;
    err.message = format!(
        "Cannot connect to {server} at {host}:{port} (database '{}', user '{user}'): {}",
        db.unwrap_or_default(),
        err.message
    );
    err
}

/// Whether `sql` holds more than one statement (a `;` outside quotes before more text).
pub fn several_statements(sql: &str) -> bool {
    split_statements(sql).len() > 1
}

/// The statements of a script, split at `;` outside quoted text and identifiers.
pub fn split_statements(sql: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut quote: Option<char> = None;
    let mut start = 0;
    for (i, c) in sql.char_indices() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' | '`' => quote = Some(c),
            ';' => {
                let stmt = sql[start..i].trim();
                if !stmt.is_empty() {
                    out.push(stmt);
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    let rest = sql[start..].trim();
    if !rest.is_empty() {
        out.push(rest);
    }
    out
}
