//! The query model (what `em.find*`, `em.native*` and the QueryBuilder record) and its compiler.

use std::cell::RefCell;

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::convert::to_db;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::filter::{strip_alias, Cond, FilterParser};
use crate::joins::{Col, Joins, Via};
use crate::meta::{alias_of, EntityMeta, Metadata, PropMeta};
use crate::sql::{Sql, Writer};
use crate::value::Value;

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum QueryKind {
    Select,
    Count,
    Insert,
    Update,
    Delete,
    Truncate,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Query {
    pub kind: QueryKind,
    pub entity: usize,
    #[serde(default)]
    pub alias: Option<String>,
    #[serde(default)]
    pub fields: Option<Vec<Field>>,
    #[serde(default, rename = "where")]
    pub filter: Json,
    #[serde(default)]
    pub order_by: Vec<Map<String, Json>>,
    #[serde(default)]
    pub limit: Option<u64>,
    #[serde(default)]
    pub offset: Option<u64>,
    /// Insert rows, or the update's data (one object).
    #[serde(default)]
    pub data: Vec<Map<String, Json>>,
    /// `count(distinct <field>)` instead of `count(*)`.
    #[serde(default)]
    pub count_field: Option<String>,
    /// `qb.count(['a', 'b'])`: `count(a, b)`, or with `distinct` the rows of
    /// `select distinct a, b` counted in a subquery.
    #[serde(default)]
    pub count_fields: Vec<String>,
    /// `qb.insertFrom(select)`: the rows of a select, into these properties' columns.
    #[serde(default)]
    pub insert_from: Option<InsertFrom>,
    /// `populateWhere: 'infer'`: conditions on populated relations use their joins.
    #[serde(default)]
    pub populate_where_infer: bool,
    #[serde(default)]
    pub distinct: bool,
    /// The QueryBuilder's condition: filters and raw SQL fragments combined with and/or. Used
    /// instead of `where` when present. Raw SQL only comes from here, never from a filter
    /// object, so user-supplied filters cannot inject SQL.
    #[serde(default)]
    pub clause: Option<Clause>,
    /// Relation paths loaded by joining (`author`, `author.country`, `books`, `tags`).
    #[serde(default)]
    pub populate: Vec<String>,
    /// Insert: what to do when a row conflicts with an existing one (`em.upsert`).
    #[serde(default)]
    pub on_conflict: Option<OnConflict>,
    /// Insert: the columns to return instead of generated keys and defaults.
    #[serde(default)]
    pub returning: Option<Vec<String>>,
    /// Select: MikroORM's `LockMode` number; pessimistic modes add the dialect's lock clause.
    #[serde(default)]
    pub lock_mode: Option<u8>,
    /// `setLockMode(mode, ['b'])`: only these aliases' rows (`for update of "b"`).
    #[serde(default)]
    pub lock_tables: Vec<String>,
    /// Select `1` instead of columns (`em.lock()` only needs the row locked).
    #[serde(default)]
    pub select_one: bool,
    /// Conditions that go into a relation's join: its target's filters, or the `populateWhere`
    /// of a joined relation.
    #[serde(default)]
    pub filter_joins: Vec<FilterJoin>,
    /// Select lazy properties too (they are populated).
    #[serde(default)]
    pub load_lazy: bool,
    /// QueryBuilder joins (`qb.leftJoin('b.author', 'a')`), in call order.
    #[serde(default)]
    pub joins: Vec<QbJoin>,
    /// `group by` properties (`author`, `a.name`) or raw fragments.
    #[serde(default)]
    pub group_by: Vec<Field>,
    #[serde(default)]
    pub having: Option<Clause>,
    /// `qb.count()`: `count(*)` even over to-many joins (`em.count` counts distinct keys).
    #[serde(default)]
    pub plain_count: bool,
    /// Insert, update, delete: name the table by the QueryBuilder's alias (`update author as a`).
    #[serde(default)]
    pub qualify: bool,
    /// `qb.with(…)` / `qb.withRecursive(…)`: common table expressions before the statement.
    #[serde(default)]
    pub ctes: Vec<Cte>,
    /// `qb.from(…)`: rows from a subquery or a named table (a CTE) instead of the entity's table.
    #[serde(default)]
    pub from: Option<FromSource>,
    /// `qb.union(…)` / `qb.unionAll(…)`: the other selects, each in parentheses.
    #[serde(default)]
    pub union: Option<Union>,
    /// `qb.comment(…)`: `/* … */` before the statement.
    #[serde(default)]
    pub comments: Vec<String>,
    /// `qb.hintComment(…)`: `/*+ … */` after `select`.
    #[serde(default)]
    pub hint_comments: Vec<String>,
    /// `qb.indexHint(…)`: SQL after the table (`force index(…)`).
    #[serde(default)]
    pub index_hint: Option<String>,
    /// `qb.collation(…)`: `collate` of every ordered column.
    #[serde(default)]
    pub collation: Option<String>,
    /// `qb.withSchema(…)`: the table's schema.
    #[serde(default)]
    pub schema: Option<String>,
    /// `QueryFlag.DISABLE_PAGINATE`: a limit over to-many joins limits rows, not owners.
    #[serde(default)]
    pub disable_paginate: bool,
    /// `qb.distinctOn(…)`: `select distinct on (…)`.
    #[serde(default)]
    pub distinct_on: Vec<String>,
    /// `fields: ['author.name']`: the properties of a populated relation to select, by path.
    #[serde(default)]
    pub populate_fields: std::collections::HashMap<String, Vec<String>>,
}

/// A comment's text, unable to end the comment early.
fn comment_text(text: &str) -> String {
    text.replace("*/", "* /")
}

/// A common table expression: `name [(columns)] as [materialized] (query)`.
#[derive(Debug, Deserialize, Clone)]
pub struct Cte {
    pub name: String,
    #[serde(default)]
    pub query: Option<Box<Query>>,
    #[serde(default)]
    pub raw: Option<String>,
    #[serde(default)]
    pub params: Vec<Json>,
    /// The raw fragment's secret (see `Metadata::raw_nonce`).
    #[serde(default)]
    pub nonce: String,
    #[serde(default)]
    pub columns: Vec<String>,
    #[serde(default)]
    pub materialized: Option<bool>,
    #[serde(default)]
    pub recursive: bool,
}

/// What a select reads from instead of its entity's table.
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "lowercase")]
pub enum FromSource {
    /// A subquery (`from (select …) as sub`).
    Query(Box<Query>),
    /// A named table: a CTE (`from adults as ad`).
    Table(String),
}

#[derive(Debug, Deserialize, Clone)]
pub struct Union {
    #[serde(default)]
    pub all: bool,
    pub parts: Vec<Query>,
}

/// What a query is ordered by: a column, or a `raw()` key's SQL.
#[derive(Debug, Clone)]
pub enum Sort {
    Col(Col),
    Raw(String, Vec<Value>),
}

impl Sort {
    fn write(&self, w: &mut Writer, joins: &Joins) {
        match self {
            Sort::Col(col) => write_prop(w, joins.alias(col.node), joins.prop(*col), false),
            Sort::Raw(sql, params) => {
                w.raw(sql, params);
            }
        }
    }
}

/// A selected field: a property (`title`, `a.name`) or a raw SQL fragment from `raw()` / `sql`.
#[derive(Debug, Deserialize, Clone)]
#[serde(untagged)]
pub enum Field {
    Prop(String),
    Raw {
        raw: String,
        #[serde(default)]
        params: Vec<Json>,
        #[serde(default)]
        nonce: String,
    },
    /// `qb.as('cnt')`: a subquery selected as a column.
    Sub {
        query: Box<Query>,
        #[serde(rename = "as")]
        alias: String,
    },
}

impl Field {
    fn is_star(&self) -> bool {
        matches!(self, Field::Prop(p) if p == "*")
    }
}

/// A QueryBuilder join: the relation `path` (`b.author`: an alias and a property; or a root
/// property), the alias to join it as, and whether its columns are selected (`…AndSelect`).
#[derive(Debug, Deserialize, Clone)]
pub struct QbJoin {
    pub path: String,
    pub alias: String,
    #[serde(default)]
    pub left: bool,
    #[serde(default)]
    pub select: bool,
    /// More conditions of the join (`leftJoin('a.books', 'b', { 'b.price': { $gt: 5 } })`).
    #[serde(default)]
    pub cond: Option<Json>,
    /// `…AndSelect(…, fields)`: only these properties of the joined entity.
    #[serde(default)]
    pub fields: Option<Vec<String>>,
    /// Read from a subquery or raw SQL: with a `path`, the relation's rows come from it; without,
    /// it is a derived table joined on `cond` alone.
    #[serde(default)]
    pub source: Option<JoinSource>,
    #[serde(default)]
    pub lateral: bool,
}

