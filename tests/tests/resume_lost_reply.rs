//! Exact resume when the database did the work but its reply was lost (issue 10, item 2):
//! a real database behind a thin wrapper that, once, runs a call for real and then reports
//! a lost connection, as a network cut right after the server committed would. The runner
//! must learn from the history (DML) or the live schema (MySQL DDL) that the statement
//! committed, and not run it again.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cutover_cli::connect::connect;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::error::DriverErrorKind;
use cutover_core::runner::{Event, Reporter, Runner, RunnerOptions, Target};
use cutover_core::{Dialect, Error, Result};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

/// Where the one fault goes.
#[derive(Debug, Clone)]
enum Fault {
    /// The first COMMIT after a statement containing this text: committed, reply lost.
    CommitAfter(&'static str),
    /// The first statement starting with this text: executed, reply lost.
    Execute(&'static str),
}

/// A real backend that loses one reply, then behaves like a dead connection until
/// `reconnect`.
struct LoseOneReply {
    inner: Box<dyn Backend>,
    fault: Option<Fault>,
    armed: bool,
    dead: bool,
    fired: Arc<Mutex<bool>>,
}

impl LoseOneReply {
    fn lost(&mut self) -> Error {
        self.dead = true;
        *self.fired.lock().expect("not poisoned") = true;
        Error::Driver {
            dialect: self.inner.dialect(),
            message: "connection lost (injected after the server replied)".into(),
            kind: DriverErrorKind::Connection,
        }
    }

    fn check_alive(&self) -> Result<()> {
        if self.dead {
            return Err(Error::Driver {
                dialect: self.inner.dialect(),
                message: "connection is closed".into(),
                kind: DriverErrorKind::Connection,
            });
        }
        Ok(())
    }
}

#[async_trait]
impl Backend for LoseOneReply {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    async fn server_version(&mut self) -> Result<String> {
        self.check_alive()?;
        self.inner.server_version().await
    }
    async fn execute(&mut self, sql: &str) -> Result<u64> {
        self.check_alive()?;
        let n = self.inner.execute(sql).await?;
        match &self.fault {
            Some(Fault::Execute(prefix)) if sql.starts_with(prefix) => {
                self.fault = None;
                return Err(self.lost());
            }
            Some(Fault::CommitAfter(text)) if sql.contains(text) => self.armed = true,
            _ => {}
        }
        Ok(n)
    }
    async fn query(&mut self, sql: &str) -> Result<Rows> {
        self.check_alive()?;
        self.inner.query(sql).await
    }
    async fn begin(&mut self) -> Result<()> {
        self.check_alive()?;
        self.inner.begin().await
    }
    async fn commit(&mut self) -> Result<()> {
        self.check_alive()?;
        self.inner.commit().await?;
        if self.armed {
            self.armed = false;
            self.fault = None;
            return Err(self.lost());
        }
        Ok(())
    }
    async fn rollback(&mut self) -> Result<()> {
        self.check_alive()?;
        self.inner.rollback().await
    }
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        self.check_alive()?;
        self.inner.set_timeouts(timeouts).await
    }
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        self.check_alive()?;
        self.inner.try_lock(key, wait).await
    }
    async fn unlock(&mut self, key: &str) -> Result<()> {
        self.check_alive()?;
        self.inner.unlock(key).await
    }
    async fn backup(&mut self, path: &Path) -> Result<BackupInfo> {
        self.inner.backup(path).await
    }
    async fn restore(&mut self, path: &Path) -> Result<()> {
        self.inner.restore(path).await
    }
    async fn reconnect(&mut self) -> Result<()> {
        self.inner.reconnect().await?;
        self.dead = false;
        Ok(())
    }
    async fn introspect(&mut self) -> Result<cutover_core::schema::SchemaShape> {
        self.inner.introspect().await
    }
    async fn close(self: Box<Self>) -> Result<()> {
        self.inner.close().await
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

fn options() -> RunnerOptions {
    RunnerOptions {
        retry_backoff: Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    }
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

/// Applies `BASE`, then `second` through a backend with `fault`; returns the warnings and
/// whether the fault fired.
async fn run_with_fault(
    url: &str,
    dir: &PlanDir,
    second: &str,
    fault: Fault,
) -> (Box<dyn Backend>, Vec<String>, bool) {
    dir.write("0001_base.toml", BASE);
    let mut plain = connect(url).await.expect("connect");
    Runner::new(plain.as_mut(), &dir.load(), options(), &Warnings::default())
        .up(Target::Latest)
        .await
        .expect("base");
    dir.write("0002_second.toml", second);
    let fired = Arc::new(Mutex::new(false));
    let mut faulty = LoseOneReply {
        inner: connect(url).await.expect("connect"),
        fault: Some(fault),
        armed: false,
        dead: false,
        fired: fired.clone(),
    };
    let warnings = Warnings::default();
    let plan = dir.load();
    Runner::new(&mut faulty, &plan, options(), &warnings)
        .up(Target::Latest)
        .await
        .expect("up survives the lost reply");
    Box::new(faulty).close().await.expect("close");
    let fired = *fired.lock().expect("not poisoned");
    let warnings = warnings.0.lock().expect("not poisoned").clone();
    (plain, warnings, fired)
}

async fn history(b: &mut dyn Backend) -> Vec<String> {
    b.query("SELECT version, state, statements_applied, statements_total FROM cutover_history ORDER BY version_number")
        .await
        .expect("history")
        .rows
        .into_iter()
        .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect::<Vec<_>>().join("|"))
        .collect()
}

/// The COMMIT of `UPDATE ...; progress` lands but its reply is lost: after reconnecting,
/// the runner finds the progress row and does not run the UPDATE again.
#[tokio::test]
async fn a_lost_commit_reply_does_not_run_a_statement_twice() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        let second = "description = \"bump\"\ntransaction = false\n[[steps]]\nop = \"sql\"\nsql = \"UPDATE base SET v = v + 1 WHERE id = 1; CREATE TABLE after_bump (id BIGINT)\"\n";
        let (mut b, _, fired) =
            run_with_fault(db.url(), &dir, second, Fault::CommitAfter("v = v + 1")).await;
        assert!(fired, "the fault was injected");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT v FROM base WHERE id = 1").await,
            1,
            "the UPDATE committed exactly once"
        );
        assert_eq!(
            history(b.as_mut()).await,
            ["0001|applied|2|2", "0002|applied|2|2"]
        );
        b.close().await.expect("close");
    })
    .await;
}

