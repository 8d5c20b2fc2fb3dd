//! Compiled queries cached by shape: a query's JSON with the condition values taken out.
//!
//! A query is scanned once: the values inside `where`, `clause`, `having` and the `where` of
//! `filterJoins` become slot markers, which gives the shape (the key) and the values in order.
//! A shape seen for the first time is compiled twice, with the values and with the markers.
//! It becomes a template only when both compiles write the same SQL, every marker comes out
//! as a parameter of its own (converted by `to_db`/`plain`, which pass markers through with
//! their conversion), and binding the values to the template gives exactly the first compile's
//! parameters. A value that shapes the SQL (a marker inlined, rewritten or left out) makes
//! the shape uncacheable: such queries are always compiled in full.
//!
//! Markers carry a random per-process nonce, so a user's value can never pass for one.

use std::sync::OnceLock;

use rustc_hash::FxHashMap;
use serde_json::Value as Json;

use crate::convert::{plain, to_db};
use crate::dialect::Dialect;
use crate::meta::{EntityMeta, Metadata, PropMeta};
use crate::query::{Compiled, Compiler, Query};
use crate::{Result, Value};

/// Shapes kept per compiler cache; the cache starts over when it is full.
const CAPACITY: usize = 1024;
/// Queries with more values, or longer shapes (long `$in` lists), are not cached.
const MAX_VALUES: usize = 64;
const MAX_KEY: usize = 16 * 1024;
/// Deeper JSON is left to serde (which refuses it), not scanned.
const MAX_DEPTH: usize = 128;

fn nonce() -> &'static str {
    static NONCE: OnceLock<String> = OnceLock::new();
    NONCE.get_or_init(|| {
        use std::hash::BuildHasher;
        let s = std::collections::hash_map::RandomState::new();
        format!("{:016x}{:016x}", s.hash_one(1u8), s.hash_one(2u8))
    })
}

/// The leaf index of a slot marker (`\u{1}<nonce>:<class><index>`), if `s` is one.
fn marker_slot(s: &str) -> Option<&str> {
    s.strip_prefix('\u{1}')?
        .strip_prefix(nonce())?
        .strip_prefix(':')
}

/// What `to_db` binds for a marker: the marker with the conversion to apply to its value.
pub fn marker_for_prop(v: &Json, entity: &EntityMeta, prop: &PropMeta) -> Option<Value> {
    let Json::String(s) = v else { return None };
    marker_slot(s)?;
    let index = entity.props.iter().position(|p| std::ptr::eq(p, prop))?;
    Some(Value::Text(format!("{s}|{}.{index}", entity.index)))
}

