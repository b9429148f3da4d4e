//! `cutover backfill undo --dry-run`: what an undo would do, nothing written.

use super::Runner;
use crate::backfill::{self, BackfillSpec, UndoPreview};
use crate::error::Result;

impl Runner<'_> {
    /// Counts what `undo_backfill(id)` would restore and leave alone, without writing and
    /// without the backfill's lock (a backfill running meanwhile changes the numbers).
    /// Refused like the undo itself for a retired backfill, or one without a log and without
    /// `undo` expressions.
    pub async fn preview_undo(&mut self, id: &str) -> Result<UndoPreview> {
        self.ensure_not_retired(id, false).await?;
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        let preview = backfill::undo_preview(self.backend, &spec).await?;
        if preview.method != "log" {
            spec.undo().map_err(|e| {
                e.context(format!(
                    "backfill `{id}` has no undo log on this database (it has not run here with one, or it was retired or reverted since)"
                ))
            })?;
        }
        Ok(preview)
    }
}
