//! MikroORM filter objects (`{ name: { $like: '%a%' }, $or: [...] }`) -> a condition tree.

use std::cell::RefCell;

use serde_json::{Map, Value as Json};

use crate::convert::to_db;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::joins::{Col, Joins, SubNode};
use crate::meta::{EntityMeta, PropType};
use crate::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Gte,
    Lt,
    Lte,
    Like,
    /// `$ilike`: the dialect's case-insensitive like.
    Ilike,
    /// `$re`: the dialect's regular expression match.
    Regexp,
    /// PostgreSQL array and JSON operators, as MikroORM writes them on every dialect:
    /// `$contains` (`@>`), `$contained` (`<@`), `$overlap` (`&&`), `$hasKey` (`?`),
    /// `$hasKeys` (`?&`), `$hasSomeKeys` (`?|`); the question mark escaped from placeholders.
    Contains,
    Contained,
    Overlap,
    HasKey,
    HasKeys,
    HasSomeKeys,
}

impl Op {
    pub fn sql(self, d: &dyn Dialect) -> &'static str {
        match self {
            Op::Ilike => d.ilike_operator(),
            Op::Regexp => d.regexp_operator(),
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Gt => ">",
            Op::Gte => ">=",
            Op::Lt => "<",
            Op::Lte => "<=",
            Op::Like => "like",
            Op::Contains => "@>",
            Op::Contained => "<@",
            Op::Overlap => "&&",
            Op::HasKey => "\\?",
            Op::HasKeys => "\\?&",
            Op::HasSomeKeys => "\\?|",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    And(Vec<Cond>),
    Or(Vec<Cond>),
    Not(Box<Cond>),
    Cmp {
        col: Col,
        op: Op,
        value: Value,
    },
    IsNull {
        col: Col,
        negated: bool,
    },
    In {
        col: Col,
        values: Vec<Value>,
        negated: bool,
    },
    /// `(c1, c2) in ((?, ?), …)`: a composite primary key given as values.
    TupleIn {
        cols: Vec<Col>,
        rows: Vec<Vec<Value>>,
    },
    /// `(c1, c2) = (?, ?)`: a composite foreign key compared with one key.
    TupleEq {
        cols: Vec<Col>,
        values: Vec<Value>,
    },
    /// `col [not] in (select …)`: a QueryBuilder given as the value of `$in` / `$nin`.
    InQuery {
        col: Col,
        negated: bool,
        query: SubSelect,
    },
    /// A `raw()` fragment used as a key (`{ [raw('lower(name)')]: 'x' }`): `lower(name) = ?`,
    /// or the fragment alone for an empty array (`{ [raw('age > ?', [5])]: [] }`).
    RawKey {
        sql: String,
        params: Vec<Value>,
        test: RawTest,
    },
    /// A condition on a key inside a JSON column (`{ meta: { a: { b: 1 } } }`): the dialect's
    /// path expression (`json_extract(col, '$.a.b')`, `col->'a'->>'b'`) tested as a raw key is.
    JsonPath {
        col: Col,
        path: Vec<String>,
        test: RawTest,
    },
    /// `exists (select 1 from json_each(col) …)`: some item of a JSON array matches `items`
    /// (`not exists` when negated).
    JsonSome {
        col: Col,
        negated: bool,
        items: ItemCond,
    },
    /// `col <op> (?, …)`: an array operator with a list of values.
    CmpList {
        col: Col,
        op: Op,
        values: Vec<Value>,
    },
    /// `$fulltext`: the dialect's full-text match of `col` against `query`.
    Fulltext {
        col: Col,
        query: Value,
    },
    /// `col [not] in (<raw SQL>)`: a fragment given to `$in` / `$nin`.
    InRaw {
        col: Col,
        negated: bool,
        sql: String,
        params: Vec<Value>,
    },
    /// `col <op> <raw SQL>`: a `raw()` / `sql` fragment given as a value.
    CmpRaw {
        col: Col,
        op: Op,
        sql: String,
        params: Vec<Value>,
    },
    /// User-written SQL with its parameters (`qb.where('name = ?', ['x'])`), in parentheses.
    Raw {
        sql: String,
        params: Vec<Value>,
    },
    /// `col [not] in (select …)`: a collection operator's subquery over `col`'s entity, whose
    /// key `col` is.
    Sub {
        col: Col,
        negated: bool,
        sub: Box<SubQuery>,
    },
}

/// How a value inside JSON is compared: as text, or cast to a number or a boolean
/// (PostgreSQL's `(col->>'k')::float8`, MySQL's `json_table` column types).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonCast {
    Text,
    Number,
    Boolean,
}