/// `insert into … select …`: the select and the target properties its columns fill, in order.
#[derive(Debug, Deserialize, Clone)]
pub struct InsertFrom {
    pub query: Box<Query>,
    pub columns: Vec<String>,
}

/// A join's subquery (a QueryBuilder) or raw SQL (signed, like every fragment).
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub enum JoinSource {
    Query(Box<Query>),
    Raw(Json),
}

/// A condition in a relation's join. For a reference joined for its target's filters, only rows
/// whose target passes them remain (or, for a nullable relation, the relation reads as null).
#[derive(Debug, Deserialize, Clone)]
pub struct FilterJoin {
    pub path: String,
    #[serde(rename = "where")]
    pub filter: Json,
}

/// `on conflict (fields) do update set merge = excluded.merge` (or `do nothing`).
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
pub struct OnConflict {
    pub fields: Vec<String>,
    /// `onConflict(raw('(email) where age is null'))`: a raw target instead of `fields`.
    #[serde(default)]
    pub target: Option<Json>,
    #[serde(default)]
    pub merge: Vec<String>,
    /// `merge({ age: 9 })`: the values to set instead of the inserted ones.
    #[serde(default)]
    pub merge_data: Option<Map<String, Json>>,
    #[serde(default)]
    pub ignore: bool,
}

/// A QueryBuilder condition (`where`, `andWhere`, `orWhere`).
#[derive(Debug, Deserialize, Clone)]
#[serde(rename_all = "lowercase")]
pub enum Clause {
    And(Vec<Clause>),
    Or(Vec<Clause>),
    Filter(Json),
    Raw {
        sql: String,
        #[serde(default)]
        params: Vec<Json>,
    },
}

impl Clause {
    /// Whether some key of its filters starts with `alias.`.
    fn mentions_alias(&self, alias: &str) -> bool {
        fn keys(v: &Json, prefix: &str) -> bool {
            match v {
                Json::Object(m) => m
                    .iter()
                    .any(|(k, v)| k.starts_with(prefix) || keys(v, prefix)),
                Json::Array(items) => items.iter().any(|v| keys(v, prefix)),
                _ => false,
            }
        }
        let prefix = format!("{alias}.");
        match self {
            Clause::And(items) | Clause::Or(items) => items.iter().any(|c| c.mentions_alias(alias)),
            Clause::Filter(f) => keys(f, &prefix),
            Clause::Raw { .. } => false,
        }
    }
}

impl Query {
    pub fn from_json(json: &str) -> Result<Query> {
        serde_json::from_str(json).map_err(|e| Error::validation(format!("Invalid query: {e}")))
    }
}

/// A (row, column) place of a multi-row insert.
pub type Place = (usize, usize);

/// A compiled query and what its rows mean.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub sql: Sql,
    pub kind: QueryKind,
    pub entity: usize,
    /// Entities loaded through joins; their columns come as `alias__column`.
    pub joined: Vec<Joined>,
    /// Inverse one-to-one properties of the root and the column holding the related key.
    pub inverse: Vec<(String, String)>,
    /// References of the root joined for their target's filters: the foreign key column and the
    /// column with the target's key, null when the target did not pass (the reference then
    /// reads as null, in the entity and its snapshot alike).
    pub filtered: Vec<(String, String)>,
    /// Inserts: the properties of the `values` columns, in order.
    pub insert_columns: Vec<usize>,
    /// Inserts: the places that hold the column's default instead of a parameter.
    pub insert_missing: Vec<Place>,
    /// A to-many join may repeat a root row (once per matching item).
    pub repeats_rows: bool,
}

/// What a select loads besides the root rows (see `Compiled`).
struct Selected {
    joined: Vec<Joined>,
    inverse: Vec<(String, String)>,
    filtered: Vec<(String, String)>,
    repeats_rows: bool,
}

#[derive(Debug, Clone)]
pub struct Joined {
    pub alias: String,
    pub entity: usize,
    /// The relation path from the root entity (`author.country`).
    pub path: String,
    /// Items of a many-to-many collection: the column with their owner's key in each row, so
    /// rows pair owners with items.
    pub owner_key: Option<String>,
}

/// For the items of a joined many-to-many collection: the column holding the owner's key (the
/// root's own key column, or a joined owner's `alias__key`).
fn many_to_many_owner_key(joins: &Joins, node: &crate::joins::Node) -> Option<String> {
    let (pivot, _) = node.parent?;
    let (owner, Via::Pivot(_)) = joins.nodes[pivot].parent? else {
        return None;
    };
    let entity = joins.entity(owner);
    let pk = &entity.props[*entity.pk.first()?].field_name;
    Some(if owner == 0 {
        pk.clone()
    } else {
        format!("{}__{pk}", joins.alias(owner).unwrap_or_default())
    })
}

pub struct Compiler<'a> {
    pub dialect: &'a dyn Dialect,
    pub meta: &'a Metadata,
}

impl<'a> Compiler<'a> {
    pub fn compile(&self, q: &Query) -> Result<Compiled> {
        let entity = self.meta.entity(q.entity)?;
        let mut w = Writer::new(self.dialect);
        let mut selected = Selected {
            joined: Vec::new(),
            inverse: Vec::new(),
            filtered: Vec::new(),
            repeats_rows: false,
        };
        let mut insert_columns = Vec::new();
        let mut insert_missing = Vec::new();
        for c in &q.comments {
            w.push("/* ").push(&comment_text(c)).push(" */ ");
        }
        self.write_ctes(&mut w, q)?;
        match q.kind {
            QueryKind::Select | QueryKind::Count => selected = self.select(&mut w, entity, q)?,
            QueryKind::Insert => {
                (insert_columns, insert_missing) = self.insert(&mut w, entity, q)?
            }
            QueryKind::Update => self.update(&mut w, entity, q)?,
            QueryKind::Delete => self.delete(&mut w, entity, q)?,
            QueryKind::Truncate => self.dialect.write_truncate(&mut w, &entity.table_name),
        }
        Ok(Compiled {
            sql: w.finish(),
            kind: q.kind,
            entity: q.entity,
            joined: selected.joined,
            inverse: selected.inverse,
            filtered: selected.filtered,
            insert_columns,
            insert_missing,
            repeats_rows: selected.repeats_rows,
        })
    }

    fn parse_filter(
        &self,
        joins: &RefCell<Joins<'a>>,
        alias: Option<&str>,
        filter: &Json,
    ) -> Result<Option<Cond>> {
        FilterParser {
            dialect: self.dialect,
            joins,
            node: 0,
            alias,
        }
        .parse(filter)
    }

    /// The query's condition: the QueryBuilder clause if there is one, else the filter.
    fn condition(&self, joins: &RefCell<Joins<'a>>, q: &Query) -> Result<Option<Cond>> {
        let c = match &q.clause {
            Some(c) => self.clause(joins, q.alias.as_deref(), c)?,
            None => self.parse_filter(joins, q.alias.as_deref(), &q.filter)?,
        };
        let entity = self.meta.entity(q.entity)?;
        let Some(d) = &entity.discriminator else {
            return Ok(c);
        };
        // Single-table inheritance: the entity's rows, after the user's condition.
        let col = Col {
            node: 0,
            prop: entity.prop_index(&d.prop)?,
        };
        let disc = discriminator_cond(col, &d.values);
        Ok(Some(match c {
            None => disc,
            Some(Cond::And(mut parts)) => {
                parts.push(disc);
                Cond::And(parts)
            }
            Some(c) => Cond::And(vec![c, disc]),
        }))
    }

