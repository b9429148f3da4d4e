//! Exact resume of migrations that run statement by statement (issue 10, item 2), on real
//! PostgreSQL, MariaDB and SQLite: a resume never runs again a statement that committed,
//! and the error says exactly which statements stay applied.

use std::sync::Mutex;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Event, Reporter, RunReport, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

fn options() -> RunnerOptions {
    RunnerOptions {
        retry_backoff: std::time::Duration::from_millis(50),
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    }
}

/// Keeps the warnings a run reports.
#[derive(Default)]
struct Warnings(Mutex<Vec<String>>);

impl Reporter for Warnings {
    fn event(&self, e: &Event<'_>) {
        if let Event::Warning(w) = e {
            self.0.lock().expect("not poisoned").push(w.to_string());
        }
    }
}

impl Warnings {
    fn all(&self) -> Vec<String> {
        self.0.lock().expect("not poisoned").clone()
    }
}

async fn up_with(
    backend: &mut dyn Backend,
    plan: &Plan,
    reporter: &dyn Reporter,
) -> cutover_core::Result<RunReport> {
    Runner::new(backend, plan, options(), reporter)
        .up(Target::Latest)
        .await
}

async fn up(backend: &mut dyn Backend, plan: &Plan) -> cutover_core::Result<RunReport> {
    up_with(backend, plan, &Silent).await
}

/// `(state, statements_applied, statements_total)` of migration `version` in the history.
async fn progress(b: &mut dyn Backend, version: u64) -> (String, i64, i64) {
    let rows = b
        .query(&format!(
            "SELECT state, statements_applied, statements_total FROM cutover_history WHERE version_number = {version}"
        ))
        .await
        .expect("read history");
    let row = rows.rows.first().expect("history row");
    let text = |i: usize| row[i].clone().expect("not null");
    (
        text(0),
        text(1).parse().expect("number"),
        text(2).parse().expect("number"),
    )
}

/// Pretends that the run applying `version` was killed right after statement `done + 1`
/// committed on its own, before its progress row was written.
async fn pretend_interrupted(b: &mut dyn Backend, version: u64, done: i64, checksums: &str) {
    b.execute(&format!(
        "UPDATE cutover_history SET state = 'partial', statements_applied = {done}, statement_checksums = '{checksums}' WHERE version_number = {version}"
    ))
    .await
    .expect("rewrite history");
}

async fn v_of(b: &mut dyn Backend) -> i64 {
    snapshot::count(b, "SELECT v FROM base WHERE id = 1").await
}

const BASE: &str = r#"
description = "base"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "bigint" }]
[[steps]]
op = "sql"
sql = "INSERT INTO base (id, v) VALUES (1, 0)"
down = "DELETE FROM base"
"#;

const UPDATE_THEN_FAIL: &str = r#"
description = "bump"
[[steps]]
op = "sql"
sql = "UPDATE base SET v = v + 1 WHERE id = 1; INSERT INTO no_such_table (id) VALUES (1)"
down = "UPDATE base SET v = v - 1 WHERE id = 1"
"#;

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

/// The statement checksums recorded for `version`, first `n` of them.
async fn recorded_checksums(b: &mut dyn Backend, version: u64, n: usize) -> String {
    let rows = b
        .query(&format!(
            "SELECT statement_checksums FROM cutover_history WHERE version_number = {version}"
        ))
        .await
        .expect("read history");
    let all = rows.scalar().unwrap_or_default().to_string();
    all.split(',').take(n).collect::<Vec<_>>().join(",")
}

const SCHEMA_STEPS: &str = r#"
description = "schema steps"
transaction = false
[[steps]]
op = "sql"
sql = "CREATE TABLE a (id BIGINT PRIMARY KEY)"
down = "DROP TABLE a"
[[steps]]
op = "add_column"
table = "a"
column = { name = "c", type = "integer" }
[[steps]]
op = "create_index"
table = "a"
name = "i_a_c"
columns = ["c"]
[[steps]]
op = "add_check"
table = "a"
name = "ck_a_c"
expr = "c >= 0"
[[steps]]
op = "sql"
sql = "INSERT INTO no_such_table (id) VALUES (1)"
down = "DELETE FROM no_such_table"
"#;

