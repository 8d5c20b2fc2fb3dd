//! Schema diffing: the metadata's tables against the database's, read by the dialect's
//! introspection queries, written as MikroORM's `getUpdateSchemaSQL()` writes the difference:
//! new tables, dropped tables, then each changed table's columns and indexes, then the new
//! foreign keys.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value as Json};

use crate::dialect::Dialect;
use crate::error::Result;
use crate::meta::{EntityMeta, Metadata};
use crate::schema::{
    add_constraint, add_foreign_key, column_definition, column_type, create_enum, create_schemas,
    creation_order, enum_checks, index_columns, index_statement, table_statements,
};
use crate::sql::Writer;

/// The rows of the dialect's introspection queries, by their keys (see
/// `Dialect::introspection_sql`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IntrospectionRows {
    pub columns: Vec<Map<String, Json>>,
    pub indexes: Vec<Map<String, Json>>,
    pub foreign_keys: Vec<Map<String, Json>>,
    /// Native enum types: `enum_name`, `item`, in item order.
    #[serde(default)]
    pub enums: Vec<Map<String, Json>>,
    /// Check constraints: `table_name`, `name`, `definition`.
    #[serde(default)]
    pub checks: Vec<Map<String, Json>>,
    /// Views: `view_name`.
    #[serde(default)]
    pub views: Vec<Map<String, Json>>,
    /// Schemas holding more than tables, views and their own sequences (functions, …):
    /// `schema_name`. They are never dropped.
    #[serde(default)]
    pub occupied_schemas: Vec<Map<String, Json>>,
}

/// `getUpdateSchemaSQL()` options: `safe` drops no table or column; `dropTables: false` keeps
/// tables; `wrap: false` leaves out the dialect's preamble; and what `schemaGenerator` skips.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOptions {
    #[serde(default)]
    pub safe: bool,
    #[serde(default)]
    pub drop_tables: Option<bool>,
    #[serde(default)]
    pub wrap: Option<bool>,
    /// Tables (of the metadata or the database) diffing leaves alone: neither created, altered
    /// nor dropped (`schemaGenerator.skipTables`).
    #[serde(default)]
    pub skip_tables: Vec<String>,
    /// Schemas whose tables and types diffing leaves alone (`schemaGenerator.ignoreSchema`).
    #[serde(default)]
    pub ignore_schemas: Vec<String>,
}

impl UpdateOptions {
    fn skips(&self, table: &str) -> bool {
        self.skip_tables.iter().any(|t| t == table)
            || schema_of(table).is_some_and(|s| self.ignore_schemas.iter().any(|i| i == s))
    }
}

/// A column as the database has it (type and default normalized by the dialect).
#[derive(Debug)]
pub struct DbColumn {
    pub name: String,
    pub ty: String,
    pub nullable: bool,
    pub default: Option<String>,
}

#[derive(Debug)]
pub struct DbIndex {
    pub name: String,
    pub columns: Vec<String>,
    pub unique: bool,
    pub primary: bool,
    /// The access method, where the introspection tells it (`btree`, `hash`, …).
    pub method: String,
}

#[derive(Debug)]
pub struct DbForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    pub update_rule: String,
    pub delete_rule: String,
}

#[derive(Debug, Default)]
pub struct DbTable {
    pub columns: Vec<DbColumn>,
    pub indexes: Vec<DbIndex>,
    pub foreign_keys: Vec<DbForeignKey>,
    /// Enum checks by name, written as the DDL writes them (`check ("f" in ('a', 'b'))`).
    pub checks: Vec<(String, String)>,
}

/// The database's schema: its tables by name and its native enum types' items.
#[derive(Debug, Default)]
pub struct Database {
    pub tables: BTreeMap<String, DbTable>,
    pub enums: BTreeMap<String, Vec<String>>,
    /// Views, by name.
    pub views: Vec<String>,
    /// Schemas that hold other objects than tables (see `IntrospectionRows::occupied_schemas`).
    pub occupied: Vec<String>,
}