    /// The condition of an update or delete, which cannot join (MikroORM uses a subquery).
    /// ` where …` of an update or delete. A condition on relations selects the keys in a
    /// subquery, as MikroORM: ` where id in (select b0.id from (select distinct b0.id from book
    /// as b0 inner join … where …) as b0)`.
    fn write_plain_condition(&self, w: &mut Writer, entity: &EntityMeta, q: &Query) -> Result<()> {
        // MikroORM qualifies the columns of an aliased update/delete only where the condition's
        // keys carry the alias (`{ 'a.id': 1 }`; `{ id: 1 }` stays `id`).
        let alias = q
            .alias
            .as_deref()
            .filter(|a| q.qualify && q.clause.as_ref().is_some_and(|c| c.mentions_alias(a)));
        let joins = RefCell::new(Joins::new(self.meta, q.entity, alias)?);
        let c = self.condition(&joins, q)?;
        let joins = joins.into_inner();
        let Some(c) = c else {
            return Ok(());
        };
        if !joins.has_joins() {
            w.push(" where ");
            write_cond(w, &joins, &c, true);
            return Ok(());
        }
        let root = entity.alias(0);
        let joins = RefCell::new(Joins::new(self.meta, q.entity, Some(&root))?);
        let Some(c) = self.condition(&joins, q)? else {
            return Ok(());
        };
        let joins = joins.into_inner();
        let pk = entity.pk_column();
        w.push(" where ").ident(pk).push(" in (select ");
        w.column(Some(&root), pk).push(" from (select distinct ");
        w.column(Some(&root), pk)
            .push(" from ")
            .ident(&entity.table_name);
        w.push(" as ").ident(&root);
        write_joins(w, &joins);
        w.push(" where ");
        write_cond(w, &joins, &c, true);
        w.push(") as ").ident(&root).push(")");
        Ok(())
    }

    /// A nested select (a QueryBuilder used as a value), written into the same statement.
    pub fn subquery(&self, w: &mut Writer, q: &Query) -> Result<()> {
        if !matches!(q.kind, QueryKind::Select | QueryKind::Count) {
            return Err(Error::validation(
                "A subquery must be a select or a count".to_string(),
            ));
        }
        let entity = self.meta.entity(q.entity)?;
        self.select(w, entity, q).map(|_| ())
    }

