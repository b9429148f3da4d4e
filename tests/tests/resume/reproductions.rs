//! The issue's reproductions and the "stay applied" messages.

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

use super::*;

/// The issue's first reproduction: the UPDATE commits, the INSERT fails; after the fix the
/// resume must not increment `v` again.
#[tokio::test]
async fn update_then_failing_insert_increments_once() {
    for transaction in [true, false] {
        for_each_backend(|db| async move {
            let dir = PlanDir::new();
            let bump = if transaction {
                UPDATE_THEN_FAIL.to_string()
            } else {
                format!("transaction = false\n{UPDATE_THEN_FAIL}")
            };
            dir.write("0001_base.toml", BASE)
                .write("0002_bump.toml", &bump);
            let mut b = connect(db.url()).await.expect("connect");
            let err = up(b.as_mut(), &dir.load()).await.expect_err("insert fails");
            let text = err.to_string();
            assert!(text.contains("statement 2/2"), "{text}");
            assert!(!text.contains("1-0"), "{text}");
            let stepwise = db.backend() == Kind::Mysql || !transaction;
            if stepwise {
                assert!(
                    text.contains("statement 1 stays applied")
                        && text.contains("resume at statement 2"),
                    "{text}"
                );
                assert_eq!(v_of(b.as_mut()).await, 1, "the UPDATE committed");
                assert_eq!(progress(b.as_mut(), 2).await, ("failed".into(), 1, 2));
            } else {
                assert!(
                    text.contains("the migration was rolled back, nothing of it stays applied"),
                    "{text}"
                );
                assert_eq!(v_of(b.as_mut()).await, 0, "rolled back");
            }
            b.execute("CREATE TABLE no_such_table (id BIGINT PRIMARY KEY)")
                .await
                .expect("fix");
            let warnings = Warnings::default();
            let report = up_with(b.as_mut(), &dir.load(), &warnings)
                .await
                .expect("resume");
            assert_eq!(report.migrations.len(), 1);
            assert_eq!(v_of(b.as_mut()).await, 1, "incremented exactly once");
            assert_eq!(
                snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM no_such_table").await,
                1
            );
            assert_eq!(progress(b.as_mut(), 2).await, ("applied".into(), 2, 2));
            if stepwise {
                assert!(
                    warnings
                        .all()
                        .iter()
                        .any(|w| w.contains("resuming at statement 2 of 2")),
                    "{:?}",
                    warnings.all()
                );
            }
            b.close().await.expect("close");
        })
        .await;
    }
}

const TWO_TABLES: &str = r#"
description = "two tables"
transaction = false
[[steps]]
op = "sql"
sql = "CREATE TABLE a (id BIGINT PRIMARY KEY); CREATE TABLE b AS SELECT id FROM missing"
down = "DROP TABLE b; DROP TABLE a"
"#;

/// The issue's second reproduction: two CREATE TABLEs in one step, the second failing.
/// The resume creates only the second table; the messages count correctly.
#[tokio::test]
async fn two_create_tables_resume_after_the_first() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE)
            .write("0002_two.toml", TWO_TABLES);
        let mut b = connect(db.url()).await.expect("connect");
        let err = up(b.as_mut(), &dir.load()).await.expect_err("b fails");
        let text = err.to_string();
        assert!(
            text.contains("statement 2/2; statement 1 stays applied"),
            "{text}"
        );
        assert_eq!(progress(b.as_mut(), 2).await, ("failed".into(), 1, 2));
        b.execute("CREATE TABLE missing (id BIGINT PRIMARY KEY)")
            .await
            .expect("fix");
        b.execute("INSERT INTO missing (id) VALUES (7)")
            .await
            .expect("fix");
        up(b.as_mut(), &dir.load()).await.expect("resume");
        assert_eq!(snapshot::rows(b.as_mut(), "b").await, ["7"]);
        assert_eq!(progress(b.as_mut(), 2).await, ("applied".into(), 2, 2));
        b.close().await.expect("close");
    })
    .await;
}

/// A failing first statement: nothing stays applied, and the message says so.
#[tokio::test]
async fn a_failing_first_statement_says_nothing_stays_applied() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE).write(
            "0002_fail.toml",
            "description = \"fail\"\ntransaction = false\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO no_such_table (id) VALUES (1); UPDATE base SET v = 5\"\n",
        );
        let mut b = connect(db.url()).await.expect("connect");
        let err = up(b.as_mut(), &dir.load()).await.expect_err("fails");
        let text = err.to_string();
        assert!(
            text.contains("statement 1/2; no statement of it stays applied; fix the cause and run `cutover up` again to resume at statement 1"),
            "{text}"
        );
        assert_eq!(v_of(b.as_mut()).await, 0);
        b.close().await.expect("close");
    })
    .await;
}

const WITH_BACKFILL: &str = r#"
description = "bump, backfill, then fail"
[[steps]]
op = "sql"
sql = "UPDATE base SET v = v + 1 WHERE id = 1; INSERT INTO counter (n) VALUES (1)"
down = "UPDATE base SET v = v - 1 WHERE id = 1"
[[steps]]
op = "backfill"
id = "doubled"
table = "base"
set.w = "base.v * 10"
[[steps]]
op = "sql"
sql = "INSERT INTO no_such_table (id) VALUES (1)"
down = "DELETE FROM no_such_table"
"#;

