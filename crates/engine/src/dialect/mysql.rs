//! MySQL and MariaDB: backticks, no `returning` (keys come from the insert id),
//! `on duplicate key update`, `insert ignore`, `lock in share mode`, emulated `nulls first/last`.

use super::Dialect;
use crate::filter::JsonCast;
use crate::meta::{PropMeta, PropType};
use crate::sql::Writer;
use crate::time::Zone;
use crate::value::Value;

pub struct MySql {
    /// MariaDB, as MikroORM's mariadb driver writes for it (see `write_page_filter`).
    pub mariadb: bool,
    /// The zone of `datetime` columns' wall-clock times.
    pub zone: Zone,
}

impl Dialect for MySql {
    fn as_dialect(&self) -> &dyn Dialect {
        self
    }

    fn introspection_sql(&self) -> Option<Vec<(&'static str, &'static str)>> {
        Some(vec![
            ("columns", "select c.table_name as table_name, c.column_name as column_name, c.column_type as column_type, c.is_nullable as is_nullable, c.column_default as column_default from information_schema.columns c join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name and t.table_type = 'BASE TABLE' where c.table_schema = database() order by c.table_name, c.ordinal_position"),
            ("indexes", "select table_name as table_name, index_name as index_name, column_name as column_name, non_unique = 0 as is_unique, index_name = 'PRIMARY' as is_primary from information_schema.statistics where table_schema = database() order by table_name, index_name, seq_in_index"),
            ("foreignKeys", "select k.table_name as table_name, k.constraint_name as constraint_name, k.column_name as column_name, k.referenced_table_name as referenced_table_name, k.referenced_column_name as referenced_column_name, r.update_rule as update_rule, r.delete_rule as delete_rule from information_schema.key_column_usage k join information_schema.referential_constraints r on r.constraint_schema = k.constraint_schema and r.constraint_name = k.constraint_name where k.table_schema = database() and k.referenced_table_name is not null order by k.table_name, k.constraint_name, k.ordinal_position"),
            ("views", "select table_name as view_name from information_schema.views where table_schema = database() order by table_name"),
        ])
    }

    /// Without display widths (`int(11)`, but `tinyint(1)` is a boolean); MariaDB's JSON is
    /// longtext; `numeric` is read back as `decimal`.
    fn normalize_type(&self, ty: &str) -> String {
        let t = ty.trim().to_ascii_lowercase();
        if let Some(rest) = t.strip_prefix("numeric") {
            return format!("decimal{}", rest.replace(", ", ","));
        }
        if t == "tinyint(1)" {
            return t;
        }
        if t == "longtext" {
            return "json".to_string();
        }
        let integer = ["tinyint", "smallint", "mediumint", "int", "bigint"];
        match t.find('(') {
            Some(i) if integer.contains(&&t[..i]) => {
                let rest = t[i..].split_once(')').map_or("", |(_, r)| r);
                format!("{}{}", &t[..i], rest)
            }
            _ => t.replace(", ", ","),
        }
    }

    /// MariaDB writes a missing default as `NULL` and quotes text defaults; MySQL does neither;
    /// an expression default is in parentheses.
    fn normalize_default(&self, default: &str) -> Option<String> {
        let d = default.trim();
        if d.eq_ignore_ascii_case("null") {
            return None;
        }
        let d = d
            .strip_prefix('(')
            .and_then(|x| x.strip_suffix(')'))
            .unwrap_or(d)
            .to_ascii_lowercase();
        // Booleans are stored as 1 and 0; `current_timestamp()` is `current_timestamp`.
        Some(match d.as_str() {
            "true" => "1".to_string(),
            "false" => "0".to_string(),
            "current_timestamp()" => "current_timestamp".to_string(),
            _ => d,
        })
    }

    /// Text, blob and JSON columns take a default as an expression: `default ('z')`.
    fn column_default(&self, ty: &str, default: &str) -> String {
        let expression = ["text", "tinytext", "mediumtext", "longtext", "blob", "json"];
        if expression.contains(&ty) {
            format!("({default})")
        } else {
            default.to_string()
        }
    }

    /// `alter table … change `a` <definition of b>;`
    fn rename_column(
        &self,
        table: &str,
        from: &str,
        to: &crate::schema_diff::ColumnSpec,
    ) -> String {
        let mut w = crate::sql::Writer::new(self);
        w.push("alter table ")
            .ident(table)
            .push(" change ")
            .ident(from)
            .push(" ")
            .push(&to.definition)
            .push(";");
        w.text
    }

    /// `truncate table` each, with foreign key checks off meanwhile, as MikroORM clears.
    fn clear_statements(&self, tables: &[&str]) -> Vec<String> {
        let mut out = vec!["set foreign_key_checks = 0;".to_string()];
        for t in tables {
            let mut w = crate::sql::Writer::new(self);
            w.push("truncate table ").ident(t);
            out.push(w.text);
        }
        out.push("set foreign_key_checks = 1;".to_string());
        out
    }

