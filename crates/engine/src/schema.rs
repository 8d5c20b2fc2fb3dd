//! DDL from metadata: create, drop and clear.

use crate::dialect::Dialect;
use crate::meta::{split_schema, EntityMeta, IndexMeta, Metadata, PropMeta, PropType, Reference};
use crate::order::dependency_order;
use crate::sql::Writer;

/// The column type of property `i` as the DDL writes it.
pub(crate) fn column_type(d: &dyn Dialect, meta: &Metadata, e: &EntityMeta, i: usize) -> String {
    let p = &e.props[i];
    // An integer key column, or a foreign key (or a part of a composite one) to one: its type.
    let key_type = |t: &PropMeta| {
        (t.primary && matches!(t.ty, PropType::Integer | PropType::Bigint)).then_some(t.ty)
    };
    let target_type = |entity: usize, field: &str| {
        meta.entities[entity]
            .props
            .iter()
            .find(|t| t.field_name == field)
            .and_then(key_type)
    };
    let part_type = e.props.iter().find_map(|q| {
        q.reference.as_ref().and_then(|r| {
            let k = r.parts.iter().position(|n| *n == p.name)?;
            target_type(r.entity, r.part_fields.get(k)?)
        })
    });
    let integer_key = key_type(p).or(part_type).or_else(|| {
        p.reference
            .as_ref()
            .and_then(|r| target_type(r.entity, &r.field_name))
    });
    let ty = match (
        &p.column_type,
        integer_key.and_then(|t| d.integer_key_type(t)),
    ) {
        (None, Some(t)) => t.to_string(),
        _ => p.column_type.clone().unwrap_or_else(|| d.column_type(p)),
    };
    match (&p.column_type, d.autoincrement_pk_type(p.ty)) {
        (None, Some(t)) if is_autoincrement_pk(e, i) => t.to_string(),
        _ => ty,
    }
}

fn is_autoincrement_pk(e: &EntityMeta, i: usize) -> bool {
    e.props[i].primary && e.props[i].autoincrement && e.pk.len() == 1
}

/// A column's definition (`"name" varchar(255) not null default 'x'`).
pub(crate) fn column_definition(
    d: &dyn Dialect,
    meta: &Metadata,
    e: &EntityMeta,
    i: usize,
) -> String {
    let mut w = Writer::new(d);
    column_def(d, &mut w, meta, e, i);
    w.text
}

fn column_def(d: &dyn Dialect, w: &mut Writer, meta: &Metadata, e: &EntityMeta, i: usize) {
    let p = &e.props[i];
    w.ident(&p.field_name).push(" ");
    let ty = column_type(d, meta, e, i);
    if is_autoincrement_pk(e, i) {
        w.push(&ty).push(" ").push(d.autoincrement_pk());
        return;
    }
    w.push(&ty);
    let items = p
        .items
        .as_ref()
        .filter(|_| p.column_type.is_none() && ty == "text" && !d.constraints_by_alter());
    if let Some(items) = items {
        w.push(" check (").ident(&p.field_name).push(" in (");
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            d.inline_value(&mut w.text, &crate::value::Value::Text(item.clone()));
        }
        w.push("))");
    }
    w.push(if p.nullable { " null" } else { " not null" });
    if p.primary && e.pk.len() == 1 && d.inline_primary_key() {
        w.push(" primary key");
    }
    if let Some(def) = &p.default {
        w.push(" default ").push(&d.column_default(&ty, def));
    }
}

pub(crate) fn index_columns(e: &EntityMeta, props: &[String]) -> Vec<String> {
    props
        .iter()
        .map(|p| {
            e.prop(p)
                .map(|m| m.field_name.clone())
                .unwrap_or_else(|| p.clone())
        })
        .collect()
}

