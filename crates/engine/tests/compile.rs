//! SQL text of the compiler, the flush planner and the DDL, for the SQLite dialect.

use mikro_native_engine::dialect::{dialect_by_name, Dialect};
use mikro_native_engine::meta::Metadata;
use mikro_native_engine::order::dependency_order;
use mikro_native_engine::query::{Compiler, Query};
use mikro_native_engine::schema::create_statements;
use mikro_native_engine::sql::format_sql;
use mikro_native_engine::uow::{FlushInput, PlanOptions, StepKind, UnitOfWork};
use mikro_native_engine::{ErrorKind, Value};

const META: &str = r#"{"entities":[
  {"name":"Author","tableName":"author","props":[
    {"name":"id","fieldName":"id","type":"integer","primary":true,"autoincrement":true},
    {"name":"name","fieldName":"name","type":"string"},
    {"name":"age","fieldName":"age","type":"integer","nullable":true},
    {"name":"createdAt","fieldName":"created_at","type":"datetime"},
    {"name":"flag","fieldName":"flag","type":"boolean","default":"false"}
  ]},
  {"name":"Item","tableName":"item","props":[
    {"name":"code","fieldName":"code","type":"string","primary":true},
    {"name":"label","fieldName":"label","type":"string","default":"'it''s'"}
  ]}
]}"#;

fn sqlite() -> Box<dyn Dialect> {
    dialect_by_name("sqlite").unwrap()
}

/// Compiles a query and returns the SQL with parameters inlined.
fn formatted(query: &str) -> String {
    formatted_with(META, query)
}

/// `formatted` over other metadata.
fn formatted_with(meta: &str, query: &str) -> String {
    let meta = Metadata::from_json(meta).unwrap();
    let d = sqlite();
    let c = Compiler {
        dialect: d.as_ref(),
        meta: &meta,
    }
    .compile(&Query::from_json(query).unwrap())
    .unwrap();
    format_sql(d.as_ref(), &c.sql.text, &c.sql.params)
}

fn where_of(filter: &str) -> String {
    let sql = formatted(&format!(
        r#"{{"kind":"select","entity":0,"alias":"a0","where":{filter}}}"#
    ));
    sql.strip_prefix("select `a0`.* from `author` as `a0` where ")
        .unwrap_or(&sql)
        .to_string()
}

