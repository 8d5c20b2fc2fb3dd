//! Bulk statements for flushes no query log shows (PostgreSQL): a group's rows go as one array
//! parameter per column through `unnest` (or `= any(…)` for removed keys), in one statement,
//! instead of MikroORM's batches of `values` rows, `case when` updates or `in (…)` lists. The server parses two parameters instead of thousands
//! and matches rows by join instead of by `case`. Rows that do not fit (a missing value, a
//! version, a reference to a row of the same flush in an update, an array column) take
//! MikroORM's statements.

use std::fmt::Write;

use super::{Fixup, NewRef, Snapshot, Step, StepKind, Update};
use crate::dialect::{push_quoted_item, Dialect};
use crate::meta::{EntityMeta, Metadata, PropType};
use crate::query::write_returning_pk;
use crate::sql::Writer;
use crate::value::Value;

/// The element type of a column's array, or `None` when the column cannot go in one.
fn element_type(d: &dyn Dialect, meta: &Metadata, e: &EntityMeta, i: usize) -> Option<String> {
    if e.props[i].ty == PropType::Array {
        return None;
    }
    let t = crate::schema::column_type(d, meta, e, i);
    let t = match t.to_ascii_lowercase().as_str() {
        "serial" | "serial4" => "int".to_string(),
        "bigserial" | "serial8" => "bigint".to_string(),
        "smallserial" | "serial2" => "smallint".to_string(),
        // Without its size: an explicit cast to `varchar(255)` cuts a longer text short, while
        // the column's own assignment rejects it, as MikroORM's statement does.
        _ if !t.starts_with('"') => match t.split_once('(') {
            Some((base, rest)) => format!("{base}{}", rest.split_once(')').map_or("", |r| r.1)),
            None => t,
        },
        _ => t,
    };
    (!t.contains('[')).then_some(t)
}

/// `?::text::<type>[]`: an array literal, bound as text and cast by the server.
fn write_array(w: &mut Writer, ty: &str) {
    w.param(Value::Null);
    w.push("::text::").push(ty).push("[]");
}

/// A value that can go in an array literal (a non-finite float cannot).
fn fits(v: &Value) -> bool {
    !matches!(v, Value::Real(f) if !f.is_finite())
}

/// PostgreSQL's array literal of `values` (`{"a",NULL,"b"}`): every element quoted, so its
/// text is taken as is by the element type's input.
pub(super) fn array_literal(values: &[Value]) -> Value {
    let mut s = String::with_capacity(values.len() * 8 + 2);
    s.push('{');
    for (n, v) in values.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        match v {
            Value::Null => s.push_str("NULL"),
            Value::Bool(b) => s.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(s, "{i}");
            }
            Value::Real(f) => {
                let _ = write!(s, "{f}");
            }
            Value::Text(t) => push_quoted_item(&mut s, t),
            Value::Blob(b) => {
                let mut hex = String::with_capacity(b.len() * 2 + 2);
                hex.push_str("\\x");
                for byte in b {
                    let _ = write!(hex, "{byte:02x}");
                }
                push_quoted_item(&mut s, &hex);
            }
        }
    }
    s.push('}');
    Value::Text(s)
}

/// The columns of rows that all define the same properties (a reference to a new row counts),
/// in property order; `None` when they differ.
fn common_columns(rows: &[Snapshot]) -> Option<Vec<usize>> {
    let first = rows.first()?;
    let cols: Vec<usize> = (0..first.len()).filter(|&i| first[i].is_some()).collect();
    rows.iter()
        .all(|r| (0..r.len()).all(|i| r[i].is_some() == first[i].is_some()))
        .then_some(cols)
}

/// One `insert … select * from unnest(…)` for all of a group's `rows`, or `None` (and the rows
/// back) when they do not fit.
#[allow(clippy::too_many_arguments)]
pub(super) fn insert_step(
    d: &dyn Dialect,
    meta: &Metadata,
    entity: &EntityMeta,
    group: usize,
    mut rows: Vec<Snapshot>,
    refs: &[(usize, usize, NewRef)],
    ignore_conflicts: bool,
) -> Result<Step, Vec<Snapshot>> {
    let Some(cols) = common_columns(&rows) else {
        return Err(rows);
    };
    let auto = entity.autoincrement_pk();
    let returning = auto.is_some_and(|pk| !cols.contains(&pk));
    let types: Option<Vec<String>> = cols
        .iter()
        .map(|&i| element_type(d, meta, entity, i))
        .collect();
    let fitting = rows.iter().all(|r| r.iter().flatten().all(fits));
    let (Some(types), true, None, false) = (types, fitting, entity.version_prop(), cols.is_empty())
    else {
        return Err(rows);
    };
    let mut w = Writer::new(d);
    w.push("insert into ").ident(&entity.table_name).push(" (");
    for (n, &i) in cols.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.ident(&entity.props[i].field_name);
    }
    w.push(") select * from unnest(");
    for (n, ty) in types.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        write_array(&mut w, ty);
    }
    w.push(")");
    if ignore_conflicts {
        super::write_ignore_conflicts(d, &mut w, entity);
    }
    if returning {
        write_returning_pk(&mut w, entity);
    }
    let count = rows.len();
    let mut arrays: Vec<Vec<Value>> = vec![Vec::with_capacity(count); cols.len()];
    for row in &mut rows {
        for (n, &i) in cols.iter().enumerate() {
            arrays[n].push(row[i].take().unwrap_or(Value::Null));
        }
    }
    let fixups = refs
        .iter()
        .filter_map(|&(r, prop, target)| {
            let col = cols.iter().position(|&i| i == prop)?;
            Some(Fixup {
                param: col,
                target,
                change: None,
                row: Some(r),
            })
        })
        .collect();
    Ok(Step {
        sql: w.finish(),
        kind: StepKind::Insert {
            group,
            count,
            returning,
            increment: false,
        },
        columns: cols,
        missing: Vec::new(),
        fixups,
        given_keys: Vec::new(),
        arrays,
        expect: None,
    })
}

