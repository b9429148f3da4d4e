//! Whether a sync trigger that should be there is: `status` and `drift` report a missing one.
//!
//! A `sync = true` backfill's trigger is expected while its migration is applied, the
//! backfill is not retired, and no later applied migration ended it (see
//! [`sync_ended_by`](crate::render::sync_ended_by)). When it is expected and not in the
//! database (dropped by hand, lost in a restore of another tool), old-version writes no longer
//! reach the target: `status` says so and `drift` reports it (exit 8), with the command that
//! reinstalls it. A trigger present under the right name but with another body is not
//! detected (only names are compared).

use super::Runner;
use super::history::{EntryState, HistoryEntry};
use crate::backfill::BackfillSpec;
use crate::error::Result;
use crate::schema::Difference;

impl Runner<'_> {
    /// `(active, missing)` for the sync trigger of `spec`: installed (one of its triggers is),
    /// and expected but not (fully) installed (`retired`: the backfill is retired, so none is expected).
    pub(super) async fn sync_health(
        &mut self,
        spec: &BackfillSpec,
        entries: &[HistoryEntry],
        retired: bool,
    ) -> Result<(bool, bool)> {
        let Some(trigger) = self.sync_trigger_of(spec) else {
            return Ok((false, false));
        };
        let names = self
            .backend
            .dialect()
            .sync_triggers()
            .sync_trigger_names(&trigger);
        let live = self.live_sync_triggers().await?;
        let active = names.iter().any(|n| live.contains(n));
        let complete = names.iter().all(|n| live.contains(n));
        let applied = entries
            .iter()
            .any(|e| e.version.text == spec.version && e.state == EntryState::Applied);
        let expected =
            applied && !retired && self.sync_ended_later(spec, &trigger, entries).is_none();
        Ok((active, expected && !complete))
    }

    /// The drift of missing sync triggers: one difference per backfill whose trigger is
    /// expected and not installed.
    pub(super) async fn sync_drift(&mut self) -> Result<Vec<Difference>> {
        let specs = BackfillSpec::all_on(self.plan, Some(self.backend.dialect()))?;
        let mut out = Vec::new();
        for st in self
            .backfill_status()
            .await?
            .into_iter()
            .filter(|s| s.sync_missing)
        {
            let Some(spec) = specs.iter().find(|s| s.id == st.id) else {
                continue;
            };
            out.push(Difference {
                object: spec.step.table.clone(),
                detail: format!(
                    "sync trigger cutover_sync_{id} of backfill `{id}` ({}) missing: writes of \
                     the old application version no longer reach its target; `cutover backfill \
                     run {id}` installs it again",
                    st.migration,
                    id = st.id
                ),
            });
        }
        Ok(out)
    }
}
