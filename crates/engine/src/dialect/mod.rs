//! One `Dialect` per database. Defaults write standard SQL; each dialect file overrides only what
//! differs. Shared code never matches on a dialect.

mod mysql;
mod postgres;
mod sqlite;

pub use mysql::MySql;
pub use postgres::Postgres;
pub use sqlite::Sqlite;

use crate::filter::JsonCast;
use crate::meta::{PropMeta, PropType};
use crate::time::Zone;
use crate::value::Value;

pub trait Dialect: Send + Sync {
    fn name(&self) -> &'static str;

    fn quote_char(&self) -> char {
        '"'
    }

    /// A quoted identifier; a dotted one (`schema.table`) quoted part by part, as MikroORM does.
    fn quote_ident(&self, out: &mut String, ident: &str) {
        let q = self.quote_char();
        for (n, part) in ident.split('.').enumerate() {
            if n > 0 {
                out.push('.');
            }
            out.push(q);
            for c in part.chars() {
                if c == q {
                    out.push(q);
                }
                out.push(c);
            }
            out.push(q);
        }
    }

    fn placeholder(&self, out: &mut String, _index: usize) {
        out.push('?');
    }

    /// How a boolean is stored.
    fn bool_value(&self, b: bool) -> Value {
        Value::Bool(b)
    }

    /// How a `datetime` property is stored, from epoch milliseconds.
    fn datetime_value(&self, ms: i64) -> Value {
        Value::Text(crate::time::format_iso_datetime(ms))
    }

    /// The instant (epoch milliseconds) of a datetime's text, from the database or given by the
    /// user; text without a zone is UTC.
    fn datetime_instant(&self, text: &str) -> Option<i64> {
        crate::time::parse_iso_datetime(text)
    }

    /// Writes a value inline, for logs and `getFormattedQuery()`.
    fn inline_value(&self, out: &mut String, v: &Value) {
        inline_plain(out, v);
    }

    /// The column type for a property without an explicit `columnType`.
    fn column_type(&self, prop: &PropMeta) -> String;

    /// The column definition tail for an autoincrement primary key.
    fn autoincrement_pk(&self) -> &'static str;

