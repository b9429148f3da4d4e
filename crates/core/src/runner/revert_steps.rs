//! A down that cannot run in one transaction (MySQL, or `transaction = false`): statement by
//! statement, with exact progress, like `up`'s stepwise run ([`super::progress`]).
//!
//! The history entry becomes `reverting` before the first down statement runs, and counts
//! the down statements that committed (`statements_applied`, with their checksums):
//!
//! - a statement the database runs in a transaction (DML, DDL on PostgreSQL and SQLite)
//!   commits in one transaction with its progress;
//! - a statement that commits on its own (MySQL DDL) is followed by its progress; when a run
//!   stops in between, the resume reads the live schema ([`super::effect`]) to learn whether
//!   it took effect before running it again;
//! - the last step removes the backfill checkpoints and the history entry in one
//!   transaction.
//!
//! `up` refuses a `reverting` migration; `cutover down` finishes it.

use super::history::{EntryState, HistoryEntry};
use super::report::Event;
use super::transact::is_connection;
use super::{Runner, now, statement_checksum};
use crate::error::{Error, Result};
use crate::plan::Migration;
use crate::render::RenderedMigration;

impl Runner<'_> {
    /// Reverts `m` statement by statement from its history entry `prior` (`applied`, or
    /// adopted from another tool's history, or `reverting` when an earlier down stopped part
    /// way).
    pub(crate) async fn revert_stepwise(
        &mut self,
        m: &Migration,
        r: &RenderedMigration,
        prior: &HistoryEntry,
        partial: Option<usize>,
    ) -> Result<()> {
        let label = m.label();
        let total = r.statements.len();
        // A down's backfill (an `undo`) runs as its one statement, as in a transactional
        // down: it is not a backfill of the plan with a checkpoint of its own.
        let mut plain = r.clone();
        for s in &mut plain.statements {
            s.backfill = None;
        }
        let r = &plain;
        let mut entry = prior.clone();
        // An up that stopped part way: the number of its steps that ran stays in the note.
        let keep = |note: Option<&str>| match partial {
            Some(n) => Some(super::revert_partial::partial_note(n, note)),
            None => note.map(str::to_string),
        };
        entry.note = keep(None);
        if prior.state == EntryState::Applied
            || prior.is_adopted()
            || super::revert_partial::is_partial_up(prior)
        {
            entry.state = EntryState::Reverting;
            entry.statements_applied = 0;
            entry.statements_total = total as i64;
            entry.statement_checksums = Vec::new();
            entry.started_at = self.database_stamp().await?;
            entry.finished_at = None;
            entry.duration_ms = None;
            // The one rewrite of an applied entry `down` makes; fenced like every write.
            self.history.replace_atomic(self.backend, &entry).await?;
        } else {
            if let Err(e) = self.resume_revert(r, prior, &mut entry, &label).await {
                // Refused once (a statement whose effect the schema cannot tell): recording an
                // end makes the next run, after the operator looked, run it without the check.
                entry.finished_at = Some(now());
                let text: String = e.to_string().chars().take(2000).collect();
                entry.note = keep(Some(&text));
                let _ = self.history.save_atomic(self.backend, &entry).await;
                return Err(e);
            }
            entry.finished_at = None;
            self.history.save_atomic(self.backend, &entry).await?;
        }
        for i in entry.statements_applied as usize..total {
            let s = &r.statements[i];
            if let Err(e) = self.run_recorded(s, i, &mut entry).await {
                let done = entry.statements_applied as usize;
                let next = if is_connection(&e) && done == i {
                    // Outcome unknown: no end is recorded, so the resume checks it first.
                    format!(
                        "the connection was lost, so whether down statement {} took effect is unknown; run `cutover down` again: it checks before running it",
                        i + 1
                    )
                } else {
                    entry.finished_at = Some(now());
                    let text: String = e.to_string().chars().take(2000).collect();
                    entry.note = keep(Some(&text));
                    let _ = self.history.save_atomic(self.backend, &entry).await;
                    format!(
                        "fix the cause and run `cutover down` again to resume at down statement {}",
                        done + 1
                    )
                };
                let reverted = down_done(done);
                return Err(e.context(format!(
                    "migration {label} down, step {} ({}), statement {}/{total}; {reverted}, the migration is half reverted (`cutover up` refuses it); {next}",
                    s.step,
                    s.op,
                    i + 1,
                )));
            }
            self.reporter.event(&Event::StatementDone {
                index: i + 1,
                total,
            });
        }
        self.release_install_lock().await;
        // Before the history entry goes: a cut in between leaves `reverting`, whose resume
        // drops them again (idempotent).
        self.drop_undo_logs(m, false).await?;
        self.backend.begin().await?;
        match self.forget_reverted(m).await {
            Ok(()) => {
                self.backend.commit().await?;
                Ok(())
            }
            Err(e) => {
                let _ = self.backend.rollback().await;
                Err(e.context(format!(
                    "migration {label}: every down statement ran, but removing its history entry failed; run `cutover down` again to finish"
                )))
            }
        }
    }

    /// Resuming a `reverting` entry: the down statements that ran must be the plan's, the
    /// one that was interrupted is settled against the live schema, and the session settings
    /// among those that ran are set again.
    async fn resume_revert(
        &mut self,
        r: &RenderedMigration,
        prior: &HistoryEntry,
        entry: &mut HistoryEntry,
        label: &str,
    ) -> Result<()> {
        let total = r.statements.len();
        for (i, old) in prior.statement_checksums.iter().enumerate() {
            let current = r.statements.get(i).map(|s| statement_checksum(&s.sql));
            if current.as_deref() != Some(old.as_str()) {
                return Err(Error::Other(format!(
                    "migration {label}: down statement {} already ran on this database but has changed in the plan since; restore it, or finish the revert by hand",
                    i + 1
                )));
            }
        }
        entry.statements_applied = prior.statements_applied.min(total as i64);
        entry.statements_total = total as i64;
        self.settle_interrupted(&r.statements, prior, entry, label)
            .await?;
        self.replay_session_settings(&r.statements, entry.statements_applied as usize)
            .await?;
        if entry.statements_applied > 0 {
            let msg = format!(
                "migration {label}: resuming the down at statement {} of {total}",
                entry.statements_applied + 1
            );
            self.reporter.event(&Event::Warning(&msg));
        }
        Ok(())
    }
}

/// "no down statement ran", "down statement 1 ran", "down statements 1-3 ran".
fn down_done(done: usize) -> String {
    match done {
        0 => "no down statement ran".to_string(),
        1 => "down statement 1 ran".to_string(),
        n => format!("down statements 1-{n} ran"),
    }
}