#[test]
fn filter_keys_keep_their_order() {
    assert_eq!(
        where_of(r#"{"name":"Anna","age":20}"#),
        "`a0`.`name` = 'Anna' and `a0`.`age` = 20"
    );
}

#[test]
fn and_is_flattened_and_or_in_or_is_one_more_group() {
    assert_eq!(
        where_of(r#"{"$and":[{"age":{"$gt":10,"$lt":50}},{"name":"x"}]}"#),
        "`a0`.`age` > 10 and `a0`.`age` < 50 and `a0`.`name` = 'x'"
    );
    assert_eq!(
        where_of(r#"{"$or":[{"$or":[{"age":1},{"age":2}]},{"name":"x"}]}"#),
        "(((`a0`.`age` = 1 or `a0`.`age` = 2)) or `a0`.`name` = 'x')"
    );
    assert_eq!(
        where_of(r#"{"$not":{"$or":[{"age":1},{"name":"y"}]}}"#),
        "not ((`a0`.`age` = 1 or `a0`.`name` = 'y'))"
    );
    assert_eq!(
        where_of(r#"{"age":{"$not":{"$gt":30}}}"#),
        "not (`a0`.`age` > 30)"
    );
}

#[test]
fn operators() {
    assert_eq!(
        where_of(r#"{"age":{"$exists":true}}"#),
        "`a0`.`age` is not null"
    );
    assert_eq!(
        where_of(r#"{"name":{"$ilike":"a%"}}"#),
        "`a0`.`name` like 'a%'"
    );
    assert_eq!(
        where_of(r#"{"name":{"$re":"^A"}}"#),
        "`a0`.`name` regexp '^A'"
    );
    assert_eq!(where_of(r#"{"id":{"$in":[]}}"#), "1 = 0");
}

#[test]
fn unknown_properties_are_plain_errors() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let q = Query::from_json(r#"{"kind":"select","entity":0,"where":{"$raw":"1 = 1"}}"#).unwrap();
    let err = Compiler {
        dialect: d.as_ref(),
        meta: &meta,
    }
    .compile(&q)
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Plain);
    assert_eq!(
        err.message,
        "Trying to query by not existing property Author.$raw"
    );
}

#[test]
fn raw_clauses_bind_their_parameters() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let q = Query::from_json(
        r#"{"kind":"select","entity":0,"alias":"a0","clause":{"or":[{"filter":{"age":1}},{"raw":{"sql":"name = ? and '?' != ?","params":["Bart",2]}}]}}"#,
    )
    .unwrap();
    let c = Compiler {
        dialect: d.as_ref(),
        meta: &meta,
    }
    .compile(&q)
    .unwrap();
    assert_eq!(
        c.sql.text,
        "select `a0`.* from `author` as `a0` where (`a0`.`age` = ? or (name = ? and '?' != ?))"
    );
    assert_eq!(
        c.sql.params,
        vec![Value::Int(1), Value::Text("Bart".into()), Value::Int(2)]
    );
}

#[test]
fn datetime_parameters_are_marked() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let q = Query::from_json(
        r#"{"kind":"select","entity":0,"alias":"a0","where":{"age":1,"createdAt":"2024-01-02T03:04:05.678Z"}}"#,
    )
    .unwrap();
    let c = Compiler {
        dialect: d.as_ref(),
        meta: &meta,
    }
    .compile(&q)
    .unwrap();
    assert_eq!(c.sql.dates, vec![1]);
    assert_eq!(c.sql.params[1], Value::Int(1_704_164_645_678));
}

#[test]
fn offset_without_limit() {
    assert_eq!(
        formatted(r#"{"kind":"select","entity":0,"alias":"a0","offset":2}"#),
        "select `a0`.* from `author` as `a0` limit -1 offset 2"
    );
}

#[test]
fn insert_columns_are_the_union_of_all_rows() {
    assert_eq!(
        formatted(r#"{"kind":"insert","entity":0,"data":[{"name":"a"},{"name":"b","age":5}]}"#),
        "insert into `author` (`name`, `age`) values ('a', null), ('b', 5) returning `id`, `flag`"
    );
}

/// One flush row: `[mask, v0 … vn]`.
fn flush_rows(rows: &[&str]) -> String {
    format!(
        r#"{{"entities":[{{"entity":0,"insert":[{}]}}]}}"#,
        rows.join(",")
    )
}

#[test]
fn flush_insert_returns_keys_only_when_the_database_generates_some() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let uow = UnitOfWork::new();
    let plan = |rows: &[&str], batch: usize| {
        let message = flush_rows(rows);
        let input: FlushInput = serde_json::from_str(&message).unwrap();
        uow.plan(d.as_ref(), &meta, &input, opts(batch, false))
            .unwrap()
            .steps
            .iter()
            .map(|s| format_sql(d.as_ref(), &s.sql.text, &s.sql.params))
            .collect::<Vec<_>>()
    };
    // mask 0b11 = id and name defined; 0b10 = only name.
    assert_eq!(
        plan(&[r#"[3,7,"a",null,null,null]"#], 300),
        vec!["insert into `author` (`id`, `name`) values (7, 'a')"]
    );
    assert_eq!(
        plan(
            &[
                r#"[3,7,"a",null,null,null]"#,
                r#"[2,null,"b",null,null,null]"#
            ],
            1
        ),
        vec![
            "insert into `author` (`id`, `name`) values (7, 'a')",
            "insert into `author` (`name`) values ('b') returning `id`",
        ]
    );
}

#[test]
fn ddl_primary_keys_and_escaped_defaults() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let groups = create_statements(d.as_ref(), &meta, true);
    assert_eq!(
        groups[1],
        vec!["create table `item` (`code` text not null primary key, `label` text not null default 'it''s');"]
    );
    assert_eq!(
        groups[0][0],
        "create table `author` (`id` integer not null primary key autoincrement, `name` text not null, `age` integer null, `created_at` datetime not null, `flag` integer not null default false);"
    );
}

#[test]
fn commit_order_is_the_reverse_of_first_appearance() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let uow = UnitOfWork::new();
    // Author appears first, Item second: without foreign keys, Item is written first.
    let input: FlushInput = serde_json::from_str(
        r#"{"entities":[
          {"entity":0,"insert":[[2,null,"a",null,null,null]],"insertAt":0},
          {"entity":1,"insert":[[3,"k","l"]],"insertAt":1}
        ]}"#,
    )
    .unwrap();
    let plan = uow
        .plan(d.as_ref(), &meta, &input, opts(300, false))
        .unwrap();
    let tables: Vec<&str> = plan
        .steps
        .iter()
        .map(|s| s.sql.text.split('`').nth(1).unwrap())
        .collect();
    assert_eq!(tables, vec!["item", "author"]);
}

fn opts(batch_size: usize, row_updates: bool) -> PlanOptions<'static> {
    PlanOptions {
        batch_size,
        row_updates,
        increment_keys: &[],
        bulk: false,
    }
}

#[test]
fn inserts_count_keys_back_only_when_every_key_is_generated() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let uow = UnitOfWork::new();
    let message = flush_rows(&[
        r#"[2,null,"a",null,null,null]"#,
        r#"[2,null,"b",null,null,null]"#,
        r#"[3,9,"c",null,null,null]"#,
    ]);
    let input: FlushInput = serde_json::from_str(&message).unwrap();
    let options = PlanOptions {
        batch_size: 2,
        row_updates: true,
        increment_keys: &[0],
        bulk: false,
    };
    let plan = uow.plan(d.as_ref(), &meta, &input, options).unwrap();
    let steps: Vec<_> = plan
        .steps
        .iter()
        .map(|s| (s.kind, format_sql(d.as_ref(), &s.sql.text, &s.sql.params)))
        .collect();
    assert_eq!(
        steps,
        vec![
            (
                StepKind::Insert {
                    group: 0,
                    count: 2,
                    returning: false,
                    increment: true
                },
                "insert into `author` (`name`) values ('a'), ('b')".to_string()
            ),
            (
                StepKind::Insert {
                    group: 0,
                    count: 1,
                    returning: false,
                    increment: false
                },
                "insert into `author` (`id`, `name`) values (9, 'c')".to_string()
            ),
        ]
    );
}

#[test]
fn row_updates_share_one_statement_and_errors_name_the_batched_one() {
    let meta = Metadata::from_json(META).unwrap();
    let d = sqlite();
    let mut uow = UnitOfWork::new();
    let author = meta.entity(0).unwrap();
    for id in 1..=3 {
        let row = vec![
            Some(Value::Int(id)),
            Some(Value::Text(format!("a{id}"))),
            Some(Value::Null),
            Some(Value::Int(0)),
            Some(Value::Int(0)),
        ];
        uow.register_loaded(author, 0, row, false);
    }
    // Rows 1 and 2 change `name`; row 3 changes `age`.
    let input: FlushInput = serde_json::from_str(
        r#"{"entities":[{"entity":0,"managed":[
          [31,1,"x",null,0,false],[31,2,"y",null,0,false],[31,3,"a3",5,0,false]
        ]}]}"#,
    )
    .unwrap();
    let plan = uow
        .plan(d.as_ref(), &meta, &input, opts(300, true))
        .unwrap();
    let steps: Vec<_> = plan
        .steps
        .iter()
        .map(|s| (s.kind, s.sql.text.as_str(), s.sql.params.len()))
        .collect();
    assert_eq!(
        steps,
        vec![
            (
                StepKind::UpdateRows {
                    group: 0,
                    first: 0,
                    width: 2
                },
                "update `author` set `name` = ? where `id` = ?",
                4
            ),
            (
                StepKind::UpdateRows {
                    group: 0,
                    first: 2,
                    width: 2
                },
                "update `author` set `age` = ? where `id` = ?",
                2
            ),
        ]
    );
    let batched = plan.batched_update_sql(d.as_ref(), &meta, 0, 1).unwrap();
    assert_eq!(
        format_sql(d.as_ref(), &batched.text, &batched.params),
        "update `author` set `name` = case when (`id` = 1) then 'x' when (`id` = 2) then 'y' else `name` end, `age` = case when (`id` = 3) then 5 else `age` end where `id` in (1, 2, 3) returning `id`"
    );
    let logged = uow
        .plan(d.as_ref(), &meta, &input, opts(300, false))
        .unwrap();
    assert_eq!(logged.steps.len(), 1);
    assert_eq!(logged.steps[0].sql.text, batched.text);
}