    /// `with [recursive] name [(columns)] as [materialized] (…), …`
    fn write_ctes(&self, w: &mut Writer, q: &Query) -> Result<()> {
        if q.ctes.is_empty() {
            return Ok(());
        }
        w.push(if q.ctes.iter().any(|c| c.recursive) {
            "with recursive "
        } else {
            "with "
        });
        for (n, c) in q.ctes.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(&c.name);
            if !c.columns.is_empty() {
                w.push(" (");
                for (k, col) in c.columns.iter().enumerate() {
                    if k > 0 {
                        w.push(", ");
                    }
                    w.ident(col);
                }
                w.push(")");
            }
            w.push(" as ");
            match c.materialized {
                Some(true) => w.push("materialized "),
                Some(false) => w.push("not materialized "),
                None => w,
            };
            w.push("(");
            match (&c.query, &c.raw) {
                (Some(sub), _) => self.subquery(w, sub)?,
                (None, Some(sql)) if !c.nonce.is_empty() && c.nonce == self.meta.raw_nonce => {
                    w.raw(sql, &self.raw_params(&c.params)?);
                }
                _ => {
                    return Err(Error::validation(format!(
                        "The common table expression {} has no query (raw SQL comes from raw() or the sql tag)",
                        c.name
                    )))
                }
            }
            w.push(")");
        }
        w.push(" ");
        Ok(())
    }

    /// The QueryBuilder's joins, in call order: each from the root or an earlier join's alias.
    /// A join's subquery or raw SQL, compiled.
    fn join_source(&self, j: &QbJoin) -> Result<Option<crate::joins::Source>> {
        let (sql, params) = match &j.source {
            None => return Ok(None),
            Some(JoinSource::Query(query)) => {
                let mut w = Writer::new(self.dialect);
                self.subquery(&mut w, query)?;
                let sql = w.finish();
                (sql.text, sql.params)
            }
            Some(JoinSource::Raw(raw)) => {
                crate::filter::raw_fragment(self.dialect, &self.meta.raw_nonce, raw)?.ok_or_else(
                    || {
                        Error::validation(format!(
                            "Invalid join source for '{}': raw SQL comes from raw() or the sql tag",
                            j.alias
                        ))
                    },
                )?
            }
        };
        Ok(Some(crate::joins::Source {
            sql,
            params,
            lateral: j.lateral,
        }))
    }

    fn qb_joins(&self, joins: &RefCell<Joins<'a>>, q: &Query) -> Result<()> {
        for j in &q.joins {
            let source = self.join_source(j)?;
            if j.path.is_empty() {
                let Some(source) = source else {
                    return Err(Error::validation(format!(
                        "The join '{}' names no relation and no subquery",
                        j.alias
                    )));
                };
                let node = joins.borrow_mut().join_derived(&j.alias, j.left, source);
                if let Some(cond) = &j.cond {
                    let parser = FilterParser {
                        dialect: self.dialect,
                        joins,
                        node: 0,
                        alias: q.alias.as_deref(),
                    };
                    let on = parser.parse(cond)?;
                    joins.borrow_mut().nodes[node].on = on;
                }
                continue;
            }
            let (parent, name) = match j.path.split_once('.') {
                Some((a, name)) if q.alias.as_deref() == Some(a) => (0, name),
                Some((a, name)) => match joins.borrow().by_alias(a) {
                    Some(node) => (node, name),
                    None => {
                        return Err(Error::validation(format!(
                        "Trying to join {}, but '{a}' is not a known alias (the root's is '{}')",
                        j.path,
                        q.alias.as_deref().unwrap_or_default()
                    )))
                    }
                },
                None => (0, j.path.as_str()),
            };
            let node = joins.borrow_mut().join_as(parent, name, &j.alias, j.left)?;
            joins.borrow_mut().nodes[node].populate = j.select;
            joins.borrow_mut().nodes[node].source = source;
            if let Some(fields) = &j.fields {
                let entity = joins.borrow().entity(node);
                let list = fields
                    .iter()
                    .map(|f| entity.prop_index(f))
                    .collect::<Result<Vec<_>>>()?;
                joins.borrow_mut().nodes[node].fields = Some(list);
            }
            if let Some(cond) = &j.cond {
                let parser = FilterParser {
                    dialect: self.dialect,
                    joins,
                    node,
                    alias: None,
                };
                if let Some(c) = parser.parse(cond)? {
                    let mut all = joins.borrow_mut();
                    let n = &mut all.nodes[node];
                    n.on = Some(match n.on.take() {
                        Some(prev) => Cond::And(vec![prev, c]),
                        None => c,
                    });
                }
            }
        }
        Ok(())
    }

    /// A field named in `select` or `groupBy`: a root property (with or without the root's
    /// alias) or a joined alias's (`a.name`).
    fn field_col(&self, joins: &Joins, alias: Option<&str>, name: &str) -> Result<Col> {
        if let Some((a, prop)) = name.split_once('.') {
            if let Some(node) = joins.by_alias(a) {
                return Ok(Col {
                    node,
                    prop: joins.entity(node).prop_index(prop)?,
                });
            }
        }
        let entity = joins.entity(0);
        Ok(Col {
            node: 0,
            prop: entity.prop_index(strip_alias(alias, name))?,
        })
    }

    fn raw_params(&self, params: &[Json]) -> Result<Vec<Value>> {
        params
            .iter()
            .map(|p| crate::convert::plain(self.dialect, p))
            .collect()
    }

    fn clause(
        &self,
        joins: &RefCell<Joins<'a>>,
        alias: Option<&str>,
        c: &Clause,
    ) -> Result<Option<Cond>> {
        Ok(match c {
            Clause::Filter(f) => self.parse_filter(joins, alias, f)?,
            Clause::Raw { sql, params } => Some(Cond::Raw {
                sql: sql.clone(),
                params: params
                    .iter()
                    .map(|p| crate::convert::plain(self.dialect, p))
                    .collect::<Result<_>>()?,
            }),
            Clause::And(items) | Clause::Or(items) => {
                let mut parts = Vec::with_capacity(items.len());
                for item in items {
                    if let Some(c) = self.clause(joins, alias, item)? {
                        parts.push(c);
                    }
                }
                match parts.len() {
                    0 => None,
                    1 => parts.pop(),
                    _ if matches!(c, Clause::And(_)) => Some(Cond::And(parts)),
                    _ => Some(Cond::Or(parts)),
                }
            }
        })
    }

    fn select(&self, w: &mut Writer, entity: &EntityMeta, q: &Query) -> Result<Selected> {
        let Some(union) = &q.union else {
            return self.select_one(w, entity, q);
        };
        // `(select …) union [all] (select …)`: MikroORM leaves order and limit out.
        let parens = self.dialect.parenthesized_union();
        if parens {
            w.push("(");
        }
        let selected = self.select_one(w, entity, q)?;
        for part in &union.parts {
            if parens {
                w.push(")");
            }
            w.push(if union.all { " union all " } else { " union " });
            if parens {
                w.push("(");
            }
            self.subquery(w, part)?;
        }
        if parens {
            w.push(")");
        }
        Ok(selected)
    }

    /// One select, its alias standing for `[::alias::]` in its raw SQL.
    fn select_one(&self, w: &mut Writer, entity: &EntityMeta, q: &Query) -> Result<Selected> {
        let outer = std::mem::replace(&mut w.alias, q.alias.clone());
        let selected = self.select_body(w, entity, q);
        w.alias = outer;
        selected
    }

    fn select_body(&self, w: &mut Writer, entity: &EntityMeta, q: &Query) -> Result<Selected> {
        if q.kind == QueryKind::Count
            && q.distinct
            && q.count_fields.len() > 1
            && !self.dialect.count_distinct_columns()
        {
            let mut rows = q.clone();
            rows.kind = QueryKind::Select;
            rows.fields = Some(q.count_fields.iter().cloned().map(Field::Prop).collect());
            rows.count_fields.clear();
            w.push("select count(*) as ")
                .ident("count")
                .push(" from ( ");
            self.select_one(w, entity, &rows)?;
            w.push(" ) as ").ident("dcnt");
            return Ok(Selected {
                joined: Vec::new(),
                inverse: Vec::new(),
                filtered: Vec::new(),
                repeats_rows: false,
            });
        }
        let alias = q.alias.as_deref();
        let joins = RefCell::new(Joins::new(self.meta, q.entity, alias)?);
        let mut inverse = Vec::new();
        let mut filtered = Vec::new();
        self.qb_joins(&joins, q)?;
        // A count joins what its find populates (`findAndCount`): to-many joins count distinct keys.
        for path in &q.populate {
            joins.borrow_mut().populate(path)?;
        }
        for (path, fields) in &q.populate_fields {
            let node = joins
                .borrow()
                .nodes
                .iter()
                .position(|n| n.path == *path && n.populate);
            if let Some(node) = node {
                let entity = joins.borrow().entity(node);
                let mut list: Vec<usize> = entity.pk.clone();
                for f in fields {
                    let i = entity.prop_index(f)?;
                    if !list.contains(&i) {
                        list.push(i);
                    }
                }
                joins.borrow_mut().nodes[node].fields = Some(list);
            }
        }
        if q.kind == QueryKind::Select {
            // An inverse one-to-one is read through a join of its owner (MikroORM does so too).
            if q.fields.is_none() && q.group_by.is_empty() {
                for (c, meta) in entity.collections.iter().enumerate() {
                    if meta.one_to_one {
                        let node = joins.borrow_mut().join_collection(0, c)?;
                        let mut j = joins.borrow_mut();
                        let n = &mut j.nodes[node];
                        n.key_only = !n.populate;
                        let pk = n.entity.pk_column();
                        let a = n.alias.as_deref().unwrap_or_default();
                        inverse.push((meta.name.clone(), format!("{a}__{pk}")));
                    }
                }
            }
        }
        for fj in &q.filter_joins {
            let before = joins.borrow().nodes.len();
            let node = joins.borrow_mut().join_path(&fj.path, false)?;
            if node >= before {
                // A join made for filters is named after the property (`editor` → `e1`).
                let name = fj.path.rsplit('.').next().unwrap_or_default();
                joins.borrow_mut().nodes[node].alias = Some(alias_of(name, node));
            }
            let parser = FilterParser {
                dialect: self.dialect,
                joins: &joins,
                node,
                alias: None,
            };
            let Some(c) = parser.parse(&fj.filter)? else {
                continue;
            };
            let mut j = joins.borrow_mut();
            let n = &mut j.nodes[node];
            n.on = Some(match n.on.take() {
                Some(prev) => Cond::And(vec![prev, c]),
                None => c,
            });
            // The target's key tells whether it passed (`a1`.`id` as `a1__id`).
            if q.kind == QueryKind::Select && q.fields.is_none() && !n.populate && !n.key_only {
                n.key_only = true;
                let pk = n.entity.pk_column();
                let a = n.alias.as_deref().unwrap_or_default();
                if let Some(fk) = entity.prop(&fj.path) {
                    filtered.push((fk.field_name.clone(), format!("{a}__{pk}")));
                }
            }
        }
        // A condition on a populated relation joins it anew (`b2`), as MikroORM does.
        // With `populateWhere: 'infer'` the condition uses the populated join itself.
        let populating = q.kind == QueryKind::Select
            && !q.populate_where_infer
            && joins.borrow().nodes.iter().any(|n| n.populate);
        joins.borrow_mut().separate_conditions = populating;
        let cond = self.condition(&joins, q);
        joins.borrow_mut().separate_conditions = false;
        let cond = cond?;
        let order = self.resolve_order(&joins, &q.order_by)?;
        let having = match &q.having {
            Some(h) => self.clause(&joins, alias, h)?,
            None => None,
        };
        let joins = joins.into_inner();
        // A joined collection repeats its owner's rows: `limit` then counts owners, in a subquery.
        let paginate = q.kind == QueryKind::Select
            && !q.disable_paginate
            && (q.limit.is_some() || q.offset.is_some())
            && joins.has_collection_joins();
        w.push("select ");
        for c in &q.hint_comments {
            w.push("/*+ ").push(&comment_text(c)).push(" */ ");
        }
        if q.kind == QueryKind::Count {
            match &q.count_field {
                None if !q.count_fields.is_empty() => {
                    w.push(if q.distinct {
                        "count(distinct "
                    } else {
                        "count("
                    });
                    for (n, f) in q.count_fields.iter().enumerate() {
                        if n > 0 {
                            w.push(", ");
                        }
                        let col = self.field_col(&joins, alias, f)?;
                        write_prop(w, joins.alias(col.node), joins.prop(col), false);
                    }
                    w.push(")");
                }
                Some(f) => {
                    let i = entity.prop_index(f)?;
                    w.push(if q.distinct {
                        "count(distinct "
                    } else {
                        "count("
                    });
                    w.column(alias, &entity.props[i].field_name).push(")");
                }
                // A to-many join repeats rows: MikroORM then counts distinct keys.
                None if !q.plain_count && joins.has_collection_joins() && !entity.pk.is_empty() => {
                    w.push("count(distinct ");
                    w.column(alias, &entity.props[entity.pk[0]].field_name)
                        .push(")");
                }
                None => {
                    w.push("count(*)");
                }
            }
            w.push(" as ").ident("count");
        } else if q.select_one {
            w.push("1");
        } else {
            if q.distinct {
                w.push("distinct ");
            }
            for (n, f) in q.distinct_on.iter().enumerate() {
                w.push(if n == 0 { "distinct on (" } else { ", " });
                let col = self.field_col(&joins, alias, f)?;
                write_prop(w, joins.alias(col.node), joins.prop(col), false);
                if n + 1 == q.distinct_on.len() {
                    w.push(") ");
                }
            }
            match q.fields.as_deref() {
                Some(fields) if !fields.iter().all(Field::is_star) => {
                    let mut cols: Vec<Col> = Vec::with_capacity(fields.len() + 1);
                    let mut n = 0;
                    for f in fields {
                        let col = match f {
                            // `name as n`: a column under another name.
                            Field::Prop(name) if name.contains(" as ") => {
                                let (prop, as_name) = name.split_once(" as ").unwrap_or((name, ""));
                                let col = self.field_col(&joins, alias, prop.trim())?;
                                if n > 0 {
                                    w.push(", ");
                                }
                                n += 1;
                                write_prop(w, joins.alias(col.node), joins.prop(col), false);
                                w.push(" as ").ident(as_name.trim());
                                continue;
                            }
                            // `*` among other fields: the root's columns at its place.
                            Field::Prop(name) if name == "*" => {
                                if n > 0 {
                                    w.push(", ");
                                }
                                n += 1;
                                write_star(w, entity, alias, q.load_lazy);
                                continue;
                            }
                            // `b.*`: every column of a joined alias.
                            Field::Prop(name) if name.ends_with(".*") => {
                                if n > 0 {
                                    w.push(", ");
                                }
                                n += 1;
                                w.column(Some(&name[..name.len() - 2]), "*");
                                continue;
                            }
                            Field::Prop(name) => self.field_col(&joins, alias, name)?,
                            Field::Raw { raw, params, nonce } => {
                                if nonce.is_empty() || *nonce != self.meta.raw_nonce {
                                    return Err(Error::validation(format!(
                                        "Invalid field {raw}: raw SQL comes from raw() or the sql tag"
                                    )));
                                }
                                if n > 0 {
                                    w.push(", ");
                                }
                                n += 1;
                                w.raw(raw, &self.raw_params(params)?);
                                continue;
                            }
                            Field::Sub { query, alias } => {
                                if n > 0 {
                                    w.push(", ");
                                }
                                n += 1;
                                w.push("(");
                                self.subquery(w, query)?;
                                w.push(") as ").ident(alias);
                                continue;
                            }
                        };
                        if cols.contains(&col) {
                            continue;
                        }
                        cols.push(col);
                        if n > 0 {
                            w.push(", ");
                        }
                        n += 1;
                        select_prop(w, joins.alias(col.node), joins.prop(col), None, false);
                    }
                }
                _ => write_star(w, entity, alias, q.load_lazy),
            }
        }
        let mut joined = Vec::new();
        let selects_joins = q.kind == QueryKind::Select;
        for node in joins
            .nodes
            .iter()
            .skip(1)
            .filter(|n| n.populate && selects_joins)
        {
            let a = node.alias.as_deref().unwrap_or_default();
            let chosen = |i: usize| node.fields.as_ref().is_none_or(|f| f.contains(&i));
            for (i, p) in node.entity.props.iter().enumerate() {
                if p.lazy || !chosen(i) {
                    continue;
                }
                w.push(", ");
                select_prop(w, Some(a), p, Some(a), false);
            }
            joined.push(Joined {
                alias: a.to_string(),
                entity: node.entity_index,
                path: node.path.clone(),
                owner_key: many_to_many_owner_key(&joins, node),
            });
        }
        // Keys of joins made for filters and inverse one-to-ones come after the loaded columns.
        for node in joins
            .nodes
            .iter()
            .skip(1)
            .filter(|n| n.key_only && selects_joins)
        {
            let a = node.alias.as_deref().unwrap_or_default();
            for &i in &node.entity.pk {
                let f = &node.entity.props[i].field_name;
                w.push(", ").column(Some(a), f).push(" as ");
                w.ident(&format!("{a}__{f}"));
            }
        }
        w.push(" from ");
        match &q.from {
            Some(FromSource::Query(sub)) => {
                w.push("(");
                self.subquery(w, sub)?;
                w.push(")");
            }
            Some(FromSource::Table(name)) => {
                w.ident(name);
            }
            None => {
                if let Some(schema) = &q.schema {
                    w.ident(schema).push(".");
                }
                w.ident(&entity.table_name);
            }
        }
        if let Some(a) = alias {
            w.push(" as ").ident(a);
        }
        if let Some(hint) = &q.index_hint {
            w.push(" ").push(hint);
        }
        if paginate {
            // The page's keys come from a subquery with every join; the query itself only
            // joins what it loads.
            write_joins_of(w, &joins, |i| joins.loads(i));
            self.paginated_keys(w, entity, &joins, cond.as_ref(), &order, q);
        } else {
            write_joins(w, &joins);
            if let Some(c) = cond {
                w.push(" where ");
                write_cond(w, &joins, &c, true);
            }
        }
        for (n, g) in q.group_by.iter().enumerate() {
            w.push(if n == 0 { " group by " } else { ", " });
            match g {
                Field::Prop(name) => {
                    let col = self.field_col(&joins, alias, name)?;
                    write_prop(w, joins.alias(col.node), joins.prop(col), false);
                }
                Field::Raw { raw, params, nonce }
                    if !nonce.is_empty() && *nonce == self.meta.raw_nonce =>
                {
                    w.raw(raw, &self.raw_params(params)?);
                }
                _ => {
                    return Err(Error::validation(
                        "qb.groupBy() takes property names and raw() fragments".to_string(),
                    ))
                }
            }
        }
        if let Some(h) = having {
            w.push(" having ");
            write_cond(w, &joins, &h, true);
        }
        let repeats_rows = joins.has_collection_joins();
        self.order_by(w, &joins, &order, q.collation.as_deref());
        if paginate {
            return Ok(Selected {
                joined,
                inverse,
                filtered,
                repeats_rows,
            });
        }
        if let Some(l) = q.limit {
            w.push(" limit ").param(Value::Int(l as i64));
        }
        match (q.limit, q.offset) {
            (Some(_), Some(o)) => {
                w.push(" offset ").param(Value::Int(o as i64));
            }
            (None, Some(o)) => self.dialect.write_offset_only(w, o),
            _ => {}
        }
        if let Some(clause) = q.lock_mode.and_then(|m| self.dialect.lock_clause(m)) {
            w.push(" ").push(clause);
            if !q.lock_tables.is_empty() && self.dialect.locks_named_tables() {
                w.push(" of ");
                for (n, t) in q.lock_tables.iter().enumerate() {
                    if n > 0 {
                        w.push(", ");
                    }
                    w.ident(t);
                }
            }
        }
        Ok(Selected {
            joined,
            inverse,
            filtered,
            repeats_rows,
        })
    }

    /// The columns to order by, joining relations ordered through (`{ author: { name: 'asc' } }`,
    /// `{ books: { title: 'asc' } }`) as conditions do; `author.name` names a populated join.
    fn resolve_order(
        &self,
        joins: &RefCell<Joins>,
        order: &[Map<String, Json>],
    ) -> Result<Vec<(Sort, &'static str)>> {
        let mut out = Vec::new();
        for map in order {
            self.order_level(joins, 0, map, &mut out)?;
        }
        Ok(out)
    }

    fn order_level(
        &self,
        joins: &RefCell<Joins>,
        node: usize,
        map: &Map<String, Json>,
        out: &mut Vec<(Sort, &'static str)>,
    ) -> Result<()> {
        for (prop, dir) in map {
            // `{ [raw('lower(name)')]: 'asc' }`
            if let Some((sql, params)) =
                crate::filter::raw_key(self.dialect, &self.meta.raw_nonce, prop)?
            {
                let entity = joins.borrow().entity(node);
                out.push((Sort::Raw(sql, params), order_direction(entity, prop, dir)?));
                continue;
            }
            let name = if node == 0 {
                strip_alias(joins.borrow().alias(0), prop)
            } else {
                prop.as_str()
            };
            if let Json::Object(nested) = dir {
                let entity = joins.borrow().entity(node);
                let next = match entity.collection(name) {
                    Some(c) => joins.borrow_mut().join_collection(node, c)?,
                    None => {
                        let i = entity.prop_index(name)?;
                        joins.borrow_mut().join(node, i)?
                    }
                };
                self.order_level(joins, next, nested, out)?;
                continue;
            }
            // `author.name` (a populated path) or `a.name` (a QueryBuilder alias).
            let joined = name.rsplit_once('.').and_then(|(path, p)| {
                let j = joins.borrow();
                j.by_alias(path)
                    .or_else(|| j.nodes.iter().position(|n| n.path == path))
                    .map(|n| (n, p))
            });
            let (at, name) = joined.unwrap_or((node, name));
            let entity = joins.borrow().entity(at);
            let i = entity.prop_index(name).map_err(|_| {
                Error::plain(format!(
                    "Trying to query by not existing property {}.{name}",
                    entity.name
                ))
            })?;
            out.push((
                Sort::Col(Col { node: at, prop: i }),
                order_direction(entity, prop, dir)?,
            ));
        }
        Ok(())
    }

    /// The page of owners, as MikroORM writes it (see `Dialect::write_page_filter`): the keys of
    /// `(select a0.id from … where … group by a0.id order by min(a0.name) desc limit ? offset ?)`.
    fn paginated_keys(
        &self,
        w: &mut Writer,
        entity: &EntityMeta,
        joins: &Joins,
        cond: Option<&Cond>,
        order: &[(Sort, &'static str)],
        q: &Query,
    ) {
        let alias = joins.alias(0);
        let pk = entity.pk_column();
        let key = |w: &mut Writer| {
            w.column(alias, pk);
        };
        // `(select a0.id from … group by a0.id order by … limit ? offset ?) as a0`
        let page = |w: &mut Writer| {
            w.push("(select ").column(alias, pk);
            w.push(" from ").ident(&entity.table_name);
            if let Some(a) = alias {
                w.push(" as ").ident(a);
            }
            write_joins(w, joins);
            if let Some(c) = cond {
                w.push(" where ");
                write_cond(w, joins, c, true);
            }
            w.push(" group by ").column(alias, pk);
            for (n, (sort, dir)) in order.iter().enumerate() {
                w.push(if n == 0 { " order by min(" } else { ", min(" });
                sort.write(w, joins);
                w.push(") ").push(dir);
            }
            w.push(" limit ")
                .param(Value::Int(q.limit.map_or(-1, |l| l as i64)));
            if let Some(o) = q.offset {
                w.push(" offset ").param(Value::Int(o as i64));
            }
            w.push(") as ");
            match alias {
                Some(a) => w.ident(a),
                None => w.ident(&entity.alias(0)),
            };
        };
        self.dialect.write_page_filter(w, &key, &page);
    }

    fn order_by(
        &self,
        w: &mut Writer,
        joins: &Joins,
        order: &[(Sort, &'static str)],
        collation: Option<&str>,
    ) {
        for (n, (sort, dir)) in order.iter().enumerate() {
            w.push(if n == 0 { " order by " } else { ", " });
            match sort {
                Sort::Col(col) => {
                    let mut column = Writer::new(w.dialect);
                    write_prop(&mut column, joins.alias(col.node), joins.prop(*col), false);
                    if let Some(c) = collation {
                        column.push(" collate ").ident(c);
                    }
                    w.dialect.write_order(w, &column.text, dir);
                }
                Sort::Raw(..) => {
                    sort.write(w, joins);
                    w.push(" ").push(dir);
                }
            }
        }
    }

    /// `insert into t (cols) select …` (`qb.insertFrom(select)`), the generated key returned.
    fn insert_from(
        &self,
        w: &mut Writer,
        entity: &EntityMeta,
        q: &Query,
        from: &InsertFrom,
    ) -> Result<Vec<usize>> {
        let cols = from
            .columns
            .iter()
            .map(|c| entity.prop_index(c))
            .collect::<Result<Vec<_>>>()?;
        w.push("insert into ").ident(&entity.table_name).push(" (");
        for (n, i) in cols.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(&entity.props[*i].field_name);
        }
        w.push(") ");
        self.subquery(w, &from.query)?;
        if q.returning.is_some() {
            self.write_returning(w, entity, q)?;
        } else if let Some(pk) = entity
            .autoincrement_pk()
            .filter(|_| self.dialect.supports_returning())
        {
            w.push(" returning ").ident(&entity.props[pk].field_name);
        }
        Ok(cols)
    }

    /// The inserted columns' properties and the (row, column) places written as defaults.
    fn insert(
        &self,
        w: &mut Writer,
        entity: &EntityMeta,
        q: &Query,
    ) -> Result<(Vec<usize>, Vec<Place>)> {
        if let Some(from) = &q.insert_from {
            return Ok((self.insert_from(w, entity, q, from)?, Vec::new()));
        }
        let mut missing = Vec::new();
        let rows = &q.data;
        let Some(first) = rows.first() else {
            return Err(Error::validation(format!(
                "No data to insert into {}",
                entity.name
            )));
        };
        // Columns: the first row's keys, then keys that appear in later rows, in order.
        let mut cols: Vec<usize> = Vec::with_capacity(first.len());
        for row in rows {
            for key in row.keys() {
                let i = entity.prop_index(key)?;
                if !cols.contains(&i) {
                    cols.push(i);
                }
            }
        }
        let ignore = q.on_conflict.as_ref().is_some_and(|c| c.ignore);
        w.push(if ignore && self.dialect.insert_ignore_prefix() {
            "insert ignore into "
        } else {
            "insert into "
        });
        w.ident(&entity.table_name);
        self.write_qualifier(w, q);
        if cols.is_empty() {
            w.push(" default values");
        } else {
            w.push(" (");
            for (n, i) in cols.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(&entity.props[*i].field_name);
            }
            w.push(") values ");
            for (r, row) in rows.iter().enumerate() {
                if r > 0 {
                    w.push(", ");
                }
                w.push("(");
                for (n, i) in cols.iter().enumerate() {
                    if n > 0 {
                        w.push(", ");
                    }
                    let p = &entity.props[*i];
                    match row.get(&p.name) {
                        Some(v) => self.write_value(w, entity, p, v)?,
                        None => {
                            let before = w.params.len();
                            self.dialect.write_missing_value(w);
                            if w.params.len() == before {
                                missing.push((r, n));
                            }
                        }
                    }
                }
                w.push(")");
            }
        }
        if let Some(c) = &q.on_conflict {
            let columns = |names: &[String]| -> Result<Vec<&str>> {
                names
                    .iter()
                    .map(|f| {
                        entity
                            .prop_index(f)
                            .map(|i| entity.props[i].field_name.as_str())
                    })
                    .collect()
            };
            if let Some(raw) = &c.target {
                let (sql, params) =
                    crate::filter::raw_fragment(self.dialect, &self.meta.raw_nonce, raw)?
                        .ok_or_else(|| {
                            Error::validation(
                        "Invalid onConflict() target: raw SQL comes from raw() or the sql tag",
                    )
                        })?;
                if c.merge_data.is_some() && !c.ignore {
                    return Err(Error::not_implemented(
                        "onConflict(raw(…)).merge({ … }) (a raw conflict target with values to set)",
                    ));
                }
                let merge = columns(&c.merge)?;
                let merge: &[&str] = if c.ignore { &[] } else { &merge };
                self.dialect.write_on_conflict_raw(w, &sql, &params, merge);
            } else {
                let fields = columns(&c.fields)?;
                match (&c.merge_data, c.ignore) {
                    (Some(data), false) => {
                        self.dialect.write_conflict_update(w, &fields);
                        self.write_assignments(w, entity, data)?;
                    }
                    _ => {
                        let merge = columns(&c.merge)?;
                        let merge: &[&str] = if c.ignore { &[] } else { &merge };
                        self.dialect.write_on_conflict(w, &fields, merge);
                    }
                }
            }
        }
        // Back come the generated key and the columns the database filled with defaults.
        let star = q
            .returning
            .as_ref()
            .is_some_and(|n| n.iter().any(|n| n == "*"));
        if star {
            if self.dialect.supports_returning() {
                w.push(" returning *");
            }
            return Ok((cols, missing));
        }
        let returned: Vec<usize> = match &q.returning {
            Some(names) => names
                .iter()
                .map(|n| entity.prop_index(n))
                .collect::<Result<_>>()?,
            None => (0..entity.props.len())
                .filter(|i| !cols.contains(i))
                .filter(|&i| {
                    let p = &entity.props[i];
                    (p.primary && p.autoincrement) || (!p.primary && p.default.is_some())
                })
                .collect(),
        };
        let returning = self.dialect.supports_returning() && !returned.is_empty();
        if returning {
            w.push(" returning ");
            for (n, &i) in returned.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(&entity.props[i].field_name);
            }
        }
        Ok((cols, missing))
    }

    fn update(&self, w: &mut Writer, entity: &EntityMeta, q: &Query) -> Result<()> {
        let Some(data) = q.data.first().filter(|d| !d.is_empty()) else {
            return Err(Error::validation(format!(
                "No data to update in {}",
                entity.name
            )));
        };
        w.push("update ").ident(&entity.table_name);
        self.write_qualifier(w, q);
        w.push(" set ");
        self.write_assignments(w, entity, data)?;
        self.write_plain_condition(w, entity, q)?;
        if q.returning.is_some() {
            return self.write_returning(w, entity, q);
        }
        // Columns set by `raw()` fragments are returned (their values are computed), as MikroORM.
        let mut computed = Vec::new();
        for (key, v) in data {
            if crate::filter::raw_fragment(self.dialect, &self.meta.raw_nonce, v)?.is_some() {
                computed.push(&entity.props[entity.prop_index(key)?].field_name);
            }
        }
        if !computed.is_empty() && self.dialect.supports_returning() {
            w.push(" returning ");
            for (n, field) in computed.into_iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(field);
            }
        }
        Ok(())
    }

    /// A value written to `p`'s column: a bound parameter, or a `raw()` fragment's SQL.
    fn write_value(
        &self,
        w: &mut Writer,
        entity: &EntityMeta,
        p: &PropMeta,
        v: &Json,
    ) -> Result<()> {
        match crate::filter::raw_fragment(self.dialect, &self.meta.raw_nonce, v)? {
            Some((sql, params)) => {
                w.raw(&sql, &params);
            }
            None => {
                w.prop_param(p, to_db(self.dialect, entity, p, v)?);
            }
        }
        Ok(())
    }

    /// ` as `a``: the QueryBuilder's alias of the table written to.
    fn write_qualifier(&self, w: &mut Writer, q: &Query) {
        if let Some(a) = q.alias.as_deref().filter(|_| q.qualify) {
            w.push(" as ").ident(a);
        }
    }

    /// `name` = ?, `age` = ?
    fn write_assignments(
        &self,
        w: &mut Writer,
        entity: &EntityMeta,
        data: &Map<String, Json>,
    ) -> Result<()> {
        for (n, (key, v)) in data.iter().enumerate() {
            let i = entity.prop_index(key)?;
            let p = &entity.props[i];
            if n > 0 {
                w.push(", ");
            }
            w.ident(&p.field_name).push(" = ");
            self.write_value(w, entity, p, v)?;
        }
        Ok(())
    }

    /// `qb.returning(…)` of an update or delete: ` returning *` or the named columns.
    fn write_returning(&self, w: &mut Writer, entity: &EntityMeta, q: &Query) -> Result<()> {
        let Some(names) = q
            .returning
            .as_ref()
            .filter(|_| self.dialect.supports_returning())
        else {
            return Ok(());
        };
        w.push(" returning ");
        for (n, name) in names.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            if name == "*" {
                w.push("*");
            } else {
                let i = entity.prop_index(name)?;
                w.ident(&entity.props[i].field_name);
            }
        }
        Ok(())
    }

    fn delete(&self, w: &mut Writer, entity: &EntityMeta, q: &Query) -> Result<()> {
        w.push("delete from ").ident(&entity.table_name);
        self.write_qualifier(w, q);
        self.write_plain_condition(w, entity, q)?;
        self.write_returning(w, entity, q)
    }
}

