//! `cutover up` lints only the migrations it will run: applied ones are context, never
//! re-linted (`cutover lint` still lints everything), and a lint error in a pending
//! migration still refuses the run before anything is applied. On every backend.

mod common;

use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use serde_json::Value;

const INIT: &str = r#"description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "age", type = "integer" },
]
"#;

/// A whole-table UPDATE: `plan/unbatched-data-change`, an error on every dialect.
const RESET: &str = r#"description = "reset ages"

[[steps]]
op = "sql"
sql = "UPDATE users SET age = 0"
down = "SELECT 1"
"#;

const NICKNAME: &str = r#"description = "nickname"

[[steps]]
op = "add_column"
table = "users"
column = { name = "nickname", type = "text" }
"#;

const WIPE: &str = r#"description = "wipe ages"

[[steps]]
op = "sql"
sql = "DELETE FROM users"
down = "SELECT 1"
"#;

#[tokio::test]
async fn up_lints_pending_migrations_only_and_still_refuses_their_errors() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_init.toml", INIT)
            .write("0002_reset.toml", RESET);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let up = |extra: &[&str]| {
            let mut args = vec!["up", "--no-backup", "--database", db.url(), "--plan", &dir];
            args.extend_from_slice(extra);
            common::run(plan.path(), &args)
        };
        let refused = up(&[]);
        assert_eq!(refused.status.code(), Some(7), "{}", common::text(&refused));
        let applied = up(&["--allow-lint-errors"]);
        assert_eq!(applied.status.code(), Some(0), "{}", common::text(&applied));

        // 0002 is applied: a no-op `up` does not lint it again.
        let noop = up(&[]);
        assert_eq!(noop.status.code(), Some(0), "{}", common::text(&noop));

        // A clean pending migration after it applies without the flag.
        plan.write("0003_nickname.toml", NICKNAME);
        let out = up(&[]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));

        // A pending migration with an error is refused, naming it and not the applied one.
        plan.write("0004_wipe.toml", WIPE);
        let out = up(&["--json"]);
        assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
        let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        let migrations: Vec<&str> = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter_map(|f| f["migration"].as_str())
            .collect();
        assert_eq!(migrations, vec!["0004"], "{doc}");
        assert_eq!(doc["findings"][0]["rule"], "plan/unbatched-data-change");

        let status = common::run(
            plan.path(),
            &["status", "--json", "--database", db.url(), "--plan", &dir],
        );
        let doc: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
        assert_eq!(doc["status"]["pending"], 1, "nothing of 0004 ran: {doc}");

        // `cutover lint` still lints the whole plan, applied migrations included.
        let lint = common::run(
            plan.path(),
            &[
                "lint",
                "--json",
                "--plan",
                &dir,
                "--dialect",
                db.backend().name(),
            ],
        );
        assert_eq!(lint.status.code(), Some(7), "{}", common::text(&lint));
        let doc: Value = serde_json::from_slice(&lint.stdout).expect("lint JSON");
        let errors: Vec<&str> = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["severity"] == "error")
            .filter_map(|f| f["migration"].as_str())
            .collect();
        assert_eq!(errors, vec!["0002", "0004"], "{doc}");
    })
    .await;
}

#[tokio::test]
async fn a_noop_up_still_refuses_changed_applied_migrations() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_init.toml", INIT);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let up = || {
            common::run(
                plan.path(),
                &["up", "--no-backup", "--database", db.url(), "--plan", &dir],
            )
        };
        let out = up();
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let out = up();
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert!(
            common::text(&out).contains("nothing to apply"),
            "{}",
            common::text(&out)
        );
        plan.write("0001_init.toml", &INIT.replace("\"age\"", "\"years\""));
        let out = up();
        assert_eq!(out.status.code(), Some(6), "{}", common::text(&out));
    })
    .await;
}
