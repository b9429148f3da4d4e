//! Running a migration's backfill step through the backfill engine.

use std::sync::atomic::{AtomicU64, Ordering};

use super::Runner;
use super::report::{Event, Reporter};
use crate::backfill::{self, BackfillEvent, BackfillObserver, BackfillReport, BackfillSpec};
use crate::error::Result;
use crate::fence::Fence;

/// Forwards engine events to the runner's reporter as running totals.
pub(super) struct Forward<'a> {
    id: &'a str,
    reporter: &'a dyn Reporter,
    pub(super) changed: AtomicU64,
    batches: AtomicU64,
    estimate: AtomicU64,
}

impl BackfillObserver for Forward<'_> {
    fn event(&self, event: &BackfillEvent<'_>) {
        match event {
            BackfillEvent::Started { estimate, .. } => {
                self.estimate
                    .store(estimate.unwrap_or(0), Ordering::Relaxed);
            }
            BackfillEvent::Batch {
                changed,
                fraction,
                millis,
                ..
            } => {
                let total = self.changed.fetch_add(*changed, Ordering::Relaxed) + changed;
                let batches = self.batches.fetch_add(1, Ordering::Relaxed) + 1;
                self.reporter.event(&Event::BackfillProgress {
                    id: self.id,
                    changed: total,
                    batches,
                    fraction: *fraction,
                    estimate: Some(self.estimate.load(Ordering::Relaxed)).filter(|e| *e > 0),
                    batch_ms: *millis,
                });
            }
            BackfillEvent::Retry {
                message, attempt, ..
            } => {
                self.reporter.event(&Event::Retry {
                    message,
                    attempt: *attempt,
                });
            }
            BackfillEvent::Notice { message } => {
                self.reporter.event(&Event::Warning(message));
            }
            BackfillEvent::Replica {
                replica,
                status,
                paused,
            } => {
                self.reporter.event(&Event::BackfillReplica {
                    id: self.id,
                    replica,
                    status,
                    paused: *paused,
                });
            }
            _ => {}
        }
    }
}

impl Runner<'_> {
    /// Runs (or resumes) the backfill `id` of the plan to the end, its batches checking
    /// `fence` (the backfill's own lock, see [`backfill_lock`](super::backfill_lock)).
    pub(crate) async fn run_backfill(
        &mut self,
        id: &str,
        fence: Option<&Fence>,
    ) -> Result<BackfillReport> {
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        self.restart_after_undo(&spec).await?;
        let written_before = self.sync_rows_written(&spec).await;
        let forward = Forward {
            id,
            reporter: self.reporter,
            changed: AtomicU64::new(0),
            batches: AtomicU64::new(0),
            estimate: AtomicU64::new(0),
        };
        let report = backfill::run_fenced(
            self.backend,
            self.connector,
            &spec,
            &self.options.backfill,
            &forward,
            fence,
        )
        .await;
        let report = match report {
            Ok(r) => r,
            Err(e) => return Err(self.after_sync_failure(&spec, written_before, e).await),
        };
        self.reporter.event(&Event::BackfillDone(&report));
        // Rows inserted with explicit ids: move identity sequences past them (also when the
        // backfill runs outside its migration, `cutover backfill run`).
        let dialect = self.backend.dialect();
        for sql in crate::render::resync_after_backfill(self.plan, dialect, id) {
            self.backend.execute(&sql).await?;
        }
        // Batches changed the session's settings; restore the migration's.
        for sql in self.backend.dialect().sql().backfill_session_reset_sql() {
            self.backend.execute(&sql).await?;
        }
        self.backend.set_timeouts(self.options.timeouts).await?;
        Ok(report)
    }
}

/// The answer of [`Runner::backfill`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BackfillOutcome {
    /// What the engine did.
    pub report: BackfillReport,
    /// The migration's verification checks.
    pub checks: Vec<super::CheckResult>,
    /// Whether every check passed, so the backfill is now `complete`.
    pub complete: bool,
    /// Other backfills of the same migration that have not run to the end yet: the
    /// migration's checks wait for them (none ran), and the last one to finish verifies all.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waiting_for: Vec<String>,
}

