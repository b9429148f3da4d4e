//! A `sync = true` backfill whose run failed in the database (a transform that raises, a
//! constraint its values break): its trigger computes the same `set` inside the
//! application's own writes, so it may fail them the same way.
//!
//! The trigger stays installed. Removing it would be safe only if no row depended on it, and
//! that cannot be known: besides the rows the batches wrote, the application's own writes
//! since the install went through the trigger, and those rows look like any row that is not
//! pending. Without the trigger, the old version's next writes to them would leave their
//! targets stale, and a later `verify` would not see it (red team rtG, finding 1). So the
//! error says what the trigger now does to the application's writes and names the ways out:
//! fix the plan and resume (the resume installs the fixed trigger, see
//! [`Runner::ensure_backfill_sync`]), or end dual-write with `backfill undo`.
//!
//! Lost connections, conflicts and timeouts are left alone: they say nothing about the
//! transform, and the run is retried or resumed as it is.

use super::Runner;
use super::history::EntryState;
use crate::backfill::{BackfillSpec, PartState};
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

    /// `e`, the failure of a run of `spec` (`written_before`: [`Runner::sync_rows_written`]
    /// before the run), with what its live sync trigger now does to the application's writes
    /// and the ways out (see the module documentation). Never fails itself: when a read fails,
    /// `e` is returned as it is.
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
        let written = written_before || applied || self.sync_rows_written(spec).await;
        let id = &spec.id;
        let name = trigger.base_name();
        let resume = match written {
            true => format!(
                "`cutover repair`, then `cutover backfill run {id} --restart` (rows were \
                 written with the old definition), then `cutover up`"
            ),
            false => "`cutover repair`, then `cutover up` (no batch was written: the backfill \
                      starts over)"
                .to_string(),
        };
        e.context(format!(
            "backfill `{id}` ({}) failed; its sync trigger {name} stays installed, because \
             rows the batches or the application wrote since it was installed need it to keep \
             following the old application version's writes. It computes the same `set` inside \
             those writes: if this failure comes from the transform, application writes of such \
             rows fail too, until the trigger is fixed or removed. Fix the backfill's `set` and \
             resume ({resume}; the resume installs the fixed trigger), or end dual-write now \
             with `cutover backfill undo {id} --yes`",
            spec.migration
        ))
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
