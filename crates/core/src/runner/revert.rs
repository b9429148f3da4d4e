//! `down`: reverting applied migrations, newest first.
//!
//! A migration whose down runs in one transaction (PostgreSQL and SQLite, `transaction =
//! true`) reverts with its history delete and the removal of its backfill checkpoints in that
//! transaction: all or nothing. Any other down runs statement by statement with its progress
//! in a `reverting` history entry ([`super::revert_steps`]), and resumes exactly.

use std::collections::BTreeMap;
use std::time::Instant;

use super::history::{EntryState, HistoryEntry};
use super::report::{Event, MigrationRun, RunReport};
use super::{DownTarget, Runner};
use crate::error::{Error, Result};
use crate::plan::Migration;
use crate::render::RenderedMigration;

impl Runner<'_> {
    /// Reverts applied migrations down to `target`. After a lost connection it takes the
    /// lock again, reloads the history and continues from it (a half-reverted migration
    /// resumes at its next down statement).
    pub async fn down(&mut self, target: DownTarget) -> Result<RunReport> {
        let key = self.lock_key();
        self.carried = RunReport::default();
        self.down_floor = None;
        self.down_in_flight = None;
        self.locked_replanning(&key, true, move |r| Box::pin(r.down_locked(target.clone())))
            .await
    }

    /// One planning pass; what it reverted is carried into the next pass when the
    /// connection is lost.
    async fn down_locked(&mut self, target: DownTarget) -> Result<RunReport> {
        let mut report = std::mem::take(&mut self.carried);
        match self.down_pass(&target, &mut report).await {
            Ok(()) => Ok(report),
            Err(e) => {
                self.carried = report;
                Err(e)
            }
        }
    }

    async fn down_pass(&mut self, target: &DownTarget, report: &mut RunReport) -> Result<()> {
        let entries = self.history.load(self.backend).await?;
        self.verify_checksums(&entries)?;
        // The migration a lost connection interrupted is reverted when its entry is gone
        // (the COMMIT landed, its reply did not).
        if let Some(run) = self.down_in_flight.take()
            && !entries.iter().any(|e| e.version == run.version)
        {
            report.migrations.push(run);
        }
        // A failed entry counts even when nothing of it was applied: `down` is aimed at it
        // (it clears it) and never at the migration before it (rtg #2).
        let mut applied: Vec<&HistoryEntry> = entries.iter().collect();
        applied.sort_by(|a, b| b.version.cmp(&a.version));
        // `--steps n` is fixed on the first pass as "everything from this version up", so
        // that a pass planned again after a lost connection reverts no more than asked.
        let floor = match (target, self.down_floor) {
            (_, Some(floor)) => floor,
            (DownTarget::Steps(n), None) => applied
                .iter()
                .take(*n)
                .map(|e| e.version.number)
                .min()
                .unwrap_or(u64::MAX),
            (DownTarget::Version(v), None) => v.number.saturating_add(1),
        };
        self.down_floor = Some(floor);
        let chosen: Vec<&HistoryEntry> = applied
            .into_iter()
            .filter(|e| e.version.number >= floor)
            .collect();
        // Migrations another tool ran (adopted with `baseline --from-history`) revert like
        // applied ones; a plain baseline never ran here.
        // An up that stopped part way reverts the steps that ran
        // ([`super::revert_partial`]).
        if let Some(e) = chosen.iter().find(|e| {
            !matches!(e.state, EntryState::Applied | EntryState::Reverting)
                && !e.is_adopted()
                && !super::revert_partial::is_partial_up(e)
        }) {
            return Err(Error::Other(format!(
                "migration {} ({}) is {} in the history, not applied: {}",
                e.version,
                e.name,
                super::MigrationStatus::state_of(e.state),
                if e.state == EntryState::Baselined {
                    "a baselined migration never ran here, so there is nothing cutover can revert (migrations adopted with `cutover baseline --from-history` can be: another tool ran them)"
                } else {
                    "finish it with `cutover up` (or fix it by hand and run `cutover repair`) before reverting"
                }
            )));
        }
        if let Some(e) = chosen
            .iter()
            .find(|e| self.plan.get(&e.version.text).is_none())
        {
            if e.state == EntryState::Failed && e.statements_applied == 0 {
                return Err(Error::Other(format!(
                    "migration {} ({}) failed (nothing of it stays applied) and its file is missing from the plan; `cutover repair` removes the failed entry, or restore the file and run `cutover down` again",
                    e.version, e.name
                )));
            }
            return Err(Error::Other(format!(
                "migration {} ({}) is applied but missing from the plan, so its down steps are unknown; restore its file",
                e.version, e.name
            )));
        }
        // A migration whose up destroyed data is reverted only when the caller accepts it:
        // the data is in the backup `up` took, not in what its down re-creates.
        if !self.options.revert_data_loss {
            let losses = self.plan.losses(Some(self.backend.dialect()));
            let lossy = chosen.iter().find_map(|e| {
                let l = losses.get(&e.version.number).filter(|l| !l.is_empty())?;
                Some((self.plan.get(&e.version.text)?, l))
            });
            if let Some((m, l)) = lossy {
                let what: Vec<&str> = l.iter().map(|(_, loss)| loss.what.as_str()).collect();
                return Err(Error::RevertDataLoss {
                    migration: m.label(),
                    losses: what.join(", "),
                    hint: format!(
                        "bring the data back from the backup taken before it (`cutover restore --before {} --yes`), or revert anyway with `cutover down --allow-data-loss`",
                        m.version
                    ),
                });
            }
        }
        // Render every down to be run before running any, so an irreversible migration
        // stops the command before it changes anything. Only the chosen migrations are
        // rendered: those below the floor stay applied, and those above the newest applied
        // one never ran here (a pending migration that cannot be reversed does not block the
        // down of a failed one before it: rtB #4).
        let mut rendered: BTreeMap<u64, RenderedMigration> = BTreeMap::new();
        // Up steps that ran of a migration whose up stopped part way: only their down runs.
        let mut partial: BTreeMap<u64, usize> = BTreeMap::new();
        for e in &chosen {
            let Some(m) = self.plan.get(&e.version.text) else {
                continue;
            };
            let steps = if super::revert_partial::is_partial_up(e) {
                Some(self.partial_up_cut(m, e).await?)
            } else if e.state == EntryState::Reverting {
                super::revert_partial::partial_steps_of(e)
            } else {
                None
            };
            let r = match steps {
                Some(steps) => {
                    partial.insert(e.version.number, steps);
                    self.partial_down(m, steps)?
                }
                None => self.full_down(m, e).await?,
            };
            rendered.insert(e.version.number, r);
        }
        self.backend.set_timeouts(self.options.timeouts).await?;
        for e in chosen {
            let Some(m) = self.plan.get(&e.version.text) else {
                continue;
            };
            let Some(r) = rendered.get(&e.version.number) else {
                return Err(Error::Other(format!(
                    "internal: no down rendering for {}",
                    m.label()
                )));
            };
            let started = Instant::now();
            let label = m.label();
            self.reporter.event(&Event::MigrationStarted {
                label: &label,
                direction: "down",
                statements: r.statements.len(),
            });
            // The checkpoints are removed with the history entry: create their table first.
            if self.has_backfills(m)? {
                self.states().ensure(self.backend).await?;
            }
            let cleared = r.statements.is_empty()
                && matches!(e.state, EntryState::Failed | EntryState::Partial);
            let mut run = MigrationRun {
                version: m.version.clone(),
                name: m.name.clone(),
                outcome: if cleared { "cleared" } else { "reverted" },
                statements: r.statements.len(),
                duration_ms: 0,
                checks: Vec::new(),
            };
            self.down_in_flight = Some(run.clone());
            let transactional = m.transaction && self.backend.dialect().sql().transactional_ddl();
            // Its backfills' own locks: no `backfill run` / `undo` of them meanwhile, and
            // workers of a killed one commit nothing more (their fence moves).
            let ids = self.backfill_ids(m)?;
            self.take_backfill_locks(&ids).await?;
            let reverted = match self.exact_undo_before_down(m, r).await {
                Ok(r) if transactional && (e.state == EntryState::Applied || e.is_adopted()) => {
                    self.revert_transactional(m, &r).await
                }
                Ok(r) => {
                    let steps = partial.get(&e.version.number).copied();
                    self.revert_stepwise(m, &r, e, steps).await
                }
                Err(err) => Err(err),
            };
            self.release_backfill_locks(&ids, reverted).await?;
            self.down_in_flight = None;
            run.duration_ms = started.elapsed().as_millis() as u64;
            self.reporter.event(&Event::MigrationDone {
                label: &label,
                duration_ms: run.duration_ms,
            });
            report.migrations.push(run);
        }
        Ok(())
    }

    /// The whole down, the history delete and the removal of the checkpoints in one
    /// transaction.
    async fn revert_transactional(&mut self, m: &Migration, r: &RenderedMigration) -> Result<()> {
        let label = m.label();
        let rebuild = Self::has_rebuild(&r.statements);
        if rebuild {
            self.set_foreign_keys(false).await?;
        }
        self.backend.begin().await?;
        let mut result = Ok(());
        let mut fk_before = None;
        if rebuild {
            match self.foreign_key_baseline().await {
                Ok(b) => fk_before = Some(b),
                Err(e) => result = Err(e),
            }
        }
        if result.is_ok() {
            result = self.run_down_statements(&label, r).await;
        }
        if let Some(before) = fk_before.as_ref().filter(|_| result.is_ok()) {
            result = self.check_foreign_keys(&label, before).await;
        }
        if result.is_ok() {
            // Transactional DDL: the logs go with the revert's commit, so a cut after it (or
            // a lost commit reply) cannot leave a log behind a reverted migration.
            result = self.drop_undo_logs(m, true).await;
        }
        if result.is_ok() {
            result = self.forget_reverted(m).await;
        }
        let result = match result {
            Ok(()) => self.backend.commit().await,
            Err(err) => {
                let _ = self.backend.rollback().await;
                Err(err.context("the down migration was rolled back, nothing of it was reverted"))
            }
        };
        if rebuild {
            self.set_foreign_keys(true).await?;
        }
        result
    }

    async fn run_down_statements(&mut self, label: &str, r: &RenderedMigration) -> Result<()> {
        let total = r.statements.len();
        for (i, s) in r.statements.iter().enumerate() {
            self.execute_in_transaction(s).await.map_err(|e| {
                e.context(format!(
                    "migration {label} down, step {} ({}), statement {}/{total}",
                    s.step,
                    s.op,
                    i + 1
                ))
            })?;
            self.reporter.event(&Event::StatementDone {
                index: i + 1,
                total,
            });
        }
        Ok(())
    }

    /// Whether migration `m` has backfills (whose checkpoints a revert removes).
    fn has_backfills(&self, m: &Migration) -> Result<bool> {
        Ok(!self.backfill_ids(m)?.is_empty())
    }

    /// The ids of migration `m`'s backfills.
    fn backfill_ids(&self, m: &Migration) -> Result<Vec<String>> {
        Ok(crate::backfill::BackfillSpec::all_on(
            self.plan,
            Some(self.backend.dialect()),
            &self.scope(),
        )?
        .into_iter()
        .filter(|s| s.version == m.version.text)
        .map(|s| s.id)
        .collect())
    }

    /// Inside the caller's transaction: removes the checkpoints of `m`'s backfills (they no
    /// longer describe the data, so applying it again walks the table again), then its
    /// history entry (which checks the fence). Both commit together: a cut can never leave
    /// a stale `complete` checkpoint behind a reverted migration.
    pub(crate) async fn forget_reverted(&mut self, m: &Migration) -> Result<()> {
        let specs = crate::backfill::BackfillSpec::all_on(
            self.plan,
            Some(self.backend.dialect()),
            &self.scope(),
        )?;
        let states = self.states();
        for s in specs.iter().filter(|s| s.version == m.version.text) {
            states.clear(self.backend, &s.id).await?;
        }
        self.captured()
            .forget(self.backend, &m.version.text)
            .await?;
        self.history.delete(self.backend, &m.version).await
    }

    /// Drops the undo logs of `m`'s backfills once every down statement ran: inside the
    /// revert's transaction where DDL is transactional, else just before the history entry
    /// is removed, so that a cut anywhere leaves either a `reverting` entry whose resume
    /// drops them again (dropping is idempotent) or no log at all. `in_transaction`: which
    /// of the two.
    pub(crate) async fn drop_undo_logs(
        &mut self,
        m: &Migration,
        in_transaction: bool,
    ) -> Result<()> {
        let specs = crate::backfill::BackfillSpec::all_on(
            self.plan,
            Some(self.backend.dialect()),
            &self.scope(),
        )?;
        for s in specs.iter().filter(|s| s.version == m.version.text) {
            crate::backfill::drop_undo_log(self.backend, &s.scope, &s.id, in_transaction)
                .await
                .map_err(|e| {
                    let table = s.scope.undo_log_table(&s.id);
                    e.context(format!(
                        "migration {}: dropping the undo log {table} of backfill `{}` (every down statement ran); fix the cause and run `cutover down` again to finish",
                        m.label(),
                        s.id
                    ))
                })?;
        }
        Ok(())
    }
}
