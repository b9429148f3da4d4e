//! What runs report: events while they go, and a summary at the end.

use serde::Serialize;

use super::checks::CheckResult;
use super::history::EntryState;
use crate::plan::{Phase, Version};

/// Progress events, for a live display.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Event<'a> {
    /// A migration starts (`direction` is "up" or "down").
    MigrationStarted {
        /// `0002 (name)`.
        label: &'a str,
        /// "up" or "down".
        direction: &'static str,
        /// Statements it will run.
        statements: usize,
    },
    /// A check ran.
    Check(&'a CheckResult),
    /// A statement finished.
    StatementDone {
        /// 1-based index.
        index: usize,
        /// Total statements.
        total: usize,
    },
    /// A transient failure is retried.
    Retry {
        /// What failed.
        message: &'a str,
        /// Attempt number (1 = first retry).
        attempt: u32,
    },
    /// A migration finished.
    MigrationDone {
        /// `0002 (name)`.
        label: &'a str,
        /// How long it took.
        duration_ms: u64,
    },
    /// A migration was skipped by a precondition.
    Skipped {
        /// `0002 (name)`.
        label: &'a str,
        /// The check that skipped it.
        check: &'a str,
    },
    /// A warning.
    Warning(&'a str),
    /// A backfill step committed a batch.
    BackfillProgress {
        /// Backfill id.
        id: &'a str,
        /// Rows changed so far in this run.
        changed: u64,
        /// Batches so far.
        batches: u64,
        /// Fraction of the key range done, when known.
        fraction: Option<f64>,
        /// Rows in the table, from catalog statistics, when known.
        estimate: Option<u64>,
        /// Duration of the last batch.
        batch_ms: u64,
    },
    /// A backfill step waits for (or, by configuration, ignores) a replica.
    BackfillReplica {
        /// Backfill id.
        id: &'a str,
        /// The replica (URL without password).
        replica: &'a str,
        /// What was found, e.g. `replica lag 4.2 s > 2 s`.
        status: &'a str,
        /// Whether the backfill waits.
        paused: bool,
    },
    /// A backfill step finished.
    BackfillDone(&'a crate::backfill::BackfillReport),
    /// `up` backed up the database before a contract or destructive migration.
    BackupTaken {
        /// The backup file.
        path: &'a str,
        /// `0004 (name)`: the migration it precedes.
        before: &'a str,
    },
}

/// Receives [`Event`]s.
pub trait Reporter: Send + Sync {
    /// Called for every event.
    fn event(&self, event: &Event<'_>);
}

/// A reporter that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Reporter for Silent {
    fn event(&self, _event: &Event<'_>) {}
}

/// One migration in a run's summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationRun {
    /// Version.
    pub version: Version,
    /// Name.
    pub name: String,
    /// "applied", "reverted", "skipped", or "cleared" (a `down` of a failed or partial
    /// entry of which nothing was applied: only its history entry was removed).
    pub outcome: &'static str,
    /// Statements run.
    pub statements: usize,
    /// Duration.
    pub duration_ms: u64,
    /// Checks that ran.
    pub checks: Vec<CheckResult>,
}

/// The summary of `up` or `down`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct RunReport {
    /// Migrations in the order they ran.
    pub migrations: Vec<MigrationRun>,
    /// Warnings (failed `warn` checks, applied migrations missing from the plan, ...).
    pub warnings: Vec<String>,
    /// The backup `up` took before its first contract or destructive migration.
    pub backup: Option<String>,
    /// `up --phase`: the migration of a later phase the run stopped before
    /// (`0003 (name), phase backfill`).
    pub stopped_before: Option<String>,
}

/// One migration in `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationStatus {
    /// Version.
    pub version: Version,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Phase.
    pub phase: Option<Phase>,
    /// "applied", "baselined", "pending", "failed", "partial" or "missing" (applied, not in the plan).
    pub state: String,
    /// History details, when it has an entry.
    pub applied_at: Option<String>,
    /// Statements done / total, for partial and failed entries.
    pub progress: Option<(i64, i64)>,
    /// Whether the file still matches the applied checksum (`None` when not applied).
    pub checksum_ok: Option<bool>,
    /// Pending but older than the newest applied migration.
    pub out_of_order: bool,
    /// When `cutover verify` last re-ran its checks, and the result (`None`: never).
    pub last_verified: Option<super::LastVerified>,
    /// A pending migration with `min_age`: how long it still soaks (see
    /// [`SoakWait`](super::SoakWait)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soak: Option<super::SoakWait>,
    /// An applied migration that `up --ignore-min-age` let through before its soak time
    /// passed: the history note saying who skipped it and why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub soak_skipped: Option<String>,
}

/// The answer of `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// The dialect of the database.
    pub dialect: crate::Dialect,
    /// Every migration of the plan plus applied ones missing from it.
    pub migrations: Vec<MigrationStatus>,
    /// How many are pending.
    pub pending: usize,
    /// How many applied ones no longer match their file.
    pub checksum_mismatches: usize,
    /// How many are failed, partial or half reverted.
    pub failed: usize,
    /// Every backfill of the plan with its checkpoint.
    pub backfills: Vec<super::BackfillStatus>,
    /// Set when cutover's history is empty but another tool's history table is there
    /// (what it is and what to do): `up` would run every migration again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_history: Option<String>,
}

impl MigrationStatus {
    pub(crate) fn state_of(state: EntryState) -> &'static str {
        match state {
            EntryState::Applied => "applied",
            EntryState::Baselined => "baselined",
            EntryState::Partial => "partial",
            EntryState::Failed => "failed",
            EntryState::Reverting => "reverting",
        }
    }
}
