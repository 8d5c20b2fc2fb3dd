//! PostgreSQL: double-quoted identifiers, `returning`, `~` for `$re`, `ilike`, row locks.

use super::Dialect;
use crate::filter::JsonCast;
use crate::meta::{PropMeta, PropType};
use crate::value::Value;

pub struct Postgres;

impl Dialect for Postgres {
    fn as_dialect(&self) -> &dyn Dialect {
        self
    }

    /// Every schema but PostgreSQL's own; names outside the current schema as `schema.name`.
    fn introspection_sql(&self) -> Option<Vec<(&'static str, &'static str)>> {
        Some(vec![
            ("columns", "select case when n.nspname = current_schema() then cl.relname else n.nspname || '.' || cl.relname end as table_name, c.column_name, pg_catalog.format_type(a.atttypid, a.atttypmod) as column_type, c.is_nullable, c.column_default from information_schema.columns c join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE' join pg_catalog.pg_namespace n on n.nspname = c.table_schema join pg_catalog.pg_class cl on cl.relnamespace = n.oid and cl.relname = c.table_name join pg_catalog.pg_attribute a on a.attrelid = cl.oid and a.attname = c.column_name where not cl.relispartition and not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = cl.oid and dep.deptype = 'e') and n.nspname not like 'pg\\_%' and n.nspname not like 'crdb\\_%' and n.nspname not like '\\_timescaledb\\_%' and n.nspname not in ('information_schema', 'tiger', 'tiger_data', 'topology') order by 1, c.ordinal_position"),
            ("indexes", "select case when n.nspname = current_schema() then t.relname else n.nspname || '.' || t.relname end as table_name, i.relname as index_name, a.attname as column_name, ix.indisunique as is_unique, ix.indisprimary as is_primary, am.amname as index_method from pg_catalog.pg_index ix join pg_catalog.pg_class t on t.oid = ix.indrelid join pg_catalog.pg_class i on i.oid = ix.indexrelid join pg_catalog.pg_am am on am.oid = i.relam join pg_catalog.pg_namespace n on n.oid = t.relnamespace cross join lateral unnest(ix.indkey) with ordinality as k(attnum, ord) left join pg_catalog.pg_attribute a on a.attrelid = t.oid and a.attnum = k.attnum and k.attnum > 0 where not t.relispartition and n.nspname not like 'pg\\_%' and n.nspname not like 'crdb\\_%' and n.nspname not like '\\_timescaledb\\_%' and n.nspname not in ('information_schema', 'tiger', 'tiger_data', 'topology') order by 1, i.relname, k.ord"),
            ("foreignKeys", "select case when n.nspname = current_schema() then cl.relname else n.nspname || '.' || cl.relname end as table_name, c.conname as constraint_name, a.attname as column_name, case when rn.nspname = current_schema() then rc.relname else rn.nspname || '.' || rc.relname end as referenced_table_name, ra.attname as referenced_column_name, c.confupdtype::text as update_rule, c.confdeltype::text as delete_rule from pg_catalog.pg_constraint c join pg_catalog.pg_class cl on cl.oid = c.conrelid join pg_catalog.pg_namespace n on n.oid = cl.relnamespace join pg_catalog.pg_class rc on rc.oid = c.confrelid join pg_catalog.pg_namespace rn on rn.oid = rc.relnamespace cross join lateral unnest(c.conkey, c.confkey) with ordinality as k(col, rcol, ord) join pg_catalog.pg_attribute a on a.attrelid = c.conrelid and a.attnum = k.col join pg_catalog.pg_attribute ra on ra.attrelid = c.confrelid and ra.attnum = k.rcol where c.contype = 'f' and not cl.relispartition and n.nspname not like 'pg\\_%' and n.nspname not like 'crdb\\_%' and n.nspname not like '\\_timescaledb\\_%' and n.nspname not in ('information_schema', 'tiger', 'tiger_data', 'topology') order by 1, c.conname, k.ord"),
            ("enums", "select case when n.nspname = current_schema() then t.typname else n.nspname || '.' || t.typname end as enum_name, e.enumlabel as item from pg_catalog.pg_type t join pg_catalog.pg_enum e on e.enumtypid = t.oid join pg_catalog.pg_namespace n on n.oid = t.typnamespace where not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.pg_type'::regclass and dep.objid = t.oid and dep.deptype = 'e') and n.nspname not like 'pg\\_%' and n.nspname not like 'crdb\\_%' and n.nspname not like '\\_timescaledb\\_%' and n.nspname not in ('information_schema', 'tiger', 'tiger_data', 'topology') order by 1, e.enumsortorder"),
            ("checks", "select case when n.nspname = current_schema() then cl.relname else n.nspname || '.' || cl.relname end as table_name, c.conname as name, pg_catalog.pg_get_constraintdef(c.oid) as definition from pg_catalog.pg_constraint c join pg_catalog.pg_class cl on cl.oid = c.conrelid join pg_catalog.pg_namespace n on n.oid = cl.relnamespace where c.contype = 'c' and not cl.relispartition and n.nspname not like 'pg\\_%' and n.nspname not like 'crdb\\_%' and n.nspname not like '\\_timescaledb\\_%' and n.nspname not in ('information_schema', 'tiger', 'tiger_data', 'topology') order by 1, c.conname"),
            ("views", "select case when n.nspname = current_schema() then c.relname else n.nspname || '.' || c.relname end as view_name from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace where c.relkind = 'v' and not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = c.oid and dep.deptype = 'e') and n.nspname not like 'pg\\_%' and n.nspname not like 'crdb\\_%' and n.nspname not like '\\_timescaledb\\_%' and n.nspname not in ('information_schema', 'tiger', 'tiger_data', 'topology') order by 1"),
            ("occupiedSchemas", "select n.nspname as schema_name from pg_catalog.pg_namespace n where exists (select 1 from pg_catalog.pg_class c where c.relnamespace = n.oid and c.relkind in ('m', 'f', 'S') and not exists (select 1 from pg_catalog.pg_depend dep where dep.classid = 'pg_catalog.pg_class'::regclass and dep.objid = c.oid and dep.deptype in ('a', 'i'))) or exists (select 1 from pg_catalog.pg_proc f where f.pronamespace = n.oid) order by 1"),
        ])
    }