/// One backfill in `status`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BackfillStatus {
    /// Backfill id.
    pub id: String,
    /// The migration holding it.
    pub migration: String,
    /// "not started", "running", "failed", "done", "complete" or "retired".
    pub state: String,
    /// Rows changed so far.
    pub rows_changed: i64,
    /// Batches committed.
    pub batches: i64,
    /// Parts (workers).
    pub parts: usize,
    /// Last checkpoint time.
    pub updated_at: Option<String>,
    /// Why it is retired, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retired: Option<crate::backfill::Retirement>,
    /// The base name of its dual-write sync trigger (`sync = true`), in this plan's scope:
    /// `cutover_sync_<id>` with the default history table (see
    /// [`BackfillScope::sync_trigger_name`](crate::backfill::BackfillScope::sync_trigger_name)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sync_trigger: Option<String>,
    /// Whether its dual-write sync trigger (`sync = true`) is installed.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sync_active: bool,
    /// Whether its sync trigger should be installed (migration applied, not retired, not
    /// ended by a later migration) and is not: `backfill run ID` reinstalls it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sync_missing: bool,
    /// Whether its sync trigger is installed with another definition than the plan's
    /// (replaced by hand, or the plan changed since): `backfill run ID` reinstalls it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub sync_altered: bool,
    /// Rows in its undo log, when it has one in the database.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo_log_rows: Option<u64>,
    /// The name of the trigger that logs its batches (PostgreSQL), when one is on the table:
    /// a run is in progress, or one was killed and left it (the next run or undo removes
    /// it; until then it costs the application's UPDATEs a statement-level call each).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo_capture_trigger: Option<String>,
    /// The key range and progress of each part, when it runs in more than one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ranges: Vec<crate::backfill::PartRange>,
}

