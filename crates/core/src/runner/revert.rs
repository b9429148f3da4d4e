//! `down`: reverting applied migrations, newest first.

use std::collections::BTreeMap;
use std::time::Instant;

use super::history::{EntryState, HistoryEntry};
use super::report::{Event, MigrationRun, RunReport};
use super::{DownTarget, Runner};
use crate::error::{Error, Result};
use crate::render::{Direction, RenderedMigration};

impl Runner<'_> {
    /// Reverts applied migrations down to `target`.
    pub async fn down(&mut self, target: DownTarget) -> Result<RunReport> {
        self.locked(|r| Box::pin(r.down_locked(target))).await
    }

    async fn down_locked(&mut self, target: DownTarget) -> Result<RunReport> {
        let entries = self.history.load(self.backend).await?;
        self.verify_checksums(&entries)?;
        let mut applied: Vec<&HistoryEntry> = entries
            .iter()
            .filter(|e| e.state != EntryState::Failed || e.statements_applied > 0)
            .collect();
        applied.sort_by(|a, b| b.version.cmp(&a.version));
        let chosen: Vec<&HistoryEntry> = match &target {
            DownTarget::Steps(n) => applied.into_iter().take(*n).collect(),
            DownTarget::Version(v) => applied.into_iter().filter(|e| e.version > *v).collect(),
        };
        if let Some(e) = chosen.iter().find(|e| e.state != EntryState::Applied) {
            return Err(Error::Other(format!(
                "migration {} ({}) is {} in the history, not applied: {}",
                e.version,
                e.name,
                super::MigrationStatus::state_of(e.state),
                if e.state == EntryState::Baselined {
                    "a baselined migration never ran here, so there is nothing cutover can revert"
                } else {
                    "finish it with `cutover up` (or fix it by hand and run `cutover repair`) before reverting"
                }
            )));
        }
        if let Some(e) = chosen
            .iter()
            .find(|e| self.plan.get(&e.version.text).is_none())
        {
            return Err(Error::Other(format!(
                "migration {} ({}) is applied but missing from the plan, so its down steps are unknown; restore its file",
                e.version, e.name
            )));
        }
        // Render every down before running any, so an irreversible migration stops the
        // command before it changes anything.
        let rendered: BTreeMap<u64, RenderedMigration> = self
            .rendered(Direction::Down)?
            .into_iter()
            .map(|r| (r.version.number, r))
            .collect();
        self.backend.set_timeouts(self.options.timeouts).await?;
        let mut report = RunReport::default();
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
            let transactional = m.transaction && self.backend.dialect().sql().transactional_ddl();
            if transactional {
                let rebuild = Self::has_rebuild(&r.statements);
                if rebuild {
                    self.set_foreign_keys(false).await?;
                }
                self.backend.begin().await?;
                let mut result = self.run_down_statements(&label, r).await;
                if rebuild && result.is_ok() {
                    result = self.check_foreign_keys(&label).await;
                }
                let result = match result {
                    Ok(()) => self.history.delete(self.backend, &m.version).await,
                    Err(e) => Err(e),
                };
                let result = match result {
                    Ok(()) => self.backend.commit().await,
                    Err(err) => {
                        let _ = self.backend.rollback().await;
                        Err(err.context("the down migration was rolled back"))
                    }
                };
                if rebuild {
                    self.set_foreign_keys(true).await?;
                }
                result?;
                self.forget_backfills(&m.version.text).await?;
            } else {
                self.run_down_statements(&label, r).await?;
                self.history.delete_atomic(self.backend, &m.version).await?;
                self.forget_backfills(&m.version.text).await?;
            }
            let duration_ms = started.elapsed().as_millis() as u64;
            self.reporter.event(&Event::MigrationDone {
                label: &label,
                duration_ms,
            });
            report.migrations.push(MigrationRun {
                version: m.version.clone(),
                name: m.name.clone(),
                outcome: "reverted",
                statements: r.statements.len(),
                duration_ms,
                checks: Vec::new(),
            });
        }
        Ok(report)
    }

    async fn run_down_statements(&mut self, label: &str, r: &RenderedMigration) -> Result<()> {
        let total = r.statements.len();
        let transactional = self.backend.dialect().sql().transactional_ddl();
        for (i, s) in r.statements.iter().enumerate() {
            let result = if transactional {
                self.execute_in_transaction(s).await
            } else {
                self.execute_retrying(&s.sql).await
            };
            result.map_err(|e| {
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

    /// After a migration is reverted its backfills' checkpoints no longer describe the
    /// data: remove them, so that applying it again walks the table again.
    async fn forget_backfills(&mut self, version: &str) -> Result<()> {
        let specs = crate::backfill::BackfillSpec::all(self.plan)?;
        let ids: Vec<&str> = specs
            .iter()
            .filter(|s| s.version == version)
            .map(|s| s.id.as_str())
            .collect();
        if ids.is_empty() {
            return Ok(());
        }
        let states = crate::backfill::StateTable::new(self.backend.dialect());
        states.ensure(self.backend).await?;
        for id in ids {
            states.clear(self.backend, id).await?;
        }
        Ok(())
    }
}
