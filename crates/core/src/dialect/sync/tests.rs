//! Golden SQL of the sync triggers, per dialect.

use super::SyncTrigger;
use crate::dialect::Dialect;
use crate::expr::Expression;

fn trigger(sources: &[&str]) -> SyncTrigger {
    let e = |s: &str| Expression::parse(s).expect("expression");
    SyncTrigger {
        id: "t_b".into(),
        name: "cutover_sync_t_b".into(),
        table: "t".into(),
        key: vec!["id".into()],
        key_types: vec![crate::types::ColumnType::Integer],
        sqlite_rowid: false,
        sources: sources.iter().map(|s| s.to_string()).collect(),
        set: vec![("b".into(), e("upper(a)"))],
        r#where: Some(e("a IS NOT NULL")),
        pending: Some(e("b IS NULL")),
        stamps: Vec::new(),
    }
}

fn sql(d: Dialect, t: &SyncTrigger) -> Vec<String> {
    d.sync_triggers()
        .create_sync_trigger_sql(t)
        .expect("renders")
}

#[test]
fn postgres_one_trigger_and_a_plpgsql_function() {
    let out = sql(Dialect::Postgres, &trigger(&["a"]));
    assert_eq!(
        out[0],
        "CREATE OR REPLACE FUNCTION \"cutover_sync_t_b\"() RETURNS trigger LANGUAGE plpgsql AS $cutover_sync$\n\
         BEGIN\n  IF TG_OP = 'INSERT' THEN\n    IF NEW.\"a\" IS NOT NULL AND NEW.\"b\" IS NULL THEN\n      \
         NEW.\"b\" := UPPER(NEW.\"a\");\n    END IF;\n  ELSIF (NEW.\"a\" IS DISTINCT FROM OLD.\"a\") AND \
         (CAST(NEW.\"b\" AS text) IS NOT DISTINCT FROM CAST(OLD.\"b\" AS text)) AND NEW.\"a\" IS NOT NULL THEN\n    NEW.\"b\" := UPPER(NEW.\"a\");\n  END IF;\n  RETURN NEW;\nEND\n$cutover_sync$"
    );
    assert_eq!(
        out[1],
        "DROP TRIGGER IF EXISTS \"cutover_sync_t_b\" ON \"t\""
    );
    assert_eq!(
        out[2],
        "CREATE TRIGGER \"cutover_sync_t_b\" BEFORE INSERT OR UPDATE OF \"a\" ON \"t\" FOR EACH ROW EXECUTE FUNCTION \"cutover_sync_t_b\"()"
    );
    let ends = Dialect::Postgres
        .sync_triggers()
        .end_sync_trigger_sql(&trigger(&["a"]));
    assert_eq!(
        ends,
        ["DROP TRIGGER IF EXISTS \"cutover_sync_t_b\" ON \"t\""]
    );
}

#[test]
fn mysql_two_before_triggers_setting_new() {
    let out = sql(Dialect::Mysql, &trigger(&["a"]));
    assert_eq!(out.len(), 4);
    assert_eq!(out[0], "DROP TRIGGER IF EXISTS `cutover_sync_t_b_insert`");
    assert_eq!(
        out[1],
        "CREATE TRIGGER `cutover_sync_t_b_insert` BEFORE INSERT ON `t` FOR EACH ROW\nBEGIN\n  \
         IF NEW.`a` IS NOT NULL AND NEW.`b` IS NULL THEN\n    SET NEW.`b` = UPPER(NEW.`a`);\n  END IF;\nEND"
    );
    assert_eq!(
        out[3],
        "CREATE TRIGGER `cutover_sync_t_b_update` BEFORE UPDATE ON `t` FOR EACH ROW\nBEGIN\n  \
         IF (NOT (NEW.`a` <=> OLD.`a`)) AND (NEW.`b` <=> OLD.`b`) AND NEW.`a` IS NOT NULL THEN\n    SET NEW.`b` = UPPER(NEW.`a`);\n  END IF;\nEND"
    );
}