/// `create index …`, or the dialect's `alter table … add …` form, for an index of `e`.
pub(crate) fn index_statement(d: &dyn Dialect, e: &EntityMeta, i: &IndexMeta) -> String {
    if let Some(x) = &i.expression {
        let x = x.trim_end();
        return if x.ends_with(';') {
            x.to_string()
        } else {
            format!("{x};")
        };
    }
    let columns = index_columns(e, &i.properties);
    let typed = i.ty.as_deref().filter(|_| !i.unique || i.is_fulltext());
    if let Some(statement) = typed.and_then(|ty| {
        // The columns' own `columnType`s (a `tsvector` column is indexed as it is).
        let types: Vec<&str> = i
            .properties
            .iter()
            .map(|n| {
                e.prop(n)
                    .and_then(|p| p.column_type.as_deref())
                    .unwrap_or("")
            })
            .collect();
        d.typed_index(&e.table_name, &i.name, &columns, &types, ty)
    }) {
        return statement;
    }
    let mut w = Writer::new(d);
    if d.indexes_by_alter() {
        w.push("alter table ")
            .ident(&e.table_name)
            .push(if i.unique {
                " add unique "
            } else {
                " add index "
            })
            .ident(&i.name)
            .push(" (");
    } else if i.unique && d.constraints_by_alter() {
        w.push("alter table ")
            .ident(&e.table_name)
            .push(" add constraint ")
            .ident(&i.name)
            .push(" unique (");
    } else {
        w.push(if i.unique {
            "create unique index "
        } else {
            "create index "
        });
        w.ident(&i.name)
            .push(" on ")
            .ident(&e.table_name)
            .push(" (");
    }
    w.idents(&columns, ", ").push(");");
    w.text
}

/// Tables in creation order: referenced tables first (see `order`), visited by table name in
/// descending order, which leaves unrelated tables sorted by name. Tables the schema generator
/// skips are left out.
pub(crate) fn creation_order(meta: &Metadata) -> Vec<&EntityMeta> {
    // Entities of a single-table hierarchy share their root's table.
    let mut nodes: Vec<usize> = (0..meta.entities.len())
        .filter(|&i| meta.table_owner(i) == i && !meta.entities[i].schema_skip)
        .collect();
    nodes.sort_by(|&a, &b| {
        meta.entities[b]
            .table_name
            .cmp(&meta.entities[a].table_name)
    });
    dependency_order(meta, &nodes, false)
        .into_iter()
        .map(|i| &meta.entities[i])
        .collect()
}

/// `constraint "c" foreign key (…) references …` (after `, ` in a `create table`, or after
/// `alter table … add ` in a statement of its own).
fn foreign_key(w: &mut Writer, meta: &Metadata, e: &EntityMeta, p: &PropMeta, r: &Reference) {
    let target = &meta.entities[r.entity];
    w.push("constraint ")
        .ident(&r.constraint)
        .push(" foreign key (")
        .ident(&p.field_name);
    for part in r.parts.iter().filter_map(|n| e.prop(n)) {
        w.push(", ").ident(&part.field_name);
    }
    w.push(") references ")
        .ident(&target.table_name)
        .push(" (")
        .ident(&r.field_name);
    for f in &r.part_fields {
        w.push(", ").ident(f);
    }
    w.push(")");
    if let Some(rule) = &r.update_rule {
        w.push(" on update ").push(rule);
    }
    if let Some(rule) = &r.delete_rule {
        w.push(" on delete ").push(rule);
    }
}

/// A table's group: `create table` (with its foreign keys where the dialect writes them
/// there), its indexes and checks.
pub(crate) fn table_statements(d: &dyn Dialect, meta: &Metadata, e: &EntityMeta) -> Vec<String> {
    let mut group = Vec::new();
    let mut w = Writer::new(d);
    w.push("create table ").ident(&e.table_name).push(" (");
    let columns = (0..e.props.len()).filter(|&i| e.props[i].is_column());
    for (n, i) in columns.enumerate() {
        if n > 0 {
            w.push(", ");
        }
        column_def(d, &mut w, meta, e, i);
    }
    let clause = e.pk.len() > 1
        || (!d.inline_primary_key() && e.pk.first().is_some_and(|&i| !is_autoincrement_pk(e, i)));
    if clause {
        w.push(", primary key (");
        for (n, &i) in e.pk.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(&e.props[i].field_name);
        }
        w.push(")");
    }
    if d.foreign_keys_in_create() {
        for p in &e.props {
            if let Some(r) = &p.reference {
                w.push(", ");
                foreign_key(&mut w, meta, e, p, r);
            }
        }
    }
    w.push(")").push(d.create_table_suffix()).push(";");
    group.push(w.text);
    for i in e
        .indexes
        .iter()
        .filter(|i| !i.foreign || d.indexes_foreign_keys())
    {
        group.push(index_statement(d, e, i));
    }
    group.extend(
        enum_checks(d, e)
            .iter()
            .map(|(name, def)| add_constraint(d, &e.table_name, name, def)),
    );
    group
}

