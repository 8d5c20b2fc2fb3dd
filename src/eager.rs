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
use napi::{Env, Error, Status};

type Task = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

enum State {
    /// Being polled on the JS thread; `woken`: a wake came meanwhile.
    Polling { woken: bool },
    /// Waiting for its first wake.
    Parked(Task),
    /// On tokio (or finished).
    Handed,
}

struct Start(Mutex<State>);

impl Start {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Wake for Start {
    fn wake(self: Arc<Self>) {
        let mut st = self.state();
        match std::mem::replace(&mut *st, State::Handed) {
            State::Polling { .. } => *st = State::Polling { woken: true },
            State::Parked(task) => {
                drop(st);
                napi::bindgen_prelude::spawn(task);
            }
            State::Handed => {}
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
    let (deferred, promise) = env.create_deferred()?;
    let mut task: Task = Box::pin(async move {
        match AssertUnwindSafe(fut).catch_unwind().await {
            Ok(Ok(v)) => deferred.resolve(move |_| Ok(v)),
            Ok(Err(e)) => deferred.reject(e),
            Err(_) => deferred.reject(Error::new(
                Status::GenericFailure,
                "A native task panicked".to_string(),
            )),
        }
    });
    let start = Arc::new(Start(Mutex::new(State::Polling { woken: false })));
    let waker = Waker::from(start.clone());
    let polled = napi::bindgen_prelude::within_runtime_if_available(|| {
        task.as_mut().poll(&mut Context::from_waker(&waker))
    });
    if polled.is_pending() {
        let mut st = start.state();
        if matches!(*st, State::Polling { woken: true }) {
            *st = State::Handed;
            drop(st);
            napi::bindgen_prelude::spawn(task);
        } else {
            *st = State::Parked(task);
        }
    }
    Ok(promise)
}