/// Zed <- Book (required) -> Writer, Writer -> Book (nullable): a cycle.
const CYCLE: &str = r#"{"entities":[
  {"name":"Zed","tableName":"zed","props":[{"name":"id","fieldName":"id","type":"integer","primary":true}]},
  {"name":"Writer","tableName":"author","props":[
    {"name":"id","fieldName":"id","type":"integer","primary":true},
    {"name":"favorite","fieldName":"favorite_id","type":"integer","nullable":true,
     "reference":{"entity":2,"fieldName":"id","constraint":"author_favorite_id_foreign","deleteRule":"set null"}}
  ]},
  {"name":"Novel","tableName":"book","props":[
    {"name":"id","fieldName":"id","type":"integer","primary":true},
    {"name":"zed","fieldName":"zed_id","type":"integer",
     "reference":{"entity":0,"fieldName":"id","constraint":"book_zed_id_foreign"}},
    {"name":"author","fieldName":"author_id","type":"integer",
     "reference":{"entity":1,"fieldName":"id","constraint":"book_author_id_foreign"}}
  ]}
]}"#;

#[test]
fn dependency_order_breaks_a_cycle_at_its_nullable_reference() {
    let meta = Metadata::from_json(CYCLE).unwrap();
    // Referenced first; the required book -> author edge wins over the nullable author -> book.
    assert_eq!(dependency_order(&meta, &[0, 1, 2], true), vec![0, 1, 2]);
    // Tables are visited by name, descending: the DDL creates zed, author, book.
    let tables: Vec<String> = create_statements(sqlite().as_ref(), &meta, true)
        .iter()
        .map(|g| g[0].split('`').nth(1).unwrap().to_string())
        .collect();
    assert_eq!(tables, vec!["zed", "author", "book"]);
    // Without references, the order is the reverse of the visiting order.
    let plain = Metadata::from_json(META).unwrap();
    assert_eq!(dependency_order(&plain, &[0, 1], true), vec![1, 0]);
}