    /// The column type an autoincrement primary key of type `ty` must have, when the dialect
    /// requires one.
    fn autoincrement_pk_type(&self, _ty: PropType) -> Option<&'static str> {
        None
    }

    /// Whether the last chunk of a batched update, when it has one row, keeps the batch form
    /// (`case when … where id in (3)`), as MikroORM's server drivers write it.
    fn batch_form_for_one_row(&self) -> bool {
        true
    }

    /// Whether `insert … returning` gives back generated keys.
    fn supports_returning(&self) -> bool {
        true
    }

    /// Whether a flush may bind a column's values as one array (`unnest`, see `uow::bulk`).
    fn bulk_arrays(&self) -> bool {
        false
    }

    /// Whether raw results give JSON columns parsed (as the JS driver under MikroORM does).
    fn raw_json_parsed(&self) -> bool {
        true
    }

    /// The case-insensitive `like` operator (`$ilike`).
    fn ilike_operator(&self) -> &'static str {
        "ilike"
    }

    /// The clause a pessimistic `LockMode` (MikroORM's numbers) appends to a select.
    fn lock_clause(&self, mode: u8) -> Option<&'static str> {
        match mode {
            2 => Some("for share"),
            3 => Some("for update"),
            4 => Some("for update skip locked"),
            5 => Some("for update nowait"),
            6 => Some("for share skip locked"),
            7 => Some("for share nowait"),
            _ => None,
        }
    }

    /// The regular expression match operator (`$re`).
    fn regexp_operator(&self) -> &'static str {
        "regexp"
    }

    /// Whether one prepared `update … where pk = ?` per row runs faster than MikroORM's batched
    /// `case when` update (an embedded database, where a statement costs no round trip). The
    /// flush uses it only when no query log is watching, so logs always show MikroORM's SQL.
    fn prefers_row_updates(&self) -> bool {
        false
    }

    /// An upsert's conflict clause: ` on conflict (`email`) do update set `name` = excluded.`name``,
    /// or `do nothing` without columns to merge.
    fn write_on_conflict(&self, w: &mut crate::sql::Writer, fields: &[&str], merge: &[&str]) {
        if merge.is_empty() {
            self.write_conflict_target(w, fields);
            w.push(" do nothing");
            return;
        }
        self.write_conflict_update(w, fields);
        write_excluded(w, merge);
    }

    /// The statement every schema script starts with, if any.
    fn schema_preamble(&self) -> Option<&'static str> {
        None
    }

    /// Foreign keys inside `create table`; otherwise `alter table … add constraint` statements
    /// after every table exists.
    fn foreign_keys_in_create(&self) -> bool {
        true
    }

    /// An index on the columns of each foreign key.
    fn indexes_foreign_keys(&self) -> bool {
        true
    }

    /// Unique keys as `alter table … add constraint … unique (…)` instead of unique indexes, and
    /// enum checks as `alter table … add constraint … check (…)` instead of in the column.
    fn constraints_by_alter(&self) -> bool {
        false
    }

    /// Enum properties with a `nativeEnumName` get a type of their own (`create type … as enum`).
    fn native_enums(&self) -> bool {
        false
    }

    /// What follows a `create table (…)` (MySQL's character set and engine).
    fn create_table_suffix(&self) -> &'static str {
        ""
    }

    /// Indexes as `alter table … add index|unique name (…)` instead of `create index`.
    fn indexes_by_alter(&self) -> bool {
        false
    }

    /// The column type of integer key columns of type `ty` and of foreign keys to them (MySQL's
    /// `int unsigned`), when it differs from the property's own type.
    fn integer_key_type(&self, _ty: PropType) -> Option<&'static str> {
        None
    }

    /// Whether a single-column primary key is declared on its column (`"id" … primary key`);
    /// otherwise by a `primary key (…)` clause, but for an autoincrement key.
    fn inline_primary_key(&self) -> bool {
        false
    }

    /// What ends a `drop table if exists` (` cascade`).
    fn drop_table_suffix(&self) -> &'static str {
        ""
    }

    /// A schema group (a table and its indexes) runs as one statement; otherwise statement by
    /// statement.
    fn schema_group_as_one(&self) -> bool {
        false
    }

    /// `for update of "b"`: a lock limited to some tables of the select.
    fn locks_named_tables(&self) -> bool {
        false
    }

    /// `write_on_conflict` with a raw target (`on conflict (email) where age is null …`).
    fn write_on_conflict_raw(
        &self,
        w: &mut crate::sql::Writer,
        target: &str,
        params: &[Value],
        merge: &[&str],
    ) {
        w.push(" on conflict ").raw(target, params);
        if merge.is_empty() {
            w.push(" do nothing");
            return;
        }
        w.push(" do update set ");
        write_excluded(w, merge);
    }

    /// ` on conflict (`email`)`
    fn write_conflict_target(&self, w: &mut crate::sql::Writer, fields: &[&str]) {
        if fields.is_empty() {
            w.push(" on conflict");
            return;
        }
        w.push(" on conflict (");
        for (n, f) in fields.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(f);
        }
        w.push(")");
    }

    /// ` on conflict (`email`) do update set ` — the assignments follow.
    fn write_conflict_update(&self, w: &mut crate::sql::Writer, fields: &[&str]) {
        self.write_conflict_target(w, fields);
        w.push(" do update set ");
    }

    /// The value at `path` in a JSON column: `json_extract(`u`.`meta`, '$.a.b')`. Keys are
    /// written as string literals (quotes doubled). `cast`: how the value is compared.
    fn write_json_path(
        &self,
        w: &mut crate::sql::Writer,
        column: &str,
        path: &[String],
        _cast: JsonCast,
    ) {
        w.push("json_extract(").push(column).push(", '$");
        for key in path {
            w.push(".").push(&key.replace('\'', "''"));
        }
        w.push("')");
    }

    /// The start of a test on the items of a JSON array column, up to its `where `:
    /// `exists (select 1 from json_each(col) as `__je0` where `. `keys`: the item keys the
    /// test reads, with their casts.
    fn write_json_some_start(
        &self,
        w: &mut crate::sql::Writer,
        column: &str,
        negated: bool,
        _keys: &[(&[String], JsonCast)],
    ) {
        w.push(if negated { "not exists" } else { "exists" });
        w.push(" (select 1 from ")
            .push(self.json_items_function())
            .push("(")
            .push(column)
            .push(") as ");
        w.ident("__je0").push(" where ");
    }

    /// The function listing a JSON array's items (`json_each`).
    fn json_items_function(&self) -> &'static str {
        "json_each"
    }

    /// A key of the item in a test on a JSON array: `json_extract(`__je0`.value, '$.city')`.
    fn write_json_item(&self, w: &mut crate::sql::Writer, path: &[String], cast: JsonCast) {
        let mut item = crate::sql::Writer::new(w.dialect);
        item.ident("__je0").push(".value");
        self.write_json_path(w, &item.text, path, cast);
    }

    /// The end of a test on the items of a JSON array.
    fn write_json_some_end(&self, w: &mut crate::sql::Writer) {
        w.push(")");
    }

    /// `$fulltext`: SQLite's `column match ?` (an FTS table's column).
    fn write_fulltext(&self, w: &mut crate::sql::Writer, column: &str, query: Value) {
        w.push(column).push(" match ").param(query);
    }

    /// Whether the selects of a `union` may be parenthesized (`(select …) union (select …)`).
    fn parenthesized_union(&self) -> bool {
        true
    }

    /// `insert ignore into …` instead of a conflict clause that does nothing.
    fn insert_ignore_prefix(&self) -> bool {
        false
    }

    /// One `order by` item: `column` (already written SQL) and its direction (`asc`,
    /// `desc nulls last`).
    fn write_order(&self, w: &mut crate::sql::Writer, column: &str, dir: &str) {
        w.push(column).push(" ").push(dir);
    }

    /// A row of a multi-row insert without a value for a column: the column's default.
    fn write_missing_value(&self, w: &mut crate::sql::Writer) {
        w.push("default");
    }

    /// The rows of an insert with no value but the generated key `field`: `values (default), …`.
    fn write_key_only_rows(&self, w: &mut crate::sql::Writer, _field: &str, rows: usize) {
        w.push(" values ").push(&vec!["(default)"; rows].join(", "));
    }

    /// Schema diffing: the queries that read the database's schema, by the key of their rows
    /// in `schema_diff::IntrospectionRows`; None where diffing is not implemented.
    fn introspection_sql(&self) -> Option<Vec<(&'static str, &'static str)>> {
        None
    }

    /// Whether the introspection reads every schema, naming tables and types outside the
    /// current one `schema.name` (as the metadata names them).
    fn introspects_schemas(&self) -> bool {
        false
    }

    /// The schema that is always there (PostgreSQL's `public`): never dropped.
    fn default_schema(&self) -> Option<&'static str> {
        None
    }

    /// An introspected or written column type in one spelling.
    fn normalize_type(&self, ty: &str) -> String {
        ty.trim().to_ascii_lowercase()
    }

    /// An introspected or written column default in one spelling; None for no default.
    fn normalize_default(&self, default: &str) -> Option<String> {
        Some(default.trim().to_ascii_lowercase())
    }

    /// The condition that keeps the rows of a page of owners (a limit over a to-many join):
    /// ` where a0.id in (select a0.id from <page>)`, `key` writing the key and `page` the
    /// derived table of the page's keys.
    fn write_page_filter(
        &self,
        w: &mut crate::sql::Writer,
        key: &dyn Fn(&mut crate::sql::Writer),
        page: &dyn Fn(&mut crate::sql::Writer),
    ) {
        page_filter_in(w, key, page);
    }

    /// `create schema if not exists "s";` where the dialect has schemas.
    fn create_schema_sql(&self, _schema: &str) -> Option<String> {
        None
    }

    /// `schema.clear()` of these tables (referencing ones first): `delete from` each, which
    /// keeps autoincrement counters (SQLite, as MikroORM).
    fn clear_statements(&self, tables: &[&str]) -> Vec<String> {
        tables
            .iter()
            .map(|t| {
                let mut w = crate::sql::Writer::new(self.as_dialect());
                w.push("delete from ").ident(t);
                w.text
            })
            .collect()
    }

    /// A column default as the DDL writes it for a column of type `ty`.
    fn column_default(&self, _ty: &str, default: &str) -> String {
        default.to_string()
    }

    /// A string array as the column holds it: comma-joined (elements with commas, quotes,
    /// braces or spaces quoted), as MikroORM's ArrayType writes it.
    fn array_literal(&self, items: &[String]) -> String {
        array_elements(items)
    }

    /// A check constraint's definition as the database gives it, written as the DDL writes
    /// enum checks; None for checks that are not enum checks.
    fn normalize_check(&self, _definition: &str) -> Option<String> {
        None
    }

    /// `alter table "t" rename column "a" to "b";`
    fn rename_column(
        &self,
        table: &str,
        from: &str,
        to: &crate::schema_diff::ColumnSpec,
    ) -> String {
        let mut w = crate::sql::Writer::new(self.as_dialect());
        w.push("alter table ")
            .ident(table)
            .push(" rename column ")
            .ident(from)
            .push(" to ")
            .ident(to.name)
            .push(";");
        w.text
    }

    /// A changed column: a dropped default, its type, a new default, its nullability, a
    /// statement each.
    fn alter_column(
        &self,
        table: &str,
        column: &crate::schema_diff::ColumnSpec,
        change: &crate::schema_diff::ColumnChange,
    ) -> Vec<String> {
        let mut out = Vec::new();
        let mut alter = |rest: &dyn Fn(&mut crate::sql::Writer)| {
            let mut w = crate::sql::Writer::new(self.as_dialect());
            w.push("alter table ")
                .ident(table)
                .push(" alter column ")
                .ident(column.name)
                .push(" ");
            rest(&mut w);
            w.push(";");
            out.push(w.text);
        };
        if change.default && column.default.is_none() {
            alter(&|w| {
                w.push("drop default");
            });
        }
        if change.ty {
            alter(&|w| {
                w.push("type ")
                    .push(&column.ty)
                    .push(" using (")
                    .ident(column.name)
                    .push("::")
                    .push(&column.ty)
                    .push(")");
            });
        }
        if let Some(d) = column.default.filter(|_| change.default) {
            alter(&|w| {
                w.push("set default ").push(d);
            });
        }
        if change.nullable {
            alter(&|w| {
                w.push(if column.nullable {
                    "drop not null"
                } else {
                    "set not null"
                });
            });
        }
        out
    }

    /// Drops an index (a unique one is a constraint).
    fn drop_index(&self, table: &str, name: &str, unique: bool) -> String {
        let mut w = crate::sql::Writer::new(self.as_dialect());
        if unique {
            w.push("alter table ")
                .ident(table)
                .push(" drop constraint ")
                .ident(name);
        } else {
            // An index lives in its table's schema.
            w.push("drop index ");
            if let (Some(schema), _) = crate::meta::split_schema(table) {
                w.ident(schema).push(".");
            }
            w.ident(name);
        }
        w.push(";");
        w.text
    }

    /// The statement of an index of MikroORM's `type` (`fulltext`, an access method), or None
    /// where the dialect writes it as a plain index (as MikroORM); `types`: the columns' given
    /// `columnType`s (empty where none).
    fn typed_index(
        &self,
        _table: &str,
        _name: &str,
        _columns: &[String],
        _types: &[&str],
        _ty: &str,
    ) -> Option<String> {
        None
    }

    /// The access method the database reports for a (non-unique, non-fulltext) index of `ty`,
    /// where diffing compares it; None where it does not.
    fn index_method(&self, _ty: Option<&str>) -> Option<String> {
        None
    }

    /// Drops a foreign key constraint.
    fn drop_foreign_key(&self, table: &str, name: &str) -> String {
        let mut w = crate::sql::Writer::new(self.as_dialect());
        w.push("alter table ")
            .ident(table)
            .push(" drop constraint ")
            .ident(name)
            .push(";");
        w.text
    }

    /// This dialect as a trait object (for writers made in default methods).
    fn as_dialect(&self) -> &dyn Dialect;

    /// An `offset` without a `limit` (PostgreSQL takes it alone).
    fn write_offset_only(&self, w: &mut crate::sql::Writer, offset: u64) {
        w.push(" offset ").param(Value::Int(offset as i64));
    }

    /// `count(distinct a, b)` of several columns; without it the distinct rows are counted in a
    /// subquery.
    fn count_distinct_columns(&self) -> bool {
        false
    }

    /// `qb.truncate()`.
    fn write_truncate(&self, w: &mut crate::sql::Writer, table: &str) {
        w.push("truncate table ").ident(table);
    }

    /// The check MikroORM runs first on a new connection when `ensureDatabase` is on, if any.
    fn ensure_database_sql(&self) -> Option<&'static str> {
        None
    }

    fn begin_sql(&self) -> &'static str {
        "begin"
    }

    /// The statements that open a transaction with an isolation level (already checked) and/or
    /// read-only access. SQLite has one level and MikroORM runs a plain `begin` there.
    fn begin_with(&self, _isolation: Option<&str>, _read_only: bool) -> Vec<String> {
        vec![self.begin_sql().to_string()]
    }
    fn commit_sql(&self) -> &'static str {
        "commit"
    }
    fn rollback_sql(&self) -> &'static str {
        "rollback"
    }
}

