//! The runner: applies and reverts a plan on a live database, tracked in the history table.
//!
//! Order of work for every command that changes something: take the migration lock, make sure
//! the history table exists, read it, validate it against the plan, then act. The lock is
//! released on every path, errors and panics included.

mod admin;
mod apply;
mod backfill_step;
mod checks;
mod drift;
mod execute;
mod gate;
mod history;
mod rebuild;
mod report;
mod restore;
mod reverify;
mod revert;
mod status;
mod transact;

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;

use crate::backend::{Backend, Timeouts};
use crate::backup::BackupPolicy;
use crate::error::{Error, Result};
use crate::plan::{Phase, Plan, Version};
use crate::render::{Direction, RenderOptions, RenderedMigration, render_plan};

pub use backfill_step::{BackfillOutcome, BackfillStatus};
pub use checks::{CheckResult, run_check};
pub use drift::DriftReport;
pub use history::{EntryState, History, HistoryEntry};
pub use report::{Event, MigrationRun, MigrationStatus, Reporter, RunReport, Silent, StatusReport};

/// How far `up` goes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Target {
    /// Every pending migration.
    #[default]
    Latest,
    /// Up to and including this version.
    Version(Version),
}

/// How far `down` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownTarget {
    /// Revert this many of the newest applied migrations.
    Steps(usize),
    /// Revert everything newer than this version (0 reverts all).
    Version(Version),
}

/// Settings of a [`Runner`].
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// The history table name.
    pub history_table: String,
    /// How long to wait for the migration lock.
    pub lock_wait: Duration,
    /// Lock and statement timeouts for migration statements.
    pub timeouts: Timeouts,
    /// How often a statement that hit a lock timeout or deadlock is retried.
    pub retries: u32,
    /// First retry delay; doubles each time.
    pub retry_backoff: Duration,
    /// Apply pending migrations older than the newest applied one.
    pub allow_out_of_order: bool,
    /// Recorded in the history as who ran it.
    pub applied_by: String,
    /// How backfill steps run.
    pub backfill: crate::backfill::BackfillOptions,
    /// `up --phase`: stop before the first migration of a later phase.
    pub phase: Option<Phase>,
    /// Whether `up` backs up before the first contract or destructive migration of a run.
    pub backup: BackupPolicy,
    /// What that backup covers: the destroyed tables (default) or the whole database.
    pub backup_scope: crate::backup::BackupScope,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "localhost".into());
        RunnerOptions {
            history_table: crate::plan::Config::default().history_table,
            lock_wait: Duration::from_secs(30),
            timeouts: Timeouts::default(),
            retries: 3,
            retry_backoff: Duration::from_millis(500),
            allow_out_of_order: false,
            applied_by: format!("{user}@{host}"),
            backfill: crate::backfill::BackfillOptions::default(),
            phase: None,
            backup: BackupPolicy::default(),
            backup_scope: crate::backup::BackupScope::default(),
        }
    }
}

/// Applies a plan to one database.
pub struct Runner<'a> {
    backend: &'a mut dyn Backend,
    plan: &'a Plan,
    options: RunnerOptions,
    reporter: &'a dyn Reporter,
    history: History,
    connector: Option<&'a crate::backfill::Connector>,
    /// The newest backup taken in this run by the contract gate.
    run_backup: Option<String>,
    /// The whole-database backup of this run, taken before its first gated migration that
    /// needs one (reused by later ones).
    whole_backup: Option<String>,
    /// What the history entry of the migration being applied records about its gate.
    gate: gate::GateRecord,
}

impl<'a> Runner<'a> {
    /// A runner for `plan` on `backend`.
    pub fn new(
        backend: &'a mut dyn Backend,
        plan: &'a Plan,
        options: RunnerOptions,
        reporter: &'a dyn Reporter,
    ) -> Runner<'a> {
        let history = History::new(&options.history_table, backend.dialect());
        Runner {
            backend,
            plan,
            options,
            reporter,
            history,
            connector: None,
            run_backup: None,
            whole_backup: None,
            gate: gate::GateRecord::default(),
        }
    }

    /// Lets backfill steps open more connections for `backfill.workers > 1`.
    pub fn with_connector(mut self, connector: &'a crate::backfill::Connector) -> Runner<'a> {
        self.connector = Some(connector);
        self
    }

    /// The name of the migration lock.
    pub fn lock_key(&self) -> String {
        format!("cutover:{}", self.options.history_table)
    }

    /// Runs `work` while holding the migration lock; releases it on every path.
    async fn locked<T, F>(&mut self, work: F) -> Result<T>
    where
        F: for<'r> FnOnce(&'r mut Self) -> futures_util::future::BoxFuture<'r, Result<T>>,
    {
        let key = self.lock_key();
        let started = Instant::now();
        if !self.backend.try_lock(&key, self.options.lock_wait).await? {
            return Err(Error::Locked {
                key,
                waited_secs: started.elapsed().as_secs_f64(),
            });
        }
        let result = AssertUnwindSafe(async {
            self.history.ensure(self.backend).await?;
            work(self).await
        })
        .catch_unwind()
        .await;
        let unlocked = self.backend.unlock(&key).await;
        match result {
            Ok(Ok(v)) => unlocked.map(|_| v),
            Ok(Err(e)) => Err(e),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// The plan rendered for this database, in the given direction.
    fn rendered(&self, direction: Direction) -> Result<Vec<RenderedMigration>> {
        render_plan(
            self.plan,
            self.backend.dialect(),
            &RenderOptions {
                direction,
                ..RenderOptions::default()
            },
        )
    }
}

/// The current time as RFC 3339 UTC.
pub fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A short checksum of one statement, kept in the history for safe resume.
pub(crate) fn statement_checksum(sql: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(sql.trim().replace("\r\n", "\n").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}
