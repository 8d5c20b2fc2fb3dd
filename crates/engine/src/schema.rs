//! DDL from metadata: create, drop and clear.

use crate::dialect::Dialect;
use crate::meta::{EntityMeta, Metadata};
use crate::sql::Writer;

fn column_def(d: &dyn Dialect, w: &mut Writer, e: &EntityMeta, i: usize) {
    let p = &e.props[i];
    w.ident(&p.field_name).push(" ");
    let ty = p.column_type.clone().unwrap_or_else(|| d.column_type(p));
    if p.primary && p.autoincrement && e.pk.len() == 1 {
        let ty = match (&p.column_type, d.autoincrement_pk_type()) {
            (None, Some(t)) => t,
            _ => ty.as_str(),
        };
        w.push(ty).push(" ").push(d.autoincrement_pk());
        return;
    }
    w.push(&ty);
    let items = p
        .items
        .as_ref()
        .filter(|_| p.column_type.is_none() && ty == "text");
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
    if p.primary && e.pk.len() == 1 {
        w.push(" primary key");
    }
    if let Some(def) = &p.default {
        w.push(" default ").push(def);
    }
}

fn index_columns(e: &EntityMeta, props: &[String]) -> Vec<String> {
    props
        .iter()
        .map(|p| {
            e.prop(p)
                .map(|m| m.field_name.clone())
                .unwrap_or_else(|| p.clone())
        })
        .collect()
}

/// DDL per entity (tables ordered by name), each entity's group: `create table` then its indexes.
pub fn create_statements(d: &dyn Dialect, meta: &Metadata) -> Vec<Vec<String>> {
    let mut entities: Vec<&EntityMeta> = meta.entities.iter().collect();
    entities.sort_by(|a, b| a.table_name.cmp(&b.table_name));
    let mut out = Vec::new();
    for e in entities {
        let mut group = Vec::new();
        let mut w = Writer::new(d);
        w.push("create table ").ident(&e.table_name).push(" (");
        for i in 0..e.props.len() {
            if i > 0 {
                w.push(", ");
            }
            column_def(d, &mut w, e, i);
        }
        if e.pk.len() > 1 {
            w.push(", primary key (");
            for (n, &i) in e.pk.iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(&e.props[i].field_name);
            }
            w.push(")");
        }
        w.push(");");
        group.push(w.text);
        for i in &e.indexes {
            let mut w = Writer::new(d);
            w.push(if i.unique {
                "create unique index "
            } else {
                "create index "
            });
            w.ident(&i.name)
                .push(" on ")
                .ident(&e.table_name)
                .push(" (");
            for (n, c) in index_columns(e, &i.properties).iter().enumerate() {
                if n > 0 {
                    w.push(", ");
                }
                w.ident(c);
            }
            w.push(");");
            group.push(w.text);
        }
        out.push(group);
    }
    out
}

fn by_table_desc(meta: &Metadata) -> Vec<&EntityMeta> {
    let mut entities: Vec<&EntityMeta> = meta.entities.iter().collect();
    entities.sort_by(|a, b| b.table_name.cmp(&a.table_name));
    entities
}

pub fn drop_statements(d: &dyn Dialect, meta: &Metadata) -> Vec<String> {
    by_table_desc(meta)
        .into_iter()
        .map(|e| {
            let mut w = Writer::new(d);
            w.push("drop table if exists ")
                .ident(&e.table_name)
                .push(";");
            w.text
        })
        .collect()
}

pub fn clear_statements(d: &dyn Dialect, meta: &Metadata) -> Vec<String> {
    by_table_desc(meta)
        .into_iter()
        .map(|e| {
            let mut w = Writer::new(d);
            w.push("delete from ").ident(&e.table_name);
            w.text
        })
        .collect()
}