impl JsonCast {
    /// By the type of an embeddable's property.
    fn of_type(t: PropType) -> JsonCast {
        match t {
            PropType::Integer
            | PropType::Smallint
            | PropType::Tinyint
            | PropType::Bigint
            | PropType::Float
            | PropType::Double
            | PropType::Decimal => JsonCast::Number,
            PropType::Boolean => JsonCast::Boolean,
            _ => JsonCast::Text,
        }
    }

    /// By the value compared with (a key of a JSON property).
    pub fn of_test(test: &RawTest) -> JsonCast {
        match test {
            RawTest::Cmp(_, Value::Int(_) | Value::Real(_)) => JsonCast::Number,
            RawTest::Cmp(_, Value::Bool(_)) => JsonCast::Boolean,
            _ => JsonCast::Text,
        }
    }
}

/// A condition on the items of a JSON array (`Cond::JsonSome`).
#[derive(Clone, Debug, PartialEq)]
pub enum ItemCond {
    /// A key of the item (`path`) tested.
    Path {
        path: Vec<String>,
        test: RawTest,
        cast: JsonCast,
    },
    /// The keys of one object: `a and b`.
    All(Vec<ItemCond>),
    /// `$and`: `(a and b)`.
    And(Vec<ItemCond>),
    /// `$or`: `(a or b)`.
    Or(Vec<ItemCond>),
}

impl ItemCond {
    /// The item keys read, in order of first use, with their casts.
    pub fn keys<'a>(&'a self, out: &mut Vec<(&'a [String], JsonCast)>) {
        match self {
            ItemCond::Path { path, cast, .. } => {
                if !out.iter().any(|(p, _)| *p == path.as_slice()) {
                    out.push((path, *cast));
                }
            }
            ItemCond::All(list) | ItemCond::And(list) | ItemCond::Or(list) => {
                for c in list {
                    c.keys(out);
                }
            }
        }
    }
}

/// What a raw key is compared with.
#[derive(Clone, Debug, PartialEq)]
pub enum RawTest {
    None,
    Cmp(Op, Value),
    /// Compared with a raw fragment (`sql.ref('a.id')`).
    CmpRaw(Op, String, Vec<Value>),
    In(Vec<Value>),
    IsNull(bool),
}

/// The prefix JS gives a key holding a fragment: `$raw{"raw":"lower(name)","params":[]}`.
pub const RAW_KEY: &str = "$raw";

/// A fragment key's SQL and parameters.
pub fn raw_key(d: &dyn Dialect, nonce: &str, key: &str) -> Result<Option<(String, Vec<Value>)>> {
    let Some(json) = key.strip_prefix(RAW_KEY).filter(|j| j.starts_with('{')) else {
        return Ok(None);
    };
    let Ok(v) = serde_json::from_str::<Json>(json) else {
        return Ok(None);
    };
    raw_fragment(d, nonce, &v)
}

/// A `raw()` / `sql` fragment given as a value (`{ "raw": "age + ?", "params": [1] }`).
pub fn raw_fragment(
    d: &dyn Dialect,
    nonce: &str,
    v: &Json,
) -> Result<Option<(String, Vec<Value>)>> {
    let Json::Object(map) = v else {
        return Ok(None);
    };
    let Some(Json::String(sql)) = map.get("raw") else {
        return Ok(None);
    };
    // Only fragments JS made (they carry the secret) are SQL; anything else is data.
    let signed = !nonce.is_empty() && map.get("nonce").and_then(Json::as_str) == Some(nonce);
    if !signed
        || map
            .keys()
            .any(|k| k != "raw" && k != "params" && k != "nonce")
    {
        return Ok(None);
    }
    let params = match map.get("params") {
        Some(Json::Array(items)) => items
            .iter()
            .map(|p| crate::convert::plain(d, p))
            .collect::<Result<Vec<_>>>()?,
        _ => Vec::new(),
    };
    Ok(Some((sql.clone(), params)))
}

/// A nested QueryBuilder query, checked when parsed and written with the statement.
#[derive(Clone, Debug)]
pub struct SubSelect(pub std::sync::Arc<crate::query::Query>);

impl PartialEq for SubSelect {
    fn eq(&self, other: &Self) -> bool {
        std::sync::Arc::ptr_eq(&self.0, &other.0)
    }
}

/// The joins and condition of a collection operator's subquery.
#[derive(Clone, Debug, PartialEq)]
pub struct SubQuery {
    pub nodes: Vec<SubNode>,
    pub cond: Option<Cond>,
}