/// DDL per entity (see `creation_order`), each entity's group: `create table` then its indexes;
/// `wrap`: the dialect's preamble (`set names …`) first.
pub fn create_statements(d: &dyn Dialect, meta: &Metadata, wrap: bool) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for e in creation_order(meta) {
        out.push(table_statements(d, meta, e));
    }
    if !d.foreign_keys_in_create() {
        for e in creation_order(meta) {
            let group: Vec<String> = e
                .props
                .iter()
                .filter_map(|p| p.reference.as_ref().map(|r| (p, r)))
                .map(|(p, r)| add_foreign_key(d, meta, e, p, r))
                .collect();
            if !group.is_empty() {
                out.push(group);
            }
        }
    }
    if let Some(first) = out.first_mut() {
        let mut before = create_schemas(d, creation_order(meta));
        before.extend(create_native_enums(d, meta));
        first.splice(0..0, before);
    }
    if let Some(pre) = d.schema_preamble().filter(|_| wrap) {
        out.insert(0, vec![pre.to_string()]);
    }
    out
}

/// `create schema if not exists "s";` per schema of these schema-qualified tables (`s.t`), in
/// their order, where the dialect has schemas.
pub(crate) fn create_schemas<'a>(
    d: &dyn Dialect,
    tables: impl IntoIterator<Item = &'a EntityMeta>,
) -> Vec<String> {
    let mut schemas: Vec<&str> = Vec::new();
    for e in tables {
        if let (Some(schema), _) = split_schema(&e.table_name) {
            if !schemas.contains(&schema) {
                schemas.push(schema);
            }
        }
    }
    schemas
        .into_iter()
        .filter_map(|s| d.create_schema_sql(s))
        .collect()
}

/// The native enum types (first appearance in creation order) with their items.
pub(crate) fn native_enums(d: &dyn Dialect, meta: &Metadata) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    if !d.native_enums() {
        return out;
    }
    for e in creation_order(meta) {
        for p in &e.props {
            if let (Some(name), Some(items)) = (&p.native_enum_name, &p.items) {
                if !out.iter().any(|(n, _)| n == name) {
                    out.push((name.clone(), items.clone()));
                }
            }
        }
    }
    out
}

/// `create type "kind" as enum ('a', 'b');` per native enum type, before the first table.
fn create_native_enums(d: &dyn Dialect, meta: &Metadata) -> Vec<String> {
    native_enums(d, meta)
        .into_iter()
        .map(|(name, items)| create_enum(d, &name, &items))
        .collect()
}

/// `create type "kind" as enum ('a', 'b');`
pub(crate) fn create_enum(d: &dyn Dialect, name: &str, items: &[String]) -> String {
    let mut w = Writer::new(d);
    w.push("create type ").ident(name).push(" as enum (");
    write_items(d, &mut w, items);
    w.push(");");
    w.text
}

fn write_items(d: &dyn Dialect, w: &mut Writer, items: &[String]) {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        d.inline_value(&mut w.text, &crate::value::Value::Text(item.clone()));
    }
}

