//! Undo of a dual-write backfill (`sync = true`, red-team #8): its sync trigger goes first.
//!
//! The trigger fills the rows the application writes after the backfill ran; those rows are
//! not in the undo log (the backfill never wrote them), and a trigger left active would go on
//! writing the backfilled columns after the undo. So undo (and the `down` of its migration,
//! which drops it anyway) drops the trigger before it restores anything, and says so: rows
//! the trigger filled keep their values (undo leaves alone what it did not write), logged
//! rows the trigger rewrote since are restored only when they still hold what the backfill
//! wrote, else left alone and reported. `cutover backfill run` installs the trigger again.

use super::Runner;
use crate::backfill::BackfillSpec;
use crate::error::Result;

impl Runner<'_> {
    /// Drops the live sync trigger of `spec` before its undo; the note for the report when
    /// there was one.
    pub(crate) async fn end_sync_for_undo(
        &mut self,
        spec: &BackfillSpec,
    ) -> Result<Option<String>> {
        if !spec.step.sync {
            return Ok(None);
        }
        let Some(trigger) = self.sync_trigger_of(spec, &[]) else {
            return Ok(None);
        };
        let names = self
            .backend
            .dialect()
            .sync_triggers()
            .sync_trigger_names(&trigger);
        let live = self.live_sync_triggers().await?;
        if !names.iter().any(|n| live.contains(n)) {
            return Ok(None);
        }
        self.drop_sync_trigger(spec).await?;
        Ok(Some(format!(
            "dropped the sync trigger of backfill `{id}` ({}) before the undo, so it no longer fills `{}`: rows it filled since the backfill are not in the undo log and keep their values; `cutover backfill run {id}` installs it again",
            names.join(", "),
            spec.step.table,
            id = spec.id
        )))
    }
}

/// `a` and `b` joined by `; ` (either may be missing).
pub(crate) fn join_notes(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a}; {b}")),
        (a, b) => a.or(b),
    }
}
