//! Statements that commit on their own (MySQL DDL, PostgreSQL `CONCURRENTLY`) after an
//! interruption, and a session killed mid-statement.

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

use super::*;

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

const STAMPED: &str = r#"
description = "notes"
[[steps]]
op = "create_table"
table = "notes"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "changed", type = "timestamp" }]
allow = [{ rule = "pg/prefer-timestamptz", reason = "test" }]
"#;

/// MySQL/MariaDB (red-team rt4 F5): `CREATE TRIGGER` commits on its own; a run interrupted
/// after it, with the trigger in the schema, finishes without "resuming at statement 3 of 2"
/// and names the statement whose effect it found.
#[tokio::test]
async fn mysql_trigger_whose_effect_is_present_finishes_without_a_bogus_resume() {
    for_each_backend(|db| async move {
        if db.backend() != Kind::Mysql {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_notes.toml", STAMPED).write(
            "0002_trigger.toml",
            "description = \"notes updated_at\"\n[[steps]]\nop = \"updated_at_trigger\"\ntable = \"notes\"\ncolumn = \"changed\"\n",
        );
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect("up");
        b.execute("UPDATE cutover_history SET state = 'partial', statements_applied = 1 WHERE version_number = 2")
            .await
            .expect("pretend the run stopped after statement 1");
        let warnings = Warnings::default();
        up_with(b.as_mut(), &dir.load(), &warnings)
            .await
            .expect("resume");
        let all = warnings.all();
        assert!(
            all.iter().any(|w| w.contains("statement 2 was interrupted but its effect is in the schema (statement 2 of 2, `CREATE TRIGGER")),
            "{all:?}"
        );
        assert!(
            all.iter().any(|w| w.contains("all 2 statements had already taken effect")),
            "{all:?}"
        );
        assert!(!all.iter().any(|w| w.contains("statement 3 of 2")), "{all:?}");
        assert_eq!(progress(b.as_mut(), 2).await, ("applied".into(), 2, 2));
        b.close().await.expect("close");
    })
    .await;
}
