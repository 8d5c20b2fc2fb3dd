//! Array literals and the schema diff's reading of introspected types, defaults and checks.

use mikro_native_engine::dialect::{array_elements, dialect_by_name, parse_array};

fn items(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn array_elements_are_quoted_where_the_array_syntax_needs_it_and_read_back() {
    let list = items(&["a", "b,c", "d\"e", "f'g", "", "h i", "{j}", "k\\l", "NULL"]);
    let text = array_elements(&list);
    assert_eq!(text, r#"a,"b,c","d\"e",f'g,"","h i","{j}","k\\l","NULL""#);
    assert_eq!(parse_array(&text), list);
    assert_eq!(parse_array(&format!("{{{text}}}")), list);
    assert_eq!(parse_array(""), Vec::<String>::new());
    assert_eq!(parse_array("{}"), Vec::<String>::new());
    // An unquoted NULL inside braces is PostgreSQL's null element.
    assert_eq!(parse_array("{a,NULL}"), items(&["a", ""]));
    let pg = dialect_by_name("postgresql").expect("postgresql");
    assert_eq!(pg.array_literal(&items(&["a", "b c"])), r#"{a,"b c"}"#);
    let my = dialect_by_name("mysql").expect("mysql");
    assert_eq!(my.array_literal(&items(&["a", "b c"])), r#"a,"b c""#);
}

#[test]
fn introspected_types_defaults_and_checks_read_as_the_ddl_writes_them() {
    let pg = dialect_by_name("postgresql").expect("postgresql");
    for (db, ddl) in [
        ("character varying(255)", "varchar(255)"),
        ("integer", "int"),
        ("timestamp with time zone", "timestamptz"),
        ("timestamp(3) with time zone", "timestamptz(3)"),
        ("time(0) without time zone", "time(0)"),
        ("double precision", "double precision"),
        ("text[]", "text[]"),
        ("\"my_enum\"", "my_enum"),
    ] {
        assert_eq!(pg.normalize_type(db), pg.normalize_type(ddl), "{db}");
    }
    assert_eq!(
        pg.normalize_default("'a'::character varying").as_deref(),
        Some("'a'")
    );
    assert_eq!(
        pg.normalize_default("nextval('author_id_seq'::regclass)"),
        None
    );
    assert_eq!(
        pg.normalize_check("CHECK ((f = ANY (ARRAY['x'::text, 'y'::text])))")
            .as_deref(),
        Some(r#"check ("f" in ('x', 'y'))"#)
    );
    assert_eq!(pg.normalize_check("CHECK ((age > 0))"), None);
    let my = dialect_by_name("mysql").expect("mysql");
    for (db, ddl) in [
        ("int(11)", "int"),
        ("int(10) unsigned", "int unsigned"),
        ("tinyint(1)", "tinyint(1)"),
        ("enum('a','b')", "enum('a', 'b')"),
        ("longtext", "json"),
    ] {
        assert_eq!(my.normalize_type(db), my.normalize_type(ddl), "{db}");
    }
    assert_eq!(my.normalize_default("NULL"), None);
    assert_eq!(my.normalize_default("1"), my.normalize_default("true"));
    assert_eq!(
        my.normalize_default("current_timestamp()"),
        my.normalize_default("current_timestamp")
    );
    assert_eq!(my.normalize_default("('z')").as_deref(), Some("'z'"));
}