    fn introspects_schemas(&self) -> bool {
        true
    }

    fn index_method(&self, ty: Option<&str>) -> Option<String> {
        Some(match ty.map(str::to_lowercase) {
            Some(t) if !t.is_empty() && t != "fulltext" => t,
            _ => "btree".to_string(),
        })
    }

    fn default_schema(&self) -> Option<&'static str> {
        Some("public")
    }

    /// `fulltext`: a GIN index of the columns' `simple` text search vector (of the columns
    /// themselves when they are `tsvector`s), on the table named
    /// with its schema (`public` when it has none), as MikroORM writes it; another type but
    /// `btree` (the default) is the access method in lower case (`using hash ("c")`).
    fn typed_index(
        &self,
        table: &str,
        name: &str,
        columns: &[String],
        types: &[&str],
        ty: &str,
    ) -> Option<String> {
        let method = ty.to_lowercase();
        if ty != "fulltext" && matches!(method.as_str(), "" | "btree" | "fulltext") {
            return None;
        }
        let mut w = crate::sql::Writer::new(self);
        w.push("create index ").ident(name).push(" on ");
        if ty == "fulltext" {
            if !table.contains('.') {
                w.ident("public").push(".");
            }
            w.ident(table);
            if !types.is_empty() && types.iter().all(|t| t.eq_ignore_ascii_case("tsvector")) {
                w.push(" using gin(").idents(columns, ", ").push(");");
            } else {
                w.push(" using gin(to_tsvector('simple', ")
                    .idents(columns, " || ' ' || ")
                    .push("));");
            }
        } else {
            w.ident(table)
                .push(" using ")
                .push(&method)
                .push(" (")
                .idents(columns, ", ")
                .push(");");
        }
        Some(w.text)
    }

    /// `CHECK ((f = ANY (ARRAY['a'::text, 'b'::text])))` as `check ("f" in ('a', 'b'))`.
    fn normalize_check(&self, definition: &str) -> Option<String> {
        let inner = definition.strip_prefix("CHECK ((")?;
        let (column, rest) = inner.split_once(" = ANY (ARRAY[")?;
        let list = rest.strip_suffix("])))")?;
        let mut out = String::from("check (");
        crate::dialect::Dialect::quote_ident(self, &mut out, column.trim_matches('"'));
        out.push_str(" in (");
        for (n, item) in list.split(", ").enumerate() {
            let value = item.strip_suffix("::text")?;
            if n > 0 {
                out.push_str(", ");
            }
            out.push_str(value);
        }
        out.push_str("))");
        Some(out)
    }

    /// PostgreSQL's long type names (`character varying(255)`, `integer`) as the DDL writes them.
    fn normalize_type(&self, ty: &str) -> String {
        let t = ty.trim().replace('"', "").to_ascii_lowercase();
        for (long, short) in [("timestamp", "timestamptz"), ("time", "time")] {
            let zone = if short == "timestamptz" {
                "with time zone"
            } else {
                "without time zone"
            };
            if let Some(args) = t.strip_prefix(long).and_then(|r| r.strip_suffix(zone)) {
                if args.is_empty() || args.starts_with('(') || args.starts_with(' ') {
                    return format!("{short}{}", args.trim());
                }
            }
        }
        let (base, args) = t.split_at(t.find('(').unwrap_or(t.len()));
        let base = match base.trim() {
            "character varying" => "varchar",
            "integer" | "int4" | "serial" => "int",
            "int8" | "bigserial" => "bigint",
            "int2" => "smallint",
            "float8" => "double precision",
            "float4" => "real",
            "bool" => "boolean",
            other => other,
        };
        format!("{base}{args}")
    }

    /// Without casts (`'a'::character varying`); a sequence's `nextval(…)` is no default.
    fn normalize_default(&self, default: &str) -> Option<String> {
        let d = default.trim();
        if d.starts_with("nextval(") {
            return None;
        }
        let d = match d.rfind("::") {
            Some(i) if !d[i..].contains('\'') => &d[..i],
            _ => d,
        };
        Some(
            d.trim_matches(|c| c == '(' || c == ')')
                .to_ascii_lowercase(),
        )
    }

    /// Text with a backslash is logged as an escape string (` E'a\\b'`), as node-pg's
    /// formatting in MikroORM's log does.
    fn inline_value(&self, out: &mut String, v: &Value) {
        match v {
            Value::Text(t) if t.contains('\\') => {
                out.push_str(" E'");
                for c in t.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '\'' => out.push_str("''"),
                        c => out.push(c),
                    }
                }
                out.push('\'');
            }
            // bytea as MikroORM logs it: `E'\\x00ff'`.
            Value::Blob(b) => {
                out.push_str("E'\\\\x");
                for byte in b {
                    out.push_str(&format!("{byte:02x}"));
                }
                out.push('\'');
            }
            v => super::inline_plain(out, v),
        }
    }

    fn create_schema_sql(&self, schema: &str) -> Option<String> {
        let mut w = crate::sql::Writer::new(self);
        w.push("create schema if not exists ")
            .ident(schema)
            .push(";");
        Some(w.text)
    }

    /// `truncate table "t" restart identity cascade` each, as MikroORM clears.
    fn clear_statements(&self, tables: &[&str]) -> Vec<String> {
        tables
            .iter()
            .map(|t| {
                let mut w = crate::sql::Writer::new(self);
                w.push("truncate table ")
                    .ident(t)
                    .push(" restart identity cascade");
                w.text
            })
            .collect()
    }

    /// A native array's literal: `{a,"b,c"}`.
    fn array_literal(&self, items: &[String]) -> String {
        format!("{{{}}}", super::array_elements(items))
    }

    fn name(&self) -> &'static str {
        "postgresql"
    }

    fn regexp_operator(&self) -> &'static str {
        "~"
    }

    fn locks_named_tables(&self) -> bool {
        true
    }

    /// `start transaction isolation level … read only`.
    fn begin_with(&self, isolation: Option<&str>, read_only: bool) -> Vec<String> {
        if isolation.is_none() && !read_only {
            return vec![self.begin_sql().to_string()];
        }
        let mut sql = String::from("start transaction");
        if let Some(level) = isolation {
            sql.push_str(" isolation level ");
            sql.push_str(level);
        }
        if read_only {
            sql.push_str(" read only");
        }
        vec![sql]
    }

    fn native_enums(&self) -> bool {
        true
    }

    fn schema_preamble(&self) -> Option<&'static str> {
        Some("set names 'utf8';")
    }

    fn foreign_keys_in_create(&self) -> bool {
        false
    }

    fn indexes_foreign_keys(&self) -> bool {
        false
    }

    fn constraints_by_alter(&self) -> bool {
        true
    }

    fn drop_table_suffix(&self) -> &'static str {
        " cascade"
    }

    fn schema_group_as_one(&self) -> bool {
        true
    }

    fn bulk_arrays(&self) -> bool {
        true
    }

    fn column_type(&self, prop: &PropMeta) -> String {
        if let (PropType::Enum, Some(name)) = (prop.ty, &prop.native_enum_name) {
            let mut ty = String::new();
            crate::dialect::Dialect::quote_ident(self, &mut ty, name);
            return ty;
        }
        match prop.ty {
            PropType::String => return format!("varchar({})", prop.length.unwrap_or(255)),
            PropType::Uuid => "uuid",
            PropType::Enum if prop.is_numeric_enum() => "smallint",
            PropType::Text | PropType::Enum => "text",
            PropType::Integer => "int",
            PropType::Smallint | PropType::Tinyint => "smallint",
            PropType::Bigint => "bigint",
            PropType::Float => "real",
            PropType::Double => "double precision",
            PropType::Decimal => return super::numeric_type(prop),
            PropType::Boolean => "boolean",
            PropType::Datetime => "timestamptz",
            PropType::Date => "date",
            PropType::Time => "time(0)",
            PropType::Json => "jsonb",
            PropType::Blob => "bytea",
            PropType::Array => "text[]",
        }
        .to_string()
    }

    fn autoincrement_pk(&self) -> &'static str {
        "primary key"
    }

    fn autoincrement_pk_type(&self, ty: PropType) -> Option<&'static str> {
        Some(if ty == PropType::Bigint {
            "bigserial"
        } else {
            "serial"
        })
    }

    /// `"u"."meta"->'a'->>'b'`, cast to `float8` when compared with a number.
    fn write_json_path(
        &self,
        w: &mut crate::sql::Writer,
        column: &str,
        path: &[String],
        cast: JsonCast,
    ) {
        if cast != JsonCast::Text {
            w.push("(");
        }
        w.push(column);
        for (n, key) in path.iter().enumerate() {
            w.push(if n + 1 == path.len() { "->>'" } else { "->'" });
            w.push(&key.replace('\'', "''")).push("'");
        }
        match cast {
            JsonCast::Text => {}
            JsonCast::Number => {
                w.push(")::float8");
            }
            JsonCast::Boolean => {
                w.push(")::bool");
            }
        }
    }

    fn json_items_function(&self) -> &'static str {
        "jsonb_array_elements"
    }

    fn write_json_item(&self, w: &mut crate::sql::Writer, path: &[String], cast: JsonCast) {
        let mut item = crate::sql::Writer::new(w.dialect);
        item.ident("__je0");
        self.write_json_path(w, &item.text, path, cast);
    }

    fn write_fulltext(&self, w: &mut crate::sql::Writer, column: &str, query: crate::value::Value) {
        w.push("to_tsvector('simple', ")
            .push(column)
            .push(") @@ plainto_tsquery('simple', ")
            .param(query)
            .push(")");
    }

    fn write_truncate(&self, w: &mut crate::sql::Writer, table: &str) {
        w.push("truncate table ")
            .ident(table)
            .push(" restart identity cascade");
    }
}