/// A dialect with only what a dialect must define: every other piece of SQL is the standard one.
struct Standard;

impl Dialect for Standard {
    fn as_dialect(&self) -> &dyn Dialect {
        self
    }

    fn name(&self) -> &'static str {
        "standard"
    }

    fn column_type(&self, _prop: &mikro_native_engine::meta::PropMeta) -> String {
        "text".into()
    }

    fn autoincrement_pk(&self) -> &'static str {
        "primary key"
    }
}

#[test]
fn pessimistic_lock_modes_append_the_standard_clause_and_sqlite_none() {
    let meta = Metadata::from_json(META).unwrap();
    let compile = |d: &dyn Dialect, mode: u8| {
        let q = format!(
            r#"{{"kind":"select","entity":0,"alias":"a0","where":{{"id":1}},"lockMode":{mode}}}"#
        );
        Compiler {
            dialect: d,
            meta: &meta,
        }
        .compile(&Query::from_json(&q).unwrap())
        .unwrap()
        .sql
        .text
    };
    let base = "select \"a0\".* from \"author\" as \"a0\" where \"a0\".\"id\" = ?";
    for (mode, clause) in [
        (2, " for share"),
        (3, " for update"),
        (4, " for update skip locked"),
        (5, " for update nowait"),
        (6, " for share skip locked"),
        (7, " for share nowait"),
        (1, ""),
    ] {
        assert_eq!(compile(&Standard, mode), format!("{base}{clause}"));
    }
    assert_eq!(
        compile(sqlite().as_ref(), 3),
        "select `a0`.* from `author` as `a0` where `a0`.`id` = ?"
    );
}

