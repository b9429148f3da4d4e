//! `cutover backfill undo` once the backfill's lock is held: a sync trigger dealt with
//! first, then the undo from the log or with the plan's `undo` expressions.

use std::sync::atomic::Ordering;

use super::Runner;
use super::backfill_step::Forward;
use crate::backfill::{self, BackfillSpec};
use crate::error::{Error, Result};

impl Runner<'_> {
    /// The undo of `spec` under its lock (see [`Runner::undo_backfill`]).
    pub(super) async fn undo_locked(
        &mut self,
        spec: &BackfillSpec,
        id: &str,
        forward: &Forward<'_>,
    ) -> Result<backfill::UndoReport> {
        let states = self.states();
        states.ensure(self.backend).await?;
        let logged = backfill::has_undo_log(self.backend, spec).await?;
        if !logged {
            self.refuse_stale_expression_undo(spec).await?;
        }
        if logged && spec.step.sync {
            // Refused before its sync trigger is dropped: a log that cannot be read against
            // the table as it is now (a renamed key or written column) restores nothing.
            if let Err(e) = backfill::check_undo_log(self.backend, spec).await {
                return Err(self.undo_blocked(spec, e).await);
            }
        }
        let sync_note = self.end_sync_for_undo(spec).await?;
        let undone = self
            .undo_after_sync(spec, id, forward, logged, sync_note.clone())
            .await;
        if let (Err(e), Some(_)) = (&undone, &sync_note)
            && !super::transact::is_connection(e)
            && !matches!(e.root(), Error::LockLost { .. })
        {
            // (A lost connection or lock: the runner renews them and runs the pass again.)
            // A failed undo leaves dual-write on, as before it: the old application version
            // keeps writing rows the trigger fills (rtC #2, rtE H3). Rows this pass restored
            // stay restored; the next undo drops the trigger again and goes on.
            let restored = forward.changed.load(Ordering::Relaxed);
            let how = match self.ensure_sync_trigger(spec).await {
                Ok(_) => format!(
                    "was installed again ({restored} rows restored before the failure stay restored; run the undo again once the cause is fixed)"
                ),
                Err(again) => format!(
                    "could not be installed again ({again}); `cutover backfill run {id}` installs it"
                ),
            };
            return Err(Error::Other(format!(
                "{e:#}; the sync trigger of backfill `{id}`, dropped before the undo, {how}"
            )));
        }
        undone
    }

    /// The undo of `spec` once its sync trigger is dealt with (`sync_note` says how).
    async fn undo_after_sync(
        &mut self,
        spec: &BackfillSpec,
        id: &str,
        forward: &Forward<'_>,
        logged: bool,
        sync_note: Option<String>,
    ) -> Result<backfill::UndoReport> {
        let states = self.states();
        let mut report = if logged {
            // A finished undo cleared the checkpoint and emptied the log.
            let undone_before = states.load(self.backend, id).await?.is_empty();
            let fence = self.history.fence().cloned();
            let undone = backfill::undo_exact(
                self.backend,
                spec,
                &self.options.backfill,
                forward,
                fence.as_ref(),
            )
            .await;
            match undone {
                Ok(r) if undone_before && r.rows_restored + r.rows_left_alone == 0 => {
                    backfill::UndoReport {
                        note: Some(format!(
                            "backfill `{id}` is already undone: its undo log is empty and it has no checkpoint (nothing to do; `cutover backfill run {id}` runs it again)"
                        )),
                        ..r
                    }
                }
                Ok(r) => r,
                Err(e) => return Err(self.undo_blocked(spec, e).await),
            }
        } else {
            // A backfill that did not complete is undone only over the key ranges its
            // checkpoints record as done; an interrupted undo goes on from its checkpoint.
            let (undo, limited) = match backfill::expression_undo(self.backend, spec).await? {
                backfill::ExpressionUndo::AlreadyUndone => {
                    return Ok(backfill::UndoReport {
                        id: id.to_string(),
                        method: "expressions".into(),
                        note: super::undo_sync::join_notes(
                            sync_note,
                            Some(format!(
                                "backfill `{id}` is already undone: its `undo` expressions ran to the end (nothing to do; `cutover backfill run {id}` runs it again)"
                            )),
                        ),
                        ..backfill::UndoReport::default()
                    });
                }
                backfill::ExpressionUndo::Run { spec, limited, .. } => (*spec, limited),
            };
            // Never `restart`: each batch checkpoints in its transaction, and its first
            // written row moves the backfill to `undoing` there (see `BackfillSpec::undoes`).
            let mut options = self.options.backfill.clone();
            options.restart = false;
            options.force = false;
            let r = backfill::run_fenced(
                self.backend,
                self.connector,
                &undo,
                &options,
                forward,
                self.history.fence(),
            )
            .await?;
            let rows = match &spec.step.undo_where {
                Some(_) => "the rows `undo_where` selects",
                None => "the rows the backfill selected",
            };
            backfill::UndoReport {
                id: id.to_string(),
                method: "expressions".into(),
                rows_restored: r.rows_changed,
                batches: r.batches,
                duration_ms: r.duration_ms,
                note: Some(format!(
                    "backfill `{id}` has no undo log (it ran before undo logs existed, or with `undo_log = false`): applied the plan's `undo` expressions to {rows}{}, which also overwrites changes made since the backfill",
                    if limited {
                        " within the key ranges its checkpoints record as done (it did not complete)"
                    } else {
                        ""
                    }
                )),
                ..backfill::UndoReport::default()
            }
        };
        report.note = super::undo_sync::join_notes(sync_note, report.note);
        // The original backfill's rows are pending again: its checkpoint no longer holds.
        states.clear(self.backend, id).await?;
        Ok(report)
    }
}