impl Runner<'_> {
    /// Runs backfill `id` with the runner's backfill options, then the verification checks of
    /// its migration; marks it `complete` when they pass. A retired backfill is refused
    /// ([`Runner::ensure_not_retired`]). Holds a lock per backfill so two
    /// runs of the same backfill never overlap; every batch checks it before committing, and
    /// after a lost connection the lock is taken again and the run resumes from the
    /// checkpoint the database holds.
    pub async fn backfill(&mut self, id: &str) -> Result<BackfillOutcome> {
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        let key = self.backfill_lock_key(id);
        self.locked_replanning(&key, false, move |r| {
            let spec = spec.clone();
            Box::pin(async move { r.backfill_locked(&spec).await })
        })
        .await
    }

    async fn backfill_locked(&mut self, spec: &BackfillSpec) -> Result<BackfillOutcome> {
        self.ensure_not_retired(&spec.id, self.options.backfill.restart)
            .await?;
        let ended = self.ensure_sync_trigger(spec).await?;
        let fence = self.history.fence().cloned();
        let report = self
            .run_backfill(&spec.id, fence.as_ref())
            .await
            .map_err(|e| Self::after_sync_ended(spec, ended.as_deref(), e))?;
        // The migration's checks describe all of its backfills: with a sibling not run to the
        // end, they would fail for rows that are simply not written yet.
        let siblings: Vec<String> =
            BackfillSpec::all_on(self.plan, Some(self.backend.dialect()), &self.scope())?
                .into_iter()
                .filter(|s| s.version == spec.version && s.id != spec.id)
                .map(|s| s.id)
                .collect();
        let statuses = self.backfill_status().await?;
        let waiting_for: Vec<String> = statuses
            .iter()
            .filter(|st| siblings.contains(&st.id))
            .filter(|st| st.retired.is_none() && !matches!(st.state.as_str(), "done" | "complete"))
            .map(|st| st.id.clone())
            .collect();
        if !waiting_for.is_empty() {
            return Ok(BackfillOutcome {
                report,
                checks: Vec::new(),
                complete: false,
                waiting_for,
            });
        }
        let mut checks = Vec::new();
        if let Some(m) = self.plan.get(&spec.version) {
            for c in m
                .checks_for(self.backend.dialect())
                .filter(|c| c.item.when == crate::plan::CheckWhen::After)
            {
                let r = super::run_check(self.backend, &c.item).await?;
                self.reporter.event(&Event::Check(&r));
                checks.push(r);
            }
        }
        let complete = checks.iter().all(|c| c.passed);
        let states = self.states();
        if complete {
            states.mark_complete(self.backend, &spec.id).await?;
            // The checks verified the siblings that finished before this one, too.
            for st in statuses
                .iter()
                .filter(|st| siblings.contains(&st.id) && st.state == "done")
            {
                states.mark_complete(self.backend, &st.id).await?;
            }
        } else {
            // A failed verification takes the backfill out of `complete` at once, so that
            // the contract gate cannot pass on a stale flag.
            states.mark_unverified(self.backend, &spec.id).await?;
        }
        Ok(BackfillOutcome {
            report,
            checks,
            complete,
            waiting_for: Vec::new(),
        })
    }

    /// Undoes backfill `id` (refused when it is retired, see [`Runner::ensure_not_retired`]),
    /// holding the backfill's lock (so it never overlaps `backfill run` of the same id). With
    /// an undo log (see [`backfill::undo_exact`]) it restores exactly the rows nobody changed
    /// since and reports the others; without one it applies the plan's `undo` to the rows
    /// `undo_where` selects, batched the same way. After a lost connection it takes the lock
    /// again and goes on (the log, or `undo_where`, says what is left).
    pub async fn undo_backfill(&mut self, id: &str) -> Result<backfill::UndoReport> {
        self.ensure_not_retired(id, false).await?;
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        if !backfill::has_undo_log(self.backend, &spec).await? {
            // Checked before locking so that a plan without `undo` fails fast.
            spec.undo().map_err(|e| {
                e.context(format!(
                    "backfill `{id}` has no undo log on this database (it has not run here with one, or it was retired or reverted since)"
                ))
            })?;
        }
        let key = self.backfill_lock_key(id);
        let id = id.to_string();
        // Rows restored and batches committed by passes cut by a lost connection: the
        // report counts every pass, not only the last.
        let earlier = std::sync::Arc::new([AtomicU64::new(0), AtomicU64::new(0)]);
        self.locked_replanning(&key, false, move |r| {
            let (spec, id, earlier) = (spec.clone(), id.clone(), earlier.clone());
            Box::pin(async move {
                let forward = Forward {
                    id: &id,
                    reporter: r.reporter,
                    changed: AtomicU64::new(0),
                    batches: AtomicU64::new(0),
                    estimate: AtomicU64::new(0),
                };
                let pass = r.undo_locked(&spec, &id, &forward).await;
                let [rows, batches] = &*earlier;
                match pass {
                    Ok(mut report) => {
                        report.rows_restored += rows.load(Ordering::Relaxed);
                        report.batches += batches.load(Ordering::Relaxed);
                        Ok(report)
                    }
                    Err(e) => {
                        rows.fetch_add(forward.changed.load(Ordering::Relaxed), Ordering::Relaxed);
                        batches
                            .fetch_add(forward.batches.load(Ordering::Relaxed), Ordering::Relaxed);
                        Err(e)
                    }
                }
            })
        })
        .await
    }

    /// Every backfill of the plan with its checkpoint state; retired ones say why (see
    /// [`Retirement`](crate::backfill::Retirement)). Reads the history; creates nothing.
    pub async fn backfill_status(&mut self) -> Result<Vec<BackfillStatus>> {
        let entries = self.history.load_if_exists(self.backend).await?;
        self.backfill_states(&entries, &[]).await
    }
}
