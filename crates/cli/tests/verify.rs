//! `cutover verify` as a user runs it, on PostgreSQL, MariaDB and SQLite: it passes on a
//! healthy database, exits 5 and names the check and backfill after a row is broken by hand
//! (status shows the failed verification, the backfill is no longer complete and the contract
//! gate refuses), and passes again after `cutover backfill run`.

mod common;

use std::process::Output;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend};

const ITEMS: &str = r#"
description = "items with their legacy name, and the new column"
phase = "expand"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "legacy_name", type = "varchar(40)" }, { name = "name", type = "varchar(40)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, legacy_name) VALUES (1, 'apple'), (2, 'pear'), (3, 'plum')"
down = "DELETE FROM items"
"#;

const FILL: &str = r#"
description = "copy legacy_name into name"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_name"
table = "items"
pending = "name IS NULL AND legacy_name IS NOT NULL"
set.name = "upper(legacy_name)"
[[checks]]
name = "every item has a name"
table = "items"
where = "name IS NULL"
expect = 0
"#;

const DROP_LEGACY: &str = r#"
description = "drop the legacy name"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "legacy_name"
"#;

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

/// The `status --json` entry of migration `version`.
fn status_of(doc: &serde_json::Value, version: &str) -> serde_json::Value {
    doc["status"]["migrations"]
        .as_array()
        .and_then(|ms| ms.iter().find(|m| m["version"]["text"] == version))
        .cloned()
        .unwrap_or_else(|| panic!("no {version} in {doc}"))
}

fn backfill_state(doc: &serde_json::Value) -> String {
    doc["status"]["backfills"][0]["state"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn verify_passes_fails_on_a_broken_row_and_passes_after_backfill_run() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_fill.toml", FILL)
            .write("0003_drop_legacy.toml", DROP_LEGACY);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--to", "0002", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));

        // Healthy: passes, recorded, status shows it.
        let out = run(&["--json", "verify"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let doc = common::json(&out);
        assert_eq!(doc["ok"], true, "{doc}");
        assert_eq!(
            doc["verify"]["migrations"].as_array().map(Vec::len),
            Some(2)
        );
        let fill = &doc["verify"]["migrations"][1];
        assert_eq!(fill["checks"][0]["value"], "0", "{doc}");
        assert_eq!(fill["backfills"][0]["rows_pending"], false, "{doc}");
        let status = common::json(&run(&["--json", "status"]));
        assert_eq!(status_of(&status, "0002")["last_verified"]["passed"], true);
        assert_eq!(backfill_state(&status), "complete");

        // A row broken by hand: exit 5, the JSON names the check and the backfill.
        let mut b = cutover_cli::connect::connect(db.url())
            .await
            .expect("connect");
        b.execute("UPDATE items SET name = NULL WHERE id = 2")
            .await
            .expect("break a row");
        b.close().await.expect("close");
        let out = run(&["--json", "verify", "0002"]);
        assert_eq!(code(&out), Some(5), "{}", common::text(&out));
        let doc = common::json(&out);
        assert_eq!(doc["ok"], false, "{doc}");
        assert_eq!(
            doc["verify"]["migrations"].as_array().map(Vec::len),
            Some(1)
        );
        let fill = &doc["verify"]["migrations"][0];
        assert_eq!(fill["passed"], false, "{doc}");
        assert_eq!(fill["checks"][0]["name"], "every item has a name", "{doc}");
        assert_eq!(fill["checks"][0]["value"], "1", "{doc}");
        assert_eq!(fill["backfills"][0]["rows_pending"], true, "{doc}");
        assert_eq!(
            doc["verify"]["unverified_backfills"][0], "fill_name",
            "{doc}"
        );
        let failures = fill["failures"].to_string();
        assert!(failures.contains("every item has a name"), "{failures}");
        assert!(failures.contains("fill_name"), "{failures}");

        // Text output and exit code agree.
        let out = run(&["verify"]);
        assert_eq!(code(&out), Some(5), "{}", common::text(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("0002 (fill): FAILED"), "{text}");

        // Status shows the failure; the backfill is no longer complete.
        let status = common::json(&run(&["--json", "status"]));
        let last = &status_of(&status, "0002")["last_verified"];
        assert_eq!(last["passed"], false, "{status}");
        assert!(last["detail"].to_string().contains("every item has a name"));
        assert_eq!(backfill_state(&status), "done", "{status}");
        let out = run(&["status"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.lines()
                .any(|l| l.starts_with("0002") && l.contains("FAILED")),
            "{text}"
        );

        // The contract gate refuses: the column is still there.
        let out = run(&["up", "--no-backup"]);
        assert_eq!(code(&out), Some(5), "{}", common::text(&out));
        let mut b = cutover_cli::connect::connect(db.url())
            .await
            .expect("connect");
        let still = b
            .query("SELECT legacy_name FROM items WHERE id = 2")
            .await
            .expect("legacy_name is still there");
        assert_eq!(still.scalar(), Some("pear"));
        b.close().await.expect("close");

        // `backfill run` repairs the row and verifies; verify passes again.
        let out = run(&["backfill", "run", "fill_name"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let out = run(&["--json", "verify"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let status = common::json(&run(&["--json", "status"]));
        assert_eq!(status_of(&status, "0002")["last_verified"]["passed"], true);
        assert_eq!(backfill_state(&status), "complete");
    })
    .await;
}

#[tokio::test]
async fn verify_refuses_a_pending_or_unknown_version() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--to", "0001", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let out = run(&["verify", "0002"]);
        assert_eq!(code(&out), Some(1), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("0002 (fill) is not applied"),
            "{}",
            common::text(&out)
        );
        let out = run(&["verify", "0009"]);
        assert_eq!(code(&out), Some(1), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no migration 0009 in the plan"),
            "{}",
            common::text(&out)
        );
    })
    .await;
}

/// A connection of the test's own, as the application or an operator would hold it.
async fn connect(db: &cutover_tests::TestDb) -> Box<dyn cutover_core::backend::Backend> {
    cutover_cli::connect::connect(db.url())
        .await
        .expect("connect")
}

/// `verify 2` finds 0002; a table another session holds locked fails its check within the
/// lock timeout (exit 5) instead of waiting, and that run records nothing (PostgreSQL,
/// MariaDB; SQLite readers are not blocked by a writer).
#[tokio::test]
async fn verify_accepts_unpadded_versions_and_gives_up_on_a_busy_table() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let out = run(&["--json", "verify", "2"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        assert_eq!(
            common::json(&out)["verify"]["migrations"][0]["version"]["text"],
            "0002"
        );

        let mut b = connect(&db).await;
        match db.backend() {
            Backend::Postgres => {
                b.begin().await.expect("begin");
                b.execute("LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
                    .await
                    .expect("lock");
            }
            Backend::Mysql => {
                b.execute("LOCK TABLES items WRITE").await.expect("lock");
            }
            Backend::Sqlite => {
                b.close().await.expect("close");
                return;
            }
        }
        let started = std::time::Instant::now();
        let out = run(&["verify", "--lock-timeout", "1", "0002"]);
        let took = started.elapsed();
        match db.backend() {
            Backend::Postgres => b.rollback().await.expect("release"),
            _ => {
                b.execute("UNLOCK TABLES").await.expect("release");
            }
        }
        b.close().await.expect("close");
        assert_eq!(code(&out), Some(5), "{}", common::text(&out));
        assert!(took.as_secs() < 30, "verify waited {took:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("could not get a lock within 1s"),
            "{}",
            common::text(&out)
        );
        // Nothing was proven wrong: the last result and the backfill stay as they were.
        let status = common::json(&run(&["--json", "status"]));
        assert_eq!(status_of(&status, "0002")["last_verified"]["passed"], true);
        assert_eq!(backfill_state(&status), "complete");
    })
    .await;
}

/// A backfill whose checkpoint says `running` while another session holds its lock is
/// reported with its cursor and does not fail; once nobody holds the lock it is an
/// interrupted run and fails.
#[tokio::test]
async fn verify_reports_a_running_backfill_and_fails_an_interrupted_one() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let mut b = connect(&db).await;
        b.execute("UPDATE cutover_backfill SET state = 'running' WHERE id = 'fill_name'")
            .await
            .expect("mark running");
        let key = "cutover-backfill:fill_name";
        assert!(
            b.try_lock(key, std::time::Duration::from_secs(1))
                .await
                .expect("lock")
        );
        let out = run(&["verify"]);
        b.unlock(key).await.expect("unlock");
        b.close().await.expect("close");
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("backfill `fill_name` is running (cursor at"),
            "{}",
            common::text(&out)
        );
        let status = common::json(&run(&["--json", "status"]));
        assert_eq!(status_of(&status, "0002")["last_verified"]["passed"], true);

        let out = run(&["verify"]);
        assert_eq!(code(&out), Some(5), "{}", common::text(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("backfill `fill_name` was interrupted"),
            "{}",
            common::text(&out)
        );
    })
    .await;
}

/// A user that may only read runs the checks and gets their result: exit 0 when they
/// pass, 5 when one fails, with a warning that nothing was recorded (PostgreSQL, MariaDB).
#[tokio::test]
async fn verify_with_a_read_only_user_reports_and_warns() {
    for_each_backend(|db| async move {
        let (owner, ro) = match db.backend() {
            Backend::Postgres => ("://postgres@", format!("ro_{}", db.name())),
            Backend::Mysql => ("://root@", format!("ro_{}", db.name())),
            Backend::Sqlite => return,
        };
        let ro: String = ro.chars().take(60).collect();
        if !db.url().contains(owner) {
            return;
        }
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let ro_url = db.url().replacen(owner, &format!("://{ro}@"), 1);
        let run_as = |url: &str, args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", url, "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run_as(db.url(), &["up", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let mut b = connect(&db).await;
        let (grant, revoke): (Vec<String>, Vec<String>) = match db.backend() {
            Backend::Postgres => (
                vec![
                    format!("CREATE ROLE \"{ro}\" LOGIN"),
                    format!("GRANT USAGE ON SCHEMA public TO \"{ro}\""),
                    format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO \"{ro}\""),
                    // cutover's tables have row-level security on and cutover's sessions
                    // row_security = off: a reader of its history needs BYPASSRLS.
                    format!("ALTER ROLE \"{ro}\" BYPASSRLS"),
                ],
                vec![
                    format!("DROP OWNED BY \"{ro}\""),
                    format!("DROP ROLE \"{ro}\""),
                ],
            ),
            _ => (
                vec![
                    format!("CREATE USER '{ro}'@'%'"),
                    format!("GRANT SELECT ON `{}`.* TO '{ro}'@'%'", db.name()),
                ],
                vec![format!("DROP USER '{ro}'@'%'")],
            ),
        };
        for sql in &grant {
            b.execute(sql).await.expect("read-only user");
        }
        let passing = run_as(&ro_url, &["verify"]);
        b.execute("UPDATE items SET name = NULL WHERE id = 2")
            .await
            .expect("break a row");
        let failing = run_as(&ro_url, &["verify", "0002"]);
        for sql in &revoke {
            b.execute(sql).await.expect("drop the read-only user");
        }
        b.close().await.expect("close");
        assert_eq!(code(&passing), Some(0), "{}", common::text(&passing));
        let text = String::from_utf8_lossy(&passing.stdout);
        assert!(text.contains("0002 (fill): passed"), "{text}");
        assert!(
            text.contains("warning: the result could not be recorded"),
            "{text}"
        );
        assert_eq!(code(&failing), Some(5), "{}", common::text(&failing));
        let text = String::from_utf8_lossy(&failing.stdout);
        assert!(text.contains("0002 (fill): FAILED"), "{text}");
        assert!(text.contains("every item has a name"), "{text}");
        assert!(
            text.contains("warning: the result could not be recorded"),
            "{text}"
        );
        // The owner's view: the failure was not recorded by the read-only user.
        let status = common::json(&run_as(db.url(), &["--json", "status"]));
        assert!(
            status_of(&status, "0002")["last_verified"].is_null(),
            "{status}"
        );
    })
    .await;
}
