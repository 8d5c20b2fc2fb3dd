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

    fn column_type(&self, prop: &PropMeta) -> String {
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
            PropType::Decimal => {
                return format!(
                    "numeric({},{})",
                    prop.precision.unwrap_or(10),
                    prop.scale.unwrap_or(0)
                )
            }
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

    fn write_truncate(&self, w: &mut crate::sql::Writer, table: &str) {
        w.push("truncate table ")
            .ident(table)
            .push(" restart identity cascade");
    }
}