    /// `alter table … modify <definition>;`
    fn alter_column(
        &self,
        table: &str,
        column: &crate::schema_diff::ColumnSpec,
        _change: &crate::schema_diff::ColumnChange,
    ) -> Vec<String> {
        let mut w = crate::sql::Writer::new(self);
        w.push("alter table ")
            .ident(table)
            .push(" modify ")
            .push(&column.definition)
            .push(";");
        vec![w.text]
    }

    fn drop_index(&self, table: &str, name: &str, _unique: bool) -> String {
        let mut w = crate::sql::Writer::new(self);
        w.push("alter table ")
            .ident(table)
            .push(" drop index ")
            .ident(name)
            .push(";");
        w.text
    }

    /// `alter table … add fulltext index `n`(`a`,`b`);` as MikroORM writes it; other types are
    /// plain indexes.
    fn typed_index(
        &self,
        table: &str,
        name: &str,
        columns: &[String],
        _types: &[&str],
        ty: &str,
    ) -> Option<String> {
        if ty != "fulltext" {
            return None;
        }
        let mut w = Writer::new(self);
        w.push("alter table ")
            .ident(table)
            .push(" add fulltext index ")
            .ident(name)
            .push("(")
            .idents(columns, ",")
            .push(");");
        Some(w.text)
    }

    fn drop_foreign_key(&self, table: &str, name: &str) -> String {
        let mut w = crate::sql::Writer::new(self);
        w.push("alter table ")
            .ident(table)
            .push(" drop foreign key ")
            .ident(name)
            .push(";");
        w.text
    }

