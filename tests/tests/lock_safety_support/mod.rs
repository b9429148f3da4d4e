//! Helpers of `lock_safety.rs`: the marker plan, killing sessions from the server, and a
//! backend wrapper that loses the answer of a COMMIT.

use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::backfill::BackfillOptions;
use cutover_core::error::DriverErrorKind;
use cutover_core::runner::{Event, Reporter, RunnerOptions};
use cutover_core::schema::SchemaShape;
use cutover_core::{Dialect, Error, Result};
use cutover_tests::Backend as Kind;
use cutover_tests::plans::PlanDir;

/// Rows of `items`, each changed once by the backfill.
pub const ROWS: i64 = 2000;

/// Runner settings: short backoffs, small paced batches (the backfill runs for about a
/// second, long enough to kill its session part way), no backups.
pub fn options() -> RunnerOptions {
    RunnerOptions {
        retry_backoff: Duration::from_millis(50),
        lock_wait: Duration::from_secs(5),
        backup: cutover_core::backup::BackupPolicy::Skip,
        backfill: BackfillOptions {
            batch_size: Some(50),
            adaptive: false,
            pause: Duration::from_millis(10),
            retry_backoff: Duration::from_millis(50),
            ..BackfillOptions::default()
        },
        ..RunnerOptions::default()
    }
}

/// 0001 creates `items` (seeded with [`ROWS`] rows) and `marker`; 0002 backfills
/// `items.doubled`; 0003 inserts one marker row, so the marker's row count counts how often
/// 0003 ran.
pub fn marker_plan() -> PlanDir {
    let values: Vec<String> = (1..=ROWS).map(|i| format!("({i}, {})", i % 97)).collect();
    let dir = PlanDir::new();
    dir.write(
        "0001_items.toml",
        &format!(
            r#"
description = "items and marker"
[[steps]]
op = "create_table"
table = "items"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "v", type = "bigint", nullable = false }},
  {{ name = "doubled", type = "bigint" }},
]
[[steps]]
op = "create_table"
table = "marker"
columns = [
  {{ name = "id", type = "bigint", primary_key = true, identity = true }},
  {{ name = "note", type = "text" }},
]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, v) VALUES {}"
down = "DELETE FROM items"
"#,
            values.join(", ")
        ),
    );
    dir.write(
        "0002_double.toml",
        r#"
description = "double v"
[[steps]]
op = "backfill"
id = "double_v"
table = "items"
pending = "doubled IS NULL"
set.doubled = "v * 2"
"#,
    );
    dir.write(
        "0003_marker.toml",
        r#"
description = "the side effect that must happen once"
[[steps]]
op = "sql"
sql = "INSERT INTO marker (note) VALUES ('once')"
down = "DELETE FROM marker"
"#,
    );
    dir
}

/// Waits until backfill `double_v` committed at least `n` batches.
pub async fn wait_for_batches(b: &mut dyn Backend, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let sql = "SELECT SUM(batches) FROM cutover_backfill WHERE id = 'double_v'";
    loop {
        let done = b
            .query(sql)
            .await
            .ok()
            .and_then(|r| r.scalar().and_then(|v| v.parse::<i64>().ok()))
            .unwrap_or(0);
        if done >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the backfill never reached {n} batches"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Ends every other session on this database from the server (`pg_terminate_backend`,
/// `KILL`), as an operator or a failover would.
pub async fn kill_other_sessions(b: &mut dyn Backend, kind: Kind) {
    match kind {
        Kind::Postgres => {
            let sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                       WHERE datname = current_database() AND pid <> pg_backend_pid()";
            let killed = b.query(sql).await.expect("terminate");
            assert!(!killed.rows.is_empty(), "no session to kill");
        }
        Kind::Mysql => {
            let ids = b
                .query(
                    "SELECT id FROM information_schema.processlist \
                     WHERE db = DATABASE() AND id <> CONNECTION_ID()",
                )
                .await
                .expect("processlist");
            assert!(!ids.rows.is_empty(), "no session to kill");
            for r in ids.rows {
                let id = r[0].clone().expect("id");
                b.execute(&format!("KILL {id}")).await.expect("kill");
            }
        }
        Kind::Sqlite => panic!("sqlite has no sessions to kill"),
    }
}

/// Keeps the message of every retry event.
#[derive(Default)]
pub struct Retries(std::sync::Mutex<Vec<String>>);

impl Retries {
    /// How many retry messages contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        let seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        seen.iter().filter(|m| m.contains(needle)).count()
    }
}

impl Reporter for Retries {
    fn event(&self, event: &Event<'_>) {
        if let Event::Retry { message, .. } = event {
            let mut seen = self
                .0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            seen.push(message.to_string());
        }
    }
}

/// A backend whose first COMMIT after a statement containing `trigger` reports a lost
/// connection although the commit landed (`land`), or after rolling it back (`!land`).
pub struct CommitFault {
    inner: Box<dyn Backend>,
    trigger: &'static str,
    land: bool,
    armed: bool,
    fired: bool,
}

impl CommitFault {
    /// Wraps `inner`.
    pub fn new(inner: Box<dyn Backend>, trigger: &'static str, land: bool) -> CommitFault {
        CommitFault {
            inner,
            trigger,
            land,
            armed: false,
            fired: false,
        }
    }

    /// Whether the fault was injected.
    pub fn fired(&self) -> bool {
        self.fired
    }
}

#[async_trait]
impl Backend for CommitFault {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    async fn server_version(&mut self) -> Result<String> {
        self.inner.server_version().await
    }
    async fn execute(&mut self, sql: &str) -> Result<u64> {
        if !self.fired && sql.contains(self.trigger) {
            self.armed = true;
        }
        self.inner.execute(sql).await
    }
    async fn query(&mut self, sql: &str) -> Result<Rows> {
        self.inner.query(sql).await
    }
    async fn begin(&mut self) -> Result<()> {
        self.inner.begin().await
    }
    async fn commit(&mut self) -> Result<()> {
        if !self.armed {
            return self.inner.commit().await;
        }
        self.armed = false;
        self.fired = true;
        if self.land {
            self.inner.commit().await?;
        } else {
            self.inner.rollback().await?;
        }
        Err(Error::Driver {
            dialect: self.inner.dialect(),
            message: "connection lost while waiting for the answer to COMMIT (injected)".into(),
            kind: DriverErrorKind::Connection,
        })
    }
    async fn rollback(&mut self) -> Result<()> {
        self.inner.rollback().await
    }
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        self.inner.set_timeouts(timeouts).await
    }
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        self.inner.try_lock(key, wait).await
    }
    async fn unlock(&mut self, key: &str) -> Result<()> {
        self.inner.unlock(key).await
    }
    async fn backup(&mut self, path: &Path) -> Result<BackupInfo> {
        self.inner.backup(path).await
    }
    async fn restore(&mut self, path: &Path) -> Result<()> {
        self.inner.restore(path).await
    }
    async fn reconnect(&mut self) -> Result<()> {
        self.inner.reconnect().await
    }
    async fn introspect(&mut self) -> Result<SchemaShape> {
        self.inner.introspect().await
    }
    async fn close(self: Box<Self>) -> Result<()> {
        self.inner.close().await
    }
}