/// `name` = excluded.`name`, … (the columns an upsert takes from the conflicting row).
fn write_excluded(w: &mut crate::sql::Writer, merge: &[&str]) {
    for (n, f) in merge.iter().enumerate() {
        if n > 0 {
            w.push(", ");
        }
        w.ident(f).push(" = excluded.").ident(f);
    }
}

/// `numeric(precision,scale)`, MikroORM's defaults 10 and 0.
fn numeric_type(prop: &PropMeta) -> String {
    format!(
        "numeric({},{})",
        prop.precision.unwrap_or(10),
        prop.scale.unwrap_or(0)
    )
}

pub fn dialect_by_name(name: &str) -> Option<Box<dyn Dialect>> {
    dialect_for(name, Zone::Utc)
}

/// The dialect of a driver; `zone`: that of zone-less datetime columns, where the dialect has
/// them (MySQL).
pub fn dialect_for(name: &str, zone: Zone) -> Option<Box<dyn Dialect>> {
    match name {
        "sqlite" | "libsql" => Some(Box::new(Sqlite)),
        "postgresql" => Some(Box::new(Postgres)),
        "mysql" => Some(Box::new(MySql {
            mariadb: false,
            zone,
        })),
        "mariadb" => Some(Box::new(MySql {
            mariadb: true,
            zone,
        })),
        _ => None,
    }
}