    fn name(&self) -> &'static str {
        "mysql"
    }

    fn quote_char(&self) -> char {
        '`'
    }

    fn supports_returning(&self) -> bool {
        false
    }

    /// MikroORM's mariadb driver keeps JSON as text (mysql2's `jsonStrings`).
    fn raw_json_parsed(&self) -> bool {
        !self.mariadb
    }

    /// As mysql2 writes values into the log: `NULL`, text escaped with backslashes (`'it\'s'`,
    /// `'{\"a\":1}'`).
    fn inline_value(&self, out: &mut String, v: &Value) {
        if *v == Value::Null {
            out.push_str("NULL");
            return;
        }
        let Value::Text(s) = v else {
            return super::inline_plain(out, v);
        };
        out.push('\'');
        for c in s.chars() {
            match c {
                '\0' => out.push_str("\\0"),
                '\u{8}' => out.push_str("\\b"),
                '\t' => out.push_str("\\t"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\u{1a}' => out.push_str("\\Z"),
                '"' | '\'' | '\\' => {
                    out.push('\\');
                    out.push(c);
                }
                c => out.push(c),
            }
        }
        out.push('\'');
    }

    /// `YYYY-MM-DD HH:MM:SS.mmm` in the configured zone: MySQL rejects ISO text with `T` and `Z`.
    fn datetime_value(&self, ms: i64) -> Value {
        let iso = crate::time::format_iso_datetime(self.zone.to_wall(ms));
        Value::Text(iso.replacen('T', " ", 1).trim_end_matches('Z').to_string())
    }

    /// Text without a zone is the configured zone's wall-clock time.
    fn datetime_instant(&self, text: &str) -> Option<i64> {
        crate::time::parse_iso_zoned(text)
            .map(|(ms, zoned)| if zoned { ms } else { self.zone.from_wall(ms) })
    }

    fn ilike_operator(&self) -> &'static str {
        "like"
    }

    fn lock_clause(&self, mode: u8) -> Option<&'static str> {
        match mode {
            2 => Some("lock in share mode"),
            3 => Some("for update"),
            4 => Some("for update skip locked"),
            5 => Some("for update nowait"),
            6 => Some("lock in share mode skip locked"),
            7 => Some("lock in share mode nowait"),
            _ => None,
        }
    }

    /// ` on duplicate key update `name` = values(`name`)` (the conflict target is implied).
    fn write_on_conflict(&self, w: &mut Writer, _fields: &[&str], merge: &[&str]) {
        if merge.is_empty() {
            // `insert ignore into …` (see `insert_ignore_prefix`).
            return;
        }
        self.write_conflict_update(w, &[]);
        for (n, f) in merge.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(f).push(" = values(").ident(f).push(")");
        }
    }

    /// MySQL names no conflict target.
    fn write_on_conflict_raw(
        &self,
        w: &mut Writer,
        _target: &str,
        _params: &[crate::value::Value],
        merge: &[&str],
    ) {
        self.write_on_conflict(w, &[], merge);
    }

    fn write_conflict_update(&self, w: &mut Writer, _fields: &[&str]) {
        w.push(" on duplicate key update ");
    }

    /// MySQL needs a `limit`: the largest one is none.
    fn write_offset_only(&self, w: &mut Writer, offset: u64) {
        w.push(" limit 18446744073709551615 offset ")
            .param(crate::value::Value::Int(offset as i64));
    }

    fn count_distinct_columns(&self) -> bool {
        true
    }

    fn insert_ignore_prefix(&self) -> bool {
        true
    }

    /// MySQL has no `nulls first/last`: `x is not null, x asc` sorts the nulls first.
    fn write_order(&self, w: &mut Writer, column: &str, dir: &str) {
        let (dir, nulls) = match dir.split_once(" nulls ") {
            Some((d, n)) => (d, Some(n)),
            None => (dir, None),
        };
        match nulls {
            Some("first") => {
                w.push(column).push(" is not null, ");
            }
            Some(_) => {
                w.push(column).push(" is null, ");
            }
            None => {}
        }
        w.push(column).push(" ").push(dir);
    }

    fn write_fulltext(&self, w: &mut Writer, column: &str, query: crate::value::Value) {
        w.push("match(")
            .push(column)
            .push(") against (")
            .param(query)
            .push(" in boolean mode)");
    }

    /// `(select 1 from json_table(col, '$[*]' columns (`city` text path '$.city')) as `__je0`
    /// where …`, as MikroORM writes it (booleans are `boolean` columns: its `unsigned` is not
    /// a column type MariaDB or MySQL take).
    fn write_json_some_start(
        &self,
        w: &mut Writer,
        column: &str,
        negated: bool,
        keys: &[(&[String], JsonCast)],
    ) {
        w.push(if negated { "not (" } else { "(" });
        w.push("select 1 from json_table(")
            .push(column)
            .push(", '$[*]' columns (");
        for (n, (path, cast)) in keys.iter().enumerate() {
            if n > 0 {
                w.push(", ");
            }
            w.ident(&path.join("_")).push(match cast {
                JsonCast::Text => " text",
                JsonCast::Number => " double",
                JsonCast::Boolean => " boolean",
            });
            w.push(" path '$");
            for key in path.iter() {
                w.push(".").push(&key.replace('\'', "''"));
            }
            w.push("'");
        }
        w.push(")) as ").ident("__je0").push(" where ");
    }

    fn write_json_item(&self, w: &mut Writer, path: &[String], _cast: JsonCast) {
        w.column(Some("__je0"), &path.join("_"));
    }

    fn write_json_some_end(&self, w: &mut Writer) {
        w.push(" limit 1) is not null");
    }

    fn column_type(&self, prop: &PropMeta) -> String {
        match prop.ty {
            PropType::String => return format!("varchar({})", prop.length.unwrap_or(255)),
            PropType::Uuid => return format!("varchar({})", prop.length.unwrap_or(36)),
            PropType::Text => "text",
            PropType::Enum if prop.is_numeric_enum() => "tinyint",
            PropType::Enum => {
                let items = prop.items.as_deref().unwrap_or_default();
                return format!(
                    "enum({})",
                    items
                        .iter()
                        .map(|i| format!("'{}'", i.replace('\'', "''")))
                        .collect::<Vec<_>>()
                        .join(",")
                );
            }
            PropType::Integer => "int",
            PropType::Smallint => "smallint",
            PropType::Tinyint => "tinyint",
            PropType::Bigint => "bigint",
            PropType::Float => "float",
            PropType::Double => "double",
            PropType::Decimal => return super::numeric_type(prop),
            PropType::Boolean => "tinyint(1)",
            PropType::Datetime => "datetime",
            PropType::Date => "date",
            PropType::Time => "time",
            PropType::Json => "json",
            PropType::Blob => "blob",
            PropType::Array => "text",
        }
        .to_string()
    }

    fn autoincrement_pk(&self) -> &'static str {
        "not null auto_increment primary key"
    }

    fn autoincrement_pk_type(&self, ty: PropType) -> Option<&'static str> {
        self.integer_key_type(ty)
    }

    /// `set transaction isolation level …, read only`, then `begin`.
    fn begin_with(&self, isolation: Option<&str>, read_only: bool) -> Vec<String> {
        let mut parts = Vec::new();
        if let Some(level) = isolation {
            parts.push(format!("isolation level {level}"));
        }
        if read_only {
            parts.push("read only".to_string());
        }
        let begin = self.begin_sql().to_string();
        if parts.is_empty() {
            return vec![begin];
        }
        vec![format!("set transaction {}", parts.join(", ")), begin]
    }

    fn schema_preamble(&self) -> Option<&'static str> {
        Some("set names utf8mb4;")
    }

    fn foreign_keys_in_create(&self) -> bool {
        false
    }

    fn create_table_suffix(&self) -> &'static str {
        " default character set utf8mb4 engine = InnoDB"
    }

    fn indexes_by_alter(&self) -> bool {
        true
    }

    /// MariaDB takes no `limit` in an `in` subquery: ` where (json_contains((select
    /// json_arrayagg(a0.id) from <page>), a0.id))`, as MikroORM's mariadb driver writes it.
    fn write_page_filter(
        &self,
        w: &mut Writer,
        key: &dyn Fn(&mut Writer),
        page: &dyn Fn(&mut Writer),
    ) {
        if !self.mariadb {
            return super::page_filter_in(w, key, page);
        }
        w.push(" where (json_contains((select json_arrayagg(");
        key(w);
        w.push(") from ");
        page(w);
        w.push("), ");
        key(w);
        w.push("))");
    }

    fn integer_key_type(&self, ty: PropType) -> Option<&'static str> {
        Some(if ty == PropType::Bigint {
            "bigint unsigned"
        } else {
            "int unsigned"
        })
    }
}
