//! Promises whose future starts on the JS thread: it is polled there once (in the tokio
//! runtime's context), so a query is on the wire before any worker thread wakes. Only when the
//! future is woken (its socket answered) is it handed to tokio, by the very worker that saw the
//! answer: one thread wake-up less per round trip than `Env::spawn_future`.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Wake, Waker};

use futures_util::FutureExt;
use napi::bindgen_prelude::{Object, ToNapiValue};
use napi::{Env, Error, JsDeferred, Status};

type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

enum State {
    /// Being polled on the JS thread; `woken`: a wake came meanwhile.
    Polling { woken: bool },
    /// Waiting for its first wake.
    Parked(Task),
    /// On tokio (or finished).
    Handed,
}

/// Spawns through the runtime's handle, no global lock: on a runtime that has shut down, the
/// task is dropped (its promise rejected by `Settle`).
struct Start {
    state: Mutex<State>,
    runtime: tokio::runtime::Handle,
}

impl Start {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Wake for Start {
    fn wake(self: Arc<Self>) {
        let mut st = self.state();
        match std::mem::replace(&mut *st, State::Handed) {
            State::Polling { .. } => *st = State::Polling { woken: true },
            State::Parked(task) => {
                drop(st);
                self.runtime.spawn(task);
            }
            State::Handed => {}
        }
    }
}

type Resolve<T> = Box<dyn FnOnce(Env) -> napi::Result<T>>;

/// The promise's settlement: a task dropped unfinished (runtime shut down) rejects it.
struct Settle<T: ToNapiValue + 'static>(Option<JsDeferred<T, Resolve<T>>>);

impl<T: ToNapiValue + 'static> Drop for Settle<T> {
    fn drop(&mut self) {
        if let Some(d) = self.0.take() {
            d.reject(Error::new(
                Status::GenericFailure,
                "The native task was cancelled (the runtime shut down)".to_string(),
            ));
        }
    }
}

/// A promise of `fut`'s value: `fut` runs on the JS thread up to its first wait, then on tokio.
/// A panic rejects the promise.
pub fn spawn<'env, T, F>(env: &'env Env, fut: F) -> napi::Result<Object<'env>>
where
    T: ToNapiValue + Send + 'static,
    F: Future<Output = napi::Result<T>> + Send + 'static,
{
    let (deferred, promise) = env.create_deferred::<T, Resolve<T>>()?;
    let mut settle = Settle(Some(deferred));
    let mut task: Task = Box::pin(async move {
        let res = AssertUnwindSafe(fut).catch_unwind().await;
        let Some(d) = settle.0.take() else { return };
        match res {
            Ok(Ok(v)) => d.resolve(Box::new(move |_| Ok(v))),
            Ok(Err(e)) => d.reject(e),
            Err(_) => d.reject(Error::new(
                Status::GenericFailure,
                "A native task panicked".to_string(),
            )),
        }
    });
    let (polled, start) = napi::bindgen_prelude::within_runtime_if_available(|| {
        let start = Arc::new(Start {
            state: Mutex::new(State::Polling { woken: false }),
            runtime: tokio::runtime::Handle::current(),
        });
        let waker = Waker::from(start.clone());
        (task.as_mut().poll(&mut Context::from_waker(&waker)), start)
    });
    if polled.is_pending() {
        let mut st = start.state();
        if matches!(*st, State::Polling { woken: true }) {
            *st = State::Handed;
            drop(st);
            start.runtime.spawn(task);
        } else {
            *st = State::Parked(task);
        }
    }
    Ok(promise)
}
