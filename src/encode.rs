//! Results as JSON text: entity rows columnar in property order, raw rows as objects.

use std::fmt::Write;

use crate::driver::{ExecResult, Output, RawForm, Rows};
use engine::dialect::Dialect;
use engine::meta::{EntityMeta, PropType};
use engine::uow::{Key, Snapshot, Step, StepKind};
use engine::value::write_json_str;
use engine::Value;

pub fn values(out: &mut String, vs: &[Value]) {
    out.push('[');
    for (i, v) in vs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        v.write_json(out);
    }
    out.push(']');
}

fn json_column_value(out: &mut String, v: &Value) {
    match v {
        Value::Text(s) if serde_json::from_str::<serde::de::IgnoredAny>(s).is_ok() => {
            out.push_str(s)
        }
        other => other.write_json(out),
    }
}

/// `{"n":rows,"cols":[[…]|null, …]` (unterminated: the caller appends and closes). Each row is
/// also handed to `register` as a snapshot in property order; what it returns (the properties
/// an entity loaded before has new values for, with their previous values) is written as
/// `,"merged":[[row, property, previous], …]`.
pub fn entity_rows(
    d: &dyn Dialect,
    entity: &EntityMeta,
    rows: Rows,
    mut register: impl FnMut(Snapshot) -> Vec<(usize, Value)>,
) -> String {
    let col_of_prop: Vec<Option<usize>> = entity
        .props
        .iter()
        .map(|p| rows.columns.iter().position(|c| *c == p.field_name))
        .collect();
    let mut out = String::with_capacity(64 + rows.rows.len() * rows.columns.len() * 8);
    let _ = write!(out, "{{\"n\":{},\"cols\":[", rows.rows.len());
    for (pi, col) in col_of_prop.iter().enumerate() {
        if pi > 0 {
            out.push(',');
        }
        let Some(ci) = col else {
            out.push_str("null");
            continue;
        };
        let ty = entity.props[pi].ty;
        out.push('[');
        for (ri, row) in rows.rows.iter().enumerate() {
            if ri > 0 {
                out.push(',');
            }
            cell(&mut out, d, ty, row.get(*ci).unwrap_or(&Value::Null));
        }
        out.push(']');
    }
    out.push(']');
    // The rows are written out; their values move into the snapshots.
    let mut merged = String::new();
    for (ri, mut row) in rows.rows.into_iter().enumerate() {
        let changed = register(
            col_of_prop
                .iter()
                .map(|c| {
                    c.and_then(|ci| row.get_mut(ci).map(|v| std::mem::replace(v, Value::Null)))
                })
                .collect(),
        );
        for (pi, previous) in changed {
            merged.push(if merged.is_empty() { '[' } else { ',' });
            let _ = write!(merged, "[{ri},{pi},");
            cell(&mut merged, d, entity.props[pi].ty, &previous);
            merged.push(']');
        }
    }
    if !merged.is_empty() {
        out.push_str(",\"merged\":");
        out.push_str(&merged);
        out.push(']');
    }
    out
}

/// One value of an entity column as JSON.
fn cell(out: &mut String, d: &dyn Dialect, ty: PropType, v: &Value) {
    match (ty, v) {
        // A datetime as its instant (epoch milliseconds), read in the dialect's zone.
        (PropType::Datetime, Value::Text(t)) => match d.datetime_instant(t) {
            Some(ms) => {
                let _ = write!(out, "{ms}");
            }
            None => v.write_json(out),
        },
        (PropType::Json, v) => json_column_value(out, v),
        (PropType::Array, Value::Text(t)) => {
            out.push('[');
            for (n, item) in engine::dialect::parse_array(t).iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                engine::value::write_json_str(out, item);
            }
            out.push(']');
        }
        // Bigints travel as text so no digit is lost to a JS number.
        (PropType::Bigint, Value::Int(i)) => {
            let _ = write!(out, "\"{i}\"");
        }
        (_, v) => v.write_json(out),
    }
}

/// The columns of an entity loaded through a join (`a1__id`, `a1__name`, …) as rows of their
/// own, one per distinct key; rows where the join found nothing are skipped.
pub fn joined_rows(rows: &Rows, alias: &str, entity: &EntityMeta) -> Rows {
    let prefix = format!("{alias}__");
    let picked: Vec<(usize, String)> = rows
        .columns
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.strip_prefix(&prefix).map(|f| (i, f.to_string())))
        .collect();
    let pk: Vec<usize> = entity
        .pk
        .iter()
        .filter_map(|&i| {
            picked
                .iter()
                .position(|(_, f)| *f == entity.props[i].field_name)
        })
        .collect();
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for row in &rows.rows {
        if pk.is_empty() || pk.iter().any(|&k| row[picked[k].0] == Value::Null) {
            continue;
        }
        let key: Vec<Key> = pk.iter().map(|&k| Key::of(&row[picked[k].0])).collect();
        if seen.insert(key) {
            out.push(picked.iter().map(|(i, _)| row[*i].clone()).collect());
        }
    }
    Rows {
        columns: picked.into_iter().map(|(_, f)| f).collect(),
        rows: out,
        forms: Vec::new(),
    }
}

