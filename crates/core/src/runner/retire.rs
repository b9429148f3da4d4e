//! Retired backfills in the runner (see [`Retirement`]): the state every status shows, the
//! refusal to run one by name, and `cutover backfill retire`.
//!
//! `backfill retire` takes the migration lock (so no `up` is running the backfill's
//! migration) and then the backfill's own lock `cutover-backfill:<id>` (so no
//! `backfill run` or `backfill undo` of it is running), each waiting up to the lock timeout:
//! a running backfill is never retired under its feet, the command stops with
//! [`Error::Locked`] (exit 4) instead. Taking the backfill's lock also moves its fence, so
//! workers of a killed run can commit nothing afterwards. A backfill whose run was killed
//! (its checkpoint still says `running`) can be retired: that is what giving up on it means.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use serde::Serialize;

use super::Runner;
use super::backfill_step::BackfillStatus;
use super::history::{EntryState, HistoryEntry};
use super::now;
use crate::backfill::{BackfillSpec, Checkpoint, PartState, Retirement, superseded};
use crate::error::{Error, Result};
use crate::plan::Version;

/// The answer of [`Runner::retire_backfill`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RetireOutcome {
    /// Backfill id.
    pub id: String,
    /// The migration holding it.
    pub migration: String,
    /// Its checkpoint state before (`complete`, `done`, `running`, `not started`, ...).
    pub previous: String,
    /// The retirement now in force.
    pub retirement: Retirement,
    /// Whether it was retired explicitly already (nothing was written).
    pub already: bool,
}

/// The checkpoint state of a backfill's parts, in one word.
fn summary(parts: &[Checkpoint]) -> &'static str {
    let any = |s: PartState| parts.iter().any(|p| p.state == s);
    if parts.is_empty() {
        "not started"
    } else if any(PartState::Retired) {
        "retired"
    } else if any(PartState::Undoing) {
        "undoing"
    } else if any(PartState::Failed) {
        "failed"
    } else if any(PartState::Running) {
        "running"
    } else if parts.iter().all(|p| p.state == PartState::Complete) {
        "complete"
    } else {
        "done"
    }
}