/// Array elements joined by commas, quoted where PostgreSQL's array syntax needs it (empty, or
/// with a comma, quote, backslash, brace or space; `"` and `\\` escaped by a backslash).
pub fn array_elements(items: &[String]) -> String {
    let mut out = String::new();
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push(',');
        }
        let quoted = item.is_empty()
            || item.eq_ignore_ascii_case("null")
            || item
                .chars()
                .any(|c| matches!(c, ',' | '"' | '\\' | '{' | '}') || c.is_whitespace());
        if quoted {
            push_quoted_item(&mut out, item);
        } else {
            out.push_str(item);
        }
    }
    out
}

/// An array literal's item in double quotes, `"` and `\\` escaped by a backslash.
pub fn push_quoted_item(out: &mut String, item: &str) {
    out.push('"');
    for c in item.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
}

/// The elements of an array column's text (`a,"b,c"`, or `{a,"b,c"}` from PostgreSQL); an
/// unquoted `NULL` inside braces is a null element, read as an empty string.
pub fn parse_array(text: &str) -> Vec<String> {
    parse_array_items(text)
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect()
}

/// The items of a PostgreSQL array literal (`{a,"b c",NULL}`), `NULL` as `None`.
pub fn parse_array_items(text: &str) -> Vec<Option<String>> {
    let braced = text.starts_with('{') && text.ends_with('}') && text.len() >= 2;
    let body = if braced {
        &text[1..text.len() - 1]
    } else {
        text
    };
    let mut items = Vec::new();
    if body.is_empty() {
        return items;
    }
    let mut chars = body.chars().peekable();
    loop {
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    '"' => break,
                    c => item.push(c),
                }
            }
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
            }
            items.push(Some(item));
        } else {
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
                item.push(c);
            }
            let null = braced && item == "NULL";
            items.push((!null).then_some(item));
        }
        if chars.peek().is_none() {
            break;
        }
    }
    items
}