/// The root's columns for `*`: `a`.* and its formulas; without its lazy properties (unless they
/// are loaded), the other columns by name.
fn write_star(w: &mut Writer, entity: &EntityMeta, alias: Option<&str>, load_lazy: bool) {
    let skip_lazy = !load_lazy && entity.props.iter().any(|p| p.lazy);
    if skip_lazy {
        let columns = entity.props.iter().filter(|p| p.is_column() && !p.lazy);
        for (n, p) in columns.enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.column(alias, &p.field_name);
        }
    } else {
        w.column(alias, "*");
    }
    for p in entity.props.iter().filter(|p| !p.is_column()) {
        w.push(", ");
        select_prop(w, alias, p, None, !skip_lazy);
    }
}

pub fn write_returning_pk(w: &mut Writer, entity: &EntityMeta) {
    w.push(" returning ");
    for (n, i) in entity.pk.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.ident(&entity.props[*i].field_name);
    }
}

fn order_direction(entity: &EntityMeta, prop: &str, dir: &Json) -> Result<&'static str> {
    let d = match dir {
        Json::String(s) => s.to_ascii_lowercase(),
        Json::Number(n) => match n.as_i64() {
            Some(1) => "asc".into(),
            Some(-1) => "desc".into(),
            _ => String::new(),
        },
        _ => String::new(),
    };
    Ok(match d.as_str() {
        "asc" => "asc",
        "desc" => "desc",
        "asc nulls first" => "asc nulls first",
        "asc nulls last" => "asc nulls last",
        "desc nulls first" => "desc nulls first",
        "desc nulls last" => "desc nulls last",
        _ => {
            return Err(Error::validation(format!(
                "Invalid order direction {dir} for {}.{prop}: expected 'asc', 'desc', 1 or -1 (optionally with 'nulls first'/'nulls last')",
                entity.name
            )))
        }
    })
}

