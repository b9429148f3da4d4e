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