/// `update t set c = v.c from unnest(…) as v(…) where t.pk = v.pk` for `run`'s rows, one
/// statement per set of changed columns (in order of first appearance); `None` when a row
/// does not fit.
pub(super) fn update_steps(
    d: &dyn Dialect,
    meta: &Metadata,
    entity: &EntityMeta,
    run: &[Update],
) -> Option<Vec<Step>> {
    if entity.version_prop().is_some() || entity.discriminator.is_some() {
        return None;
    }
    let fit = |u: &Update| {
        u.refs.is_empty()
            && u.changes
                .iter()
                .all(|(i, v)| !entity.pk.contains(i) && fits(v))
            && u.pk.iter().all(fits)
    };
    if !run.iter().all(fit) {
        return None;
    }
    // Rows by their changed columns.
    let mut sets: Vec<(Vec<usize>, Vec<&Update>)> = Vec::new();
    for u in run {
        let cols: Vec<usize> = u.changes.iter().map(|(i, _)| *i).collect();
        match sets.iter_mut().find(|(c, _)| *c == cols) {
            Some((_, rows)) => rows.push(u),
            None => sets.push((cols, vec![u])),
        }
    }
    let mut steps = Vec::with_capacity(sets.len());
    for (cols, rows) in sets {
        let keyed: Vec<usize> = entity.pk.iter().chain(&cols).copied().collect();
        let types: Vec<String> = keyed
            .iter()
            .map(|&i| element_type(d, meta, entity, i))
            .collect::<Option<_>>()?;
        let field = |i: usize| entity.props[i].field_name.as_str();
        let mut w = Writer::new(d);
        w.push("update ")
            .ident(&entity.table_name)
            .push(" as ")
            .ident("t")
            .push(" set ");
        for (n, &i) in cols.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(field(i))
                .push(" = ")
                .ident("v")
                .push(".")
                .ident(field(i));
        }
        w.push(" from unnest(");
        for (n, ty) in types.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            write_array(&mut w, ty);
        }
        w.push(") as ").ident("v").push("(");
        for (n, &i) in keyed.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(field(i));
        }
        w.push(") where ");
        for (n, &i) in entity.pk.iter().enumerate() {
            if n > 0 {
                w.push(" and ");
            }
            w.ident("t").push(".").ident(field(i)).push(" = ");
            w.ident("v").push(".").ident(field(i));
        }
        let mut arrays: Vec<Vec<Value>> = vec![Vec::with_capacity(rows.len()); keyed.len()];
        for u in &rows {
            let values = u.pk.iter().chain(u.changes.iter().map(|(_, v)| v));
            for (a, v) in arrays.iter_mut().zip(values) {
                a.push(v.clone());
            }
        }
        let mut step = Step::statement(w, StepKind::Update);
        step.arrays = arrays;
        steps.push(step);
    }
    Some(steps)
}

/// `delete from t where pk = any(…)` for all of `keys` (single-column keys), or `None`.
pub(super) fn delete_step(
    d: &dyn Dialect,
    meta: &Metadata,
    entity: &EntityMeta,
    keys: &[super::Key],
) -> Option<Step> {
    let ([pk], None) = (entity.pk.as_slice(), &entity.discriminator) else {
        return None;
    };
    let pk = *pk;
    let ty = element_type(d, meta, entity, pk)?;
    let values: Vec<Value> = keys
        .iter()
        .map(|k| super::key_values(k).next().unwrap_or(Value::Null))
        .collect();
    let mut w = Writer::new(d);
    w.push("delete from ")
        .ident(&entity.table_name)
        .push(" where ")
        .ident(&entity.props[pk].field_name)
        .push(" = any(");
    write_array(&mut w, &ty);
    w.push(")");
    let mut step = Step::statement(w, StepKind::Delete);
    step.arrays = vec![values];
    Some(step)
}