/// ` inner join `author` as `a1` on `b0`.`author_id` = `a1`.`id``: a required relation joins
/// inner, a nullable one left.
fn write_joins(w: &mut Writer, joins: &Joins) {
    write_joins_of(w, joins, |_| true);
}

/// The joins of the nodes `keep` accepts (ancestors before their children, as added).
fn write_joins_of(w: &mut Writer, joins: &Joins, keep: impl Fn(usize) -> bool) {
    for (i, node) in joins.nodes.iter().enumerate().skip(1) {
        if !keep(i) {
            continue;
        }
        let Some((parent, via)) = node.parent else {
            continue;
        };
        let from = joins.entity(parent);
        // (parent column, node column) pairs: several for a composite foreign key.
        let (left, pairs): (bool, Vec<(&str, &str)>) = match via {
            // `left join [lateral] (…) as alias [on …]`: only the user's condition.
            Via::Derived => {
                let left = node.left.unwrap_or(true);
                w.push(if left { " left join " } else { " inner join " });
                write_source(w, node);
                if let Some(c) = &node.on {
                    w.push(" on ");
                    write_cond(w, joins, c, true);
                }
                continue;
            }
            Via::Reference(prop) => {
                let pairs = from
                    .fk_columns(prop)
                    .into_iter()
                    .map(|(i, target)| (from.props[i].field_name.as_str(), target))
                    .collect();
                (from.props[prop].nullable, pairs)
            }
            // `a0`.`id` = `b1`.`author_id`: the item's foreign key points at the parent.
            Via::Collection(c) => {
                let e = node.entity;
                let pairs = match e.by_name.get(&from.collections[c].mapped_by) {
                    Some(&owning) => e
                        .fk_columns(owning)
                        .into_iter()
                        .map(|(i, target)| (target, e.props[i].field_name.as_str()))
                        .collect(),
                    None => vec![(from.pk_column(), "")],
                };
                (true, pairs)
            }
            // `b0`.`id` = `b2`.`book_id`: the pivot row's owner key.
            Via::Pivot(c) => {
                let owner = from.collections[c]
                    .pivot
                    .as_ref()
                    .and_then(|p| node.entity.prop(&p.owner))
                    .map_or("", |p| p.field_name.as_str());
                (true, vec![(from.pk_column(), owner)])
            }
        };
        let left = node.left.unwrap_or(left);
        w.push(if left { " left join " } else { " inner join " });
        write_source(w, node);
        w.push(" on ");
        for (n, (parent_col, node_col)) in pairs.into_iter().enumerate() {
            if n > 0 {
                w.push(" and ");
            }
            w.column(joins.alias(parent), parent_col).push(" = ");
            w.column(node.alias.as_deref(), node_col);
        }
        if let Some(c) = &node.on {
            w.push(" and ");
            write_cond(w, joins, c, true);
        }
    }
}