/// MySQL DDL commits on its own: when a run stops after statement `k` committed but
/// before its progress was written, the resume finds its effect in the schema (table,
/// column, index, check constraint) and records it instead of failing on "already exists".
#[tokio::test]
async fn mysql_ddl_whose_effect_is_present_is_not_run_again() {
    for k in 1..=4usize {
        for_each_backend(|db| async move {
            if db.backend() != Kind::Mysql {
                // DDL commits together with its progress there: the state cannot arise.
                return;
            }
            let dir = PlanDir::new();
            dir.write("0001_base.toml", BASE)
                .write("0002_schema.toml", SCHEMA_STEPS);
            let mut b = connect(db.url()).await.expect("connect");
            let err = up(b.as_mut(), &dir.load()).await.expect_err("insert fails");
            assert!(
                err.to_string().contains("statements 1-4 stay applied"),
                "{err}"
            );
            // Undo what the statements after `k` did: as if the run died right after `k`.
            let undo: &[&str] = match k {
                1 => &[
                    "ALTER TABLE a DROP CONSTRAINT ck_a_c",
                    "DROP INDEX i_a_c ON a",
                    "ALTER TABLE a DROP COLUMN c",
                ],
                2 => &[
                    "ALTER TABLE a DROP CONSTRAINT ck_a_c",
                    "DROP INDEX i_a_c ON a",
                ],
                3 => &["ALTER TABLE a DROP CONSTRAINT ck_a_c"],
                _ => &[],
            };
            for sql in undo {
                b.execute(sql).await.expect("undo");
            }
            let sums = recorded_checksums(b.as_mut(), 2, k - 1).await;
            pretend_interrupted(b.as_mut(), 2, k as i64 - 1, &sums).await;
            b.execute("CREATE TABLE no_such_table (id BIGINT PRIMARY KEY)")
                .await
                .expect("fix");
            let warnings = Warnings::default();
            up_with(b.as_mut(), &dir.load(), &warnings)
                .await
                .unwrap_or_else(|e| panic!("resume after statement {k}: {e}"));
            assert!(
                warnings.all().iter().any(|w| w.contains(&format!(
                    "statement {k} was interrupted but its effect is in the schema"
                ))),
                "{:?}",
                warnings.all()
            );
            assert_eq!(progress(b.as_mut(), 2).await, ("applied".into(), 5, 5));
            assert_eq!(
                snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM no_such_table").await,
                1
            );
            b.close().await.expect("close");
        })
        .await;
    }
}

/// An interrupted DDL statement whose effect is not in the schema runs again; one whose
/// effect cannot be read is refused once with a precise message, then runs.
#[tokio::test]
async fn mysql_interrupted_ddl_runs_again_or_is_refused_once() {
    for_each_backend(|db| async move {
        if db.backend() != Kind::Mysql {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE).write(
            "0002_alter.toml",
            "description = \"alter\"\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE a (id BIGINT PRIMARY KEY); ALTER TABLE base MODIFY v INT NOT NULL DEFAULT 0; INSERT INTO no_such_table (id) VALUES (1)\"\n",
        );
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect_err("insert fails");
        // As if the run died while CREATE TABLE a was running, before it took effect.
        b.execute("DROP TABLE a").await.expect("drop a");
        pretend_interrupted(b.as_mut(), 2, 0, "").await;
        let again = up(b.as_mut(), &dir.load()).await.expect_err("insert fails");
        assert!(again.to_string().contains("statement 3/3"), "{again}");
        assert!(
            snapshot::tables(b.as_mut()).await.contains(&"a".to_string()),
            "CREATE TABLE a ran again"
        );
        // As if it died while the MODIFY ran: its effect cannot be read from the schema.
        let sums = recorded_checksums(b.as_mut(), 2, 1).await;
        pretend_interrupted(b.as_mut(), 2, 1, &sums).await;
        b.execute("CREATE TABLE no_such_table (id BIGINT PRIMARY KEY)")
            .await
            .expect("fix");
        let refused = up(b.as_mut(), &dir.load())
            .await
            .expect_err("outcome unknown");
        assert!(
            matches!(refused.root(), Error::UncertainStatement { statement: 2, total: 3, .. }),
            "{refused:?}"
        );
        let text = refused.to_string();
        assert!(
            text.contains("statement 2/3 (`ALTER TABLE base MODIFY v INT NOT NULL DEFAULT 0`)")
                && text.contains("may or may not have taken effect")
                && text.contains("then run `cutover up` again, which runs it"),
            "{text}"
        );
        assert_eq!(progress(b.as_mut(), 2).await, ("failed".into(), 1, 3));
        // The operator looked: the next run runs it (MODIFY is harmless to repeat).
        up(b.as_mut(), &dir.load()).await.expect("runs it");
        assert_eq!(progress(b.as_mut(), 2).await, ("applied".into(), 3, 3));
        b.close().await.expect("close");
    })
    .await;
}

