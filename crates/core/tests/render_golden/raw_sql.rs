//! Golden cases: raw SQL.

use super::*;

#[test]
fn sql_step_shared_by_every_dialect_is_trimmed() {
    golden(
        r#"
description = "shared"

[[steps]]
op = "sql"
sql = "  UPDATE users SET active = 1 WHERE active IS NULL;  "
"#,
        [
            Sql(&["UPDATE users SET active = 1 WHERE active IS NULL"]),
            Sql(&["UPDATE users SET active = 1 WHERE active IS NULL"]),
            Sql(&["UPDATE users SET active = 1 WHERE active IS NULL"]),
        ],
    );
}

#[test]
fn sql_step_is_split_into_its_statements_with_their_kinds() {
    let plan = r#"
description = "several"

[[steps]]
op = "sql"
sql = "UPDATE base SET v = v + 1 WHERE id = 1; CREATE TABLE a (id INT); -- done;"
"#;
    let both: &[&str] = &[
        "UPDATE base SET v = v + 1 WHERE id = 1",
        "CREATE TABLE a (id INT)",
    ];
    golden(plan, [Sql(both), Sql(both), Sql(both)]);
    for dialect in Dialect::ALL {
        assert_eq!(
            kinds(plan, dialect),
            [StatementKind::Dml, StatementKind::Ddl],
            "{dialect}"
        );
    }
}

#[test]
fn sql_step_with_transaction_control_is_refused() {
    let plan = r#"
description = "own transaction"

[[steps]]
op = "sql"
sql = "BEGIN; UPDATE base SET v = 1; COMMIT"
"#;
    let hint = "cutover owns the transactions";
    golden(plan, [Refused(hint), Refused(hint), Refused(hint)]);
}

#[test]
fn raw_concurrently_and_vacuum_run_outside_a_transaction() {
    let plan = r#"
description = "concurrently"
transaction = false

[[steps]]
op = "sql"
postgres = "CREATE INDEX CONCURRENTLY i ON t (c); ANALYZE t"
sqlite = "VACUUM"
sql = "SELECT 1"
"#;
    use StatementKind::{Ddl, Dml, NoTransaction};
    assert_eq!(kinds(plan, Dialect::Postgres), [NoTransaction, Ddl]);
    assert_eq!(kinds(plan, Dialect::Sqlite), [NoTransaction]);
    assert_eq!(kinds(plan, Dialect::Mysql), [Dml]);
}

#[test]
fn sql_step_per_dialect_overrides_the_shared_sql() {
    golden(
        r#"
description = "per dialect"

[[steps]]
op = "sql"
sql = "SELECT 1"
postgres = "SELECT 2"
"#,
        [Sql(&["SELECT 2"]), Sql(&["SELECT 1"]), Sql(&["SELECT 1"])],
    );
}

#[test]
fn sql_step_limited_to_dialects_renders_nothing_elsewhere() {
    golden(
        r#"
description = "postgres only"

[[steps]]
op = "sql"
postgres = "CREATE EXTENSION IF NOT EXISTS pgcrypto"
dialects = ["postgres"]
"#,
        [
            Sql(&["CREATE EXTENSION IF NOT EXISTS pgcrypto"]),
            Sql(&[]),
            Sql(&[]),
        ],
    );
}

#[test]
fn sql_step_without_sql_for_a_dialect_is_refused_there() {
    golden(
        r#"
description = "no sqlite"

[[steps]]
op = "sql"
postgres = "SELECT 2"
mysql = "SELECT 3"
"#,
        [
            Sql(&["SELECT 2"]),
            Sql(&["SELECT 3"]),
            Refused("the step has no SQL for sqlite: add `sqlite = \"...\"`"),
        ],
    );
}
