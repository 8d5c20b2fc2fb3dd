//! PostgreSQL: double-quoted identifiers, `returning`, `~` for `$re`, `ilike`, row locks.

use super::Dialect;
use crate::meta::{PropMeta, PropType};

pub struct Postgres;

impl Dialect for Postgres {
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

    fn column_type(&self, prop: &PropMeta) -> String {
        if let (PropType::Enum, Some(name)) = (prop.ty, &prop.native_enum_name) {
            return format!("\"{}\"", name.replace('"', "\"\""));
        }
        match prop.ty {
            PropType::String | PropType::Uuid => {
                return format!("varchar({})", prop.length.unwrap_or(255))
            }
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
        }
        .to_string()
    }

    fn autoincrement_pk(&self) -> &'static str {
        "primary key"
    }

    fn autoincrement_pk_type(&self) -> Option<&'static str> {
        Some("serial")
    }

    /// `"u"."meta"->'a'->>'b'`, cast to `float8` when compared with a number.
    fn write_json_path(
        &self,
        w: &mut crate::sql::Writer,
        column: &str,
        path: &[String],
        numeric: bool,
    ) {
        if numeric {
            w.push("(");
        }
        w.push(column);
        for (n, key) in path.iter().enumerate() {
            w.push(if n + 1 == path.len() { "->>'" } else { "->'" });
            w.push(&key.replace('\'', "''")).push("'");
        }
        if numeric {
            w.push(")::float8");
        }
    }

    fn write_json_each(&self, w: &mut crate::sql::Writer, column: &str) -> String {
        w.push("exists (select 1 from jsonb_array_elements(")
            .push(column)
            .push(") as ");
        w.ident("__je0").push(" where ");
        let mut element = crate::sql::Writer::new(w.dialect);
        element.ident("__je0");
        element.text
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