/// ` where a0.id in (select a0.id from <page>)` (see `Dialect::write_page_filter`).
pub fn page_filter_in(
    w: &mut crate::sql::Writer,
    key: &dyn Fn(&mut crate::sql::Writer),
    page: &dyn Fn(&mut crate::sql::Writer),
) {
    w.push(" where ");
    key(w);
    w.push(" in (select ");
    key(w);
    w.push(" from ");
    page(w);
    w.push(")");
}

/// A value inline with standard SQL quoting (`'it''s'`, `X'00ff'`).
pub fn inline_plain(out: &mut String, v: &Value) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => out.push_str(&i.to_string()),
        Value::Real(f) => crate::value::write_f64(out, *f),
        Value::Text(s) => {
            out.push('\'');
            for c in s.chars() {
                if c == '\'' {
                    out.push('\'');
                }
                out.push(c);
            }
            out.push('\'');
        }
        Value::Blob(b) => {
            out.push_str("X'");
            for byte in b {
                out.push_str(&format!("{byte:02x}"));
            }
            out.push('\'');
        }
    }
}

/// The isolation levels `em.transactional({ isolationLevel })` takes (MikroORM's `IsolationLevel`).
pub const ISOLATION_LEVELS: [&str; 5] = [
    "read uncommitted",
    "read committed",
    "snapshot",
    "repeatable read",
    "serializable",
];