/// A migration with a backfill runs step by step on every database (the backfill commits
/// batch by batch): after a failure behind the backfill, the resume runs neither the
/// earlier statements nor the backfill again.
#[tokio::test]
async fn a_migration_with_a_backfill_resumes_after_its_last_committed_statement() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE).write(
            "0002_counter.toml",
            "description = \"counter\"\n[[steps]]\nop = \"create_table\"\ntable = \"counter\"\ncolumns = [{ name = \"n\", type = \"bigint\" }]\n[[steps]]\nop = \"add_column\"\ntable = \"base\"\ncolumn = { name = \"w\", type = \"bigint\" }\n",
        )
        .write("0003_bump.toml", WITH_BACKFILL);
        let mut b = connect(db.url()).await.expect("connect");
        let err = up(b.as_mut(), &dir.load()).await.expect_err("insert fails");
        let text = err.to_string();
        assert!(
            text.contains("statement 4/4; statements 1-3 stay applied")
                && text.contains("resume at statement 4"),
            "{text}"
        );
        assert_eq!(v_of(b.as_mut()).await, 1);
        assert_eq!(progress(b.as_mut(), 3).await, ("failed".into(), 3, 4));
        b.execute("CREATE TABLE no_such_table (id BIGINT PRIMARY KEY)")
            .await
            .expect("fix");
        up(b.as_mut(), &dir.load()).await.expect("resume");
        assert_eq!(v_of(b.as_mut()).await, 1, "the UPDATE ran once");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM counter").await,
            1,
            "the INSERT ran once"
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT w FROM base WHERE id = 1").await,
            10
        );
        assert_eq!(progress(b.as_mut(), 3).await, ("applied".into(), 4, 4));
        b.close().await.expect("close");
    })
    .await;
}

const SESSION_SETTING: &str = r#"
description = "uses a session setting"
transaction = false
[[steps]]
op = "sql"
postgres = "SET cutover_test.bump = '5'; UPDATE base SET v = v + current_setting('cutover_test.bump')::int WHERE id = 1; INSERT INTO no_such_table (id) VALUES (1); UPDATE base SET v = v + current_setting('cutover_test.bump')::int WHERE id = 1"
mysql = "SET @bump = 5; UPDATE base SET v = v + @bump WHERE id = 1; INSERT INTO no_such_table (id) VALUES (1); UPDATE base SET v = v + @bump WHERE id = 1"
dialects = ["postgres", "mysql"]
down = "UPDATE base SET v = 0"
"#;

/// A resume runs in a new session: the session settings among the statements that already
/// ran are set again first, so the statements after the resume point see them.
#[tokio::test]
async fn a_resume_sets_the_session_settings_again() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // No session variables.
        }
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE)
            .write("0002_setting.toml", SESSION_SETTING);
        let mut first = connect(db.url()).await.expect("connect");
        up(first.as_mut(), &dir.load())
            .await
            .expect_err("insert fails");
        assert_eq!(v_of(first.as_mut()).await, 5);
        first.close().await.expect("close");
        let mut b = connect(db.url()).await.expect("new session");
        b.execute("CREATE TABLE no_such_table (id BIGINT PRIMARY KEY)")
            .await
            .expect("fix");
        up(b.as_mut(), &dir.load()).await.expect("resume");
        assert_eq!(v_of(b.as_mut()).await, 10, "the setting was there again");
        b.close().await.expect("close");
    })
    .await;
}

/// A migration that ran part way statement by statement and now would run in one
/// transaction (its `transaction = false` was removed) is refused: the transaction would
/// run the committed statements again.
#[tokio::test]
async fn a_partly_applied_migration_is_not_run_again_in_one_transaction() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Mysql {
            return; // Always statement by statement there.
        }
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE).write(
            "0002_bump.toml",
            &format!("transaction = false\n{UPDATE_THEN_FAIL}"),
        );
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect_err("insert fails");
        dir.write("0002_bump.toml", UPDATE_THEN_FAIL);
        b.execute("CREATE TABLE no_such_table (id BIGINT PRIMARY KEY)")
            .await
            .expect("fix");
        let err = up(b.as_mut(), &dir.load()).await.expect_err("refused");
        let text = err.to_string();
        assert!(
            text.contains("0002_bump.toml")
                && text.contains("statement 1 already ran on this database")
                && text.contains("`transaction = false`"),
            "{text}"
        );
        assert_eq!(v_of(b.as_mut()).await, 1, "nothing ran again");
        b.close().await.expect("close");
    })
    .await;
}

/// A failed verification of a migration that ran statement by statement rolls nothing
/// back: the error says every statement stays applied; fixing the data and running `up`
/// again runs only the verification.
#[tokio::test]
async fn a_failed_verification_says_every_statement_stays_applied() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE).write(
            "0002_check.toml",
            "description = \"bump and check\"\ntransaction = false\n[[steps]]\nop = \"sql\"\nsql = \"UPDATE base SET v = v + 1 WHERE id = 1; INSERT INTO base (id, v) VALUES (2, 0)\"\ndown = \"DELETE FROM base WHERE id = 2\"\n[[checks]]\nname = \"no zero\"\ntable = \"base\"\nwhere = \"v = 0\"\nexpect = 0\n",
        );
        let mut b = connect(db.url()).await.expect("connect");
        let err = up(b.as_mut(), &dir.load()).await.expect_err("check fails");
        assert!(matches!(err.root(), Error::CheckFailed { .. }), "{err}");
        let text = err.to_string();
        assert!(
            text.contains("statements 1-2 stay applied and it is marked failed"),
            "{text}"
        );
        assert_eq!(progress(b.as_mut(), 2).await, ("failed".into(), 2, 2));
        b.execute("UPDATE base SET v = 5 WHERE id = 2")
            .await
            .expect("fix the data");
        up(b.as_mut(), &dir.load()).await.expect("verification passes");
        assert_eq!(v_of(b.as_mut()).await, 1, "the UPDATE did not run again");
        assert_eq!(progress(b.as_mut(), 2).await, ("applied".into(), 2, 2));
        b.close().await.expect("close");
    })
    .await;
}
