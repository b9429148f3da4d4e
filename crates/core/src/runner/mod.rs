//! The runner: applies and reverts a plan on a live database, tracked in the history table.
//!
//! Order of work for every command that changes something: take the migration lock, make sure
//! the history table exists, read it, validate it against the plan, then act. The lock is
//! released on every path, errors and panics included.

mod admin;
mod adopt;
mod applied_by;
mod apply;
mod backfill_lock;
mod backfill_ready;
mod backfill_step;
mod captured;
mod captured_missing;
mod captured_shape;
mod checks;
mod drift;
mod drift_grants;
mod drift_owner;
mod drift_revoked;
mod drift_security;
mod effect;
mod effect_check;
mod effect_trigger;
mod execute;
mod explain;
mod fk_check;
mod foreign;
mod gate;
mod history;
mod history_write;
mod invalid_index;
mod progress;
mod rebuild;
mod report;
mod restore;
mod resume_gate;
mod retire;
mod reverify;
mod revert;
mod revert_cut;
mod revert_logged;
mod revert_partial;
mod revert_steps;
mod revert_undo;
mod rowid_check;
mod soak;
mod status;
mod sync;
mod sync_current;
mod sync_failed;
mod sync_health;
mod sync_install;
mod sync_install_lock;
mod transact;
mod undo_preview;
mod undo_run;
mod undo_state;
mod undo_sync;
mod up_to_date;
mod verify;
mod verify_record;
mod verify_running;

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use futures_util::future::BoxFuture;

use crate::backend::{Backend, Timeouts};
use crate::backup::BackupPolicy;
use crate::error::Result;
use crate::fence::Fence;
use crate::plan::{Phase, Plan, Version};
use crate::render::{Direction, RenderOptions, RenderedMigration, render_plan};