impl Runner<'_> {
    /// Every backfill of the plan with its checkpoint state and, when retired, why. A
    /// backfill is retired by a later migration only when it is finished (`complete`, or its
    /// migration baselined) and its migration and the later one are applied or baselined
    /// according to `entries`, or applied by this run (`applied_now`).
    pub(crate) async fn backfill_states(
        &mut self,
        entries: &[HistoryEntry],
        applied_now: &[Version],
    ) -> Result<Vec<BackfillStatus>> {
        let specs = BackfillSpec::all_on(self.plan, Some(self.backend.dialect()), &self.scope())?;
        if specs.is_empty() {
            return Ok(Vec::new());
        }
        // No state table yet: nothing started (status creates nothing). An unreadable one is
        // an error, never "not started".
        let started = self
            .backend
            .table_exists(&self.scope().state_table())
            .await?;
        let mut out = Vec::new();
        for spec in specs {
            out.push(self.status_of(&spec, started, entries, applied_now).await?);
        }
        Ok(out)
    }

    async fn status_of(
        &mut self,
        spec: &BackfillSpec,
        started: bool,
        entries: &[HistoryEntry],
        applied_now: &[Version],
    ) -> Result<BackfillStatus> {
        let states = self.states();
        let parts = if started {
            states.load(self.backend, &spec.id).await?
        } else {
            Vec::new()
        };
        let recorded = |v: &Version, state: EntryState| {
            entries.iter().any(|e| e.version == *v && e.state == state)
        };
        let done = |v: &Version| {
            applied_now.contains(v)
                || recorded(v, EntryState::Applied)
                || recorded(v, EntryState::Baselined)
        };
        let mut state = summary(&parts);
        let retired =
            if state == "retired" {
                Some(states.retirement(self.backend, &spec.id).await?.unwrap_or(
                    Retirement::Explicit {
                        by: None,
                        at: None,
                        note: None,
                    },
                ))
            } else {
                let owner = self.plan.get(&spec.version).map(|m| m.version.clone());
                let finished = state == "complete"
                    || (parts.is_empty()
                        && owner
                            .as_ref()
                            .is_some_and(|v| recorded(v, EntryState::Baselined)));
                match owner {
                    Some(v) if finished && done(&v) => {
                        superseded(self.plan, spec, &done, self.backend.dialect())
                    }
                    _ => None,
                }
            };
        if retired.is_some() {
            state = "retired";
        }
        let (sync_active, sync_missing, sync_altered) =
            self.sync_health(spec, entries, retired.is_some()).await?;
        Ok(BackfillStatus {
            id: spec.id.clone(),
            migration: spec.migration.clone(),
            state: state.to_string(),
            rows_changed: parts.iter().map(|p| p.rows_changed).sum(),
            batches: parts.iter().map(|p| p.batches).sum(),
            parts: parts.len(),
            updated_at: parts.iter().map(|p| p.updated_at.clone()).max(),
            retired,
            sync_trigger: self.sync_trigger_of(spec, &[]).map(|t| t.base_name()),
            sync_active,
            sync_missing,
            sync_altered,
            undo_log_rows: crate::backfill::undo_log_rows(self.backend, spec).await?,
            undo_capture_trigger: crate::backfill::undo_capture_trigger(self.backend, spec).await?,
            ranges: if parts.len() > 1 {
                parts.iter().map(crate::backfill::PartRange::of).collect()
            } else {
                Vec::new()
            },
        })
    }

    /// Fails with [`Error::BackfillRetired`] when backfill `id` is retired, so that
    /// `backfill run ID` (and its `--dry-run`) and `backfill undo ID` refuse it. With
    /// `restart`, an explicit retirement is no refusal: `backfill run ID --restart` starts
    /// the backfill over and so ends its retirement, unless a later applied migration changed
    /// what it reads or writes: such a backfill is refused either way.
    pub async fn ensure_not_retired(&mut self, id: &str, restart: bool) -> Result<()> {
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        let entries = self.history.load_if_exists(self.backend).await?;
        let started = self
            .backend
            .table_exists(&self.scope().state_table())
            .await?;
        let mut status = self.status_of(&spec, started, &entries, &[]).await?;
        if status.retired.as_ref().is_some_and(Retirement::is_explicit) && restart {
            // Starting over is possible only while what it reads and writes is unchanged.
            let done = |v: &Version| {
                entries.iter().any(|e| {
                    e.version == *v
                        && matches!(e.state, EntryState::Applied | EntryState::Baselined)
                })
            };
            match superseded(self.plan, &spec, &done, self.backend.dialect()) {
                None => return Ok(()),
                later => status.retired = later,
            }
        }
        let hint = match &status.retired {
            None => return Ok(()),
            Some(r) if r.is_explicit() => format!(
                "`cutover backfill run {id} --restart` starts it over from the beginning, which ends the retirement"
            ),
            Some(_) => "nothing is left for it to do (`cutover backfill status` shows it as retired); to run it anyway, revert the later migration with `cutover down` first".to_string(),
        };
        Err(Error::BackfillRetired {
            id: id.to_string(),
            reason: status.retired.map(|r| r.to_string()).unwrap_or_default(),
            hint,
        })
    }

    /// Retires backfill `id` (`cutover backfill retire`): it is given up, or was finished by
    /// other means. Records who (the runner's `applied_by`), when and `note` in the state
    /// table. Holds the migration lock and the backfill's lock (see the module
    /// documentation); already retired explicitly: nothing is written.
    pub async fn retire_backfill(&mut self, id: &str, note: Option<&str>) -> Result<RetireOutcome> {
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        let note = note.map(str::to_string);
        let key = self.lock_key();
        // After a lost connection both locks went with the session: the pass starts over
        // with the migration lock, then the backfill's.
        self.locked_replanning(&key, true, move |r| {
            let (spec, note) = (spec.clone(), note.clone());
            Box::pin(async move { r.retire_with_backfill_lock(&spec, note.as_deref()).await })
        })
        .await
        .map_err(|e| e.context(format!("retiring backfill `{id}`")))
    }

    /// With the migration lock held: takes the backfill's own lock (and a new fence for it,
    /// checked by the write), retires, releases it on every path.
    async fn retire_with_backfill_lock(
        &mut self,
        spec: &BackfillSpec,
        note: Option<&str>,
    ) -> Result<RetireOutcome> {
        let key = spec.scope.lock_key(&spec.id);
        self.take_lock(&key).await?;
        let result = AssertUnwindSafe(async {
            self.fence_lock(&key).await?;
            self.retire_locked(spec, note).await
        })
        .catch_unwind()
        .await;
        self.release_lock(&key, result).await
    }

    /// A retired backfill is never undone: its undo log goes (with a bounded wait for the
    /// table's lock where a capture trigger is left on it).
    async fn drop_retired_log(&mut self, spec: &BackfillSpec) -> Result<()> {
        crate::backfill::drop_undo_log(self.backend, &spec.scope, &spec.id, false)
            .await
            .map_err(|e| {
                e.context(format!(
                    "backfill `{}` is retired, but its undo log {} was not dropped (a lock on table `{}`?): run `cutover backfill retire {} --yes` again once the other transaction ended",
                    spec.id,
                    spec.scope.undo_log_table(&spec.id),
                    spec.step.table,
                    spec.id
                ))
            })
    }

    async fn retire_locked(
        &mut self,
        spec: &BackfillSpec,
        note: Option<&str>,
    ) -> Result<RetireOutcome> {
        let states = self.states();
        states.ensure_retirement_columns(self.backend).await?;
        let entries = self.history.load(self.backend).await?;
        let started = self
            .backend
            .table_exists(&self.scope().state_table())
            .await?;
        let before = self.status_of(spec, started, &entries, &[]).await?;
        let parts = states.load(self.backend, &spec.id).await?;
        if let Some(r @ Retirement::Explicit { .. }) = before.retired {
            // A retirement whose log could not be dropped then (a lock): again.
            self.drop_retired_log(spec).await?;
            return Ok(RetireOutcome {
                id: spec.id.clone(),
                migration: spec.migration.clone(),
                previous: "retired".into(),
                retirement: r,
                already: true,
            });
        }
        let (by, at) = (self.options.applied_by.clone(), now());
        self.backend.begin().await?;
        let written = async {
            if let Some(fence) = self.history.fence() {
                fence
                    .check(self.backend, &format!("retiring backfill `{}`", spec.id))
                    .await?;
            }
            let parts = states.load(self.backend, &spec.id).await?;
            states
                .retire(self.backend, spec, &parts, &by, &at, note)
                .await
        }
        .await;
        match written {
            Ok(()) => {
                self.backend.commit().await?;
                self.drop_retired_log(spec).await?;
            }
            Err(e) => {
                let _ = self.backend.rollback().await;
                return Err(e);
            }
        }
        // A retired backfill needs no dual-write any more.
        self.drop_sync_trigger(spec).await?;
        Ok(RetireOutcome {
            id: spec.id.clone(),
            migration: spec.migration.clone(),
            previous: summary(&parts).to_string(),
            retirement: Retirement::Explicit {
                by: Some(by),
                at: Some(at),
                note: note.map(str::to_string),
            },
            already: false,
        })
    }
}
