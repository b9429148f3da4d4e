//! Golden cases: checks.

use super::*;

#[test]
fn check_queries_count_rows_or_run_the_dialect_sql() {
    let tmp = TempPlan::new(&[(
        "0001_golden.toml",
        r#"
description = "checks"

[[steps]]
op = "sql"
sql = "SELECT 1"

[[checks]]
name = "no orphans"
table = "messages"
where = "conversation_id IS NULL"
expect = 0

[[checks]]
name = "per dialect"
sql = "SELECT COUNT(*) FROM users"
sqlite = "SELECT count(*) FROM users"
expect = ">= 1"
"#,
    )]);
    let plan = tmp.load();
    let checks = &plan.migrations[0].checks;
    let q = |i: usize, d: Dialect| check_query(&checks[i].item, d).expect("renders");
    assert_eq!(
        q(0, Dialect::Postgres),
        r#"SELECT COUNT(*) FROM "messages" WHERE "conversation_id" IS NULL"#
    );
    assert_eq!(
        q(0, Dialect::Mysql),
        "SELECT COUNT(*) FROM `messages` WHERE `conversation_id` IS NULL"
    );
    assert_eq!(q(1, Dialect::Mysql), "SELECT COUNT(*) FROM users");
    assert_eq!(q(1, Dialect::Sqlite), "SELECT count(*) FROM users");
}