/// Sets column `target` to null in the rows where column `when` is null.
pub fn null_where_null(rows: &mut Rows, target: &str, when: &str) {
    let col = |name: &str| rows.columns.iter().position(|c| c == name);
    let (Some(t), Some(w)) = (col(target), col(when)) else {
        return;
    };
    for row in &mut rows.rows {
        if row[w] == Value::Null {
            row[t] = Value::Null;
        }
    }
}

/// `,"pairs":[[owner,item],…]`: the distinct (owner key, item key) pairs of a joined many-to-many
/// collection, in row order.
pub fn pairs(rows: &Rows, owner: &str, alias: &str, entity: &EntityMeta) -> String {
    let item = entity
        .pk
        .first()
        .map(|&i| format!("{alias}__{}", entity.props[i].field_name));
    let col = |name: &str| rows.columns.iter().position(|c| c == name);
    let (Some(o), Some(i)) = (col(owner), item.as_deref().and_then(col)) else {
        return String::new();
    };
    let mut seen = std::collections::HashSet::new();
    let mut out = String::from(",\"pairs\":[");
    let mut first = true;
    for row in &rows.rows {
        if row[i] == Value::Null || !seen.insert((Key::of(&row[o]), Key::of(&row[i]))) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push('[');
        row[o].write_json(&mut out);
        out.push(',');
        row[i].write_json(&mut out);
        out.push(']');
    }
    out.push(']');
    out
}

/// A raw result's value in its column's form (see `RawForm`).
fn write_raw(out: &mut String, v: &Value, form: Option<RawForm>) {
    match (form, v) {
        (Some(RawForm::Json), Value::Text(t)) => out.push_str(t),
        (Some(RawForm::TimestampTz), Value::Int(ms)) => {
            write_json_str(out, &format!("{}+00", timestamp_text(*ms)));
        }
        (Some(RawForm::Timestamp), Value::Int(ms)) => write_json_str(out, &timestamp_text(*ms)),
        (Some(RawForm::TextArray), Value::Text(t)) => {
            out.push('[');
            for (n, item) in engine::dialect::parse_array_items(t).iter().enumerate() {
                if n > 0 {
                    out.push(',');
                }
                match item {
                    Some(s) => write_json_str(out, s),
                    None => out.push_str("null"),
                }
            }
            out.push(']');
        }
        _ => v.write_json(out),
    }
}

/// `YYYY-MM-DD HH:MM:SS[.fff]` (UTC, no trailing zeros in the fraction), as PostgreSQL writes it.
fn timestamp_text(ms: i64) -> String {
    let iso = engine::time::format_iso_datetime(ms);
    let (date, time) = iso
        .trim_end_matches('Z')
        .split_once('T')
        .unwrap_or((&iso, ""));
    let time = match time.split_once('.') {
        Some((hms, frac)) if frac.trim_end_matches('0').is_empty() => hms.to_string(),
        Some((hms, frac)) => format!("{hms}.{}", frac.trim_end_matches('0')),
        None => time.to_string(),
    };
    format!("{date} {time}")
}

/// `"rows":[{col: value}],"affectedRows":n,"insertId":id` (no braces).
pub fn output(out: &mut String, o: &Output) {
    match o {
        Output::Rows(r) => {
            out.push_str("\"rows\":[");
            for (ri, row) in r.rows.iter().enumerate() {
                if ri > 0 {
                    out.push(',');
                }
                out.push('{');
                for (ci, v) in row.iter().enumerate() {
                    if ci > 0 {
                        out.push(',');
                    }
                    write_json_str(out, &r.columns[ci]);
                    out.push(':');
                    write_raw(out, v, r.forms.get(ci).copied());
                }
                out.push('}');
            }
            let _ = write!(out, "],\"affectedRows\":{}", r.rows.len());
        }
        Output::Exec(e) => {
            let _ = write!(out, "\"rows\":[],\"affectedRows\":{}", e.affected);
            if let Some(id) = e.insert_id {
                let _ = write!(out, ",\"insertId\":{id}");
            }
        }
    }
}

/// The keys an insert step generated: its `returning` rows, or with `increment` the keys counted
/// from the insert id (the first generated id, or the last on drivers that give that).
pub fn generated_keys(step: &Step, o: &Output, insert_id_is_first: bool) -> Vec<Value> {
    match (step.kind, o) {
        (
            StepKind::Insert {
                returning: true, ..
            },
            Output::Rows(r),
        ) => r
            .rows
            .iter()
            .filter_map(|row| row.first().cloned())
            .collect(),
        (
            StepKind::Insert {
                increment: true,
                count,
                ..
            },
            Output::Exec(ExecResult {
                insert_id: Some(id),
                ..
            }),
        ) if insert_id_is_first => step.keys_from_first_id(*id, count),
        (
            StepKind::Insert {
                increment: true,
                count,
                ..
            },
            Output::Exec(ExecResult {
                insert_id: Some(last),
                ..
            }),
        ) if step.all_keys_generated() => step.keys_from_first_id(last - count as i64 + 1, count),
        _ => Vec::new(),
    }
}