pub struct FilterParser<'a, 'm> {
    pub dialect: &'a dyn Dialect,
    /// The query's entities; a filter on a relation's properties joins it.
    pub joins: &'a RefCell<Joins<'m>>,
    /// The node whose properties the filter names.
    pub node: usize,
    /// The root alias: `{ 'a0.name': … }` means `{ name: … }`.
    pub alias: Option<&'a str>,
}

/// `prop` without a leading `alias.`.
pub fn strip_alias<'k>(alias: Option<&str>, key: &'k str) -> &'k str {
    match alias {
        Some(a) => key
            .strip_prefix(a)
            .and_then(|rest| rest.strip_prefix('.'))
            .unwrap_or(key),
        None => key,
    }
}

impl<'m> FilterParser<'_, 'm> {
    fn entity(&self) -> &'m EntityMeta {
        self.joins.borrow().entity(self.node)
    }

    fn col(&self, prop: usize) -> Col {
        Col {
            node: self.node,
            prop,
        }
    }

    /// Parses a whole filter; `None` when it is empty (`{}`).
    pub fn parse(&self, filter: &Json) -> Result<Option<Cond>> {
        match filter {
            Json::Object(map) => {
                let mut parts = self.object(map)?;
                Ok(match parts.len() {
                    0 => None,
                    1 => parts.pop(),
                    _ => Some(Cond::And(parts)),
                })
            }
            Json::Null => Ok(None),
            pk => self.primary_key(pk).map(Some),
        }
    }

    /// `em.findOne(Author, 1)` / `em.find(Author, [1, 2])`
    fn primary_key(&self, v: &Json) -> Result<Cond> {
        let entity = self.entity();
        let [pk] = entity.pk.as_slice() else {
            return self.composite_key(v);
        };
        self.prop_value(*pk, v)
    }

    /// `em.findOne(Car, ['a', 2020])` / `em.find(Car, [['a', 2020], ['b', 2021]])`
    fn composite_key(&self, v: &Json) -> Result<Cond> {
        let entity = self.entity();
        let expected = || {
            Error::validation(format!(
                "{} has a composite primary key ({}); expected an array of {} values or an array of such arrays, got {v}",
                entity.name,
                entity.pk.iter().map(|&i| entity.props[i].name.as_str()).collect::<Vec<_>>().join(", "),
                entity.pk.len()
            ))
        };
        let Json::Array(items) = v else {
            return Err(expected());
        };
        let rows: Vec<&Vec<Json>> = if items.iter().all(Json::is_array) {
            items.iter().filter_map(Json::as_array).collect()
        } else {
            vec![items]
        };
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            if row.len() != entity.pk.len() {
                return Err(expected());
            }
            out.push(
                entity
                    .pk
                    .iter()
                    .zip(row)
                    .map(|(&i, v)| self.value(i, v))
                    .collect::<Result<Vec<_>>>()?,
            );
        }
        Ok(Cond::TupleIn {
            cols: entity.pk.iter().map(|&i| self.col(i)).collect(),
            rows: out,
        })
    }

    fn object(&self, map: &Map<String, Json>) -> Result<Vec<Cond>> {
        let mut out = Vec::with_capacity(map.len());
        for (key, v) in map {
            match key.as_str() {
                "$and" | "$or" => {
                    let Json::Array(items) = v else {
                        return Err(Error::validation(format!(
                            "Operator {key} expects an array of conditions, got {v}"
                        )));
                    };
                    let mut parts = Vec::with_capacity(items.len());
                    for item in items {
                        if let Some(c) = self.parse(item)? {
                            parts.push(c);
                        }
                    }
                    if parts.is_empty() {
                        continue;
                    }
                    out.push(if key == "$and" {
                        Cond::And(parts)
                    } else {
                        Cond::Or(parts)
                    });
                }
                "$not" => {
                    if let Some(c) = self.parse(v)? {
                        out.push(Cond::Not(Box::new(c)));
                    }
                }
                k if self.raw_key(k)?.is_some() => {
                    let (sql, params) = self.raw_key(k)?.unwrap_or_default();
                    for test in self.raw_tests(v)? {
                        out.push(Cond::RawKey {
                            sql: sql.clone(),
                            params: params.clone(),
                            test,
                        });
                    }
                }
                k => {
                    // `{ 'a.name': … }`: a property of the QueryBuilder join aliased `a`.
                    let aliased = k
                        .split_once('.')
                        .and_then(|(a, rest)| Some((self.joins.borrow().by_alias(a)?, rest)));
                    if let Some((node, rest)) = aliased {
                        let mut one = Map::new();
                        one.insert(rest.to_string(), v.clone());
                        out.extend(self.at(node).object(&one)?);
                        continue;
                    }
                    let name = if self.node == 0 {
                        strip_alias(self.alias, k)
                    } else {
                        k
                    };
                    if let Some(c) = self.entity().collection(name) {
                        out.push(self.collection(c, name, v)?);
                        continue;
                    }
                    let idx = self.entity().prop_index(name)?;
                    match self.prop_value(idx, v)? {
                        Cond::And(parts) if parts.is_empty() => {}
                        c => out.push(c),
                    }
                }
            }
        }
        Ok(out)
    }

    fn value(&self, prop: usize, v: &Json) -> Result<Value> {
        let entity = self.entity();
        to_db(self.dialect, entity, &entity.props[prop], v)
    }

    fn list(&self, prop: usize, op: &str, v: &Json) -> Result<Vec<Value>> {
        let Json::Array(items) = v else {
            return Err(Error::validation(format!(
                "Operator {op} on {}.{} expects an array, got {v}",
                self.entity().name,
                self.entity().props[prop].name
            )));
        };
        items.iter().map(|i| self.value(prop, i)).collect()
    }

    fn prop_value(&self, prop: usize, v: &Json) -> Result<Cond> {
        let entity = self.entity();
        if entity.props[prop]
            .reference
            .as_ref()
            .is_some_and(|r| !r.parts.is_empty())
        {
            return self.composite_fk(prop, v);
        }
        if self.raw(v)?.is_some() || v.get("$query").is_some() {
            return self.cmp(prop, Op::Eq, v);
        }
        let col = self.col(prop);
        match v {
            Json::Null => Ok(Cond::IsNull {
                col,
                negated: false,
            }),
            Json::Array(_) => Ok(Cond::In {
                col,
                values: self.list(prop, "$in", v)?,
                negated: false,
            }),
            Json::Object(map)
                if entity.props[prop].json_item_types.is_some() && is_item_filter(map) =>
            {
                self.json_some(prop, map)
            }
            Json::Object(ops) if ops.keys().any(|k| k.starts_with('$')) => {
                let mut parts = Vec::with_capacity(ops.len());
                for (op, arg) in ops {
                    parts.push(self.operator(prop, op, arg)?);
                }
                Ok(if parts.len() == 1 {
                    parts.remove(0)
                } else {
                    Cond::And(parts)
                })
            }
            Json::Object(nested) if entity.props[prop].reference.is_some() => {
                self.relation(prop, nested)
            }
            Json::Object(nested) if entity.props[prop].ty == PropType::Json => {
                let mut parts = Vec::new();
                self.json_paths(prop, &mut Vec::new(), nested, &mut parts)?;
                Ok(match parts.len() {
                    1 => parts.remove(0),
                    _ => Cond::And(parts),
                })
            }
            v => Ok(self.cmp(prop, Op::Eq, v)?),
        }
    }

    /// A composite foreign key: `['a', 2020]` and `{ name: 'a', year: 2020 }` compare all its
    /// columns, `{ name: 'a' }` one of them, `$in` / `$nin` a list of keys; other conditions on
    /// the target join it.
    fn composite_fk(&self, prop: usize, v: &Json) -> Result<Cond> {
        let entity = self.entity();
        let target = self.joins.borrow().target(self.node, prop)?;
        let columns: Vec<(usize, &str)> = entity
            .fk_columns(prop)
            .into_iter()
            .map(|(i, field)| {
                let name = target
                    .by_field
                    .get(field)
                    .map_or(field, |&t| target.props[t].name.as_str());
                (i, name)
            })
            .collect();
        let cols: Vec<Col> = columns.iter().map(|&(i, _)| self.col(i)).collect();
        let expected = || {
            Error::validation(format!(
                "{}.{} is a composite foreign key: expected an array of {} values, an object with {}, or a list of those, got {v}",
                entity.name,
                entity.props[prop].name,
                columns.len(),
                columns.iter().map(|c| c.1).collect::<Vec<_>>().join(", ")
            ))
        };
        // One key as values in column order, from an array or an object keyed by target names.
        let key = |k: &Json| -> Result<Vec<Value>> {
            let values: Vec<&Json> = match k {
                Json::Array(items) if items.len() == columns.len() => items.iter().collect(),
                Json::Object(map) => columns
                    .iter()
                    .map(|(_, n)| map.get(*n).unwrap_or(&Json::Null))
                    .collect(),
                _ => return Err(expected()),
            };
            columns
                .iter()
                .zip(values)
                .map(|(&(i, _), v)| self.value(i, v))
                .collect()
        };
        let is_key = |i: &Json| i.is_array() || i.is_object();
        match v {
            Json::Null => Ok(Cond::IsNull {
                col: cols[0],
                negated: false,
            }),
            Json::Array(items) if items.iter().all(is_key) => Ok(Cond::TupleIn {
                rows: items.iter().map(key).collect::<Result<_>>()?,
                cols,
            }),
            Json::Array(_) => Ok(Cond::TupleEq {
                values: key(v)?,
                cols,
            }),
            Json::Object(ops)
                if ops.len() == 1 && (ops.contains_key("$in") || ops.contains_key("$nin")) =>
            {
                let (op, list) = ops.iter().next().ok_or_else(expected)?;
                let Json::Array(items) = list else {
                    return Err(expected());
                };
                let c = Cond::TupleIn {
                    rows: items.iter().map(key).collect::<Result<_>>()?,
                    cols,
                };
                Ok(if op == "$nin" {
                    Cond::Not(Box::new(c))
                } else {
                    c
                })
            }
            Json::Object(map) if map.keys().all(|k| columns.iter().any(|c| c.1 == k)) => {
                if map.len() == columns.len() {
                    return Ok(Cond::TupleEq {
                        values: key(v)?,
                        cols,
                    });
                }
                let mut parts = Vec::with_capacity(map.len());
                for (&(i, name), col) in columns.iter().zip(&cols) {
                    if let Some(x) = map.get(name) {
                        parts.push(Cond::Cmp {
                            col: *col,
                            op: Op::Eq,
                            value: self.value(i, x)?,
                        });
                    }
                }
                Ok(if parts.len() == 1 {
                    parts.remove(0)
                } else {
                    Cond::And(parts)
                })
            }
            Json::Object(nested) => {
                let node = self.joins.borrow_mut().join(self.node, prop)?;
                self.nested(node, nested)
            }
            _ => Err(expected()),
        }
    }

    /// `{ author: { name: 'x' } }`: a condition on the related entity, which gets joined;
    /// `{ author: { id: 1 } }` (the target's key alone) compares the foreign key instead.
    fn relation(&self, prop: usize, nested: &Map<String, Json>) -> Result<Cond> {
        let target = self.joins.borrow().target(self.node, prop)?;
        if let ([pk], 1) = (target.pk.as_slice(), nested.len()) {
            if let Some(v) = nested.get(&target.props[*pk].name) {
                return self.prop_value(prop, v);
            }
        }
        let node = self.joins.borrow_mut().join(self.node, prop)?;
        self.nested(node, nested)
    }

    /// Conditions on the entity joined as `node`.
    fn nested(&self, node: usize, filter: &Map<String, Json>) -> Result<Cond> {
        let parser = FilterParser {
            dialect: self.dialect,
            joins: self.joins,
            node,
            alias: self.alias,
        };
        let mut parts = parser.object(filter)?;
        Ok(match parts.len() {
            1 => parts.remove(0),
            _ => Cond::And(parts),
        })
    }

    /// `{ books: { title: 'x' } }`: a condition on the collection's items, which get joined
    /// (through the pivot table for a many-to-many). `{ tags: 1 }` / `{ tags: [1, 2] }` name
    /// items by key; `$some`, `$none` and `$every` become a subquery.
    fn collection(&self, index: usize, name: &str, v: &Json) -> Result<Cond> {
        let entity = self.entity();
        let c = &entity.collections[index];
        let target = self.joins.borrow().meta().entity(c.entity)?;
        let nested = match v {
            Json::Object(nested) => nested,
            keys => return self.collection_keys(index, target, keys),
        };
        if let Some(op) = nested.keys().find(|k| k.starts_with('$')) {
            return match (op.as_str(), nested.len()) {
                ("$some" | "$none" | "$every", 1) => self.collection_operator(index, op, &nested[op]),
                // `{ books: { $in: [1, 2] } }`: items named by key.
                ("$in", 1) => self.collection_keys(index, target, &nested[op]),
                _ => Err(Error::not_implemented(format!(
                    "the operator {op} on the collection {}.{name} (use $some, $none or $every alone, or item conditions)",
                    entity.name
                ))),
            };
        }
        if let ([pk], 1) = (target.pk.as_slice(), nested.len()) {
            if let Some(v) = nested.get(&target.props[*pk].name) {
                return self.collection_keys(index, target, v);
            }
        }
        let node = self.joins.borrow_mut().join_collection(self.node, index)?;
        self.nested(node, nested)
    }

    /// Items named by key: the pivot's item column for a many-to-many, else the joined items' key.
    fn collection_keys(&self, index: usize, target: &EntityMeta, keys: &Json) -> Result<Cond> {
        let c = &self.entity().collections[index];
        let (node, prop) = match &c.pivot {
            Some(pivot) => {
                let (node, _) = self
                    .joins
                    .borrow_mut()
                    .join_pivot(self.node, index, false, false)?;
                let prop = self.joins.borrow().entity(node).prop_index(&pivot.item)?;
                (node, prop)
            }
            None => {
                let Some(&pk) = target.pk.first() else {
                    return Err(Error::validation(format!(
                        "{} has no primary key",
                        target.name
                    )));
                };
                (
                    self.joins.borrow_mut().join_collection(self.node, index)?,
                    pk,
                )
            }
        };
        self.at(node).prop_value(prop, keys)
    }

    /// `$some` / `$none` / `$every`: whether the entity's key is among those of entities with
    /// (without) an item matching, as MikroORM writes it.
    fn collection_operator(&self, index: usize, op: &str, arg: &Json) -> Result<Cond> {
        let Json::Object(filter) = arg else {
            return Err(Error::validation(format!(
                "Operator {op} expects an object of item conditions, got {arg}"
            )));
        };
        let sub = RefCell::new(self.joins.borrow().subquery(self.node));
        let items = sub.borrow_mut().join_collection(0, index)?;
        let parser = FilterParser {
            dialect: self.dialect,
            joins: &sub,
            node: items,
            alias: None,
        };
        let mut parts = parser.object(filter)?;
        let cond = match parts.len() {
            0 => None,
            1 => parts.pop(),
            _ => Some(Cond::And(parts)),
        };
        let (negated, cond) = match op {
            "$some" => (false, cond),
            "$none" => (true, cond),
            _ => (true, cond.map(|c| Cond::Not(Box::new(c)))),
        };
        let Some(&pk) = self.entity().pk.first() else {
            return Err(Error::validation(format!(
                "{} has no primary key",
                self.entity().name
            )));
        };
        let nodes = sub.borrow().detach();
        Ok(Cond::Sub {
            col: self.col(pk),
            negated,
            sub: Box::new(SubQuery { nodes, cond }),
        })
    }

    /// A parser for the entity joined as `node`.
    fn at(&self, node: usize) -> FilterParser<'_, 'm> {
        FilterParser {
            dialect: self.dialect,
            joins: self.joins,
            node,
            alias: self.alias,
        }
    }

    /// Conditions on keys of a JSON column, depth first (`{ a: { b: 1 }, c: { $gt: 2 } }`).
    fn json_paths(
        &self,
        prop: usize,
        path: &mut Vec<String>,
        map: &Map<String, Json>,
        out: &mut Vec<Cond>,
    ) -> Result<()> {
        for (key, v) in map {
            path.push(key.clone());
            match v {
                Json::Object(inner) if !inner.keys().any(|k| k.starts_with('$')) => {
                    self.json_paths(prop, path, inner, out)?;
                }
                v => {
                    for test in self.raw_tests(v)? {
                        out.push(Cond::JsonPath {
                            col: self.col(prop),
                            path: path.clone(),
                            test,
                        });
                    }
                }
            }
            path.pop();
        }
        Ok(())
    }

    /// `{ addresses: { city: 'c1' } }` on an array of embeddables: some item matches
    /// (`$not` alone: none does).
    fn json_some(&self, prop: usize, map: &Map<String, Json>) -> Result<Cond> {
        let (negated, map) = match map.get("$not") {
            Some(Json::Object(inner)) if map.len() == 1 => (true, inner),
            _ => (false, map),
        };
        Ok(Cond::JsonSome {
            col: self.col(prop),
            negated,
            items: ItemCond::All(self.item_conds(prop, map)?),
        })
    }

    /// The conditions of one object of a test on array items: its keys, `$and` and `$or`.
    fn item_conds(&self, prop: usize, map: &Map<String, Json>) -> Result<Vec<ItemCond>> {
        let p = &self.entity().props[prop];
        let mut out = Vec::with_capacity(map.len());
        for (key, v) in map {
            let group = |v: &Json| -> Result<Vec<ItemCond>> {
                let Json::Array(list) = v else {
                    return Err(Error::validation(format!(
                        "Operator {key} on the items of {}.{} expects an array of conditions, got {v}",
                        self.entity().name,
                        p.name
                    )));
                };
                let mut all = Vec::with_capacity(list.len());
                for c in list {
                    let Json::Object(m) = c else {
                        return Err(Error::validation(format!(
                            "Operator {key} on the items of {}.{} expects objects, got {c}",
                            self.entity().name,
                            p.name
                        )));
                    };
                    all.push(ItemCond::All(self.item_conds(prop, m)?));
                }
                Ok(all)
            };
            match key.as_str() {
                "$and" => out.push(ItemCond::And(group(v)?)),
                "$or" => out.push(ItemCond::Or(group(v)?)),
                k if k.starts_with('$') => {
                    return Err(Error::not_implemented(format!(
                        "operator {k} among the conditions on the items of {}.{}",
                        self.entity().name,
                        p.name
                    )))
                }
                _ => {
                    let cast = match p.json_item_types.as_ref().and_then(|t| t.get(key)) {
                        Some(t) => JsonCast::of_type(*t),
                        None => JsonCast::Text,
                    };
                    let mut paths = Vec::new();
                    let mut single = Map::new();
                    single.insert(key.clone(), v.clone());
                    self.json_paths(prop, &mut Vec::new(), &single, &mut paths)?;
                    for c in paths {
                        if let Cond::JsonPath { path, test, .. } = c {
                            // A nested key's type is its value's (the item types are one level).
                            let cast = if path.len() == 1 {
                                cast
                            } else {
                                JsonCast::of_test(&test)
                            };
                            out.push(ItemCond::Path { path, test, cast });
                        }
                    }
                }
            }
        }
        Ok(out)
    }

    /// A signed `raw()` fragment given as a value (see `raw_fragment`).
    fn raw(&self, v: &Json) -> Result<Option<(String, Vec<Value>)>> {
        let meta = self.joins.borrow().meta();
        raw_fragment(self.dialect, &meta.raw_nonce, v)
    }

    /// A signed `raw()` fragment used as a key.
    fn raw_key(&self, k: &str) -> Result<Option<(String, Vec<Value>)>> {
        let meta = self.joins.borrow().meta();
        raw_key(self.dialect, &meta.raw_nonce, k)
    }

    /// The comparisons of a raw key or JSON path with its value: one per operator
    /// (`{ $gte: 1, $lt: 5 }` is two, and-ed).
    fn raw_tests(&self, v: &Json) -> Result<Vec<RawTest>> {
        match v {
            Json::Object(ops) if ops.len() > 1 && ops.keys().all(|k| k.starts_with('$')) => ops
                .iter()
                .map(|(op, arg)| {
                    let mut one = Map::new();
                    one.insert(op.clone(), arg.clone());
                    self.raw_test(&Json::Object(one))
                })
                .collect(),
            v => Ok(vec![self.raw_test(v)?]),
        }
    }

    /// The comparison of a raw key with its value (plain values: no property to convert by).
    fn raw_test(&self, v: &Json) -> Result<RawTest> {
        let plain = |v: &Json| crate::convert::plain(self.dialect, v);
        if let Some((sql, params)) = self.raw(v)? {
            return Ok(RawTest::CmpRaw(Op::Eq, sql, params));
        }
        Ok(match v {
            Json::Array(items) if items.is_empty() => RawTest::None,
            Json::Array(items) => RawTest::In(items.iter().map(plain).collect::<Result<_>>()?),
            Json::Null => RawTest::IsNull(false),
            // A `Date` (`{"$date": ms}`) is a value.
            Json::Object(o) if o.contains_key("$date") => RawTest::Cmp(Op::Eq, plain(v)?),
            Json::Object(ops) if ops.len() == 1 => {
                let (op, arg) = ops
                    .iter()
                    .next()
                    .ok_or_else(|| Error::validation("Empty raw condition".to_string()))?;
                let op = match op.as_str() {
                    "$eq" => Op::Eq,
                    "$ne" if arg.is_null() => return Ok(RawTest::IsNull(true)),
                    "$ne" => Op::Ne,
                    "$gt" => Op::Gt,
                    "$gte" => Op::Gte,
                    "$lt" => Op::Lt,
                    "$lte" => Op::Lte,
                    "$like" => Op::Like,
                    "$in" => return self.raw_test(arg),
                    other => {
                        return Err(Error::not_implemented(format!(
                            "operator {other} on a key inside a JSON property or a raw() key"
                        )))
                    }
                };
                match self.raw(arg)? {
                    Some((sql, params)) => RawTest::CmpRaw(op, sql, params),
                    None => RawTest::Cmp(op, plain(arg)?),
                }
            }
            v => RawTest::Cmp(Op::Eq, plain(v)?),
        })
    }

    fn cmp(&self, prop: usize, op: Op, v: &Json) -> Result<Cond> {
        if let Some(query) = v.get("$query") {
            // A QueryBuilder as the value: compared with its (single) value, in parentheses.
            let query: crate::query::Query = serde_json::from_value(query.clone())
                .map_err(|e| Error::validation(format!("Invalid subquery: {e}")))?;
            let compiler = crate::query::Compiler {
                dialect: self.dialect,
                meta: self.joins.borrow().meta(),
            };
            let mut w = crate::sql::Writer::new(self.dialect);
            compiler.subquery(&mut w, &query)?;
            let sub = w.finish();
            return Ok(Cond::CmpRaw {
                col: self.col(prop),
                op,
                sql: format!("({})", sub.text),
                params: sub.params,
            });
        }
        if let Some((sql, params)) = self.raw(v)? {
            return Ok(Cond::CmpRaw {
                col: self.col(prop),
                op,
                sql,
                params,
            });
        }
        Ok(Cond::Cmp {
            col: self.col(prop),
            op,
            value: self.value(prop, v)?,
        })
    }

    fn operator(&self, prop: usize, op: &str, arg: &Json) -> Result<Cond> {
        let col = self.col(prop);
        Ok(match op {
            "$eq" if arg.is_null() => Cond::IsNull {
                col,
                negated: false,
            },
            "$ne" if arg.is_null() => Cond::IsNull { col, negated: true },
            "$eq" => self.cmp(prop, Op::Eq, arg)?,
            "$ne" => self.cmp(prop, Op::Ne, arg)?,
            "$gt" => self.cmp(prop, Op::Gt, arg)?,
            "$gte" => self.cmp(prop, Op::Gte, arg)?,
            "$lt" => self.cmp(prop, Op::Lt, arg)?,
            "$lte" => self.cmp(prop, Op::Lte, arg)?,
            "$like" => self.cmp(prop, Op::Like, arg)?,
            "$ilike" => self.cmp(prop, Op::Ilike, arg)?,
            "$re" => self.cmp(prop, Op::Regexp, arg)?,
            // On a JSON property the value goes as its JSON text; on another a list of values.
            "$contains" | "$contained" | "$overlap" | "$hasKeys" | "$hasSomeKeys" => {
                let op = match op {
                    "$contains" => Op::Contains,
                    "$contained" => Op::Contained,
                    "$overlap" => Op::Overlap,
                    "$hasKeys" => Op::HasKeys,
                    _ => Op::HasSomeKeys,
                };
                match arg {
                    // An array property: the array's literal, one parameter (`@> '{a}'`).
                    Json::Array(_) if self.entity().props[prop].ty == PropType::Array => {
                        Cond::Cmp {
                            col,
                            op,
                            value: self.value(prop, arg)?,
                        }
                    }
                    Json::Array(items) if self.entity().props[prop].ty != PropType::Json => {
                        Cond::CmpList {
                            col,
                            op,
                            values: items
                                .iter()
                                .map(|i| self.value(prop, i))
                                .collect::<Result<_>>()?,
                        }
                    }
                    _ => Cond::Cmp {
                        col,
                        op,
                        value: Value::Text(arg.to_string()),
                    },
                }
            }
            "$hasKey" => Cond::Cmp {
                col,
                op: Op::HasKey,
                value: crate::convert::plain(self.dialect, arg)?,
            },
            "$fulltext" => Cond::Fulltext {
                col,
                query: crate::convert::plain(self.dialect, arg)?,
            },
            "$exists" => Cond::IsNull {
                col,
                negated: arg.as_bool().unwrap_or(true),
            },
            "$in" | "$nin" if self.raw(arg)?.is_some() => {
                let (sql, params) = self.raw(arg)?.unwrap_or_default();
                Cond::InRaw {
                    col,
                    negated: op == "$nin",
                    sql,
                    params,
                }
            }
            "$in" | "$nin" if arg.get("$query").is_some() => {
                let json = arg.get("$query").cloned().unwrap_or(Json::Null);
                let query: crate::query::Query = serde_json::from_value(json)
                    .map_err(|e| Error::validation(format!("Invalid subquery: {e}")))?;
                // Compiled once here so that its errors surface now.
                let compiler = crate::query::Compiler {
                    dialect: self.dialect,
                    meta: self.joins.borrow().meta(),
                };
                compiler.subquery(&mut crate::sql::Writer::new(self.dialect), &query)?;
                Cond::InQuery {
                    col,
                    negated: op == "$nin",
                    query: SubSelect(std::sync::Arc::new(query)),
                }
            }
            "$in" | "$nin" => Cond::In {
                col,
                values: self.list(prop, op, arg)?,
                negated: op == "$nin",
            },
            "$not" => Cond::Not(Box::new(self.prop_value(prop, arg)?)),
            other => {
                return Err(Error::not_implemented(format!(
                    "operator {other} (used on {}.{})",
                    self.entity().name,
                    self.entity().props[prop].name
                )))
            }
        })
    }
}

/// Whether a condition on an array of embeddables tests its items (some key, `$and`, `$or` or
/// `$not`) rather than the column (only operators such as `$eq`, `$ne`).
fn is_item_filter(map: &Map<String, Json>) -> bool {
    map.keys()
        .any(|k| !k.starts_with('$') || matches!(k.as_str(), "$and" | "$or" | "$not"))
}
