use super::Dialect;
use crate::meta::{PropMeta, PropType};
use crate::value::Value;

pub struct Sqlite;

impl Dialect for Sqlite {
    fn as_dialect(&self) -> &dyn Dialect {
        self
    }

    fn inline_primary_key(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn quote_char(&self) -> char {
        '`'
    }

    /// SQLite has no `ilike`; its `like` is case-insensitive for ASCII already.
    fn ilike_operator(&self) -> &'static str {
        "like"
    }

    /// SQLite locks the whole database in a write transaction; selects take no lock clause.
    fn lock_clause(&self, _mode: u8) -> Option<&'static str> {
        None
    }

    fn datetime_value(&self, ms: i64) -> Value {
        Value::Int(ms)
    }

    fn column_type(&self, prop: &PropMeta) -> String {
        match prop.ty {
            PropType::Enum if prop.is_numeric_enum() => "integer",
            PropType::String | PropType::Text | PropType::Uuid | PropType::Enum => "text",
            PropType::Integer | PropType::Smallint | PropType::Tinyint => "integer",
            PropType::Bigint => "bigint",
            PropType::Float => "real",
            PropType::Double => "double",
            PropType::Decimal => return super::numeric_type(prop),
            PropType::Boolean => "integer",
            PropType::Datetime => "datetime",
            PropType::Date => "date",
            PropType::Time => "time",
            PropType::Json => "json",
            PropType::Blob => "blob",
            PropType::Array => "text",
        }
        .to_string()
    }

    /// SQLite checks every `when` of a `case` for every row: a 300-row batch costs ~4x its
    /// per-row updates (measured in bench/).
    fn prefers_row_updates(&self) -> bool {
        true
    }

    fn ensure_database_sql(&self) -> Option<&'static str> {
        Some("select name as table_name from sqlite_master where type = 'table' and name != 'sqlite_sequence' and name != 'geometry_columns' and name != 'spatial_ref_sys' union all select name as table_name from sqlite_temp_master where type = 'table' order by name")
    }

    /// SQLite has no `truncate`; MikroORM deletes every row.
    fn write_truncate(&self, w: &mut crate::sql::Writer, table: &str) {
        w.push("delete from ").ident(table);
    }

    /// No `default` keyword in SQLite: a null key (`select null as id` for one row, as MikroORM).
    fn write_key_only_rows(&self, w: &mut crate::sql::Writer, field: &str, rows: usize) {
        if rows == 1 {
            w.push(" select null as ").ident(field);
        } else {
            w.push(" values ").push(&vec!["(null)"; rows].join(", "));
        }
    }

    /// SQLite has no `default` in `values`: MikroORM binds null.
    fn write_missing_value(&self, w: &mut crate::sql::Writer) {
        w.param(Value::Null);
    }

    /// SQLite needs a `limit`: -1 is none.
    fn write_offset_only(&self, w: &mut crate::sql::Writer, offset: u64) {
        w.push(" limit ")
            .param(Value::Int(-1))
            .push(" offset ")
            .param(Value::Int(offset as i64));
    }

    /// SQLite rejects `(select …) union (select …)`, which MikroORM writes.
    fn parenthesized_union(&self) -> bool {
        false
    }

    fn autoincrement_pk(&self) -> &'static str {
        "not null primary key autoincrement"
    }

    /// Only `integer primary key` is the rowid (a `bigint` key cannot be `autoincrement`).
    fn batch_form_for_one_row(&self) -> bool {
        false
    }

    fn autoincrement_pk_type(&self, _ty: PropType) -> Option<&'static str> {
        Some("integer")
    }
}