/// Author 1:m Book m:n Tag (pivot `book_tags`), and a formula on Book.
const RELATIONS: &str = r#"{"entities":[
  {"name":"Author","tableName":"author","props":[
    {"name":"id","fieldName":"id","type":"integer","primary":true,"autoincrement":true},
    {"name":"name","fieldName":"name","type":"string"}
  ],"collections":[{"name":"books","entity":1,"mappedBy":"author"}]},
  {"name":"Book","tableName":"book","props":[
    {"name":"id","fieldName":"id","type":"integer","primary":true,"autoincrement":true},
    {"name":"price","fieldName":"price","type":"float"},
    {"name":"taxed","fieldName":"taxed","type":"float","formula":"\u0000.price * 2"},
    {"name":"author","fieldName":"author_id","type":"integer",
     "reference":{"entity":0,"fieldName":"id","constraint":"book_author_id_foreign"}}
  ],"collections":[{"name":"tags","entity":2,"manyToMany":true,"owner":true,
     "pivot":{"entity":3,"owner":"book","item":"tag"}}]},
  {"name":"Tag","tableName":"tag","props":[
    {"name":"id","fieldName":"id","type":"integer","primary":true,"autoincrement":true},
    {"name":"name","fieldName":"name","type":"string"}
  ]},
  {"name":"BookTagsPivot","tableName":"book_tags","pivot":true,"props":[
    {"name":"book","fieldName":"book_id","type":"integer","primary":true,
     "reference":{"entity":1,"fieldName":"id","constraint":"book_tags_book_id_foreign"}},
    {"name":"tag","fieldName":"tag_id","type":"integer","primary":true,
     "reference":{"entity":2,"fieldName":"id","constraint":"book_tags_tag_id_foreign"}}
  ]}
]}"#;

fn relations(query: &str) -> String {
    formatted_with(RELATIONS, query)
}