/// What changed in a column that exists on both sides.
#[derive(Debug, Default, PartialEq)]
pub struct ColumnChange {
    pub ty: bool,
    pub nullable: bool,
    pub default: bool,
}

/// A column of the metadata, as `alter table` statements need it.
pub struct ColumnSpec<'a> {
    pub name: &'a str,
    /// `"name" type [not] null [default x]`.
    pub definition: String,
    pub ty: String,
    pub nullable: bool,
    pub default: Option<&'a str>,
}

fn text(row: &Map<String, Json>, key: &str) -> String {
    match row.get(key) {
        Some(Json::String(s)) => s.clone(),
        Some(Json::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn flag(row: &Map<String, Json>, key: &str) -> bool {
    match row.get(key) {
        Some(Json::Bool(b)) => *b,
        Some(Json::Number(n)) => n.as_i64() != Some(0),
        Some(Json::String(s)) => matches!(s.as_str(), "YES" | "yes" | "1" | "t" | "true"),
        _ => false,
    }
}

/// The database's schema from the introspection rows.
pub fn read_database(d: &dyn Dialect, rows: &IntrospectionRows) -> Database {
    let mut tables: BTreeMap<String, DbTable> = BTreeMap::new();
    for r in &rows.columns {
        let default = match r.get("column_default") {
            Some(Json::Null) | None => None,
            _ => d.normalize_default(&text(r, "column_default")),
        };
        tables
            .entry(text(r, "table_name"))
            .or_default()
            .columns
            .push(DbColumn {
                name: text(r, "column_name"),
                ty: d.normalize_type(&text(r, "column_type")),
                nullable: flag(r, "is_nullable"),
                default,
            });
    }
    for r in &rows.indexes {
        let Some(t) = tables.get_mut(&text(r, "table_name")) else {
            continue;
        };
        let name = text(r, "index_name");
        match t.indexes.iter_mut().find(|i| i.name == name) {
            Some(i) => i.columns.push(text(r, "column_name")),
            None => t.indexes.push(DbIndex {
                name,
                columns: vec![text(r, "column_name")],
                unique: flag(r, "is_unique"),
                primary: flag(r, "is_primary"),
                method: text(r, "index_method"),
            }),
        }
    }
    for r in &rows.foreign_keys {
        let Some(t) = tables.get_mut(&text(r, "table_name")) else {
            continue;
        };
        let name = text(r, "constraint_name");
        match t.foreign_keys.iter_mut().find(|f| f.name == name) {
            Some(f) => {
                f.columns.push(text(r, "column_name"));
                f.ref_columns.push(text(r, "referenced_column_name"));
            }
            None => t.foreign_keys.push(DbForeignKey {
                name,
                columns: vec![text(r, "column_name")],
                ref_table: text(r, "referenced_table_name"),
                ref_columns: vec![text(r, "referenced_column_name")],
                update_rule: rule(&text(r, "update_rule")),
                delete_rule: rule(&text(r, "delete_rule")),
            }),
        }
    }
    // An index a foreign key made for itself (MySQL) is the key's, not the schema's.
    for t in tables.values_mut() {
        let fks: Vec<String> = t.foreign_keys.iter().map(|f| f.name.clone()).collect();
        t.indexes.retain(|i| !fks.contains(&i.name));
    }
    for r in &rows.checks {
        if let (Some(t), Some(def)) = (
            tables.get_mut(&text(r, "table_name")),
            d.normalize_check(&text(r, "definition")),
        ) {
            t.checks.push((text(r, "name"), def));
        }
    }
    let mut enums: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for r in &rows.enums {
        enums
            .entry(text(r, "enum_name"))
            .or_default()
            .push(text(r, "item"));
    }
    let occupied = rows
        .occupied_schemas
        .iter()
        .map(|r| text(r, "schema_name"))
        .collect();
    Database {
        tables,
        enums,
        views: rows.views.iter().map(|r| text(r, "view_name")).collect(),
        occupied,
    }
}

/// A referential action in one spelling: PostgreSQL's codes and `no action`/`restrict` (the
/// default) read as `no action`.
fn rule(r: &str) -> String {
    match r.to_ascii_lowercase().as_str() {
        "c" | "cascade" => "cascade",
        "n" | "set null" => "set null",
        "d" | "set default" => "set default",
        _ => "no action",
    }
    .to_string()
}

fn column_spec<'a>(
    d: &dyn Dialect,
    meta: &Metadata,
    e: &'a EntityMeta,
    i: usize,
) -> ColumnSpec<'a> {
    let p = &e.props[i];
    ColumnSpec {
        name: &p.field_name,
        definition: column_definition(d, meta, e, i),
        ty: column_type(d, meta, e, i),
        nullable: p.nullable && !p.primary,
        default: p.default.as_deref(),
    }
}

/// The statements that bring the database's tables to the metadata's, in groups: new enum
/// types (with the next group), foreign keys to dropped tables, new tables, dropped tables,
/// the changed tables' foreign key drops, their alterations, the new tables' foreign keys.
pub fn update_statements(
    d: &dyn Dialect,
    meta: &Metadata,
    db: &Database,
    options: &UpdateOptions,
) -> Result<Vec<Vec<String>>> {
    let mut wanted = creation_order(meta);
    wanted.retain(|e| !options.skips(&e.table_name));
    if !d.introspects_schemas() && wanted.iter().any(|e| e.table_name.contains('.')) {
        return Err(crate::error::Error::not_implemented(format!(
            "schema diffing of tables in a schema of their own on {}",
            d.name()
        )));
    }
    let drops_tables = !options.safe && options.drop_tables != Some(false);
    let removed: Vec<&String> = db
        .tables
        .keys()
        .filter(|t| !options.skips(t) && !wanted.iter().any(|e| &e.table_name == *t))
        .collect();
    let mut groups: Vec<Vec<String>> = Vec::new();
    if drops_tables {
        // Foreign keys to dropped tables, of any table (dropped ones too).
        let orphaned: Vec<String> = db
            .tables
            .iter()
            .filter(|(name, _)| !options.skips(name))
            .flat_map(|(name, t)| {
                t.foreign_keys
                    .iter()
                    .filter(|f| removed.contains(&&f.ref_table))
                    .map(|f| d.drop_foreign_key(name, &f.name))
            })
            .collect();
        if !orphaned.is_empty() {
            groups.push(orphaned);
        }
    }
    let mut new_keys: Vec<Vec<String>> = Vec::new();
    for e in wanted
        .iter()
        .filter(|e| !db.tables.contains_key(&e.table_name))
    {
        groups.push(table_statements(d, meta, e));
        if !d.foreign_keys_in_create() {
            let fks = new_foreign_keys(d, meta, e, &[]);
            if !fks.is_empty() {
                new_keys.push(fks);
            }
        }
    }
    // Views (no entity maps one) go with the tables, first, as MikroORM drops them.
    let views: Vec<&String> = db.views.iter().filter(|v| !options.skips(v)).collect();
    if drops_tables && !(removed.is_empty() && views.is_empty()) {
        let drop = |kind: &str, name: &str| {
            let mut w = Writer::new(d);
            w.push("drop ")
                .push(kind)
                .push(" if exists ")
                .ident(name)
                .push(d.drop_table_suffix())
                .push(";");
            w.text
        };
        groups.push(
            views
                .iter()
                .map(|v| drop("view", v))
                .chain(removed.iter().map(|t| drop("table", t)))
                .collect(),
        );
    }
    let changed: Vec<(&EntityMeta, &DbTable)> = wanted
        .iter()
        .filter_map(|e| db.tables.get(&e.table_name).map(|t| (*e, t)))
        .collect();
    for (e, t) in &changed {
        let dropped: Vec<String> = t
            .foreign_keys
            .iter()
            .filter(|f| !removed.contains(&&f.ref_table) && !foreign_key_kept(meta, e, f))
            .map(|f| d.drop_foreign_key(&e.table_name, &f.name))
            .collect();
        if !dropped.is_empty() {
            groups.push(dropped);
        }
    }
    for (e, t) in &changed {
        let group = table_changes(d, meta, e, t, db, options);
        if !group.is_empty() {
            groups.push(group);
        }
    }
    groups.extend(new_keys);
    let mut wanted_enums = crate::schema::native_enums(d, meta);
    wanted_enums.retain(|(name, _)| !options.skips(name));
    if !options.safe {
        let dropped = dropped_enums(d, db, &wanted, &wanted_enums, options);
        if !dropped.is_empty() {
            groups.push(dropped);
        }
    }
    if drops_tables {
        // Schemas whose tables all went.
        let kept: Vec<&str> = wanted
            .iter()
            .filter_map(|e| schema_of(&e.table_name))
            .collect();
        let mut gone: Vec<&str> = removed
            .iter()
            .chain(&views)
            .filter_map(|t| schema_of(t))
            .collect();
        gone.sort_unstable();
        // Nor a schema holding a skipped table or other objects, nor the default one.
        let held: Vec<&str> = db
            .tables
            .keys()
            .filter(|t| options.skips(t))
            .filter_map(|t| schema_of(t))
            .collect();
        gone.retain(|s| {
            !kept.contains(s)
                && !held.contains(s)
                && !db.occupied.iter().any(|o| o == s)
                && Some(*s) != d.default_schema()
        });
        gone.dedup();
        let drops: Vec<String> = gone
            .into_iter()
            .map(|s| {
                let mut w = Writer::new(d);
                w.push("drop schema if exists ").ident(s).push(";");
                w.text
            })
            .collect();
        if !drops.is_empty() {
            groups.push(drops);
        }
    }
    // New schemas (of new tables, where the database has no table yet) and new native enum
    // types come first, in the first group.
    let known: Vec<&str> = db.tables.keys().filter_map(|t| schema_of(t)).collect();
    let mut first = create_schemas(
        d,
        wanted.iter().copied().filter(|e| {
            !db.tables.contains_key(&e.table_name)
                && schema_of(&e.table_name).is_some_and(|s| !known.contains(&s))
        }),
    );
    first.extend(
        wanted_enums
            .into_iter()
            .filter(|(name, _)| !db.enums.contains_key(name))
            .map(|(name, items)| create_enum(d, &name, &items)),
    );
    if !first.is_empty() {
        match groups.first_mut() {
            Some(group) => {
                group.splice(0..0, first);
            }
            None => groups.push(first),
        }
    }
    if groups.is_empty() {
        return Ok(groups);
    }
    if let Some(pre) = d.schema_preamble().filter(|_| options.wrap != Some(false)) {
        groups.insert(0, vec![pre.to_string()]);
    }
    Ok(groups)
}

/// The schema of a qualified name (`custom.author`).
fn schema_of(name: &str) -> Option<&str> {
    crate::meta::split_schema(name).0
}

/// `drop type …;` for the database's native enum types no wanted column uses, nor a column of
/// a table left in place (skipped, or not wanted but kept by `dropTables: false`); types of
/// ignored schemas stay.
fn dropped_enums(
    d: &dyn Dialect,
    db: &Database,
    wanted: &[&EntityMeta],
    wanted_enums: &[(String, Vec<String>)],
    options: &UpdateOptions,
) -> Vec<String> {
    // (Only called without `safe`.)
    let keeps_unwanted = options.drop_tables == Some(false);
    let left = |name: &str| {
        db.tables
            .iter()
            .filter(|(t, _)| {
                options.skips(t) || (keeps_unwanted && !wanted.iter().any(|e| &e.table_name == *t))
            })
            .flat_map(|(_, t)| &t.columns)
            .any(|c| c.ty == name)
    };
    db.enums
        .keys()
        .filter(|name| {
            !options.skips(name) && !wanted_enums.iter().any(|(n, _)| n == *name) && !left(name)
        })
        .map(|name| {
            let mut w = Writer::new(d);
            w.push("drop type ").ident(name).push(";");
            w.text
        })
        .collect()
}

/// Whether the database's foreign key `f` of `e` is still wanted as it is.
fn foreign_key_kept(meta: &Metadata, e: &EntityMeta, f: &DbForeignKey) -> bool {
    e.props.iter().any(|p| {
        p.reference.as_ref().is_some_and(|r| {
            r.constraint == f.name
                && f.columns.first() == Some(&p.field_name)
                && f.ref_table == meta.entities[r.entity].table_name
                && f.update_rule == rule(r.update_rule.as_deref().unwrap_or(""))
                && f.delete_rule == rule(r.delete_rule.as_deref().unwrap_or(""))
        })
    })
}

/// `alter table … add constraint … foreign key …` for the keys of `e` the database lacks
/// (or has otherwise); `only`: just those of these columns.
fn new_foreign_keys(
    d: &dyn Dialect,
    meta: &Metadata,
    e: &EntityMeta,
    existing: &[DbForeignKey],
) -> Vec<String> {
    e.props
        .iter()
        .filter_map(|p| p.reference.as_ref().map(|r| (p, r)))
        .filter(|(_, r)| {
            !existing
                .iter()
                .any(|f| f.name == r.constraint && foreign_key_kept(meta, e, f))
        })
        .map(|(p, r)| add_foreign_key(d, meta, e, p, r))
        .collect()
}

/// Whether a database column and a wanted one are alike but for the name.
fn alike(d: &dyn Dialect, c: &DbColumn, a: &ColumnSpec) -> bool {
    c.ty == d.normalize_type(&a.ty)
        && c.nullable == a.nullable
        && c.default.as_deref() == a.default.and_then(|v| d.normalize_default(v)).as_deref()
}

/// The alterations of one table that exists on both sides, in MikroORM's order: enum items,
/// index and check drops, column drops, column adds, column changes, renames, foreign keys,
/// new indexes and checks.
fn table_changes(
    d: &dyn Dialect,
    meta: &Metadata,
    e: &EntityMeta,
    t: &DbTable,
    db: &Database,
    options: &UpdateOptions,
) -> Vec<String> {
    let mut out = Vec::new();
    let table = &e.table_name;
    // Items added to native enum types this table uses (first use only).
    for p in e.props.iter().filter(|p| p.is_column()) {
        let (Some(name), Some(items)) = (&p.native_enum_name, &p.items) else {
            continue;
        };
        let first_use = meta_first_enum_use(meta, name) == Some((&e.table_name, &p.field_name));
        let Some(have) = db.enums.get(name).filter(|_| first_use) else {
            continue;
        };
        for (n, item) in items.iter().enumerate() {
            if !have.contains(item) {
                let mut w = Writer::new(d);
                w.push("alter type ")
                    .ident(name)
                    .push(" add value if not exists ");
                d.inline_value(&mut w.text, &crate::value::Value::Text(item.clone()));
                if let Some(prev) = n.checked_sub(1).map(|i| &items[i]) {
                    w.push(" after ");
                    d.inline_value(&mut w.text, &crate::value::Value::Text(prev.clone()));
                }
                w.push(";");
                out.push(w.text);
            }
        }
    }
    let columns: Vec<usize> = (0..e.props.len())
        .filter(|&i| e.props[i].is_column())
        .collect();
    let mut dropped: Vec<&DbColumn> = t
        .columns
        .iter()
        .filter(|c| !columns.iter().any(|&i| e.props[i].field_name == c.name))
        .collect();
    let mut added: Vec<ColumnSpec> = columns
        .iter()
        .filter(|&&i| !t.columns.iter().any(|c| c.name == e.props[i].field_name))
        .map(|&i| column_spec(d, meta, e, i))
        .collect();
    // A dropped column and an added one alike but for the name, each the other's only match,
    // are a rename (as MikroORM detects them).
    let mut renames: Vec<(String, ColumnSpec)> = Vec::new();
    let mut n = 0;
    while n < dropped.len() {
        let matches: Vec<usize> = (0..added.len())
            .filter(|&a| alike(d, dropped[n], &added[a]))
            .collect();
        let unique = matches.len() == 1
            && dropped
                .iter()
                .filter(|c| alike(d, c, &added[matches[0]]))
                .count()
                == 1;
        if unique {
            renames.push((dropped.remove(n).name.clone(), added.remove(matches[0])));
        } else {
            n += 1;
        }
    }
    let renamed = |name: &str| renames.iter().any(|(from, _)| from == name);
    // Indexes that are gone or differ (those of renamed columns too).
    let wanted_indexes: Vec<_> = e
        .indexes
        .iter()
        .filter(|i| !i.foreign || d.indexes_foreign_keys())
        .collect();
    // An expression or fulltext index is known by its name (its columns are expressions);
    // another by its columns, uniqueness and access method.
    let kept = |i: &DbIndex| {
        !i.columns.iter().any(|c| renamed(c))
            && wanted_indexes.iter().any(|w| {
                w.name == i.name
                    && (w.expression.is_some()
                        || w.is_fulltext()
                        || (w.unique == i.unique
                            && index_columns(e, &w.properties) == i.columns
                            && (w.unique
                                || d.index_method(w.ty.as_deref())
                                    .is_none_or(|m| m == i.method))))
            })
    };
    for i in t.indexes.iter().filter(|i| !i.primary && !kept(i)) {
        out.push(d.drop_index(table, &i.name, i.unique));
    }
    // Enum checks that differ.
    let checks = enum_checks(d, e);
    for (name, definition) in &t.checks {
        if !checks.iter().any(|(n, def)| n == name && def == definition) {
            let mut w = Writer::new(d);
            w.push("alter table ")
                .ident(table)
                .push(" drop constraint ")
                .ident(name)
                .push(";");
            out.push(w.text);
        }
    }
    if !options.safe && !dropped.is_empty() {
        let mut w = Writer::new(d);
        w.push("alter table ").ident(table).push(" ");
        for (n, c) in dropped.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.push("drop column ").ident(&c.name);
        }
        w.push(";");
        out.push(w.text);
    }
    if !added.is_empty() {
        let mut w = Writer::new(d);
        w.push("alter table ").ident(table).push(" ");
        for (n, a) in added.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.push("add ").push(&a.definition);
        }
        w.push(";");
        out.push(w.text);
    }
    for &i in &columns {
        let p = &e.props[i];
        let Some(c) = t.columns.iter().find(|c| c.name == p.field_name) else {
            continue;
        };
        if p.primary {
            continue;
        }
        let spec = column_spec(d, meta, e, i);
        let change = ColumnChange {
            ty: d.normalize_type(&spec.ty) != c.ty,
            nullable: spec.nullable != c.nullable,
            default: spec.default.and_then(|v| d.normalize_default(v)) != c.default,
        };
        if change != ColumnChange::default() {
            out.extend(d.alter_column(table, &spec, &change));
        }
    }
    for (from, to) in &renames {
        out.push(d.rename_column(table, from, to));
    }
    out.extend(new_foreign_keys(d, meta, e, &t.foreign_keys));
    for i in &wanted_indexes {
        let present = t.indexes.iter().any(|x| kept(x) && x.name == i.name);
        if !present {
            out.push(index_statement(d, e, i));
        }
    }
    for (name, definition) in checks {
        if !t
            .checks
            .iter()
            .any(|(n, def)| *n == name && *def == definition)
        {
            out.push(add_constraint(d, table, &name, &definition));
        }
    }
    out
}

/// The table and column that first use a native enum type (in creation order).
fn meta_first_enum_use<'a>(meta: &'a Metadata, name: &str) -> Option<(&'a String, &'a String)> {
    creation_order(meta).into_iter().find_map(|e| {
        e.props
            .iter()
            .find(|p| p.native_enum_name.as_deref() == Some(name))
            .map(|p| (&e.table_name, &p.field_name))
    })
}
