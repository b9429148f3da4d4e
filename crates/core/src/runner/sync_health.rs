//! Whether a sync trigger that should be there is: `status` and `drift` report a missing one.
//!
//! A `sync = true` backfill's trigger is expected while its migration is applied, the
//! backfill is not retired, and no later applied migration ended it (see
//! [`sync_ended_by`](crate::render::sync_ended_by)). When it is expected and not in the
//! database (dropped by hand, lost in a restore of another tool), old-version writes no longer
//! reach the target: `status` says so and `drift` reports it (exit 8), with the command that
//! reinstalls it. A trigger present under the right name whose definition is not the one
//! cutover creates from the plan (a trigger or function replaced by hand, or the plan's
//! definition changed since the install) is reported the same way, as altered: the catalog's
//! text is compared with the rendered one
//! ([`expected_sync_definitions`](crate::dialect::SyncTriggers::expected_sync_definitions)).

use super::history::{EntryState, HistoryEntry};
use super::{BackfillStatus, Runner};
use crate::backfill::BackfillSpec;
use crate::error::Result;
use crate::schema::Difference;

impl Runner<'_> {
    /// `(active, missing, altered)` for the sync trigger of `spec`: installed (one of its
    /// triggers is), expected but not (fully) installed (`retired`: the backfill is retired,
    /// so none is expected), and installed with another definition than the plan's.
    pub(super) async fn sync_health(
        &mut self,
        spec: &BackfillSpec,
        entries: &[HistoryEntry],
        retired: bool,
    ) -> Result<(bool, bool, bool)> {
        let Some(trigger) = self.sync_trigger_of(spec, entries) else {
            return Ok((false, false, false));
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
        let altered = expected && complete && self.sync_altered(&trigger).await?;
        Ok((active, expected && !complete, altered))
    }

    /// Whether a live trigger of `trigger` has another definition than the plan renders.
    pub(super) async fn sync_altered(
        &mut self,
        trigger: &crate::dialect::SyncTrigger,
    ) -> Result<bool> {
        let st = self.backend.dialect().sync_triggers();
        let expected = st.expected_sync_definitions(trigger)?;
        let rows = self
            .backend
            .query(&st.sync_definitions_sql(trigger))
            .await
            .map_err(|e| e.context("reading the definitions of the sync triggers"))?;
        let live: Vec<(String, String)> = rows
            .rows
            .iter()
            .map(|r| {
                let cell = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                (cell(0), cell(1))
            })
            .collect();
        Ok(expected.iter().any(|(name, body)| {
            !live
                .iter()
                .any(|(n, l)| n == name && crate::dialect::same_definition(l, body))
        }))
    }

    /// The drift of missing sync triggers: one difference per backfill whose trigger is
    /// expected and not installed.
    pub(super) async fn sync_drift(&mut self) -> Result<Vec<Difference>> {
        let specs = BackfillSpec::all_on(self.plan, Some(self.backend.dialect()), &self.scope())?;
        let mut out = Vec::new();
        for st in self
            .backfill_status()
            .await?
            .into_iter()
            .filter(|s| s.sync_missing || s.sync_altered)
        {
            let Some(spec) = specs.iter().find(|s| s.id == st.id) else {
                continue;
            };
            let name = trigger_name(&st);
            let detail = if st.sync_missing {
                format!(
                    "sync trigger {name} of backfill `{id}` ({}) missing: writes of the old \
                     application version no longer reach its target; `cutover backfill run \
                     {id}` installs it again",
                    st.migration,
                    id = st.id
                )
            } else {
                altered_text(&st)
            };
            out.push(Difference {
                object: spec.step.table.clone(),
                detail,
            });
        }
        Ok(out)
    }
}

/// The base name of the sync trigger of `st`, as its plan's scope names it.
pub(crate) fn trigger_name(st: &BackfillStatus) -> String {
    st.sync_trigger
        .clone()
        .unwrap_or_else(|| crate::backfill::BackfillScope::default().sync_trigger_name(&st.id))
}

/// What `drift` and `status` say of a sync trigger whose definition is not the plan's.
pub(crate) fn altered_text(st: &BackfillStatus) -> String {
    let (id, migration, name) = (&st.id, &st.migration, trigger_name(st));
    format!(
        "sync trigger {name} of backfill `{id}` ({migration}) ALTERED: its definition \
         in the database is not the one the plan creates (replaced by hand, or the plan changed \
         since it was installed), so writes of the old application version may not reach the \
         target as planned; `cutover backfill run {id}` installs the plan's definition again"
    )
}
