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
        // Refused as the undo itself would be, naming the later migrations to revert first.
        let mut preview = match backfill::undo_preview(self.backend, &spec).await {
            Ok(p) => p,
            Err(e) => return Err(self.undo_blocked(&spec, e).await),
        };
        if preview.method == "log"
            && preview.logged == 0
            && self.states().load(self.backend, id).await?.is_empty()
        {
            preview.note = Some(format!(
                "backfill `{id}` is already undone: its undo log is empty and it has no checkpoint (nothing to do)"
            ));
            return Ok(preview);
        }
        if preview.method == "log" {
            // Counted from the log alone: a later change to a written column may still make
            // the undo itself refuse (a NOT NULL the old values break, say).
            let later = self.later_changes(&spec).await?;
            if !later.is_empty() {
                let warning = format!(
                    "later migrations changed the columns backfill `{id}` wrote ({}): the undo refuses if it cannot write the old values into the table as it is now; `cutover down --to {}` reverts them first",
                    later.join("; "),
                    spec.version
                );
                preview.note = super::undo_sync::join_notes(preview.note.take(), Some(warning));
            }
        } else {
            spec.undo().map_err(|e| {
                e.context(format!(
                    "backfill `{id}` has no undo log on this database (it has not run here with one, or it was retired or reverted since)"
                ))
            })?;
            self.refuse_stale_expression_undo(&spec).await?;
            if spec.step.insert_into.is_none() {
                self.count_expression_undo(&spec, &mut preview).await?;
            }
        }
        Ok(preview)
    }

    /// The rows an expression undo of `spec` would write, counted like the undo selects
    /// them (rtA #9): `undo_where` or else the backfill's `where` and join, limited to the
    /// key ranges its checkpoints record as done when it did not complete.
    async fn count_expression_undo(
        &mut self,
        spec: &BackfillSpec,
        preview: &mut UndoPreview,
    ) -> Result<()> {
        let (undo, limited) = match backfill::expression_undo_preview(self.backend, spec).await? {
            backfill::ExpressionUndo::AlreadyUndone => {
                preview.selects = Some(
                    "none: the backfill is already undone (its `undo` expressions ran to the end)"
                        .to_string(),
                );
                return Ok(());
            }
            backfill::ExpressionUndo::Run { spec, limited, .. } => (*spec, limited),
        };
        let counted = backfill::dry_run(self.backend, &undo, 0).await?;
        preview.would_restore = counted.pending;
        let mut selects = match (&spec.step.undo_where, &spec.step.r#where) {
            (Some(_), _) => "the rows `undo_where` selects".to_string(),
            (None, Some(_)) => "the rows the backfill's `where` selects".to_string(),
            (None, None) => "every row of the table".to_string(),
        };
        if limited {
            selects.push_str(
                " within the key ranges its checkpoints record as done (it did not complete)",
            );
        }
        preview.selects = Some(selects);
        Ok(())
    }
}
