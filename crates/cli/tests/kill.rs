//! `cutover up` killed with SIGKILL in the middle of a migration.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

const FIRST: &str = r#"
description = "a table that exists before"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

/// A migration whose second statement takes a few seconds on every dialect.
const SLOW: &str = r#"
description = "create k1, take a few seconds, create k2"
[[steps]]
op = "create_table"
table = "k1"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "sql"
postgres = "SELECT pg_sleep(4)"
mysql = "DO SLEEP(4)"
sqlite = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 30000000) INSERT INTO k1 (id) SELECT x FROM c WHERE x % 1000000 = 0"
down = "SELECT 1"
[[steps]]
op = "create_table"
table = "k2"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

#[tokio::test]
async fn a_killed_run_leaves_nothing_or_resumes() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_base.toml", FIRST)
            .write("0002_slow.toml", SLOW);
        let mut child = Command::new(common::bin())
            .args(["up", "--database", db.url(), "--plan"])
            .arg(plan.path())
            .env_remove("DATABASE_URL")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        // Wait until the slow statement is running: k1 exists (visible on MySQL) or
        // simply give the run time to reach it.
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert!(
            child.try_wait().expect("poll").is_none(),
            "the run must still be busy"
        );
        child.kill().expect("SIGKILL");
        child.wait().expect("reap");

        let mut b = connect(db.url()).await.expect("connect");
        let status = common::run(
            plan.path(),
            &[
                "status",
                "--json",
                "--database",
                db.url(),
                "--plan",
                plan.path().to_str().expect("utf8"),
            ],
        );
        let doc: serde_json::Value = serde_json::from_slice(&status.stdout).expect("status json");
        let second = &doc["status"]["migrations"][1];
        if db.backend() == Kind::Mysql {
            // DDL committed statement by statement: the partial state is reported...
            assert_eq!(second["state"], "partial", "{doc}");
            assert_eq!(second["progress"], serde_json::json!([1, 3]), "{doc}");
            assert!(
                snapshot::tables(b.as_mut())
                    .await
                    .contains(&"k1".to_string())
            );
        } else {
            // ...elsewhere the transaction died with the process: nothing of it remains.
            assert_eq!(second["state"], "pending", "{doc}");
            let tables = snapshot::tables(b.as_mut()).await;
            assert!(!tables.contains(&"k1".to_string()), "{tables:?}");
        }
        // A new run (waiting for the dead session's lock to go) finishes the job.
        let out = common::run(
            plan.path(),
            &[
                "up",
                "--database",
                db.url(),
                "--plan",
                plan.path().to_str().expect("utf8"),
                "--lock-timeout",
                "60",
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let tables = snapshot::tables(b.as_mut()).await;
        assert!(
            tables.contains(&"k1".to_string()) && tables.contains(&"k2".to_string()),
            "{tables:?}"
        );
        let applied = snapshot::count(
            b.as_mut(),
            "SELECT COUNT(*) FROM cutover_history WHERE state = 'applied'",
        )
        .await;
        assert_eq!(applied, 2);
        b.close().await.expect("close");
    })
    .await;
}
