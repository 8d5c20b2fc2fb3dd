//! JS values (as JSON) -> database values, by property type and dialect.

use serde_json::Value as Json;

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::meta::{EntityMeta, PropMeta, PropType};
use crate::value::Value;

fn mismatch(entity: &EntityMeta, prop: &PropMeta, v: &Json) -> Error {
    Error::validation(format!(
        "Trying to set {}.{} of type '{}' to {} (expected {})",
        entity.name,
        prop.name,
        prop_type_name(prop.ty),
        v,
        expected(prop.ty)
    ))
}

fn prop_type_name(t: PropType) -> &'static str {
    match t {
        PropType::String => "string",
        PropType::Text => "text",
        PropType::Integer => "integer",
        PropType::Smallint => "smallint",
        PropType::Tinyint => "tinyint",
        PropType::Bigint => "bigint",
        PropType::Float => "float",
        PropType::Double => "double",
        PropType::Decimal => "decimal",
        PropType::Boolean => "boolean",
        PropType::Datetime => "datetime",
        PropType::Date => "date",
        PropType::Time => "time",
        PropType::Json => "json",
        PropType::Enum => "enum",
        PropType::Uuid => "uuid",
        PropType::Blob => "blob",
        PropType::Array => "array",
    }
}

fn expected(t: PropType) -> &'static str {
    match t {
        PropType::Integer | PropType::Smallint | PropType::Tinyint | PropType::Bigint => {
            "an integer"
        }
        PropType::Float | PropType::Double | PropType::Decimal => "a number",
        PropType::Boolean => "a boolean",
        PropType::Datetime => "a Date",
        PropType::Blob => "a Buffer",
        PropType::Array => "an array of strings",
        _ => "a string",
    }
}

fn number(n: &serde_json::Number) -> Value {
    match n.as_i64() {
        Some(i) => Value::Int(i),
        None => Value::Real(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Converts one JS value for `prop` into what is bound for it.
pub fn to_db(d: &dyn Dialect, entity: &EntityMeta, prop: &PropMeta, v: &Json) -> Result<Value> {
    if let Some(slot) = crate::shape::marker_for_prop(v, entity, prop) {
        return Ok(slot);
    }
    let bad = || mismatch(entity, prop, v);
    Ok(match (prop.ty, v) {
        (_, Json::Null) => Value::Null,
        (PropType::Json, v) => Value::Text(v.to_string()),
        (PropType::Array, Json::Array(items)) => {
            let items: Vec<String> = items
                .iter()
                .map(|i| match i {
                    Json::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            Value::Text(d.array_literal(&items))
        }
        (PropType::Array, _) => return Err(bad()),
        (PropType::Boolean, Json::Bool(b)) => d.bool_value(*b),
        (PropType::Boolean, Json::Number(n)) => d.bool_value(n.as_f64() != Some(0.0)),
        (PropType::Datetime, Json::Number(n)) => {
            d.datetime_value(n.as_f64().ok_or_else(bad)? as i64)
        }
        (PropType::Datetime, Json::String(s)) => match d.datetime_instant(s) {
            Some(ms) => d.datetime_value(ms),
            None => Value::Text(s.clone()),
        },
        (PropType::Blob, Json::Object(o)) => match o.get("data") {
            Some(Json::Array(bytes)) => Value::Blob(
                bytes
                    .iter()
                    .map(|b| b.as_u64().map(|b| b as u8))
                    .collect::<Option<Vec<u8>>>()
                    .ok_or_else(bad)?,
            ),
            _ => return Err(bad()),
        },
        (PropType::Integer | PropType::Smallint | PropType::Tinyint, Json::String(s)) => {
            Value::Int(s.trim().parse().map_err(|_| bad())?)
        }
        (PropType::Float | PropType::Double, Json::String(s)) => {
            Value::Real(s.trim().parse().map_err(|_| bad())?)
        }
        (_, Json::Number(n)) => number(n),
        (_, Json::String(s)) => Value::Text(s.clone()),
        (_, Json::Bool(b)) => d.bool_value(*b),
        _ => return Err(bad()),
    })
}

/// Converts a filter value when the property is unknown to the type system (raw columns).
pub fn plain(d: &dyn Dialect, v: &Json) -> Result<Value> {
    if let Some(slot) = crate::shape::marker_plain(v) {
        return Ok(slot);
    }
    Ok(match v {
        Json::Null => Value::Null,
        Json::Bool(b) => d.bool_value(*b),
        Json::Number(n) => number(n),
        Json::String(s) => Value::Text(s.clone()),
        // A `Date` (`{"$date": ms}`) is stored as the dialect stores datetimes.
        Json::Object(o) if o.len() == 1 && o.get("$date").is_some_and(Json::is_i64) => {
            d.datetime_value(o.get("$date").and_then(Json::as_i64).unwrap_or_default())
        }
        other => Value::Text(other.to_string()),
    })
}

/// Like `to_db`, from unparsed JSON: the common scalar cases skip building a `serde_json::Value`.
pub fn raw_to_db(
    d: &dyn Dialect,
    entity: &EntityMeta,
    prop: &PropMeta,
    raw: &serde_json::value::RawValue,
) -> Result<Value> {
    let text = raw.get();
    let first = text.as_bytes().first().copied().unwrap_or(b'n');
    let fast = match (first, prop.ty) {
        (b'n', _) if text == "null" => Some(Value::Null),
        (b'"', PropType::String | PropType::Text | PropType::Uuid | PropType::Enum)
            if !text.contains('\\') =>
        {
            Some(Value::Text(text[1..text.len() - 1].to_string()))
        }
        (
            b'-' | b'0'..=b'9',
            PropType::Integer | PropType::Smallint | PropType::Tinyint | PropType::Bigint,
        ) => text.parse::<i64>().ok().map(Value::Int),
        (b'-' | b'0'..=b'9', PropType::Datetime) => {
            text.parse::<i64>().ok().map(|ms| d.datetime_value(ms))
        }
        (b't' | b'f', PropType::Boolean) => Some(d.bool_value(first == b't')),
        _ => None,
    };
    match fast {
        Some(v) => Ok(v),
        None => {
            let json: Json = serde_json::from_str(text).map_err(|e| {
                Error::validation(format!(
                    "Invalid value for {}.{}: {e}",
                    entity.name, prop.name
                ))
            })?;
            to_db(d, entity, prop, &json)
        }
    }
}
