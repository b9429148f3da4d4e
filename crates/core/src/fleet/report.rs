//! What a fleet run reports: one row per target, and whether the fleet converged.

use serde::Serialize;

use crate::plan::FleetMember;

/// What one target's operation produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcome {
    /// The newest applied (or baselined) version afterwards; `None`: nothing applied.
    pub version: Option<String>,
    /// Migrations of the plan still pending afterwards.
    pub pending: usize,
    /// Migrations this run applied.
    pub applied: usize,
    /// Rows the backfills of this run changed.
    pub rows_changed: u64,
    /// Failed or partial history entries afterwards.
    pub failed_entries: usize,
    /// `drift`: the differences between the live schema and the applied migrations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<String>,
    /// What the operation skipped or left waiting (e.g. a backfill whose migration is pending).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Warnings the run printed for this target (lint warnings, soak, replicas, ...).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Backups `up` took on this target: `PATH (before 0004 (name))`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backups: Vec<String>,
    /// The operation failed with this message after `version` was reached: the target is
    /// reported as failed, with the version it stands at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failed: Option<String>,
}

/// How a target ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// The operation succeeded.
    Ok,
    /// The operation failed (see `error`).
    Failed,
    /// Never started: a canary failed, `--max-failures` was reached, or the run was stopped.
    NotStarted,
}

/// One row of the summary matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetResult {
    /// The target name (or URL with the password masked).
    pub target: String,
    /// Whether it ran as a canary.
    pub canary: bool,
    /// How it ended.
    pub status: TargetStatus,
    /// The newest applied version afterwards (when it succeeded, or when a failed `up`
    /// could still read it).
    pub version: Option<String>,
    /// Migrations still pending afterwards (when it succeeded).
    pub pending: Option<usize>,
    /// Migrations applied by this run.
    pub applied: usize,
    /// Rows the backfills of this run changed.
    pub rows_changed: u64,
    /// Failed or partial history entries afterwards.
    pub failed_entries: usize,
    /// `drift`: the differences between the live schema and the applied migrations.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub drift: Vec<String>,
    /// What the operation skipped or left waiting.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// Warnings the run printed for this target.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Backups taken on this target: `PATH (before MIGRATION)`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub backups: Vec<String>,
    /// Wall time of this target, seconds.
    pub seconds: f64,
    /// Why it failed or was not started.
    pub error: Option<String>,
}

impl TargetResult {
    pub(crate) fn new(
        member: &FleetMember,
        canary: bool,
        seconds: f64,
        outcome: std::result::Result<Outcome, String>,
    ) -> TargetResult {
        let seconds = (seconds * 1000.0).round() / 1000.0;
        match outcome {
            Ok(Outcome {
                failed: Some(e),
                version,
                backups,
                ..
            }) => TargetResult {
                version,
                backups,
                ..TargetResult::new(member, canary, seconds, Err(e))
            },
            Ok(o) => TargetResult {
                target: member.name.clone(),
                canary,
                status: TargetStatus::Ok,
                version: o.version,
                pending: Some(o.pending),
                applied: o.applied,
                rows_changed: o.rows_changed,
                failed_entries: o.failed_entries,
                drift: o.drift,
                notes: o.notes,
                warnings: o.warnings,
                backups: o.backups,
                seconds,
                error: None,
            },
            Err(e) => TargetResult {
                target: member.name.clone(),
                canary,
                status: TargetStatus::Failed,
                version: None,
                pending: None,
                applied: 0,
                rows_changed: 0,
                failed_entries: 0,
                drift: Vec::new(),
                notes: Vec::new(),
                warnings: Vec::new(),
                backups: Vec::new(),
                seconds,
                error: Some(e),
            },
        }
    }

    pub(crate) fn not_started(member: &FleetMember, canary: bool, reason: &str) -> TargetResult {
        TargetResult {
            status: TargetStatus::NotStarted,
            error: Some(reason.to_string()),
            ..TargetResult::new(member, canary, 0.0, Ok(Outcome::default()))
        }
        .without_outcome()
    }

    fn without_outcome(mut self) -> TargetResult {
        self.pending = None;
        self
    }

    /// Whether this target succeeded, has nothing pending and no failed entries.
    pub fn current(&self) -> bool {
        self.status == TargetStatus::Ok && self.pending == Some(0) && self.failed_entries == 0
    }
}

/// The result of a fleet run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FleetReport {
    /// Every target, in the order of the group.
    pub targets: Vec<TargetResult>,
    /// Why the run stopped starting targets, if it did.
    pub stopped: Option<String>,
    /// Targets that succeeded.
    pub ok: usize,
    /// Targets that failed.
    pub failed: usize,
    /// Targets never started.
    pub not_started: usize,
    /// The distinct versions the successful targets are at (newest applied), sorted.
    pub versions: Vec<String>,
    /// Targets not at the newest version of the plan or with failed entries ("behind").
    pub behind: Vec<String>,
    /// `drift`: the targets whose live schema differs from their applied migrations.
    pub drifted: Vec<String>,
    /// The run was stopped by Ctrl-C (SIGINT): targets not started are listed as such.
    pub interrupted: bool,
}

impl FleetReport {
    pub(crate) fn new(targets: Vec<TargetResult>, stopped: Option<String>) -> FleetReport {
        let count = |s| targets.iter().filter(|t| t.status == s).count();
        let mut versions: Vec<String> = targets
            .iter()
            .filter(|t| t.status == TargetStatus::Ok)
            .map(|t| t.version.clone().unwrap_or_else(|| "none".into()))
            .collect();
        versions.sort();
        versions.dedup();
        let behind = targets
            .iter()
            .filter(|t| !t.current())
            .map(|t| t.target.clone())
            .collect();
        let drifted = targets
            .iter()
            .filter(|t| !t.drift.is_empty())
            .map(|t| t.target.clone())
            .collect();
        FleetReport {
            interrupted: false,
            drifted,
            ok: count(TargetStatus::Ok),
            failed: count(TargetStatus::Failed),
            not_started: count(TargetStatus::NotStarted),
            versions,
            behind,
            targets,
            stopped,
        }
    }

    /// How many targets ended with `status`.
    pub fn count(&self, status: TargetStatus) -> usize {
        self.targets.iter().filter(|t| t.status == status).count()
    }

    /// Every target succeeded.
    pub fn all_ok(&self) -> bool {
        self.ok == self.targets.len()
    }

    /// Every target succeeded and all are at the same version (the exit-code question).
    pub fn converged(&self) -> bool {
        self.all_ok() && self.versions.len() <= 1
    }
}