#[test]
fn many_to_many_conditions_join_through_the_pivot_and_collection_operators_are_subqueries() {
    assert_eq!(
        relations(r#"{"kind":"select","entity":1,"alias":"b0","where":{"tags":{"name":"T"}}}"#),
        "select `b0`.*, b0.price * 2 as `taxed` from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `b1` on `b2`.`tag_id` = `b1`.`id` where `b1`.`name` = 'T'"
    );
    assert_eq!(
        relations(r#"{"kind":"count","entity":1,"alias":"b0","where":{"tags":[1,2]}}"#),
        "select count(distinct `b0`.`id`) as `count` from `book` as `b0` left join `book_tags` as `b1` on `b0`.`id` = `b1`.`book_id` where `b1`.`tag_id` in (1, 2)"
    );
    assert_eq!(
        relations(r#"{"kind":"select","entity":0,"alias":"a0","where":{"books":{"$every":{"taxed":{"$gt":1}}}}}"#),
        "select `a0`.* from `author` as `a0` where `a0`.`id` not in (select `a0`.`id` from `author` as `a0` inner join `book` as `b1` on `a0`.`id` = `b1`.`author_id` where not (b1.price * 2 > 1))"
    );
}

#[test]
fn filter_joins_put_conditions_into_the_join_and_read_the_target_key() {
    // Populated joins select first, then filter joins (MikroORM 7.2.2 writes the same).
    assert_eq!(
        relations(r#"{"kind":"select","entity":1,"alias":"b0","filterJoins":[{"path":"author","where":{"name":"A"}}],"populate":["tags"]}"#),
        "select `b0`.*, b0.price * 2 as `taxed`, `t1`.`id` as `t1__id`, `t1`.`name` as `t1__name`, `a3`.`id` as `a3__id` from `book` as `b0` left join `book_tags` as `b2` on `b0`.`id` = `b2`.`book_id` left join `tag` as `t1` on `b2`.`tag_id` = `t1`.`id` inner join `author` as `a3` on `b0`.`author_id` = `a3`.`id` and `a3`.`name` = 'A'"
    );
}

#[test]
fn bulk_plans_bind_columns_as_arrays_on_postgresql() {
    let meta = Metadata::from_json(META).unwrap();
    let d = dialect_by_name("postgresql").unwrap();
    let mut uow = UnitOfWork::new();
    let author = meta.entity(0).unwrap();
    for id in 1..=3 {
        let row = vec![
            Some(Value::Int(id)),
            Some(Value::Text(format!("a{id}"))),
            Some(Value::Null),
            Some(Value::Text("2024-01-02T03:04:05.000Z".into())),
            Some(Value::Bool(false)),
        ];
        uow.register_loaded(author, 0, row, false);
    }
    // Two new authors (every value given but the key); rows 1 and 2 change `name`, row 3 `age`:
    // one statement per set of changed columns.
    let input: FlushInput = serde_json::from_str(
        r#"{"entities":[{"entity":0,"insert":[
          [30,null,"n\"1",null,"2024-01-02T03:04:05.000Z",true],
          [30,null,"n{2}",4,"2024-01-02T03:04:05.000Z",false]
        ],"managed":[
          [31,1,"x",null,"2024-01-02T03:04:05.000Z",false],[31,2,"y",null,"2024-01-02T03:04:05.000Z",false],
          [31,3,"a3",5,"2024-01-02T03:04:05.000Z",false]
        ]}]}"#,
    )
    .unwrap();
    let options = PlanOptions {
        bulk: true,
        ..opts(300, false)
    };
    let mut plan = uow.plan(d.as_ref(), &meta, &input, options).unwrap();
    assert!(plan.uses_bulk());
    for i in 0..plan.steps.len() {
        plan.resolve(i, &[]).unwrap();
    }
    let steps: Vec<String> = plan
        .steps
        .iter()
        .map(|s| format_sql(d.as_ref(), &s.sql.text, &s.sql.params))
        .collect();
    assert_eq!(
        steps,
        vec![
            r#"insert into "author" ("name", "age", "created_at", "flag") select * from unnest( E'{"n\\"1","n{2}"}'::text::varchar[], '{NULL,4}'::text::int[], '{"2024-01-02T03:04:05.000Z","2024-01-02T03:04:05.000Z"}'::text::timestamptz[], '{true,false}'::text::boolean[]) returning "id""#,
            r#"update "author" as "t" set "name" = "v"."name" from unnest('{1,2}'::text::int[], '{"x","y"}'::text::varchar[]) as "v"("id", "name") where "t"."id" = "v"."id""#,
            r#"update "author" as "t" set "age" = "v"."age" from unnest('{3}'::text::int[], '{5}'::text::int[]) as "v"("id", "age") where "t"."id" = "v"."id""#,
        ]
    );
    // Without `bulk`, MikroORM's statements.
    let plain = uow
        .plan(d.as_ref(), &meta, &input, opts(300, false))
        .unwrap();
    assert!(!plain.uses_bulk());
}