/// A join's table (or its subquery, `lateral` if so) and alias.
fn write_source(w: &mut Writer, node: &crate::joins::Node) {
    match &node.source {
        Some(s) => {
            if s.lateral {
                w.push("lateral ");
            }
            w.push("(").raw(&s.sql, &s.params).push(")");
        }
        None => {
            w.ident(&node.entity.table_name);
        }
    }
    if let Some(a) = &node.alias {
        w.push(" as ").ident(a);
    }
}

/// A property's column, or its formula's SQL with the alias filled in (quoted where `star`).
fn write_prop(w: &mut Writer, alias: Option<&str>, p: &PropMeta, star: bool) {
    let Some(formula) = &p.formula else {
        w.column(alias, &p.field_name);
        return;
    };
    let Some(a) = alias else {
        // No alias (update, delete): bare column names.
        w.push(&formula.replace("\u{0}.", "").replace("\u{1}.", ""));
        return;
    };
    let mut quoted = String::new();
    if star {
        w.dialect.quote_ident(&mut quoted, a);
    }
    let text = formula
        .replace('\u{0}', a)
        .replace('\u{1}', if star { &quoted } else { a });
    w.push(&text);
}

/// A selected property: its column or formula, named `prefix__field` for a joined entity (or
/// after the field for a formula).
fn select_prop(
    w: &mut Writer,
    alias: Option<&str>,
    p: &PropMeta,
    prefix: Option<&str>,
    star: bool,
) {
    write_prop(w, alias, p, star);
    match prefix {
        Some(a) => {
            w.push(" as ").ident(&format!("{a}__{}", p.field_name));
        }
        None if !p.is_column() => {
            w.push(" as ").ident(&p.field_name);
        }
        None => {}
    }
}