#[test]
fn sqlite_after_triggers_update_the_row_by_rowid() {
    let out = sql(Dialect::Sqlite, &trigger(&["a"]));
    assert_eq!(
        out[1],
        "CREATE TRIGGER \"cutover_sync_t_b_insert\" AFTER INSERT ON \"t\" FOR EACH ROW WHEN NEW.\"a\" IS NOT NULL AND NEW.\"b\" IS NULL\n\
         BEGIN\n  UPDATE \"t\" SET \"b\" = UPPER(\"a\") WHERE rowid = NEW.rowid;\nEND"
    );
    assert_eq!(
        out[3],
        "CREATE TRIGGER \"cutover_sync_t_b_update\" AFTER UPDATE OF \"a\" ON \"t\" FOR EACH ROW WHEN (NEW.\"a\" IS NOT OLD.\"a\") AND (NEW.\"b\" IS OLD.\"b\") AND NEW.\"a\" IS NOT NULL\n\
         BEGIN\n  UPDATE \"t\" SET \"b\" = UPPER(\"a\") WHERE rowid = NEW.rowid;\nEND"
    );
}

#[test]
fn sqlite_writes_an_explicit_updated_at_back() {
    let mut t = trigger(&["a"]);
    t.stamps = vec!["updated_at".into()];
    let out = sql(Dialect::Sqlite, &t);
    assert!(
        out[1].ends_with(
            "UPDATE \"t\" SET \"updated_at\" = NEW.\"updated_at\" WHERE \"id\" = NEW.\"id\" AND \"updated_at\" IS NOT NEW.\"updated_at\";\nEND"
        ),
        "{}",
        out[1]
    );
    assert!(
        out[3].ends_with(
            "WHERE \"id\" = NEW.\"id\" AND \"updated_at\" IS NOT NEW.\"updated_at\" AND NEW.\"updated_at\" IS NOT OLD.\"updated_at\";\nEND"
        ),
        "{}",
        out[3]
    );
    // PostgreSQL and MySQL set NEW directly: no second update, nothing to write back.
    for d in [Dialect::Postgres, Dialect::Mysql] {
        assert!(!sql(d, &t).join("\n").contains("updated_at"), "{d}");
    }
}

#[test]
fn without_source_columns_only_inserts_are_synced() {
    for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] {
        let t = trigger(&[]);
        let out = sql(d, &t).join("\n");
        assert!(
            !out.contains("UPDATE OF") && !out.contains("BEFORE UPDATE"),
            "{d}: {out}"
        );
        assert_eq!(d.sync_triggers().sync_trigger_names(&t).len(), 1, "{d}");
    }
}

#[test]
fn a_dollar_quote_in_the_expression_gets_another_tag() {
    let mut t = trigger(&["a"]);
    t.set = vec![(
        "b".into(),
        Expression::parse("concat(a, '$cutover_sync$')").expect("e"),
    )];
    let out = sql(Dialect::Postgres, &t);
    assert!(out[0].contains("AS $cutover_sync_$\n"), "{}", out[0]);
    assert!(out[0].ends_with("\n$cutover_sync_$"), "{}", out[0]);
}

#[test]
fn sqlite_finds_the_row_by_key_in_a_uuid_keyed_table() {
    let mut t = trigger(&["a"]);
    t.key_types = vec![crate::types::ColumnType::Uuid];
    let out = sql(Dialect::Sqlite, &t);
    assert!(
        out[1].ends_with("WHERE \"id\" = NEW.\"id\";\nEND"),
        "{}",
        out[1]
    );
    assert!(!out[3].contains("rowid"), "{}", out[3]);
    // `sqlite_rowid = true` keeps the rowid, and the triggers find the row by it.
    t.sqlite_rowid = true;
    assert!(sql(Dialect::Sqlite, &t)[1].contains("WHERE rowid = NEW.rowid"));
}