/// What `plain` binds for a marker.
pub fn marker_plain(v: &Json) -> Option<Value> {
    let Json::String(s) = v else { return None };
    marker_slot(s).map(|_| Value::Text(format!("{s}|plain")))
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Conv {
    Plain,
    Prop(usize, usize),
}

#[derive(Clone, Debug)]
enum Param {
    Const(Value),
    Slot(usize, Conv),
}

struct Template {
    compiled: Compiled,
    params: Vec<Param>,
}

/// Per-compiler cache: shape → template, or `None` for an uncacheable shape.
#[derive(Default)]
pub struct ShapeCache {
    shapes: FxHashMap<String, Option<Template>>,
    /// Hits and compiles, for tests and benchmarks.
    pub hits: u64,
    pub misses: u64,
}

impl ShapeCache {
    /// Compiles `json`, through the cache.
    pub fn compile(
        &mut self,
        dialect: &dyn Dialect,
        meta: &Metadata,
        json: &str,
    ) -> Result<Compiled> {
        let compiler = Compiler { dialect, meta };
        // Without values (nothing to bind) or with many, a query is compiled as it is.
        let Some((key, leaves)) = scan(json).filter(|(key, leaves)| {
            !leaves.is_empty() && leaves.len() <= MAX_VALUES && key.len() <= MAX_KEY
        }) else {
            return compiler.compile(&Query::from_json(json)?);
        };
        if let Some(entry) = self.shapes.get(&key) {
            if let Some(t) = entry {
                self.hits += 1;
                let bound = bind(dialect, meta, t, &leaves);
                // Debug builds (the test suite) check every hit against a full compile.
                #[cfg(debug_assertions)]
                check_hit(&compiler, json, &bound)?;
                return bound;
            }
            return compiler.compile(&Query::from_json(json)?);
        }
        self.misses += 1;
        let compiled = compiler.compile(&Query::from_json(json)?)?;
        let template = Query::from_json(&key)
            .and_then(|q| compiler.compile(&q))
            .ok()
            .and_then(|s| template(dialect, meta, s, &compiled, leaves.len(), &leaves));
        if self.shapes.len() >= CAPACITY {
            self.shapes.clear();
        }
        self.shapes.insert(key, template);
        Ok(compiled)
    }
}

#[cfg(debug_assertions)]
fn check_hit(compiler: &Compiler, json: &str, bound: &Result<Compiled>) -> Result<()> {
    let full = Query::from_json(json).and_then(|q| compiler.compile(&q));
    let same = match (&full, bound) {
        (Ok(f), Ok(b)) => {
            f.sql.text == b.sql.text && f.sql.params == b.sql.params && f.sql.dates == b.sql.dates
        }
        (Err(f), Err(b)) => f.message == b.message,
        _ => false,
    };
    if same {
        return Ok(());
    }
    Err(crate::Error::new(
        crate::ErrorKind::Driver,
        format!("Query cache mismatch for {json}: cached {bound:?}, compiled {full:?}"),
    ))
}

/// The template a marker compile `s` gives, if binding `leaves` to it reproduces `real`.
fn template(
    dialect: &dyn Dialect,
    meta: &Metadata,
    s: Compiled,
    real: &Compiled,
    slots: usize,
    leaves: &[Json],
) -> Option<Template> {
    if s.sql.text != real.sql.text {
        return None;
    }
    let mut used = vec![false; slots];
    let mut params = Vec::with_capacity(s.sql.params.len());
    for p in &s.sql.params {
        params.push(match p {
            Value::Text(t) => match marker_slot(t) {
                Some(rest) => {
                    let (slot, conv) = parse_slot(rest)?;
                    *used.get_mut(slot)? = true;
                    Param::Slot(slot, conv)
                }
                None => Param::Const(p.clone()),
            },
            other => Param::Const(other.clone()),
        });
    }
    if used.contains(&false) {
        return None;
    }
    let t = Template {
        compiled: Compiled {
            sql: crate::sql::Sql {
                text: s.sql.text,
                params: Vec::new(),
                dates: s.sql.dates,
            },
            ..s
        },
        params,
    };
    let bound = bind(dialect, meta, &t, leaves).ok()?;
    (bound.sql.params == real.sql.params && bound.sql.dates == real.sql.dates).then_some(t)
}

/// `<class><index>|<entity>.<prop>` or `<class><index>|plain`.
fn parse_slot(rest: &str) -> Option<(usize, Conv)> {
    let (slot, conv) = rest.split_once('|')?;
    let slot = slot.get(1..)?.parse().ok()?;
    let conv = match conv.split_once('.') {
        None if conv == "plain" => Conv::Plain,
        Some((e, p)) => Conv::Prop(e.parse().ok()?, p.parse().ok()?),
        None => return None,
    };
    Some((slot, conv))
}

/// The template's SQL with `leaves` bound. Which parameters are dates depends on the values
/// for the properties' slots (conditions only: written values are never slots).
fn bind(dialect: &dyn Dialect, meta: &Metadata, t: &Template, leaves: &[Json]) -> Result<Compiled> {
    let mut params = Vec::with_capacity(t.params.len());
    let mut dates = Vec::new();
    for (n, p) in t.params.iter().enumerate() {
        let (value, date) = match p {
            Param::Const(v) => (v.clone(), t.compiled.sql.dates.contains(&n)),
            Param::Slot(i, Conv::Plain) => (plain(dialect, &leaves[*i])?, false),
            Param::Slot(i, Conv::Prop(e, p)) => {
                let entity = meta.entity(*e)?;
                let prop = &entity.props[*p];
                let v = to_db(dialect, entity, prop, &leaves[*i])?;
                let date = crate::sql::is_condition_date(prop, &v);
                (v, date)
            }
        };
        if date {
            dates.push(n);
        }
        params.push(value);
    }
    let mut c = t.compiled.clone();
    c.sql.params = params;
    c.sql.dates = dates;
    Ok(c)
}

/// The shape of a query's JSON (values of conditions replaced by markers) and those values, in
/// order; `None` for JSON the scanner does not follow (the query is then compiled in full).
pub fn scan(json: &str) -> Option<(String, Vec<Json>)> {
    let mut s = Scanner {
        b: json.as_bytes(),
        src: json,
        i: 0,
        key: String::with_capacity(json.len() + 64),
        leaves: Vec::new(),
        depth: 0,
    };
    s.ws();
    if s.b.first() != Some(&b'{') {
        return None;
    }
    s.object(Region::Top)?;
    s.ws();
    (s.i == s.b.len()).then_some((s.key, s.leaves))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Region {
    /// The query object: its keys decide the regions below.
    Top,
    /// Copied as is.
    Plain,
    /// Conditions: string and number values become markers.
    Values,
    /// `filterJoins`: the `where` of each item holds values.
    FilterJoins,
}

struct Scanner<'a> {
    b: &'a [u8],
    src: &'a str,
    i: usize,
    key: String,
    leaves: Vec<Json>,
    depth: usize,
}

impl Scanner<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\n' | b'\r' | b'\t') {
            self.i += 1;
        }
    }

    fn copy(&mut self, from: usize) {
        self.key.push_str(&self.src[from..self.i]);
    }

    fn value(&mut self, region: Region) -> Option<()> {
        self.ws();
        match *self.b.get(self.i)? {
            b'{' | b'[' if self.depth >= MAX_DEPTH => None,
            b'{' => {
                self.depth += 1;
                let r = self.object(region);
                self.depth -= 1;
                r
            }
            b'[' => {
                self.depth += 1;
                let r = self.array(region);
                self.depth -= 1;
                r
            }
            b'"' => {
                let start = self.i;
                let escaped = self.string()?;
                if region == Region::Values {
                    let text = &self.src[start..self.i];
                    let leaf = if escaped {
                        serde_json::from_str(text).ok()?
                    } else {
                        Json::String(text[1..text.len() - 1].to_string())
                    };
                    self.marker('s', leaf);
                } else {
                    self.copy(start);
                }
                Some(())
            }
            b'-' | b'0'..=b'9' => {
                let start = self.i;
                while self.i < self.b.len()
                    && matches!(
                        self.b[self.i],
                        b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'
                    )
                {
                    self.i += 1;
                }
                if region == Region::Values {
                    let text = &self.src[start..self.i];
                    let class = if text.contains(['.', 'e', 'E']) {
                        'f'
                    } else {
                        'i'
                    };
                    self.marker(class, serde_json::from_str(text).ok()?);
                } else {
                    self.copy(start);
                }
                Some(())
            }
            _ => {
                let start = self.i;
                for lit in ["true", "false", "null"] {
                    if self.src[self.i..].starts_with(lit) {
                        self.i += lit.len();
                        self.copy(start);
                        return Some(());
                    }
                }
                None
            }
        }
    }

    fn marker(&mut self, class: char, leaf: Json) {
        use std::fmt::Write;
        let _ = write!(
            self.key,
            "\"\\u0001{}:{class}{}\"",
            nonce(),
            self.leaves.len()
        );
        self.leaves.push(leaf);
    }

    /// Skips a string; returns whether it has escapes.
    fn string(&mut self) -> Option<bool> {
        self.i += 1;
        let mut escaped = false;
        loop {
            match *self.b.get(self.i)? {
                b'"' => {
                    self.i += 1;
                    return Some(escaped);
                }
                b'\\' => {
                    escaped = true;
                    self.i += 2;
                }
                _ => self.i += 1,
            }
        }
    }

    fn object(&mut self, region: Region) -> Option<()> {
        self.key.push('{');
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b'}') {
            self.i += 1;
            self.key.push('}');
            return Some(());
        }
        loop {
            self.ws();
            let start = self.i;
            if self.b.get(self.i) != Some(&b'"') {
                return None;
            }
            self.string()?;
            let name = &self.src[start + 1..self.i - 1];
            let inner = match region {
                Region::Top => match name {
                    "where" | "clause" | "having" => Region::Values,
                    "filterJoins" => Region::FilterJoins,
                    _ => Region::Plain,
                },
                Region::FilterJoins if name == "where" => Region::Values,
                Region::FilterJoins => Region::Plain,
                other => other,
            };
            self.copy(start);
            self.ws();
            if self.b.get(self.i) != Some(&b':') {
                return None;
            }
            self.i += 1;
            self.key.push(':');
            self.value(inner)?;
            self.ws();
            match *self.b.get(self.i)? {
                b',' => {
                    self.i += 1;
                    self.key.push(',');
                }
                b'}' => {
                    self.i += 1;
                    self.key.push('}');
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, region: Region) -> Option<()> {
        self.key.push('[');
        self.i += 1;
        self.ws();
        if self.b.get(self.i) == Some(&b']') {
            self.i += 1;
            self.key.push(']');
            return Some(());
        }
        loop {
            self.value(region)?;
            self.ws();
            match *self.b.get(self.i)? {
                b',' => {
                    self.i += 1;
                    self.key.push(',');
                }
                b']' => {
                    self.i += 1;
                    self.key.push(']');
                    return Some(());
                }
                _ => return None,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(class: char, i: usize) -> String {
        format!("\"\\u0001{}:{class}{i}\"", nonce())
    }

    #[test]
    fn scan_takes_condition_values_out_and_keeps_the_rest() {
        let (key, leaves) = scan(
            r#"{"kind":"select","entity":0,"where":{"name":"a\"b","age":{"$gt":1.5},"id":{"$in":[1,2]},"x":null,"ok":true},"filterJoins":[{"path":"author","where":{"name":"A"}}],"limit":3}"#,
        )
        .unwrap();
        assert_eq!(
            key,
            format!(
                r#"{{"kind":"select","entity":0,"where":{{"name":{},"age":{{"$gt":{}}},"id":{{"$in":[{},{}]}},"x":null,"ok":true}},"filterJoins":[{{"path":"author","where":{{"name":{}}}}}],"limit":3}}"#,
                marker('s', 0),
                marker('f', 1),
                marker('i', 2),
                marker('i', 3),
                marker('s', 4)
            )
        );
        let expected: Vec<Json> = serde_json::from_str(r#"["a\"b",1.5,1,2,"A"]"#).unwrap();
        assert_eq!(leaves, expected);
    }

    #[test]
    fn scan_gives_up_on_what_it_does_not_follow() {
        assert!(scan(r#"{"where":{"a":1}"#).is_none());
        assert!(scan(r#"{"where":{"a":1}} x"#).is_none());
        assert!(scan(r#"[1]"#).is_none());
    }

    #[test]
    fn scan_leaves_deep_json_to_serde() {
        let deep = format!(
            r#"{{"where":{{"a":{}1{}}}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert!(scan(&deep).is_none());
        let fine = format!(
            r#"{{"where":{{"a":{}1{}}}}}"#,
            "[".repeat(100),
            "]".repeat(100)
        );
        assert!(scan(&fine).is_some());
    }

    #[test]
    fn user_values_never_pass_for_markers() {
        assert!(marker_plain(&Json::String("\u{1}0000:s0".into())).is_none());
        let forged = format!("\u{1}{}:s0", nonce());
        assert!(marker_plain(&Json::String(forged)).is_some());
    }
}
