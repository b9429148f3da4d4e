//! The per-target operations of a fleet: `up` and `status` on one database, exactly as the
//! single-database commands run them (own connection, history, lock and checkpoints).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Passes events on and adds up the rows backfills changed.
pub(super) struct Counting<'a> {
    inner: &'a dyn Reporter,
    pub(super) rows: AtomicU64,
}

impl<'a> Counting<'a> {
    pub(super) fn new(inner: &'a dyn Reporter) -> Counting<'a> {
        Counting {
            inner,
            rows: AtomicU64::new(0),
        }
    }
}

impl Reporter for Counting<'_> {
    fn event(&self, event: &Event<'_>) {
        if let Event::BackfillDone(report) = event {
            self.rows.fetch_add(report.rows_changed, Ordering::Relaxed);
        }
        self.inner.event(event);
    }
}

/// `up` on one member: creates the database/schema when asked, applies, then reads the status.
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
    let counting = Counting {
        inner: reporter,
        rows: AtomicU64::new(0),
    };
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
    let _ = backend.close().await;
    let (run, status) = result?;
    let mut outcome = outcome_of(&status);
    outcome.applied = run
        .migrations
        .iter()
        .filter(|m| m.outcome == "applied")
        .count();
    outcome.rows_changed = counting.rows.load(Ordering::Relaxed);
    Ok(outcome)
}

/// `status` on one member. Creates nothing: a SQLite file that does not exist has every
/// migration pending and is not created.
pub async fn status_one(job: &FleetJob, member: &FleetMember) -> Result<Outcome> {
    if crate::url::is_missing_file(&member.url) {
        return Ok(Outcome {
            pending: job.plan.migrations.len(),
            ..Outcome::default()
        });
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
