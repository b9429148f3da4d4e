//! Helpers of `lock_safety.rs` and `lock_fence.rs`: runner settings, a retry recorder, and a backend wrapper
//! that loses the answer of a COMMIT. The marker plan and session killing are in
//! `cutover_tests::marker`.

#![allow(dead_code)] // Each test file uses a part.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::backfill::BackfillOptions;
use cutover_core::error::DriverErrorKind;
use cutover_core::runner::{Event, Reporter, RunnerOptions};
use cutover_core::schema::SchemaShape;
use cutover_core::{Dialect, Error, Result};

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

/// The name of the migration lock with the default history table.
pub fn lock_key() -> String {
    format!("cutover:{}", options().history_table)
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
