//! A `sync = true` backfill whose run failed in the database (a transform that raises, a
//! constraint its values break): its trigger computes the same `set` inside the
//! application's own writes, so it may fail them the same way.
//!
//! - No row depends on the trigger yet (its migration is not applied, no batch of the
//!   backfill ever committed: none before this run, none in it, none in its undo log): the
//!   trigger is removed with the failure, and `cutover up` / `cutover backfill run` install it
//!   again before the first batch ([`Runner::ensure_sync_trigger`]).
//! - Otherwise the trigger stays, because the rows already written need it to follow the old
//!   application version's writes; the error says so and names the ways out (fix the plan
//!   and resume, which reinstalls the trigger from the fixed definition, or `backfill undo`,
//!   which ends dual-write).
//!
//! Lost connections, conflicts and timeouts are left alone: they say nothing about the
//! transform, and the run is retried or resumed as it is. When in doubt (a read fails), the
//! trigger stays.

use super::Runner;
use super::history::EntryState;
use crate::backfill::{self, BackfillSpec, PartState};
use crate::error::{DriverErrorKind, Error};

impl Runner<'_> {
    /// Whether rows of `spec`, a `sync = true` backfill, were written before this run (a
    /// committed batch or a finished part in its checkpoint): read before the run, since a
    /// run may clear the checkpoint (`--restart`, new pending rows after a finished run).
    /// True when unknown, and false without `sync`.
    pub(crate) async fn sync_rows_written(&mut self, spec: &BackfillSpec) -> bool {
        if !spec.step.sync {
            return false;
        }
        let states = self.states();
        match states.load(self.backend, &spec.id).await {
            Ok(parts) => parts
                .iter()
                .any(|p| p.batches > 0 || matches!(p.state, PartState::Done | PartState::Complete)),
            // No checkpoint table yet: no backfill of this plan ever ran here.
            Err(_) => !matches!(self.backend.table_exists(states.name()).await, Ok(false)),
        }
    }

    /// `e`, the failure of a run of `spec`, after handling its sync trigger (see the module
    /// documentation). Never fails itself: when reading or dropping fails, `e` is returned
    /// with what is known.
    pub(crate) async fn after_sync_failure(
        &mut self,
        spec: &BackfillSpec,
        written_before: bool,
        e: Error,
    ) -> Error {
        if !from_data(&e) {
            return e;
        }
        let Ok(entries) = self.history.load_if_exists(self.backend).await else {
            return e;
        };
        let Some(trigger) = self.sync_trigger_of(spec, &entries) else {
            return e;
        };
        let Ok(live) = self.live_sync_triggers().await else {
            return e;
        };
        let names = self
            .backend
            .dialect()
            .sync_triggers()
            .sync_trigger_names(&trigger);
        if !names.iter().any(|n| live.contains(n)) {
            return e;
        }
        let applied = entries
            .iter()
            .any(|x| x.version.text == spec.version && x.state == EntryState::Applied);
        let written = written_before || applied || self.sync_rows_written(spec).await || {
            let logged = backfill::undo_log_rows(self.backend, spec).await;
            !matches!(logged, Ok(None | Some(0)))
        };
        let id = &spec.id;
        let name = trigger.base_name();
        if written {
            return e.context(format!(
                "backfill `{id}` ({}) failed after rows were written; its sync trigger {name} \
                 stays installed so that the rows already written keep following the old \
                 application version's writes. It computes the same `set` inside those writes: \
                 if this failure comes from the transform, application writes of such rows fail \
                 too. Fix the backfill's `set` and resume (`cutover repair`, then `cutover \
                 backfill run {id} --restart`, which installs the fixed trigger, then `cutover \
                 up`), or end dual-write and restore the rows with `cutover backfill undo {id} \
                 --yes`",
                spec.migration
            ));
        }
        match self.drop_sync_trigger(spec).await {
            Ok(()) => e.context(format!(
                "backfill `{id}` ({}) failed before its first batch committed; its sync trigger \
                 {name} was removed, since it computes the same `set` inside the application's \
                 writes and would fail them the same way. No row depends on it yet: fix the \
                 backfill's `set` (then `cutover repair`) and `cutover up` or `cutover backfill \
                 run {id}` installs it again before the first batch",
                spec.migration
            )),
            Err(d) => e.context(format!(
                "backfill `{id}` ({}) failed before its first batch committed, and its sync \
                 trigger {name}, which computes the same `set` inside the application's writes, \
                 could not be removed ({d}): remove it with `cutover backfill undo {id} --yes`",
                spec.migration
            )),
        }
    }
}

/// Whether the database refused a statement of the run (a driver error that is not a lost
/// connection, a conflict or a timeout), under any context or backfill wrapper.
fn from_data(e: &Error) -> bool {
    match e {
        Error::Context { cause, .. } | Error::Backfill { cause, .. } => from_data(cause),
        Error::Driver { kind, .. } => *kind == DriverErrorKind::Other,
        _ => false,
    }
}
