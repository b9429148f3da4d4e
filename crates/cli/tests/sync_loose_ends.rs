//! `cutover up` loose ends on PostgreSQL, MariaDB and SQLite: `--to` lints only the
//! migrations it applies (a later migration's lint error is a warning, not exit 7), `--json`
//! carries a structured soak refusal, and `applied_by` names the OS user when `$USER` is unset.

mod common;

use cutover_cli::connect::connect;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const T: &str = r#"description = "t"
[[steps]]
op = "create_table"
table = "t"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "old", type = "text" }]
"#;

const EXPAND: &str = r#"description = "add new"
phase = "expand"
[[steps]]
op = "add_column"
table = "t"
column = { name = "new", type = "text" }
"#;

/// A whole-table UPDATE: `plan/unbatched-data-change`, an error on every dialect.
const WIPE: &str = r#"description = "wipe"
[[steps]]
op = "sql"
sql = "UPDATE t SET old = NULL"
down = "SELECT 1"
"#;

const CONTRACT: &str = "description = \"drop old\"\nphase = \"contract\"\nmin_age = \"24h\"\n\n[[steps]]\nop = \"drop_column\"\ntable = \"t\"\ncolumn = \"old\"\n";

fn up(plan: &PlanDir, url: &str, extra: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = plan.path().to_str().expect("utf8").to_string();
    let mut args = vec![
        "up",
        "--no-backup",
        "--database",
        url,
        "--plan",
        dir.as_str(),
    ];
    args.extend_from_slice(extra);
    common::run_env(plan.path(), &args, env)
}

#[tokio::test]
async fn up_to_is_not_blocked_by_a_lint_error_in_a_later_migration() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_t.toml", T)
            .write("0002_new.toml", EXPAND)
            .write("0003_wipe.toml", WIPE);
        let out = up(&plan, db.url(), &["--to", "0002"], &[]);
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(
            text.contains("warning: 1 lint error in migrations after --to")
                && text.contains("plan/unbatched-data-change migration 0003"),
            "{text}"
        );
        let mut b = connect(db.url()).await.expect("connect");
        let applied = b
            .query("SELECT version FROM cutover_history ORDER BY version_number")
            .await
            .expect("history")
            .into_first_column();
        assert_eq!(applied, ["0001", "0002"]);
        // The `up` that reaches it refuses it.
        let out = up(&plan, db.url(), &[], &[]);
        assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn up_json_carries_the_soak_wait_and_applied_by_names_the_os_user() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_t.toml", T)
            .write("0002_new.toml", EXPAND)
            .write("0003_drop_old.toml", CONTRACT);
        // No $USER, $LOGNAME or $USERNAME: the OS user (from the user id) is recorded.
        let no_user = [("USER", ""), ("LOGNAME", ""), ("USERNAME", "")];
        let out = up(&plan, db.url(), &["--json"], &no_user);
        assert_eq!(out.status.code(), Some(5), "{}", common::text(&out));
        let doc = common::json(&out);
        let soak = &doc["soak"];
        assert_eq!(soak["migration"], "0003 (drop_old)", "{doc}");
        assert_eq!(soak["waiting_for"], "0002 (new)", "{doc}");
        assert_eq!(soak["min_age"], "24h");
        assert_eq!(soak["min_age_secs"], 86_400);
        let left = soak["remaining_secs"].as_u64().expect("remaining_secs");
        assert!((86_000..=86_400).contains(&left), "{doc}");
        let remaining = soak["remaining"].as_str().unwrap_or_default();
        assert!(
            remaining == "24h" || remaining.starts_with("23h 5"),
            "never `1d`: {doc}"
        );
        assert!(
            soak["location"]
                .as_str()
                .unwrap_or_default()
                .ends_with("0003_drop_old.toml:3")
        );

        let mut b = connect(db.url()).await.expect("connect");
        let by = b
            .query("SELECT applied_by FROM cutover_history WHERE version_number = 1")
            .await
            .expect("applied_by")
            .into_first_column();
        let by = by.first().cloned().unwrap_or_default();
        let id = std::process::Command::new("id")
            .arg("-un")
            .output()
            .expect("id -un");
        let os_user = String::from_utf8_lossy(&id.stdout).trim().to_string();
        assert!(!by.starts_with("unknown@"), "{by}");
        assert!(
            !os_user.is_empty() && by.starts_with(&format!("{os_user}@")),
            "{by} vs {os_user}"
        );
        b.close().await.expect("close");
    })
    .await;
}

const FILL: &str = r#"description = "fill new"
phase = "backfill"
[[steps]]
op = "backfill"
id = "t_new"
table = "t"
pending = "new IS NULL"
set.new = "upper(old)"
sync = true
"#;

#[tokio::test]
async fn explain_says_what_installing_a_sync_trigger_locks() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_t.toml", T).write("0002_new.toml", EXPAND);
        let out = up(&plan, db.url(), &[], &[]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        plan.write("0003_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let out = common::run(
            plan.path(),
            &["explain", "--database", db.url(), "--plan", dir.as_str()],
        );
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        let lock = match db.backend() {
            cutover_tests::Backend::Postgres => "SHARE ROW EXCLUSIVE",
            cutover_tests::Backend::Mysql => "exclusive metadata lock",
            cutover_tests::Backend::Sqlite => "database write lock",
        };
        assert!(
            text.contains("CREATE TRIGGER of the sync trigger") && text.contains(lock),
            "{text}"
        );
    })
    .await;
}
