use super::*;
use crate::schema::{ColumnShape, ForeignKeyShape, IndexDetail, TableShape};

fn column(name: &str, ty: &str, nullable: bool) -> ColumnShape {
    ColumnShape {
        name: name.into(),
        ty: ty.into(),
        nullable,
        has_default: false,
    }
}

fn fk(columns: &str, table: &str) -> ForeignKeyShape {
    ForeignKeyShape {
        columns: vec![columns.into()],
        ref_table: table.into(),
        ref_columns: vec!["id".into()],
        on_delete: "no_action".into(),
        on_update: "no_action".into(),
    }
}

fn table(columns: Vec<ColumnShape>, fks: Vec<ForeignKeyShape>) -> TableShape {
    TableShape {
        columns,
        primary_key: vec!["id".into()],
        foreign_keys: fks.into_iter().collect(),
        ..TableShape::default()
    }
}

#[test]
fn tables_follow_their_references_and_a_cycle_defers_one_key() {
    let mut shape = SchemaShape::default();
    let id = || column("id", "bigint", false);
    shape.tables.insert(
        "a".into(),
        table(
            vec![id(), column("b_id", "bigint", true)],
            vec![fk("b_id", "b")],
        ),
    );
    shape.tables.insert(
        "b".into(),
        table(
            vec![id(), column("a_id", "bigint", true)],
            vec![fk("a_id", "a")],
        ),
    );
    shape.tables.insert(
        "c".into(),
        table(
            vec![id(), column("a_id", "bigint", true)],
            vec![fk("a_id", "a")],
        ),
    );
    let g = generate_baseline(Dialect::Postgres, &shape, &LiveDetails::default(), "b")
        .expect("generate");
    let a = g.toml.find("table = \"a\"").expect("a");
    let b = g.toml.find("table = \"b\"").expect("b");
    let c = g.toml.find("table = \"c\"").expect("c");
    assert!(a < b && b < c, "{}", g.toml);
    assert!(
        g.toml.contains("op = \"add_foreign_key\"\ntable = \"a\""),
        "{}",
        g.toml
    );
    assert_eq!((g.typed_tables, g.raw_steps), (3, 0));
}

#[test]
fn an_expression_index_is_a_declared_raw_step_and_a_native_type_is_refused() {
    let mut shape = SchemaShape::default();
    shape.tables.insert(
        "u".into(),
        table(
            vec![column("id", "bigint", false), column("e", "text", true)],
            vec![],
        ),
    );
    let mut details = LiveDetails::default();
    details.indexes.insert(
        ("u".into(), "u_lower_e".into()),
        IndexDetail {
            unique: true,
            parts: vec!["lower(e)".into()],
            has_expression: true,
            sql: "CREATE UNIQUE INDEX u_lower_e ON u (lower(e))".into(),
            ..IndexDetail::default()
        },
    );
    let g = generate_baseline(Dialect::Postgres, &shape, &details, "b").expect("generate");
    assert!(
        g.toml.contains("creates = [\"index u.u_lower_e\"]"),
        "{}",
        g.toml
    );
    assert!(
        g.toml
            .contains("postgres = '''\nCREATE UNIQUE INDEX u_lower_e ON u (lower(e))\n'''")
    );

    shape.tables.get_mut("u").expect("u").columns[1].ty = "native:inet".into();
    let err = generate_baseline(Dialect::Postgres, &shape, &details, "b").unwrap_err();
    assert!(
        err.to_string().contains("column e has type native:inet"),
        "{err}"
    );
}

#[test]
fn a_baseline_sorts_before_existing_migrations() {
    let v = |t: &str| crate::plan::Version::parse(t).expect("version");
    assert_eq!(baseline_version(&[], None).expect("empty").text, "0001");
    assert!(baseline_version(&[v("0003")], None).is_err());
    assert_eq!(
        baseline_version(&[v("0003")], Some("0002"))
            .expect("before")
            .text,
        "0002"
    );
    assert!(baseline_version(&[v("0003")], Some("0003")).is_err());
}

/// The round-trip guard: a column whose declared type the typed step would not create
/// exactly, or a table feature the typed step would lose, makes the table a copy.
#[test]
fn a_table_the_typed_step_would_change_is_copied() {
    let mut shape = SchemaShape::default();
    shape.tables.insert(
        "a".into(),
        table(
            vec![column("id", "bigint", false), column("n", "integer", true)],
            vec![],
        ),
    );
    let mut details = LiveDetails::default();
    details
        .table_sql
        .insert("a".into(), "CREATE TABLE `a` (...)".into());
    let key = |c: &str| ("a".to_string(), c.to_string());
    details.native_types.insert(key("id"), "bigint".into());
    details.native_types.insert(key("n"), "int(11)".into());
    let g = generate_baseline(Dialect::Mysql, &shape, &details, "b").expect("typed");
    assert_eq!(g.typed_tables, 1, "{}", g.toml);

    details
        .native_types
        .insert(key("id"), "bigint(20) unsigned".into());
    let g = generate_baseline(Dialect::Mysql, &shape, &details, "b").expect("copied");
    assert_eq!(g.typed_tables, 0, "{}", g.toml);
    assert!(
        g.toml.contains(
            "column id is bigint(20) unsigned, which a typed bigint column would not reproduce"
        ),
        "{}",
        g.toml
    );

    details.native_types.insert(key("id"), "bigint".into());
    details.feature("a", "ON UPDATE of column n");
    let g = generate_baseline(Dialect::Mysql, &shape, &details, "b").expect("copied");
    assert_eq!(g.typed_tables, 0, "{}", g.toml);
    assert!(
        g.toml.contains("would lose ON UPDATE of column n"),
        "{}",
        g.toml
    );
}

#[test]
fn refusals_are_errors_and_warnings_head_the_file() {
    let mut shape = SchemaShape::default();
    shape.tables.insert(
        "a".into(),
        table(vec![column("id", "bigint", false)], vec![]),
    );
    let mut details = LiveDetails::default();
    details.warnings.push("schema billing is left out".into());
    let g = generate_baseline(Dialect::Postgres, &shape, &details, "b").expect("generate");
    assert!(
        g.toml.contains("# warning: schema billing is left out"),
        "{}",
        g.toml
    );
    details
        .refusals
        .push("foreign key f of table a references auth.users".into());
    let e = generate_baseline(Dialect::Postgres, &shape, &details, "b").expect_err("refused");
    assert!(e.to_string().contains("references auth.users"), "{e}");
}

#[test]
fn postgres_spelling_of_types_matches_and_enums_never_do() {
    use crate::types::ColumnType;
    let pg = Dialect::Postgres.sql();
    assert!(pg.native_type_matches(ColumnType::Varchar(20), "character varying(20)"));
    assert!(pg.native_type_matches(ColumnType::Timestamp, "timestamp without time zone"));
    assert!(!pg.native_type_matches(ColumnType::Text, "text collate \"C\""));
    assert!(!pg.native_type_matches(ColumnType::Json, "json"));
    let my = Dialect::Mysql.sql();
    assert!(my.native_type_matches(ColumnType::Integer, "int(11)"));
    assert!(!my.native_type_matches(ColumnType::Text, "text"));
    assert!(!my.native_type_matches(ColumnType::Timestamp, "timestamp"));
}