/// Writes a condition; `top` means no surrounding parentheses are needed.
pub fn write_cond(w: &mut Writer, joins: &Joins, c: &Cond, top: bool) {
    match c {
        Cond::And(parts) => {
            // Nested `and`s are flattened: `a and b and c`.
            let mut flat = Vec::with_capacity(parts.len());
            flatten_and(parts, &mut flat);
            let wrap = !top && flat.len() > 1;
            if wrap {
                w.push("(");
            }
            for (n, p) in flat.iter().enumerate() {
                if n > 0 {
                    w.push(" and ");
                }
                write_cond(w, joins, p, false);
            }
            if wrap {
                w.push(")");
            }
        }
        Cond::Or(parts) => {
            let wrap = parts.len() > 1;
            if wrap {
                w.push("(");
            }
            for (n, p) in parts.iter().enumerate() {
                if n > 0 {
                    w.push(" or ");
                }
                // An `$or` that is a member of an `$or` is one more group, as MikroORM writes
                // it: `{ $or: [{ $or: [a, b] }, c] }` is `(((a or b)) or c)`.
                let group = matches!(p, Cond::Or(inner) if inner.len() > 1);
                if group {
                    w.push("(");
                }
                write_cond(w, joins, p, false);
                if group {
                    w.push(")");
                }
            }
            if wrap {
                w.push(")");
            }
        }
        Cond::Not(inner) => {
            w.push("not (");
            write_cond(w, joins, inner, true);
            w.push(")");
        }
        Cond::Cmp { col, op, value } => {
            let p = joins.prop(*col);
            write_prop(w, joins.alias(col.node), p, false);
            let op = op.sql(w.dialect);
            w.push(" ")
                .push(op)
                .push(" ")
                .condition_param(p, value.clone());
        }
        Cond::IsNull { col, negated } => {
            write_prop(w, joins.alias(col.node), joins.prop(*col), false);
            w.push(if *negated { " is not null" } else { " is null" });
        }
        Cond::In {
            col,
            values,
            negated,
        } => {
            if values.is_empty() {
                w.push(if *negated { "1 = 1" } else { "1 = 0" });
                return;
            }
            let p = joins.prop(*col);
            write_prop(w, joins.alias(col.node), p, false);
            w.push(if *negated { " not in (" } else { " in (" });
            for (n, v) in values.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.condition_param(p, v.clone());
            }
            w.push(")");
        }
        Cond::TupleIn { cols, rows } => {
            write_tuple_cols(w, joins, cols);
            w.push(" in (");
            for (r, row) in rows.iter().enumerate() {
                if r > 0 {
                    w.push(", ");
                }
                write_tuple_values(w, joins, cols, row);
            }
            w.push(")");
        }
        Cond::TupleEq { cols, values } => {
            write_tuple_cols(w, joins, cols);
            w.push(" = ");
            write_tuple_values(w, joins, cols, values);
        }
        Cond::InQuery {
            col,
            negated,
            query,
        } => {
            write_prop(w, joins.alias(col.node), joins.prop(*col), false);
            w.push(if *negated { " not in (" } else { " in (" });
            let compiler = Compiler {
                dialect: w.dialect,
                meta: joins.meta(),
            };
            // Checked when parsed (see `Cond::InQuery`): it compiles.
            let _ = compiler.subquery(w, &query.0);
            w.push(")");
        }
        Cond::CmpList { col, op, values } => {
            let p = joins.prop(*col);
            write_prop(w, joins.alias(col.node), p, false);
            let op = op.sql(w.dialect);
            w.push(" ").push(op).push(" (");
            for (n, v) in values.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.condition_param(p, v.clone());
            }
            w.push(")");
        }
        Cond::Fulltext { col, query } => {
            let mut column = Writer::new(w.dialect);
            write_prop(&mut column, joins.alias(col.node), joins.prop(*col), false);
            w.dialect.write_fulltext(w, &column.text, query.clone());
        }
        Cond::JsonPath { col, path, test } => {
            let mut column = Writer::new(w.dialect);
            write_prop(&mut column, joins.alias(col.node), joins.prop(*col), false);
            write_json_test(w, &column.text, path, test);
        }
        Cond::JsonSome {
            col,
            negated,
            items,
        } => {
            let mut column = Writer::new(w.dialect);
            write_prop(&mut column, joins.alias(col.node), joins.prop(*col), false);
            let mut keys = Vec::new();
            items.keys(&mut keys);
            w.dialect
                .write_json_some_start(w, &column.text, *negated, &keys);
            write_item_cond(w, items);
            w.dialect.write_json_some_end(w);
        }
        Cond::RawKey { sql, params, test } => {
            w.raw(sql, params);
            write_test(w, test);
        }
        Cond::InRaw {
            col,
            negated,
            sql,
            params,
        } => {
            write_prop(w, joins.alias(col.node), joins.prop(*col), false);
            w.push(if *negated { " not in (" } else { " in (" });
            w.raw(sql, params).push(")");
        }
        Cond::CmpRaw {
            col,
            op,
            sql,
            params,
        } => {
            write_prop(w, joins.alias(col.node), joins.prop(*col), false);
            let op = op.sql(w.dialect);
            w.push(" ").push(op).push(" ").raw(sql, params);
        }
        Cond::Raw { sql, params } => {
            w.push("(").raw(sql, params).push(")");
        }
        // `a0`.`id` in (select `a0`.`id` from `author` as `a0` inner join … where …)
        Cond::Sub { col, negated, sub } => {
            let p = joins.prop(*col);
            w.column(joins.alias(col.node), &p.field_name);
            w.push(if *negated { " not in (" } else { " in (" });
            let inner = joins.attach(&sub.nodes);
            let root = inner.entity(0);
            w.push("select ").column(inner.alias(0), &p.field_name);
            w.push(" from ").ident(&root.table_name);
            if let Some(a) = inner.alias(0) {
                w.push(" as ").ident(a);
            }
            write_joins(w, &inner);
            if let Some(c) = &sub.cond {
                w.push(" where ");
                write_cond(w, &inner, c, true);
            }
            w.push(")");
        }
    }
}

/// `type = 'manager'`, or `type in ('employee', 'manager')` for several values.
/// A JSON path of `column` tested as a raw key is (`json_extract(…) = ?`).
fn write_json_test(w: &mut Writer, column: &str, path: &[String], test: &crate::filter::RawTest) {
    w.dialect
        .write_json_path(w, column, path, crate::filter::JsonCast::of_test(test));
    write_test(w, test);
}

/// The test on one item of a JSON array: its keys joined by `and`, `$and` and `$or` in
/// parentheses (`(a or b and c)`).
fn write_item_cond(w: &mut Writer, c: &crate::filter::ItemCond) {
    use crate::filter::ItemCond;
    let list = |w: &mut Writer, list: &[ItemCond], sep: &str| {
        for (n, c) in list.iter().enumerate() {
            if n > 0 {
                w.push(sep);
            }
            write_item_cond(w, c);
        }
    };
    match c {
        ItemCond::Path { path, test, cast } => {
            w.dialect.write_json_item(w, path, *cast);
            write_test(w, test);
        }
        ItemCond::All(all) => list(w, all, " and "),
        ItemCond::And(all) => {
            w.push("(");
            list(w, all, " and ");
            w.push(")");
        }
        ItemCond::Or(any) => {
            w.push("(");
            list(w, any, " or ");
            w.push(")");
        }
    }
}

/// ` = ?`, ` in (?, …)`, ` is null`: what a raw key or JSON path is compared with.
fn write_test(w: &mut Writer, test: &crate::filter::RawTest) {
    use crate::filter::RawTest;
    match test {
        RawTest::None => {}
        RawTest::Cmp(op, v) => {
            let op = op.sql(w.dialect);
            w.push(" ").push(op).push(" ").param(v.clone());
        }
        RawTest::CmpRaw(op, sql, params) => {
            let op = op.sql(w.dialect);
            w.push(" ").push(op).push(" ").raw(sql, params);
        }
        RawTest::In(values) => {
            w.push(" in (");
            for (n, v) in values.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.param(v.clone());
            }
            w.push(")");
        }
        RawTest::IsNull(negated) => {
            w.push(if *negated { " is not null" } else { " is null" });
        }
    }
}

/// `(a0.name, a0.year)`
fn write_tuple_cols(w: &mut Writer, joins: &Joins, cols: &[Col]) {
    w.push("(");
    for (n, col) in cols.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        write_prop(w, joins.alias(col.node), joins.prop(*col), false);
    }
    w.push(")");
}

/// `(?, ?)`, each value bound as its column's property.
fn write_tuple_values(w: &mut Writer, joins: &Joins, cols: &[Col], values: &[Value]) {
    w.push("(");
    for (n, (col, v)) in cols.iter().zip(values).enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.condition_param(joins.prop(*col), v.clone());
    }
    w.push(")");
}

fn discriminator_cond(col: Col, values: &[String]) -> Cond {
    match values {
        [one] => Cond::Cmp {
            col,
            op: crate::filter::Op::Eq,
            value: Value::Text(one.clone()),
        },
        _ => Cond::In {
            col,
            values: values.iter().cloned().map(Value::Text).collect(),
            negated: false,
        },
    }
}

fn flatten_and<'c>(parts: &'c [Cond], out: &mut Vec<&'c Cond>) {
    for p in parts {
        match p {
            Cond::And(inner) => flatten_and(inner, out),
            other => out.push(other),
        }
    }
}
