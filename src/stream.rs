//! Streaming (`em.stream()`, `qb.stream()`): a query's rows pulled from a driver cursor in
//! chunks, so memory stays bounded by the chunk size whatever the result's size.

use std::collections::HashMap;
use std::sync::MutexGuard;

use napi::Env;
use napi_derive::napi;

use crate::driver::{Connection, Output, Rows};
use crate::exec::LogLevel;
use crate::{encode, to_napi, NativeOrm, NativeUow, R};
use engine::query::Compiled;
use engine::{Error, ErrorKind, Value};

/// Open streams by id. Ids are never reused within an ORM (a cursor's id is only unique per
/// connection), so an iterator left over from a closed connection finds nothing.
#[derive(Default)]
pub struct Streams {
    open: HashMap<u32, Stream>,
    next_id: u32,
}

impl Streams {
    pub fn clear(&mut self) {
        self.open.clear();
    }
}

pub struct Stream {
    cursor: u32,
    compiled: Compiled,
    columns: Vec<String>,
    /// The root entity's key columns: a chunk of whole roots never splits one root's rows.
    key: Vec<usize>,
    /// Rows read past the previous chunk, the start of the next one.
    carry: Vec<Vec<Value>>,
    /// The cursor is exhausted (and closed by the driver).
    exhausted: bool,
}

/// Where the last root entity's rows start (a to-many join repeats a root's row per item), so
/// a chunk can end before them; None while all rows are one root's.
pub fn last_root_start(rows: &[Vec<Value>], key: &[usize]) -> Option<usize> {
    let last = rows.last()?;
    let same = |r: &Vec<Value>| key.iter().all(|&i| r.get(i) == last.get(i));
    rows.iter().rposition(|r| !same(r)).map(|i| i + 1)
}

impl Stream {
    fn finished(&self) -> bool {
        self.exhausted && self.carry.is_empty()
    }

    /// The next `max` rows or, with `whole_roots`, at least `max` rows up to the end of the last
    /// root entity's rows (a to-many join repeats the root's row per item).
    fn next_chunk(
        &mut self,
        conn: &mut dyn Connection,
        max: usize,
        whole_roots: bool,
    ) -> engine::Result<Vec<Vec<Value>>> {
        let mut rows = std::mem::take(&mut self.carry);
        while !self.exhausted {
            let want = if rows.len() < max {
                max - rows.len()
            } else {
                max
            };
            let batch = conn.next_rows(self.cursor, want)?;
            self.exhausted = batch.len() < want;
            rows.extend(batch);
            if rows.len() < max {
                continue;
            }
            if !whole_roots || self.key.is_empty() || self.exhausted {
                break;
            }
            if let Some(end) = last_root_start(&rows, &self.key) {
                self.carry = rows.split_off(end);
                break;
            }
        }
        Ok(rows)
    }
}

impl NativeOrm {
    /// Forgets stream `id`, closing its cursor if the rows did not run out.
    fn drop_stream(&self, streams: &mut Streams, id: u32) {
        if let Some(st) = streams.open.remove(&id) {
            if !st.exhausted {
                let _ = self.with_conn(0, |ex, _| {
                    ex.conn.close_cursor(st.cursor);
                    Ok(())
                });
            }
        }
    }

    fn streams(&self) -> R<MutexGuard<'_, Streams>> {
        self.streams
            .lock()
            .map_err(|_| to_napi(Error::new(ErrorKind::Driver, "The stream lock is poisoned")))
    }

    /// Takes the next chunk of stream `id`, closing the stream once it is read to the end.
    fn chunk(
        &self,
        id: u32,
        max: u32,
        whole_roots: bool,
        f: impl FnOnce(&Stream, Rows) -> R<String>,
    ) -> R<String> {
        let mut streams = self.streams()?;
        let st = streams.open.get_mut(&id).ok_or_else(|| {
            to_napi(Error::new(
                ErrorKind::Driver,
                format!("The stream {id} is closed"),
            ))
        })?;
        let max = (max as usize).max(1);
        let read = self.with_conn(0, |ex, _| st.next_chunk(ex.conn, max, whole_roots));
        let rows = match read {
            Ok((rows, _)) => rows,
            Err(e) => {
                self.drop_stream(&mut streams, id);
                return Err(e);
            }
        };
        let columns = st.columns.clone();
        let mut s = match f(
            st,
            Rows {
                columns,
                rows,
                forms: Vec::new(),
            },
        ) {
            Ok(s) => s,
            Err(e) => {
                self.drop_stream(&mut streams, id);
                return Err(e);
            }
        };
        let done = st.finished();
        if done {
            streams.open.remove(&id);
        }
        s.push_str(if done {
            ",\"done\":true}"
        } else {
            ",\"done\":false}"
        });
        Ok(s)
    }
}

#[napi]
impl NativeOrm {
    /// Starts streaming a query's rows: `{"id":…,"log":[…]}`.
    #[napi(catch_unwind)]
    pub fn open_stream(&self, query_json: String, log: LogLevel) -> R<String> {
        let c = self.compile(&query_json).map_err(to_napi)?;
        let entity = self.meta.entity(c.entity).map_err(to_napi)?;
        let ((cursor, columns), log) =
            self.with_conn(log, |ex, _| ex.open_cursor(&c.sql.text, &c.sql.params))?;
        let key = entity
            .pk
            .iter()
            .filter_map(|&i| {
                columns
                    .iter()
                    .position(|c| *c == entity.props[i].field_name)
            })
            .collect();
        let stream = Stream {
            cursor,
            compiled: c,
            columns,
            key,
            carry: Vec::new(),
            exhausted: false,
        };
        let mut streams = self.streams()?;
        streams.next_id += 1;
        let id = streams.next_id;
        streams.open.insert(id, stream);
        Ok(format!("{{\"id\":{id},\"log\":{log}}}"))
    }

    /// The next chunk as entity rows (the `find` answer plus `"done"`), snapshots registered in
    /// `uow`. With `whole_roots`, a root's rows are never split between chunks.
    #[napi(catch_unwind)]
    pub fn stream_entities(
        &self,
        env: Env,
        uow: &mut NativeUow,
        id: u32,
        max: u32,
        whole_roots: bool,
    ) -> R<String> {
        let s = self.chunk(id, max, whole_roots, |st, rows| {
            let entity = self.meta.entity(st.compiled.entity).map_err(to_napi)?;
            self.entity_answer(uow, &st.compiled, entity, rows, false)
        })?;
        uow.sync_memory(&env);
        Ok(s)
    }

    /// The next chunk as raw rows: `{"rows":[{column: value}],…,"done":…}`.
    #[napi(catch_unwind)]
    pub fn stream_rows(&self, id: u32, max: u32) -> R<String> {
        self.chunk(id, max, false, |_, rows| {
            let mut s = String::from("{");
            encode::output(&mut s, &Output::Rows(rows));
            Ok(s)
        })
    }

    /// Stops a stream before its end (`break` out of the loop); a finished stream is ignored.
    #[napi(catch_unwind)]
    pub fn close_stream(&self, id: u32) -> R<()> {
        let mut streams = self.streams()?;
        self.drop_stream(&mut streams, id);
        Ok(())
    }
}
