//! `cutover explain` on PostgreSQL, MariaDB and SQLite, continued: bad ranges are refused,
//! busy tables reported, impossible hypothetical indexes skipped, and a type change on a
//! foreign table judged by its live type.

mod common;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const SMALL: &str = r#"
description = "a small table"
[[steps]]
op = "create_table"
table = "small"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "a", type = "integer" }]
[[steps]]
op = "sql"
sql = "INSERT INTO small (id, a) VALUES (1, 1), (2, 2)"
down = "DELETE FROM small"
"#;

const NEW_COLUMN_INDEX: &str = r#"
description = "a new column and its index"
[[steps]]
op = "add_column"
table = "small"
column = { name = "z", type = "integer" }
[[steps]]
op = "create_index"
table = "small"
columns = ["z"]
[[checks]]
name = "a is set"
table = "small"
where = "a IS NULL"
expect = 0
"#;

/// Bad ranges are errors, unpadded versions are accepted; a table another session holds
/// locked is reported as busy within the lock timeout (PostgreSQL, MariaDB; SQLite readers
/// are not blocked by a writer); with hypopg, an index on a column a pending step adds is
/// skipped with a note instead of aborting.
#[tokio::test]
async fn explain_refuses_bad_ranges_reports_busy_tables_and_skips_impossible_hypothetical_indexes()
{
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_small.toml", SMALL)
            .write("0002_z.toml", NEW_COLUMN_INDEX);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--to", "0001", "--no-backup", "--allow-lint-errors"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));

        let out = run(&["explain", "--from", "0009"]);
        assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no migration 0009 in the plan"),
            "{}",
            common::text(&out)
        );
        let out = run(&["explain", "--from", "0002", "--to", "0001"]);
        assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("the range is empty"),
            "{}",
            common::text(&out)
        );
        let out = run(&["--json", "explain", "--from", "2"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let doc: serde_json::Value = common::json(&out);
        assert_eq!(doc["explain"]["migrations"][0]["version"]["text"], "0002");

        let mut b = cutover_cli::connect::connect(db.url())
            .await
            .expect("connect");
        // hypopg cannot make an index on `z` before step 1 adds it: a note, not an abort.
        if db.backend() == Backend::Postgres
            && snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM pg_available_extensions WHERE name = 'hypopg'",
            )
            .await
                == 1
        {
            b.execute("CREATE EXTENSION hypopg").await.expect("hypopg");
            let out = run(&["--json", "explain"]);
            assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
            let doc: serde_json::Value = common::json(&out);
            let notes = doc["explain"]["notes"].to_string();
            assert!(
                notes.contains("hypothetical index of 0002 step 2 skipped"),
                "{notes}"
            );
            assert_eq!(
                doc["explain"]["migrations"][0]["steps"][1]["op"],
                "create_index"
            );
        }

        let lock = match db.backend() {
            Backend::Postgres => "LOCK TABLE small IN ACCESS EXCLUSIVE MODE",
            Backend::Mysql => "LOCK TABLES small WRITE",
            Backend::Sqlite => {
                b.close().await.expect("close");
                return;
            }
        };
        if db.backend() == Backend::Postgres {
            b.begin().await.expect("begin");
        }
        b.execute(lock).await.expect("lock small");
        let started = std::time::Instant::now();
        let out = run(&["explain", "--lock-timeout", "1"]);
        let took = started.elapsed();
        match db.backend() {
            Backend::Postgres => b.rollback().await.expect("release"),
            _ => {
                b.execute("UNLOCK TABLES").await.expect("release");
            }
        }
        b.close().await.expect("close");
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert!(took.as_secs() < 30, "explain waited {took:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("could not get a lock within 1s"),
            "{}",
            common::text(&out)
        );
    })
    .await;
}

const WIDEN: &str = r#"
description = "widen columns of a table the plan did not create"
[[steps]]
op = "alter_column"
table = "legacy"
column = "x"
type = "bigint"
nullable = true
[[steps]]
op = "add_column"
table = "legacy"
column = { name = "y", type = "integer" }
[[steps]]
op = "alter_column"
table = "legacy"
column = "y"
type = "bigint"
"#;

/// A type change on a table the plan did not create is judged from the column's type in
/// the database (or the pending add_column), not assumed catalog-only: integer -> bigint
/// rewrites on PostgreSQL and copies on MariaDB.
#[tokio::test]
async fn explain_judges_type_changes_on_foreign_tables_by_the_live_type() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_widen.toml", WIDEN);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let mut b = cutover_cli::connect::connect(db.url())
            .await
            .expect("connect");
        b.execute("CREATE TABLE legacy (id bigint PRIMARY KEY, x integer)")
            .await
            .expect("legacy table");
        b.execute("INSERT INTO legacy (id, x) VALUES (1, 1), (2, 2)")
            .await
            .expect("rows");
        b.close().await.expect("close");
        let out = common::run(
            plan.path(),
            &["--json", "explain", "--database", db.url(), "--plan", &dir],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let doc: serde_json::Value = common::json(&out);
        let steps = &doc["explain"]["migrations"][0]["steps"];
        let expected = match db.backend() {
            Backend::Postgres | Backend::Mysql => "rewrite",
            Backend::Sqlite => "rebuild",
        };
        for i in [0, 2] {
            assert_eq!(
                steps[i]["impact"]["work"],
                expected,
                "step {}: {doc}",
                i + 1
            );
            if db.backend() != Backend::Sqlite {
                let note = steps[i]["impact"]["note"].to_string();
                assert!(note.contains("integer -> bigint"), "{note}");
            }
        }
    })
    .await;
}
