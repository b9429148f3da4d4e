//! Exact progress for migrations that run statement by statement.
//!
//! Each statement's completion is in the history the moment it commits, so that a failed,
//! killed or disconnected run resumes right after the last statement that committed:
//!
//! - a statement the database can run in a transaction (DML everywhere, DDL on PostgreSQL
//!   and SQLite) commits in one transaction with its progress row: both or neither;
//! - a statement that commits on its own (DDL on MySQL, `... CONCURRENTLY`) is followed by
//!   its progress row; when the run stops in between, the resume reads the live schema to
//!   learn whether it took effect ([`super::effect`]) before running it again;
//! - a backfill commits batch by batch with its checkpoint and resumes from it.

use super::Runner;
use super::effect::{Outcome, head};
use super::fk_check::ForeignKeyBaseline;
use super::history::{EntryState, HistoryEntry};
use super::report::Event;
use super::statement_checksum;
use super::transact::is_transient;
use crate::error::{Error, Result};
use crate::render::{SYNC_INSTALL_OP, Statement, StatementKind, is_session_setting};

/// "statements 1-3 stay applied", "statement 1 stays applied" or "no statement of it stays
/// applied", for `done` statements that committed.
pub(crate) fn stays_applied(done: usize) -> String {
    match done {
        0 => "no statement of it stays applied".to_string(),
        1 => "statement 1 stays applied".to_string(),
        n => format!("statements 1-{n} stay applied"),
    }
}