/// The enum checks of `e` where the dialect writes them (text columns, checks by `alter
/// table`): their names (`t_f_check`) and definitions (`check ("f" in ('a', 'b'))`).
pub(crate) fn enum_checks(d: &dyn Dialect, e: &EntityMeta) -> Vec<(String, String)> {
    if !d.constraints_by_alter() {
        return Vec::new();
    }
    e.props
        .iter()
        .filter(|p| p.is_column() && p.column_type.is_none() && d.column_type(p) == "text")
        .filter_map(|p| p.items.as_ref().map(|items| (p, items)))
        .map(|(p, items)| {
            let mut w = Writer::new(d);
            w.push("check (").ident(&p.field_name).push(" in (");
            write_items(d, &mut w, items);
            w.push("))");
            // Named after the table, without its schema.
            let (_, table) = split_schema(&e.table_name);
            (format!("{table}_{}_check", p.field_name), w.text)
        })
        .collect()
}

/// `alter table "t" add constraint "c" foreign key (…) references …;`
pub(crate) fn add_foreign_key(
    d: &dyn Dialect,
    meta: &Metadata,
    e: &EntityMeta,
    p: &PropMeta,
    r: &Reference,
) -> String {
    let mut w = Writer::new(d);
    w.push("alter table ").ident(&e.table_name).push(" add ");
    foreign_key(&mut w, meta, e, p, r);
    w.push(";");
    w.text
}

/// `alter table "t" add constraint "c" <definition>;`
pub(crate) fn add_constraint(d: &dyn Dialect, table: &str, name: &str, definition: &str) -> String {
    let mut w = Writer::new(d);
    w.push("alter table ")
        .ident(table)
        .push(" add constraint ")
        .ident(name)
        .push(" ")
        .push(definition)
        .push(";");
    w.text
}

/// The create script as it runs (see `batches`).
pub fn create_batches(d: &dyn Dialect, meta: &Metadata) -> Vec<String> {
    batches(d, create_statements(d, meta, true))
}

/// The drop script as it runs (see `batches`).
pub fn drop_batches(d: &dyn Dialect, meta: &Metadata) -> Vec<String> {
    batches(d, drop_statements(d, meta))
}

/// A script's groups as they run: a group as one statement, or statement by statement with the
/// `;` kept on a group's last statement only (as MikroORM logs them).
pub fn batches(d: &dyn Dialect, groups: Vec<Vec<String>>) -> Vec<String> {
    if d.schema_group_as_one() {
        return groups.into_iter().map(|g| g.concat()).collect();
    }
    groups
        .into_iter()
        .flat_map(|g| {
            let last = g.len().saturating_sub(1);
            g.into_iter().enumerate().map(move |(n, s)| {
                if n < last {
                    s.trim_end_matches(';').to_string()
                } else {
                    s
                }
            })
        })
        .collect()
}

/// Tables in the reverse of their creation order: referencing tables first.
fn by_table_desc(meta: &Metadata) -> Vec<&EntityMeta> {
    let mut entities = creation_order(meta);
    entities.reverse();
    entities
}

/// The drop script: the dialect's preamble, then the tables, referencing tables first.
pub fn drop_statements(d: &dyn Dialect, meta: &Metadata) -> Vec<Vec<String>> {
    let mut drops: Vec<String> = by_table_desc(meta)
        .into_iter()
        .map(|e| {
            let mut w = Writer::new(d);
            w.push("drop table if exists ")
                .ident(&e.table_name)
                .push(d.drop_table_suffix())
                .push(";");
            w.text
        })
        .collect();
    // The enum types after the tables that use them, by name.
    let mut types: Vec<String> = native_enums(d, meta).into_iter().map(|(n, _)| n).collect();
    types.sort();
    for name in types {
        let mut w = Writer::new(d);
        w.push("drop type if exists ").ident(&name).push(";");
        drops.push(w.text);
    }
    match d.schema_preamble() {
        Some(pre) => vec![vec![pre.to_string()], drops],
        None => vec![drops],
    }
}

/// `schema.clear()`: every table emptied, referencing tables first, as the dialect does it;
/// with a `schema`, only that schema's tables (as MikroORM).
pub fn clear_statements(d: &dyn Dialect, meta: &Metadata, schema: Option<&str>) -> Vec<String> {
    let tables: Vec<&str> = by_table_desc(meta)
        .into_iter()
        .map(|e| e.table_name.as_str())
        .filter(|t| schema.is_none_or(|s| split_schema(t).0 == Some(s)))
        .collect();
    d.clear_statements(&tables)
}