/// MySQL DDL commits on its own: `CREATE TABLE` runs, its reply is lost. After
/// reconnecting, the runner finds the table and records the statement instead of failing
/// on "already exists" (or running it twice).
#[tokio::test]
async fn a_lost_reply_after_mysql_ddl_is_settled_from_the_schema() {
    for_each_backend(|db| async move {
        if db.backend() != Kind::Mysql {
            return; // DDL commits with its progress there (covered above).
        }
        let dir = PlanDir::new();
        let second = "description = \"ddl\"\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE a (id BIGINT PRIMARY KEY); INSERT INTO a (id) VALUES (1)\"\n";
        let (mut b, warnings, fired) =
            run_with_fault(db.url(), &dir, second, Fault::Execute("CREATE TABLE a")).await;
        assert!(fired, "the fault was injected");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("statement 1 was interrupted but its effect is in the schema")),
            "{warnings:?}"
        );
        assert_eq!(snapshot::rows(b.as_mut(), "a").await, ["1"]);
        assert_eq!(
            history(b.as_mut()).await,
            ["0001|applied|2|2", "0002|applied|2|2"]
        );
        b.close().await.expect("close");
    })
    .await;
}

/// The first COMMIT after `CREATE TABLE a` lands but its reply is lost: on MySQL that is
/// the progress write after the DDL (written again), elsewhere the statement's own
/// transaction (found in the history). Either way the table is created once and the
/// migration completes in the same run.
#[tokio::test]
async fn a_lost_reply_to_the_commit_after_ddl_completes_the_run() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        let second = "description = \"ddl\"\ntransaction = false\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE a (id BIGINT PRIMARY KEY); INSERT INTO a (id) VALUES (1)\"\n";
        let (mut b, _, fired) =
            run_with_fault(db.url(), &dir, second, Fault::CommitAfter("CREATE TABLE a")).await;
        assert!(fired, "the fault was injected");
        assert_eq!(snapshot::rows(b.as_mut(), "a").await, ["1"]);
        assert_eq!(
            history(b.as_mut()).await,
            ["0001|applied|2|2", "0002|applied|2|2"]
        );
        b.close().await.expect("close");
    })
    .await;
}

/// MySQL: the `CREATE TRIGGER` of an `updated_at_trigger` runs, its reply is lost. After
/// reconnecting, the runner finds the trigger and records the statement instead of failing
/// on "trigger already exists"; the trigger works.
#[tokio::test]
async fn a_lost_reply_after_mysql_create_trigger_is_settled_from_the_schema() {
    for_each_backend(|db| async move {
        if db.backend() != Kind::Mysql {
            return;
        }
        let dir = PlanDir::new();
        let second = "description = \"touch\"\n[[steps]]\nop = \"add_column\"\ntable = \"base\"\ncolumn = { name = \"touched_at\", type = \"timestamp\", nullable = true }\n[[steps]]\nop = \"updated_at_trigger\"\ntable = \"base\"\ncolumn = \"touched_at\"\n";
        let (mut b, warnings, fired) =
            run_with_fault(db.url(), &dir, second, Fault::Execute("CREATE TRIGGER")).await;
        assert!(fired, "the fault was injected");
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("was interrupted but its effect is in the schema")),
            "{warnings:?}"
        );
        assert_eq!(
            history(b.as_mut()).await,
            ["0001|applied|2|2", "0002|applied|3|3"]
        );
        b.execute("UPDATE base SET v = 5 WHERE id = 1")
            .await
            .expect("update");
        let touched = "SELECT COUNT(*) FROM base WHERE touched_at IS NOT NULL";
        assert_eq!(snapshot::count(b.as_mut(), touched).await, 1);
        b.close().await.expect("close");
    })
    .await;
}
