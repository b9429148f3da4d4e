//! What an interrupted `backfill undo` leaves for the next run: the backfill's checkpoint
//! says `undoing` (see [`PartState::Undoing`](crate::backfill::PartState::Undoing)).

use super::Runner;
use crate::backfill::{BackfillSpec, PartState, StateTable};
use crate::error::{Error, Result};

impl Runner<'_> {
    /// Before backfill `spec` runs: when an undo of it restored rows and did not finish, those
    /// rows are pending again, so the checkpoint (which still counts them as done) is
    /// removed and the run walks the whole table again. The rows the undo did not reach keep
    /// their log rows (a re-run keeps the oldest old values), so a later undo stays exact.
    /// Walking again is only safe when rows can be told pending (`pending`, or the
    /// insert-select anti-join): otherwise the rows the undo did not reach would be written
    /// twice, so the run is refused unless `--restart` asks for exactly that.
    pub(crate) async fn restart_after_undo(&mut self, spec: &BackfillSpec) -> Result<()> {
        let id = spec.id.as_str();
        let states = StateTable::new(self.backend.dialect());
        if !self
            .backend
            .table_exists(crate::backfill::STATE_TABLE)
            .await?
        {
            return Ok(());
        }
        let parts = states.load(self.backend, id).await?;
        if !parts.iter().any(|p| p.state == PartState::Undoing) {
            return Ok(());
        }
        if !spec.has_pending() && !self.options.backfill.restart {
            return Err(Error::Other(format!(
                "backfill `{id}` (migration {}) is half undone: `cutover backfill undo` restored some rows and did not finish, and without `pending` cutover cannot tell the restored rows from the ones still backfilled; run `cutover backfill undo {id} --yes` to finish the undo first, or `cutover backfill run {id} --restart` to write every row again",
                spec.migration
            )));
        }
        tracing::info!(id, "an undo of this backfill did not finish: starting over");
        states.clear(self.backend, id).await?;
        Ok(())
    }
}