impl Runner<'_> {
    /// Runs statement `i` (0-based) of a stepwise migration and records it in `entry`
    /// (and the history) as exactly as the database allows.
    pub(crate) async fn run_recorded(
        &mut self,
        s: &Statement,
        i: usize,
        entry: &mut HistoryEntry,
    ) -> Result<()> {
        if let Some(id) = &s.backfill {
            // The backfill's own lock, so `backfill run` of it cannot run at the same time
            // (held since its sync trigger's installation, when it has one).
            let ids = [id.clone()];
            let fences = match self.take_over_install_lock(id).await {
                Some(fences) => fences,
                None => self.take_backfill_locks(&ids).await?,
            };
            // A sync trigger removed since the migration installed it (a run that failed
            // before its first batch, see `sync_failed.rs`) is put back first.
            let ran = match self.ensure_backfill_sync(id).await {
                Ok(()) => self.run_backfill(id, fences.first()).await,
                Err(e) => Err(e),
            };
            self.release_backfill_locks(&ids, ran).await?;
            return self.record_progress(s, i, entry).await;
        }
        // A sync trigger's installation holds its backfill's lock, as `backfill run`'s does
        // (`ensure_sync_trigger`), from its first statement to the backfill step.
        match self.installing_for(s, entry) {
            Some(id) => self.hold_install_lock(&id).await?,
            None => self.release_install_lock().await,
        }
        let ran = self.run_statement_recorded(s, i, entry).await;
        if ran.is_err() {
            self.release_install_lock().await;
        }
        ran
    }

    /// The backfill whose sync trigger statement `s` of `entry`'s migration installs, if it
    /// is one.
    fn installing_for(&self, s: &Statement, entry: &HistoryEntry) -> Option<String> {
        if s.op != SYNC_INSTALL_OP {
            return None;
        }
        let m = self.plan.get(&entry.version.text)?;
        // `step` is 1-based.
        match &m.steps.get(s.step.checked_sub(1)?)?.item {
            crate::plan::Step::Backfill(b) => Some(b.id_in(&m.version)),
            _ => None,
        }
    }

    /// Runs statement `i` (not a backfill) and records it (see [`Runner::run_recorded`]).
    async fn run_statement_recorded(
        &mut self,
        s: &Statement,
        i: usize,
        entry: &mut HistoryEntry,
    ) -> Result<()> {
        let label = format!("{} ({})", entry.version, entry.name);
        self.drop_invalid_leftover(s, &label).await?;
        if self.backend.dialect().sql().commits_with_progress(s.kind) {
            self.run_with_progress(s, i, entry).await
        } else {
            self.run_then_record(s, i, entry).await
        }
    }

    /// The entry as it is after statement `i` committed.
    fn advanced(s: &Statement, i: usize, entry: &HistoryEntry) -> HistoryEntry {
        let mut next = entry.clone();
        next.statements_applied = i as i64 + 1;
        next.statement_checksums.truncate(i);
        next.statement_checksums.push(statement_checksum(&s.sql));
        next
    }

    /// Writes the progress after statement `i` (which is known to have taken effect), in a
    /// transaction of its own. The write is idempotent, so a transient failure (even one
    /// whose COMMIT landed) simply writes it again.
    async fn record_progress(
        &mut self,
        s: &Statement,
        i: usize,
        entry: &mut HistoryEntry,
    ) -> Result<()> {
        let next = Self::advanced(s, i, entry);
        let mut attempt = 0;
        loop {
            match self.history.save_atomic(self.backend, &next).await {
                Ok(()) => break,
                Err(e) if is_transient(&e) && attempt < self.options.retries => {
                    attempt += 1;
                    self.prepare_retry(&e, attempt).await?;
                }
                Err(e) => return Err(e),
            }
        }
        *entry = next;
        Ok(())
    }

    /// `BEGIN; statement; progress; COMMIT`, retried on transient failures. A lost
    /// connection ends the pass: the runner renews the session and plans again from the
    /// history, which says whether the COMMIT landed before anything runs again.
    async fn run_with_progress(
        &mut self,
        s: &Statement,
        i: usize,
        entry: &mut HistoryEntry,
    ) -> Result<()> {
        let rebuild = s.kind == StatementKind::Rebuild;
        let mut attempt = 0;
        loop {
            if rebuild {
                self.set_foreign_keys(false).await?;
            }
            let result = self.try_with_progress(s, i, entry).await;
            if result.is_err() {
                let _ = self.backend.rollback().await;
            }
            let restored = if rebuild {
                self.set_foreign_keys(true).await
            } else {
                Ok(())
            };
            match result {
                Ok(()) => return restored,
                Err(e) if is_transient(&e) && attempt < self.options.retries => {
                    attempt += 1;
                    self.prepare_retry(&e, attempt).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn try_with_progress(
        &mut self,
        s: &Statement,
        i: usize,
        entry: &mut HistoryEntry,
    ) -> Result<()> {
        let next = Self::advanced(s, i, entry);
        self.backend.begin().await?;
        let rebuild = s.kind == StatementKind::Rebuild;
        let fk_before = if rebuild {
            self.foreign_key_baseline().await?
        } else {
            ForeignKeyBaseline::default()
        };
        self.execute_in_transaction(s).await?;
        if rebuild {
            let label = format!("{} ({})", entry.version, entry.name);
            self.check_foreign_keys(&label, &fk_before).await?;
        }
        self.history.save(self.backend, &next).await?;
        self.backend.commit().await?;
        *entry = next;
        Ok(())
    }

    /// Runs a statement that commits on its own, then records it. A lost connection leaves
    /// its outcome unknown and ends the pass: on the next one, [`settle_interrupted`]
    /// lets the live schema decide whether it runs again.
    ///
    /// [`settle_interrupted`]: Runner::settle_interrupted
    async fn run_then_record(
        &mut self,
        s: &Statement,
        i: usize,
        entry: &mut HistoryEntry,
    ) -> Result<()> {
        let mut attempt = 0;
        loop {
            let ran = if s.capture.is_empty() {
                self.backend.execute(&s.sql).await
            } else {
                self.execute_capturing(s).await
            };
            match ran {
                Ok(_) => break,
                Err(e) if is_transient(&e) && attempt < self.options.retries => {
                    attempt += 1;
                    self.prepare_retry(&e, attempt).await?;
                }
                Err(e) => return Err(e),
            }
        }
        self.record_progress(s, i, entry).await
    }

    /// For statement `i`, whose outcome is unknown: records it and returns true when its
    /// effect is in the schema, returns false when it must run (again), and refuses when
    /// the schema cannot tell.
    pub(crate) async fn settle_uncertain(
        &mut self,
        s: &Statement,
        i: usize,
        entry: &mut HistoryEntry,
        migration: &str,
    ) -> Result<bool> {
        match self.ddl_outcome(&s.sql).await? {
            Outcome::Done => {
                let msg = format!(
                    "migration {migration}: statement {} was interrupted but its effect is in the schema (statement {} of {}, `{}`: an object of that name exists, its definition is not compared); recorded as applied, not run again: check it with `cutover drift`",
                    i + 1,
                    i + 1,
                    entry.statements_total,
                    head(&s.sql)
                );
                self.reporter.event(&Event::Warning(&msg));
                self.record_progress(s, i, entry).await?;
                Ok(true)
            }
            Outcome::NotDone => Ok(false),
            Outcome::Unknown(reason) => Err(Error::UncertainStatement {
                migration: migration.to_string(),
                statement: i + 1,
                total: entry.statements_total as usize,
                sql: head(&s.sql),
                reason,
                rerun: if entry.state == EntryState::Reverting {
                    "cutover down"
                } else {
                    "cutover up"
                },
            }),
        }
    }

    /// On resume: runs again the session settings (`SET ..`, `PRAGMA ..`) among the
    /// statements that already ran, so that the statements still to run see them as the
    /// interrupted run did.
    pub(crate) async fn replay_session_settings(
        &mut self,
        statements: &[Statement],
        done: usize,
    ) -> Result<()> {
        let lexis = self.backend.dialect().sql().lexis();
        for (i, s) in statements.iter().take(done).enumerate() {
            if s.backfill.is_none() && is_session_setting(&s.sql, lexis) {
                self.backend.execute(&s.sql).await.map_err(|e| {
                    e.context(format!(
                        "setting the session again for the resume (statement {})",
                        i + 1
                    ))
                })?;
            }
        }
        Ok(())
    }

    /// On resume from an interrupted run (`partial`, or an interrupted `reverting` down):
    /// settles the statement that was running when it stopped, if that one commits on its
    /// own.
    pub(crate) async fn settle_interrupted(
        &mut self,
        statements: &[Statement],
        prior: &HistoryEntry,
        entry: &mut HistoryEntry,
        label: &str,
    ) -> Result<()> {
        let next = entry.statements_applied as usize;
        let Some(s) = statements.get(next) else {
            return Ok(());
        };
        let own_commit =
            s.backfill.is_none() && !self.backend.dialect().sql().commits_with_progress(s.kind);
        // `partial` was interrupted; `reverting` was interrupted unless it recorded an end
        // (a statement that failed, and so did not take effect).
        let interrupted = prior.state == EntryState::Partial
            || (prior.state == EntryState::Reverting && prior.finished_at.is_none());
        if !interrupted || !own_commit {
            return Ok(());
        }
        self.settle_uncertain(s, next, entry, label).await.map(drop)
    }
}

#[cfg(test)]
mod tests {
    use super::stays_applied;

    #[test]
    fn stays_applied_never_says_one_to_zero() {
        assert_eq!(stays_applied(0), "no statement of it stays applied");
        assert_eq!(stays_applied(1), "statement 1 stays applied");
        assert_eq!(stays_applied(4), "statements 1-4 stay applied");
    }
}
