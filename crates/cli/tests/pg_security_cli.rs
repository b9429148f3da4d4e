//! The security steps through the `cutover` binary: a step not limited to PostgreSQL is
//! refused at load with its file, line and the `dialects` hint (exit 1); a typo in a policy
//! expression fails `up` on PostgreSQL naming the file, migration and step (exit 1, JSON
//! too), and nothing of the migration stays.

mod common;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

const BASE: &str = r#"
description = "notes"

[[steps]]
op = "create_table"
table = "notes"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint", nullable = false },
]
"#;

const UNLIMITED: &str = r#"
description = "row-level security, for every dialect by mistake"

[[steps]]
op = "enable_rls"
table = "notes"
"#;

const TYPO: &str = r#"
description = "a policy with a misspelled column"

[[steps]]
op = "enable_rls"
table = "notes"
dialects = ["postgres"]

[[steps]]
op = "create_policy"
table = "notes"
name = "own"
using = "user_id = current_setting('app.user')::bigint AND usr_id > 0"
dialects = ["postgres"]
"#;

#[test]
fn a_security_step_without_dialects_is_refused_with_the_hint() {
    let plan = PlanDir::new();
    plan.write("0001_base.toml", BASE);
    plan.write("0002_rls.toml", UNLIMITED);
    let dir = plan.path().to_str().expect("utf8");
    let out = common::run(plan.path(), &["sql", "--plan", dir, "--dialect", "sqlite"]);
    let all = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("0002_rls.toml:4"), "{all}");
    assert!(all.contains("step 1 (enable_rls)"), "{all}");
    assert!(all.contains("not supported on mysql or sqlite"), "{all}");
    assert!(all.contains("dialects = [\"postgres\"]"), "{all}");
    // Once limited, SQLite skips it and PostgreSQL renders it.
    plan.write(
        "0002_rls.toml",
        &format!("{UNLIMITED}force = true\ndialects = [\"postgres\"]\n"),
    );
    let out = common::run(plan.path(), &["sql", "--plan", dir, "--dialect", "sqlite"]);
    let all = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("step 1 (enable_rls) skipped on sqlite"),
        "{all}"
    );
    let out = common::run(
        plan.path(),
        &["sql", "--plan", dir, "--dialect", "postgres"],
    );
    let all = common::text(&out);
    assert!(
        all.contains("ALTER TABLE \"notes\" FORCE ROW LEVEL SECURITY"),
        "{all}"
    );
}

#[tokio::test]
async fn a_typo_in_a_policy_fails_up_naming_migration_and_step() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let plan = PlanDir::new();
    plan.write("0001_base.toml", BASE);
    plan.write("0002_own_notes.toml", TYPO);
    let dir = plan.path().to_str().expect("utf8");
    let url = db.url().to_string();
    let out = common::run(plan.path(), &["up", "--plan", dir, "--database", &url]);
    let all = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{all}");
    assert!(all.contains("usr_id"), "{all}");
    assert!(all.contains("0002_own_notes.toml:"), "{all}");
    assert!(
        all.contains("migration 0002 (own_notes), step 2 (create_policy)"),
        "{all}"
    );
    assert!(all.contains("nothing of it stays applied"), "{all}");
    let out = common::run(
        plan.path(),
        &["status", "--json", "--plan", dir, "--database", &url],
    );
    let status = common::json(&out).to_string();
    assert!(status.contains("failed"), "{status}");
    let out = common::run(
        plan.path(),
        &["up", "--json", "--plan", dir, "--database", &url],
    );
    assert_eq!(out.status.code(), Some(1));
    let json = common::json(&out).to_string();
    assert!(json.contains("step 2 (create_policy)"), "{json}");
    db.drop_db().await;
}
