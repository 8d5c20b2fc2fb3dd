//! A connection pool for the server drivers, generic over sqlx's `Connection`.
//!
//! sqlx's own pool pings every connection it gets back (a round trip per release) and its
//! `close()` can return while a connection is still on its way back (sqlx issue #3217), which
//! left server backends open after `orm.close()`. This one is small and explicit: idle
//! connections in a stack, a semaphore of `max` permits, and `close()` that waits for every
//! permit before it closes the idle connections.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sqlx::Connection;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use engine::{Error, ErrorKind, Result};

pub struct PoolSettings {
    /// Idle connections kept past the idle timeout.
    pub min: u32,
    pub max: u32,
    pub idle_timeout: Option<Duration>,
    pub acquire_timeout: Duration,
    /// The server's name in errors ("PostgreSQL", "MySQL").
    pub server: &'static str,
}

pub struct Pool<C: Connection> {
    inner: Arc<Inner<C>>,
}

struct Inner<C: Connection> {
    connect: C::Options,
    settings: PoolSettings,
    idle: Mutex<Vec<(C, Instant)>>,
    permits: Arc<Semaphore>,
    closed: AtomicBool,
}

/// A connection out of the pool; it goes back when dropped (unless discarded or the pool closed).
pub struct Pooled<C: Connection> {
    conn: Option<C>,
    inner: Arc<Inner<C>>,
    _permit: OwnedSemaphorePermit,
}

impl<C: Connection> Pool<C> {
    /// A pool that starts with `first` idle (the connection that proved the server answers).
    pub fn new(connect: C::Options, settings: PoolSettings, first: Option<C>) -> Pool<C> {
        let permits = Arc::new(Semaphore::new(settings.max.max(1) as usize));
        Pool {
            inner: Arc::new(Inner {
                connect,
                settings,
                idle: Mutex::new(first.map(|c| (c, Instant::now())).into_iter().collect()),
                permits,
                closed: AtomicBool::new(false),
            }),
        }
    }

    /// A connection: an idle one, or a new one while fewer than `max` are out; waits up to the
    /// acquire timeout for one to come back.
    pub async fn acquire(&self) -> Result<Pooled<C>> {
        let inner = &self.inner;
        let server = inner.settings.server;
        if inner.closed.load(Ordering::Acquire) {
            return Err(closed(server));
        }
        let permit = match tokio::time::timeout(
            inner.settings.acquire_timeout,
            inner.permits.clone().acquire_owned(),
        )
        .await
        {
            Err(_) => {
                return Err(Error::new(
                    ErrorKind::ConnectionError,
                    format!("Timed out waiting for a {server} connection from the pool"),
                ))
            }
            Ok(Err(_)) => return Err(closed(server)),
            Ok(Ok(p)) => p,
        };
        let reuse = inner.take_idle();
        let conn = match reuse {
            Some(c) => c,
            None => C::connect_with(&inner.connect)
                .await
                .map_err(|e| Error::new(ErrorKind::ConnectionError, e.to_string()))?,
        };
        Ok(Pooled {
            conn: Some(conn),
            inner: inner.clone(),
            _permit: permit,
        })
    }

    /// Refuses new work, waits for every connection to come back, then closes them all.
    pub async fn close(&self) {
        let inner = &self.inner;
        inner.closed.store(true, Ordering::Release);
        let all = inner.settings.max.max(1);
        if let Ok(permits) = inner.permits.acquire_many(all).await {
            inner.permits.close();
            drop(permits);
        }
        let idle: Vec<C> = {
            let mut idle = inner.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.drain(..).map(|(c, _)| c).collect()
        };
        for c in idle {
            let _ = c.close().await;
        }
    }
}

impl<C: Connection> Inner<C> {
    /// The most recently used idle connection. Connections idle past the timeout are dropped
    /// (their sockets close), oldest first, down to `min`.
    fn take_idle(&self) -> Option<C> {
        let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(timeout) = self.settings.idle_timeout {
            let expired = idle
                .iter()
                .take_while(|(_, since)| since.elapsed() >= timeout)
                .count();
            let keep = (self.settings.min as usize).min(idle.len());
            let drop = expired.min(idle.len() - keep);
            idle.drain(..drop);
        }
        idle.pop().map(|(c, _)| c)
    }
}

impl<C: Connection> Pooled<C> {
    /// Closes the socket instead of returning the connection (after an I/O error).
    pub fn discard(mut self) {
        self.conn = None;
    }
}

impl<C: Connection> Drop for Pooled<C> {
    /// Back to the idle stack before the permit is released, so `close()` finds it there.
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            let mut idle = self.inner.idle.lock().unwrap_or_else(|p| p.into_inner());
            idle.push((c, Instant::now()));
        }
    }
}

impl<C: Connection> std::ops::Deref for Pooled<C> {
    type Target = C;
    fn deref(&self) -> &C {
        // `conn` is only taken by `discard` and `drop`, which consume the guard.
        self.conn
            .as_ref()
            .expect("a pooled connection outlives its guard")
    }
}

impl<C: Connection> std::ops::DerefMut for Pooled<C> {
    fn deref_mut(&mut self) -> &mut C {
        self.conn
            .as_mut()
            .expect("a pooled connection outlives its guard")
    }
}

fn closed(server: &str) -> Error {
    Error::new(
        ErrorKind::ConnectionError,
        format!("The {server} pool is closed"),
    )
}
