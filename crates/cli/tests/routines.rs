//! `cutover` with function and trigger steps: a typo in a function body is PostgreSQL's
//! error with the file, migration and step, exit code 1, nothing applied; a PostgreSQL-only
//! step without `dialects` is refused with the hint; drift of a function exits 8.

mod common;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

const TYPO: &str = r#"
description = "a function with a typo"

[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "bigint", primary_key = true }]

[[steps]]
op = "create_function"
name = "t_count"
returns = "bigint"
language = "plpgsql"
body = "BEGIN RETRUN (SELECT count(*) FROM t); END"
dialects = ["postgres"]
"#;

const GOOD: &str = r#"
description = "a function"

[[steps]]
op = "create_function"
name = "answer"
returns = "integer"
language = "sql"
body = "SELECT 42"
dialects = ["postgres"]
"#;

#[tokio::test]
async fn a_body_error_names_file_migration_and_step_and_exits_1() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let plan = PlanDir::new();
    plan.write("0001_typo.toml", TYPO);
    let dir = plan.path().to_str().expect("utf8").to_string();
    let up = common::run(plan.path(), &["up", "--database", db.url(), "--plan", &dir]);
    let status = common::run(
        plan.path(),
        &["status", "--json", "--database", db.url(), "--plan", &dir],
    );
    db.drop_db().await;
    let out = common::text(&up);
    assert_eq!(up.status.code(), Some(1), "{out}");
    assert!(out.contains("0001_typo.toml:"), "{out}");
    assert!(out.contains("migration 0001 (typo)"), "{out}");
    assert!(out.contains("step 2 (create_function)"), "{out}");
    assert!(out.contains("syntax error at or near \"RETRUN\""), "{out}");
    let pending = common::json(&status).to_string();
    assert!(pending.contains("pending"), "{pending}");
}

#[test]
fn a_postgres_only_step_without_dialects_is_refused_with_the_hint() {
    let plan = PlanDir::new();
    plan.write(
        "0001_good.toml",
        &GOOD.replace("dialects = [\"postgres\"]\n", ""),
    );
    let dir = plan.path().to_str().expect("utf8").to_string();
    let out = common::run(
        plan.path(),
        &["sql", "--dialect", "postgres", "--plan", &dir],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("0001_good.toml:4: step 1 (create_function)"),
        "{text}"
    );
    assert!(
        text.contains("limit the step with `dialects = [\"postgres\"]`"),
        "{text}"
    );
    // Limited, it renders on PostgreSQL and is skipped elsewhere.
    plan.write("0001_good.toml", GOOD);
    let pg = common::run(
        plan.path(),
        &["sql", "--dialect", "postgres", "--plan", &dir],
    );
    assert!(
        String::from_utf8_lossy(&pg.stdout).contains("AS $cutover$SELECT 42$cutover$"),
        "{}",
        common::text(&pg)
    );
    let sqlite = common::run(plan.path(), &["sql", "--dialect", "sqlite", "--plan", &dir]);
    assert!(
        String::from_utf8_lossy(&sqlite.stdout).contains("skipped on sqlite"),
        "{}",
        common::text(&sqlite)
    );
}

#[tokio::test]
async fn a_function_changed_by_hand_is_drift_with_exit_code_8() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let plan = PlanDir::new();
    plan.write("0001_good.toml", GOOD);
    let dir = plan.path().to_str().expect("utf8").to_string();
    let args = ["--database", db.url(), "--plan", &dir];
    let up = common::run(plan.path(), &[&["up"], &args[..]].concat());
    let clean = common::run(plan.path(), &[&["drift"], &args[..]].concat());
    let mut b = cutover_cli::connect::connect(db.url())
        .await
        .expect("connect");
    b.execute("CREATE OR REPLACE FUNCTION answer() RETURNS integer LANGUAGE sql AS 'SELECT 41'")
        .await
        .expect("change by hand");
    let _ = b.close().await;
    let drift = common::run(plan.path(), &[&["drift"], &args[..]].concat());
    db.drop_db().await;
    assert_eq!(up.status.code(), Some(0), "{}", common::text(&up));
    assert_eq!(clean.status.code(), Some(0), "{}", common::text(&clean));
    let text = common::text(&drift);
    assert_eq!(drift.status.code(), Some(8), "{text}");
    assert!(text.contains("function answer(): body differs"), "{text}");
}
