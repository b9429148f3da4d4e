//! The runner on real PostgreSQL, MariaDB and SQLite when statements fail: a failing
//! statement resumes on MySQL and rolls back elsewhere; a DDL lock timeout is retried with
//! backoff.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

use cutover_tests::runner_setup::{T1, options, up};

const THREE_STATEMENTS: &str = r#"
description = "three inserts, the second needs a table that is missing"
[[steps]]
op = "sql"
sql = "INSERT INTO t1 (id, note) VALUES (1, 'first')"
down = "DELETE FROM t1 WHERE id = 1"
[[steps]]
op = "sql"
sql = "INSERT INTO missing_table (id) VALUES (1)"
down = "DELETE FROM missing_table"
[[steps]]
op = "sql"
sql = "INSERT INTO t1 (id, note) VALUES (2, 'third')"
down = "DELETE FROM t1 WHERE id = 2"
"#;

#[tokio::test]
async fn a_failing_statement_resumes_on_mysql_and_rolls_back_elsewhere() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t1.toml", T1)
            .write("0002_inserts.toml", THREE_STATEMENTS);
        let mut b = connect(db.url()).await.expect("connect");
        let err = up(b.as_mut(), &dir.load())
            .await
            .expect_err("statement 2 fails");
        let text = err.to_string();
        assert!(
            text.contains("0002 (inserts)") && text.contains("statement 2/3"),
            "{text}"
        );
        let status = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .status()
            .await
            .expect("status");
        let m = &status.migrations[1];
        assert_eq!(m.state, "failed");
        let in_t1 = snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM t1").await;
        if db.backend() == Kind::Mysql {
            assert_eq!(
                m.progress,
                Some((1, 3)),
                "progress is recorded per statement"
            );
            assert_eq!(in_t1, 1, "statement 1 stays applied");
            // Editing a statement that already ran is refused.
            let edited = PlanDir::new();
            edited.write("0001_t1.toml", T1).write(
                "0002_inserts.toml",
                &THREE_STATEMENTS.replace("'first'", "'edited'"),
            );
            let refused = up(b.as_mut(), &edited.load())
                .await
                .expect_err("edited applied statement");
            assert!(
                refused.to_string().contains("statement 1 already ran"),
                "{refused}"
            );
        } else {
            assert_eq!(m.progress, Some((0, 3)));
            assert_eq!(in_t1, 0, "the transaction was rolled back");
        }
        // Fix the cause and run again: MySQL resumes at statement 2, the others start over.
        b.execute("CREATE TABLE missing_table (id BIGINT PRIMARY KEY)")
            .await
            .expect("fix");
        let report = up(b.as_mut(), &dir.load()).await.expect("resume");
        assert_eq!(report.migrations.len(), 1);
        assert_eq!(
            snapshot::rows(b.as_mut(), "t1").await,
            ["1|first", "2|third"]
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM missing_table").await,
            1
        );
    })
    .await;
}

/// Counts retry events.
#[derive(Default)]
struct CountRetries(std::sync::atomic::AtomicUsize);

impl cutover_core::runner::Reporter for CountRetries {
    fn event(&self, e: &cutover_core::runner::Event<'_>) {
        if matches!(e, cutover_core::runner::Event::Retry { .. }) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

#[tokio::test]
async fn a_ddl_lock_timeout_is_retried_with_backoff() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t1.toml", T1);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir.load()).await.expect("up t1");
        dir.write(
            "0002_add.toml",
            "description = \"add a column\"\n[[steps]]\nop = \"add_column\"\ntable = \"t1\"\ncolumn = { name = \"extra\", type = \"integer\" }\n",
        );
        // Another session holds a lock on t1 for 1.5 s.
        let mut holder = connect(db.url()).await.expect("holder");
        holder.begin().await.expect("begin");
        holder.query("SELECT COUNT(*) FROM t1").await.expect("touch t1");
        let release = tokio::spawn(async move {
            tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
            holder.commit().await.expect("release");
            holder
        });
        let plan = dir.load();
        let mut opts = options();
        opts.timeouts.lock = std::time::Duration::from_millis(200);
        opts.retry_backoff = std::time::Duration::from_millis(300);
        opts.retries = 6;
        let retries = CountRetries::default();
        let report = Runner::new(b.as_mut(), &plan, opts, &retries).up(Target::Latest).await.expect("up after retries");
        assert_eq!(report.migrations.len(), 1);
        let seen = retries.0.load(std::sync::atomic::Ordering::SeqCst);
        if db.backend() != Kind::Sqlite {
            // (SQLite writers queue on the database lock instead of timing out.)
            assert!(seen >= 1, "the blocked ALTER was retried");
        }
        assert!(snapshot::schema(b.as_mut()).await.iter().any(|l| l.contains("extra")));
        release.await.expect("holder task").close().await.expect("close");
    })
    .await;
}