/// PostgreSQL `CREATE INDEX CONCURRENTLY` commits on its own: an interrupted one whose
/// index exists (and is valid) is recorded, not run again.
#[tokio::test]
async fn postgres_concurrent_index_whose_effect_is_present_is_not_run_again() {
    for_each_backend(|db| async move {
        if db.backend() != Kind::Postgres {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE).write(
            "0002_index.toml",
            "description = \"index\"\ntransaction = false\n[[steps]]\nop = \"sql\"\nsql = \"CREATE INDEX CONCURRENTLY i_base_v ON base (v); INSERT INTO no_such_table (id) VALUES (1)\"\n",
        );
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect_err("insert fails");
        pretend_interrupted(b.as_mut(), 2, 0, "").await;
        b.execute("CREATE TABLE no_such_table (id BIGINT PRIMARY KEY)")
            .await
            .expect("fix");
        let warnings = Warnings::default();
        up_with(b.as_mut(), &dir.load(), &warnings)
            .await
            .expect("resume");
        assert!(
            warnings
                .all()
                .iter()
                .any(|w| w.contains("statement 1 was interrupted but its effect is in the schema")),
            "{:?}",
            warnings.all()
        );
        assert_eq!(progress(b.as_mut(), 2).await, ("applied".into(), 2, 2));
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

const SLOW_BUMP: &str = r#"
description = "slow bump"
transaction = false
[[steps]]
op = "sql"
postgres = "UPDATE base SET v = v + 1 WHERE id = 1 AND pg_sleep(1.5)::text = ''; INSERT INTO marker (id) VALUES (1)"
mysql = "UPDATE base SET v = v + 1 WHERE id = 1 AND SLEEP(1.5) = 0; INSERT INTO marker (id) VALUES (1)"
dialects = ["postgres", "mysql"]
down = "DELETE FROM marker"
"#;

/// The session is killed from the server while a statement runs: the runner reconnects,
/// reads the history to learn that the statement's transaction did not commit, and runs it
/// once more; nothing runs twice.
#[tokio::test]
async fn a_statement_killed_mid_run_is_retried_exactly_once() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // No server session to kill.
        }
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE).write(
            "0002_marker.toml",
            "description = \"marker\"\n[[steps]]\nop = \"create_table\"\ntable = \"marker\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n",
        );
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect("base");
        dir.write("0003_slow.toml", SLOW_BUMP);
        let mut killer = connect(db.url()).await.expect("killer");
        let find = if db.backend() == Kind::Postgres {
            "SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg\\_sleep(1.5)%' AND pid <> pg_backend_pid()"
        } else {
            "SELECT id FROM information_schema.processlist WHERE info LIKE '%SLEEP(1.5)%' AND id <> CONNECTION_ID()"
        };
        let postgres = db.backend() == Kind::Postgres;
        let kill = tokio::spawn(async move {
            for _ in 0..100 {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let rows = killer.query(find).await.expect("find session");
                if let Some(id) = rows.scalar() {
                    let sql = if postgres {
                        format!("SELECT pg_terminate_backend({id})")
                    } else {
                        format!("KILL {id}")
                    };
                    killer.execute(&sql).await.expect("kill");
                    return true;
                }
            }
            false
        });
        let plan = dir.load();
        let report = up(b.as_mut(), &plan).await.expect("up after the kill");
        assert!(kill.await.expect("killer task"), "the statement was killed");
        assert_eq!(report.migrations.len(), 1);
        assert_eq!(v_of(b.as_mut()).await, 1, "the UPDATE committed once");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM marker").await,
            1
        );
        assert_eq!(progress(b.as_mut(), 3).await, ("applied".into(), 2, 2));
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