pub use applied_by::{os_user, with_database_user};
pub use backfill_step::{BackfillOutcome, BackfillStatus};
pub use captured::CapturedDefinition;
pub use checks::{CheckResult, run_check};
pub use drift::DriftReport;
pub use history::{EntryState, History, HistoryEntry};
pub use report::{Event, MigrationRun, MigrationStatus, Reporter, RunReport, Silent, StatusReport};
pub use retire::RetireOutcome;
pub use soak::{SoakRefusal, SoakWait};
pub use verify::{BackfillVerification, MigrationVerification, VerifyReport};
pub use verify_record::LastVerified;

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
    /// Whether `down` may revert a migration whose `up` destroyed data (a dropped column or
    /// table): its down cannot bring the data back, and reverting the migrations before it can
    /// clear the only copies left (a backfill's undo). `true` by default for library callers;
    /// the CLI refuses unless `cutover down --allow-data-loss`.
    pub revert_data_loss: bool,
    /// Whether `up` may run on a database whose cutover history is empty while another
    /// tool's history table is there (`up --ignore-foreign-history`). `false`: `up` refuses
    /// and points to `cutover baseline --from-history`, which records what the tool ran.
    pub ignore_foreign_history: bool,
    /// `up --ignore-min-age "REASON"`: apply migrations whose `min_age` soak time has not
    /// passed, recording the reason in their history entries. `None` (the default): `up`
    /// stops before such a migration with [`Error::SoakPending`](crate::Error::SoakPending).
    pub ignore_min_age: Option<String>,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        RunnerOptions {
            history_table: crate::plan::Config::default().history_table,
            lock_wait: Duration::from_secs(30),
            timeouts: Timeouts::default(),
            retries: 3,
            retry_backoff: Duration::from_millis(500),
            allow_out_of_order: false,
            applied_by: applied_by::default_applied_by(),
            backfill: crate::backfill::BackfillOptions::default(),
            phase: None,
            backup: BackupPolicy::default(),
            backup_scope: crate::backup::BackupScope::default(),
            revert_data_loss: true,
            ignore_foreign_history: false,
            ignore_min_age: None,
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
    /// What an `up` pass did before a lost connection ended it, for the next pass.
    carried: RunReport,
    /// `down`: the oldest version the run reverts, fixed on its first pass.
    down_floor: Option<u64>,
    /// `down`: the migration being reverted when a lost connection ended the pass.
    down_in_flight: Option<MigrationRun>,
    /// The backfill lock held through a sync trigger's installation (`sync_install_lock.rs`).
    install_lock: sync_install_lock::HeldLock,
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
            carried: RunReport::default(),
            down_floor: None,
            down_in_flight: None,
            install_lock: None,
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

    /// Runs `work` while holding the migration lock; releases it on every path. A lost
    /// connection ends the work with its error (nothing runs on after it).
    async fn locked<T, F>(&mut self, work: F) -> Result<T>
    where
        F: for<'r> FnOnce(&'r mut Self) -> BoxFuture<'r, Result<T>>,
    {
        let key = self.lock_key();
        self.take_lock(&key).await?;
        let result = AssertUnwindSafe(async {
            self.prepare_locked(&key, true).await?;
            work(self).await
        })
        .catch_unwind()
        .await;
        self.release_lock(&key, result).await
    }

    /// Runs `work` while holding lock `key`, releasing it on every path. When the
    /// connection is lost, the session is renewed ([`renew_session`](Runner::renew_session):
    /// reconnect, take the lock again or stop with [`Error::Locked`]), a new fence is recorded
    /// and `work`
    /// runs again from the start, so it must plan from what the database records (history,
    /// checkpoints), never from state computed before. At most `retries` times.
    pub(crate) async fn locked_replanning<T, F>(
        &mut self,
        key: &str,
        with_history: bool,
        mut work: F,
    ) -> Result<T>
    where
        F: for<'r> FnMut(&'r mut Self) -> BoxFuture<'r, Result<T>>,
    {
        self.take_lock(key).await?;
        let result = AssertUnwindSafe(async {
            let mut renewals = 0;
            loop {
                // The history table and the fence are set up in every pass: a connection lost
                // while they are written (e.g. the reply to the fence's COMMIT) is renewed too.
                let pass = match self.prepare_locked(key, with_history).await {
                    Ok(()) => work(self).await,
                    Err(e) => Err(e),
                };
                match pass {
                    Err(e) if transact::is_connection(&e) && renewals < self.options.retries => {
                        renewals += 1;
                        self.renew_session(key, &e, renewals).await?;
                    }
                    other => return other,
                }
            }
        })
        .catch_unwind()
        .await;
        self.release_lock(key, result).await
    }

    /// With lock `key` held: makes sure the history table exists (when `with_history`) and
    /// records a new fence.
    async fn prepare_locked(&mut self, key: &str, with_history: bool) -> Result<()> {
        if with_history {
            self.history.ensure(self.backend).await?;
        }
        self.fence_lock(key).await
    }

    /// Takes lock `key`, or fails with [`Error::Locked`] after `lock_wait`.
    async fn take_lock(&mut self, key: &str) -> Result<()> {
        let started = Instant::now();
        if self.backend.try_lock(key, self.options.lock_wait).await? {
            return Ok(());
        }
        Err(self
            .locked_error(key, started.elapsed().as_secs_f64())
            .await)
    }

    /// Records this acquisition of lock `key` (a new fencing epoch) and makes every later
    /// history write and backfill batch check it.
    async fn fence_lock(&mut self, key: &str) -> Result<()> {
        self.history.set_fence(None);
        let holder = self.holder_name();
        let fence = Fence::acquire(self.backend, key, &holder).await?;
        self.history.set_fence(Some(fence));
        Ok(())
    }

    /// Releases lock `key` after `result` and passes `result` on (a panic resumes).
    async fn release_lock<T>(
        &mut self,
        key: &str,
        result: std::thread::Result<Result<T>>,
    ) -> Result<T> {
        self.history.set_fence(None);
        let unlocked = self.backend.unlock(key).await;
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
                scope: self.scope(),
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
