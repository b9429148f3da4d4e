//! The per-target operations of a fleet: `up` and `status` on one database, exactly as the
//! single-database commands run them (own connection, history, lock and checkpoints).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::Outcome;
use crate::error::{Error, Result};
use crate::lifecycle::Opening;
use crate::plan::{FleetMember, Plan};
use crate::runner::{Event, Reporter, Runner, RunnerOptions, StatusReport, Target};

/// Opens a backend for a URL (the CLI's connect function).
pub type OpenFn = dyn Fn(String) -> Opening + Send + Sync;

/// What every target of a fleet run shares.
#[derive(Clone)]
pub struct FleetJob {
    /// The plan.
    pub plan: Arc<Plan>,
    /// Runner settings (history table, lock wait, backfill settings, ...).
    pub options: RunnerOptions,
    /// How to connect.
    pub open: Arc<OpenFn>,
    /// `up`: how far.
    pub target: Target,
    /// `up`: create a missing database (and a missing `search_path` schema) first.
    pub create: bool,
}

impl std::fmt::Debug for FleetJob {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FleetJob")
            .field("target", &self.target)
            .field("create", &self.create)
            .finish_non_exhaustive()
    }
}

/// Held while a task creates a database or schema.
static CREATING: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Passes events on, adds up the rows backfills changed, and keeps the warnings and the
/// backups taken, for the fleet summary.
pub(super) struct Counting<'a> {
    inner: &'a dyn Reporter,
    pub(super) rows: AtomicU64,
    kept: Mutex<Kept>,
}

/// Warnings and backup paths of one target.
#[derive(Default)]
struct Kept {
    warnings: Vec<String>,
    backups: Vec<String>,
}

impl<'a> Counting<'a> {
    pub(super) fn new(inner: &'a dyn Reporter) -> Counting<'a> {
        Counting {
            inner,
            rows: AtomicU64::new(0),
            kept: Mutex::new(Kept::default()),
        }
    }

    /// Moves the rows, warnings and backups seen into `outcome`.
    pub(super) fn fill(&self, outcome: &mut Outcome) {
        outcome.rows_changed = self.rows.load(Ordering::Relaxed);
        if let Ok(mut kept) = self.kept.lock() {
            outcome.warnings = std::mem::take(&mut kept.warnings);
            outcome.backups = std::mem::take(&mut kept.backups);
        }
    }
}

impl Reporter for Counting<'_> {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::BackfillDone(report) => {
                self.rows.fetch_add(report.rows_changed, Ordering::Relaxed);
            }
            Event::Warning(text) => {
                if let Ok(mut kept) = self.kept.lock() {
                    kept.warnings.push((*text).to_string());
                }
            }
            Event::BackupTaken { path, before } => {
                if let Ok(mut kept) = self.kept.lock() {
                    kept.backups.push(format!("{path} (before {before})"));
                }
            }
            _ => {}
        }
        self.inner.event(event);
    }
}

/// `up` on one member: creates the database/schema when asked, applies, then reads the status.
/// A failure to connect is an error; a failure while applying is an [`Outcome`] whose
/// `failed` holds the message and `version` the version the database stands at.
pub async fn up_one(
    job: &FleetJob,
    member: &FleetMember,
    reporter: &dyn Reporter,
) -> Result<Outcome> {
    if job.create {
        // Targets may share a database (schemas): one creation at a time, so two tasks never
        // race to create the same one.
        let _one_at_a_time = CREATING.lock().await;
        crate::lifecycle::create_database(&member.url, &*job.open).await?;
        crate::lifecycle::create_schema(&member.url, &*job.open).await?;
    }
    let mut backend = (job.open)(member.url.clone()).await?;
    let counting = Counting::new(reporter);
    let url = member.url.clone();
    let open = job.open.clone();
    let connector: Box<crate::backfill::Connector> = Box::new(move || open(url.clone()));
    let result = async {
        let mut runner = Runner::new(backend.as_mut(), &job.plan, job.options.clone(), &counting)
            .with_connector(connector.as_ref());
        let run = runner.up(job.target.clone()).await?;
        let status = runner.status().await?;
        Ok::<_, Error>((run, status))
    }
    .await;
    // After a failure, the version the database stands at (best effort: the session may
    // be gone), for the summary's VERSION column.
    let reached = match &result {
        Err(_) => Runner::new(
            backend.as_mut(),
            &job.plan,
            job.options.clone(),
            &crate::runner::Silent,
        )
        .status()
        .await
        .ok()
        .and_then(|s| outcome_of(&s).version),
        Ok(_) => None,
    };
    let _ = backend.close().await;
    let (run, status) = match result {
        Ok(done) => done,
        Err(e) => {
            // A backup taken before the failing migration is what the user needs next.
            let mut kept = Outcome::default();
            counting.fill(&mut kept);
            let message = if kept.backups.is_empty() {
                e.to_string()
            } else {
                format!("{e}; backup taken: {}", kept.backups.join(", "))
            };
            return Ok(Outcome {
                version: reached,
                failed: Some(message),
                backups: kept.backups,
                ..Outcome::default()
            });
        }
    };
    let mut outcome = outcome_of(&status);
    outcome.applied = run
        .migrations
        .iter()
        .filter(|m| m.outcome == "applied")
        .count();
    counting.fill(&mut outcome);
    Ok(outcome)
}

/// `status` on one member. Creates nothing: a SQLite file that does not exist is a failure
/// of this member (a mistyped path must not pass for a database with everything pending);
/// `up --group` creates it.
pub async fn status_one(job: &FleetJob, member: &FleetMember) -> Result<Outcome> {
    if crate::url::is_missing_file(&member.url) {
        return Err(Error::Other(format!(
            "MISSING: no SQLite database at {}: status only reads and creates none; `cutover up --group ...` creates it",
            crate::url::sqlite_path(&member.url).unwrap_or_default()
        )));
    }
    let mut backend = (job.open)(member.url.clone()).await?;
    let status = Runner::new(
        backend.as_mut(),
        &job.plan,
        job.options.clone(),
        &crate::runner::Silent,
    )
    .status()
    .await;
    let _ = backend.close().await;
    Ok(outcome_of(&status?))
}

pub(super) fn outcome_of(status: &StatusReport) -> Outcome {
    let version = status
        .migrations
        .iter()
        .filter(|m| m.state == "applied" || m.state == "baselined")
        .map(|m| m.version.clone())
        .max_by_key(|v| v.number)
        .map(|v| v.text);
    Outcome {
        version,
        pending: status.pending,
        applied: 0,
        rows_changed: 0,
        failed_entries: status.failed,
        ..Outcome::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_and_backups_reach_the_outcome() {
        let counting = Counting::new(&crate::runner::Silent);
        counting.event(&Event::Warning(
            "migration 0002: resuming at statement 2 of 3",
        ));
        counting.event(&Event::BackupTaken {
            path: "/b/app-0003.dump",
            before: "0004 (drop)",
        });
        let mut outcome = Outcome::default();
        counting.fill(&mut outcome);
        assert_eq!(
            outcome.warnings,
            ["migration 0002: resuming at statement 2 of 3"]
        );
        assert_eq!(outcome.backups, ["/b/app-0003.dump (before 0004 (drop))"]);
    }
}
