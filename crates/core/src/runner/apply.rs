//! `up`: applying pending migrations.

use std::collections::BTreeMap;
use std::time::Instant;

use super::checks::{CheckResult, run_check};
use super::history::{EntryState, HistoryEntry};
use super::report::{Event, MigrationRun, RunReport};
use super::transact::is_transient;
use super::{Runner, Target, now, statement_checksum};
use crate::error::{Error, Result};
use crate::plan::{CheckWhen, Migration, OnFail};
use crate::render::{Direction, RenderedMigration, StatementKind};

/// What happened to one migration.
enum Outcome {
    Applied(MigrationRun),
    Skipped(MigrationRun),
}

impl Runner<'_> {
    /// Applies pending migrations up to `target`.
    pub async fn up(&mut self, target: Target) -> Result<RunReport> {
        self.locked(|r| Box::pin(r.up_locked(target))).await
    }

    async fn up_locked(&mut self, target: Target) -> Result<RunReport> {
        let entries = self.history.load(self.backend).await?;
        self.verify_checksums(&entries)?;
        let by_version: BTreeMap<u64, &HistoryEntry> =
            entries.iter().map(|e| (e.version.number, e)).collect();
        let newest_done = entries
            .iter()
            .filter(|e| e.state.is_done())
            .map(|e| e.version.number)
            .max();
        let mut report = RunReport::default();
        for e in &entries {
            if self.plan.get(&e.version.text).is_none() {
                report.warnings.push(format!(
                    "migration {} ({}) is recorded in the history but missing from the plan",
                    e.version, e.name
                ));
            }
        }
        let pending: Vec<&Migration> = self
            .plan
            .migrations
            .iter()
            .filter(|m| {
                !by_version
                    .get(&m.version.number)
                    .is_some_and(|e| e.state.is_done())
            })
            .filter(|m| match &target {
                Target::Latest => true,
                Target::Version(v) => m.version <= *v,
            })
            .collect();
        if let Target::Version(v) = &target
            && self.plan.get(&v.text).is_none()
        {
            return Err(Error::Other(format!(
                "--to {v}: no migration with that version in the plan"
            )));
        }
        if !self.options.allow_out_of_order
            && let Some(newest) = newest_done
        {
            let late: Vec<String> = pending
                .iter()
                .filter(|m| m.version.number < newest)
                .map(|m| m.label())
                .collect();
            if !late.is_empty() {
                return Err(Error::Other(format!(
                    "pending migration(s) {} sort before the newest applied migration; apply them with --allow-out-of-order if that is intended, or renumber them",
                    late.join(", ")
                )));
            }
        }
        if pending.is_empty() {
            return Ok(report);
        }
        let rendered: BTreeMap<u64, RenderedMigration> = self
            .rendered(Direction::Up)?
            .into_iter()
            .map(|r| (r.version.number, r))
            .collect();
        self.backend.set_timeouts(self.options.timeouts).await?;
        let destructive = self.plan.destructive_steps(Some(self.backend.dialect()));
        let mut skipped = Vec::new();
        for m in pending {
            if let Some(stop) = self.stops_before(m) {
                report.stopped_before = Some(stop);
                break;
            }
            for r in &m.requires {
                let done = by_version.get(&r.number).is_some_and(|e| e.state.is_done())
                    || report
                        .migrations
                        .iter()
                        .any(|x| x.version == *r && x.outcome == "applied");
                if !done {
                    return Err(Error::Other(format!(
                        "migration {} requires {r}, which is not applied{}",
                        m.label(),
                        if skipped.contains(&r.number) {
                            " (its precondition skipped it)"
                        } else {
                            ""
                        }
                    )));
                }
            }
            let Some(r) = rendered.get(&m.version.number) else {
                return Err(Error::Other(format!(
                    "internal: migration {} was not rendered",
                    m.label()
                )));
            };
            let prior = by_version.get(&m.version.number).copied();
            self.gate(m, destructive.get(&m.version.number), &entries)
                .await?;
            report.backup = self.run_backup.clone();
            match self.apply_one(m, r, prior, &mut report.warnings).await? {
                Outcome::Applied(run) => report.migrations.push(run),
                Outcome::Skipped(run) => {
                    skipped.push(m.version.number);
                    report.migrations.push(run);
                }
            }
        }
        Ok(report)
    }

    /// Refuses when an applied migration's file changed.
    pub(crate) fn verify_checksums(&self, entries: &[HistoryEntry]) -> Result<()> {
        let mismatches: Vec<(String, String, String)> = entries
            .iter()
            .filter(|e| e.state == EntryState::Applied)
            .filter_map(|e| {
                let m = self.plan.get(&e.version.text)?;
                (m.checksum != e.checksum)
                    .then(|| (m.label(), e.checksum.clone(), m.checksum.clone()))
            })
            .collect();
        if mismatches.is_empty() {
            Ok(())
        } else {
            Err(Error::ChecksumMismatch { mismatches })
        }
    }

    async fn run_checks(&mut self, m: &Migration, when: CheckWhen) -> Result<Vec<CheckResult>> {
        let mut out = Vec::new();
        for c in m.checks.iter().filter(|c| c.item.when == when) {
            let result = run_check(self.backend, &c.item)
                .await
                .map_err(|e| e.context(format!("migration {}", m.label())))?;
            self.reporter.event(&Event::Check(&result));
            out.push(result);
        }
        Ok(out)
    }

    async fn apply_one(
        &mut self,
        m: &Migration,
        rendered: &RenderedMigration,
        prior: Option<&HistoryEntry>,
        warnings: &mut Vec<String>,
    ) -> Result<Outcome> {
        let started = Instant::now();
        let label = m.label();
        let mut run = MigrationRun {
            version: m.version.clone(),
            name: m.name.clone(),
            outcome: "applied",
            statements: rendered.statements.len(),
            duration_ms: 0,
            checks: Vec::new(),
        };
        // Preconditions.
        let before = self.run_checks(m, CheckWhen::Before).await?;
        for c in before.iter().filter(|c| !c.passed) {
            match c.on_fail {
                OnFail::Halt => {
                    return Err(Error::CheckFailed {
                        migration: label,
                        check: c.name.clone(),
                        actual: c.value.clone(),
                        expected: c.expected.clone(),
                        rolled_back: false,
                    });
                }
                OnFail::Skip => {
                    self.reporter.event(&Event::Skipped {
                        label: &label,
                        check: &c.name,
                    });
                    run.outcome = "skipped";
                    run.checks = before.clone();
                    return Ok(Outcome::Skipped(run));
                }
                OnFail::Warn => warnings.push(format!(
                    "migration {label}: precondition `{}` failed (got {}, expected {}); continuing",
                    c.name, c.value, c.expected
                )),
            }
        }
        run.checks = before;
        let needs_no_tx = rendered
            .statements
            .iter()
            .any(|s| s.kind == StatementKind::NoTransaction);
        if needs_no_tx && m.transaction {
            let step = rendered
                .statements
                .iter()
                .find(|s| s.kind == StatementKind::NoTransaction)
                .map(|s| s.step)
                .unwrap_or(0);
            return Err(Error::plan(
                &m.path,
                None,
                format!(
                    "migration {label}: step {step} cannot run inside a transaction (CREATE/DROP INDEX CONCURRENTLY); set `transaction = false` at the top of the file"
                ),
            ));
        }
        self.reporter.event(&Event::MigrationStarted {
            label: &label,
            direction: "up",
            statements: rendered.statements.len(),
        });
        // Backfills commit batch by batch, so their migration runs step by step.
        let has_backfill = rendered.statements.iter().any(|s| s.backfill.is_some());
        let transactional =
            m.transaction && !has_backfill && self.backend.dialect().sql().transactional_ddl();
        let after = if transactional {
            // A table rebuild needs foreign-key enforcement off, outside the transaction.
            let rebuild = Self::has_rebuild(&rendered.statements);
            if rebuild {
                self.set_foreign_keys(false).await?;
            }
            let result = self.apply_transactional(m, rendered, started).await;
            if rebuild {
                self.set_foreign_keys(true).await?;
            }
            result?
        } else {
            self.apply_stepwise(m, rendered, prior, started).await?
        };
        for c in after
            .iter()
            .filter(|c| !c.passed && c.on_fail == OnFail::Warn)
        {
            warnings.push(format!(
                "migration {label}: verification `{}` failed (got {}, expected {}); kept because on_fail = \"warn\"",
                c.name, c.value, c.expected
            ));
        }
        run.checks.extend(after);
        run.duration_ms = started.elapsed().as_millis() as u64;
        self.reporter.event(&Event::MigrationDone {
            label: &label,
            duration_ms: run.duration_ms,
        });
        Ok(Outcome::Applied(run))
    }

    fn entry(
        &self,
        m: &Migration,
        rendered: &RenderedMigration,
        state: EntryState,
        started_at: &str,
    ) -> HistoryEntry {
        HistoryEntry {
            version: m.version.clone(),
            name: m.name.clone(),
            description: m.description.clone(),
            checksum: m.checksum.clone(),
            state,
            statements_applied: 0,
            statements_total: rendered.statements.len() as i64,
            statement_checksums: Vec::new(),
            started_at: started_at.to_string(),
            finished_at: None,
            duration_ms: None,
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            applied_by: self.options.applied_by.clone(),
            note: self.gate.note.clone(),
            backup: self.gate.backup.clone(),
        }
    }

    /// One transaction for the whole migration and its history entry; a failure leaves only
    /// a failed history entry. Transient failures retry the whole transaction.
    async fn apply_transactional(
        &mut self,
        m: &Migration,
        rendered: &RenderedMigration,
        started: Instant,
    ) -> Result<Vec<CheckResult>> {
        let started_at = now();
        let mut attempt = 0;
        loop {
            match self
                .try_transaction(m, rendered, &started_at, started)
                .await
            {
                Ok(checks) => return Ok(checks),
                Err(e) => {
                    let _ = self.backend.rollback().await;
                    if is_transient(&e) && attempt < self.options.retries {
                        attempt += 1;
                        self.prepare_retry(&e, attempt).await?;
                        continue;
                    }
                    let mut entry = self.entry(m, rendered, EntryState::Failed, &started_at);
                    entry.finished_at = Some(now());
                    entry.duration_ms = Some(started.elapsed().as_millis() as i64);
                    entry.note = Some(e.to_string().chars().take(2000).collect());
                    if let Err(save) = self.history.save_atomic(self.backend, &entry).await {
                        tracing::warn!(error = %save, "could not record the failed migration");
                    }
                    return Err(e);
                }
            }
        }
    }

    async fn try_transaction(
        &mut self,
        m: &Migration,
        rendered: &RenderedMigration,
        started_at: &str,
        started: Instant,
    ) -> Result<Vec<CheckResult>> {
        let label = m.label();
        self.backend.begin().await?;
        let total = rendered.statements.len();
        let mut checksums = Vec::with_capacity(total);
        for (i, s) in rendered.statements.iter().enumerate() {
            self.execute_in_transaction(s).await.map_err(|e| {
                e.context(format!(
                    "migration {label}, step {} ({}), statement {}/{total}; the migration was rolled back",
                    s.step,
                    s.op,
                    i + 1
                ))
            })?;
            checksums.push(statement_checksum(&s.sql));
            self.reporter.event(&Event::StatementDone {
                index: i + 1,
                total,
            });
        }
        let after = self.run_checks(m, CheckWhen::After).await?;
        if let Some(c) = after
            .iter()
            .find(|c| !c.passed && c.on_fail != OnFail::Warn)
        {
            let err = Error::CheckFailed {
                migration: label,
                check: c.name.clone(),
                actual: c.value.clone(),
                expected: c.expected.clone(),
                rolled_back: true,
            };
            return Err(err);
        }
        let mut entry = self.entry(m, rendered, EntryState::Applied, started_at);
        entry.statements_applied = total as i64;
        entry.statement_checksums = checksums;
        entry.finished_at = Some(now());
        entry.duration_ms = Some(started.elapsed().as_millis() as i64);
        if Self::has_rebuild(&rendered.statements) {
            self.check_foreign_keys(&m.label()).await?;
        }
        self.history.save(self.backend, &entry).await?;
        self.backend.commit().await?;
        Ok(after)
    }

    /// Statement by statement, recording progress after each one, so that a failed or killed
    /// run resumes at the first statement that did not complete.
    async fn apply_stepwise(
        &mut self,
        m: &Migration,
        rendered: &RenderedMigration,
        prior: Option<&HistoryEntry>,
        started: Instant,
    ) -> Result<Vec<CheckResult>> {
        let label = m.label();
        let total = rendered.statements.len();
        let mut entry = self.entry(m, rendered, EntryState::Partial, &now());
        if let Some(p) = prior.filter(|p| p.statements_applied > 0) {
            // Resume: the statements that ran must be the ones the plan still has.
            for (i, old) in p.statement_checksums.iter().enumerate() {
                let current = rendered
                    .statements
                    .get(i)
                    .map(|s| statement_checksum(&s.sql));
                if current.as_deref() != Some(old.as_str()) {
                    return Err(Error::Other(format!(
                        "migration {label}: statement {} already ran on this database but has changed in the plan since; restore it, or fix the database by hand and run `cutover repair`",
                        i + 1
                    )));
                }
            }
            entry.statements_applied = p.statements_applied.min(total as i64);
            entry.statement_checksums = p.statement_checksums.clone();
            entry.started_at = p.started_at.clone();
            if entry.statements_applied > 0 {
                let msg = format!(
                    "migration {label}: resuming at statement {} of {total}",
                    entry.statements_applied + 1
                );
                self.reporter.event(&Event::Warning(&msg));
            }
        }
        self.history.save_atomic(self.backend, &entry).await?;
        for i in entry.statements_applied as usize..total {
            let s = &rendered.statements[i];
            let result = match &s.backfill {
                Some(id) => self.run_backfill(id).await.map(|_| 0),
                None => self.execute_retrying(&s.sql).await,
            };
            if let Err(e) = result {
                entry.state = EntryState::Failed;
                entry.note = Some(e.to_string().chars().take(2000).collect());
                entry.finished_at = Some(now());
                let _ = self.history.save_atomic(self.backend, &entry).await;
                return Err(e.context(format!(
                    "migration {label}, step {} ({}), statement {}/{total}; statements 1-{i} stay applied; fix the cause and run `cutover up` again to resume here",
                    s.step,
                    s.op,
                    i + 1
                )));
            }
            entry.statements_applied = i as i64 + 1;
            entry.statement_checksums.push(statement_checksum(&s.sql));
            self.history.save_atomic(self.backend, &entry).await?;
            self.reporter.event(&Event::StatementDone {
                index: i + 1,
                total,
            });
        }
        let after = self.run_checks(m, CheckWhen::After).await?;
        entry.finished_at = Some(now());
        entry.duration_ms = Some(started.elapsed().as_millis() as i64);
        if let Some(c) = after
            .iter()
            .find(|c| !c.passed && c.on_fail != OnFail::Warn)
        {
            entry.state = EntryState::Failed;
            entry.note = Some(format!(
                "verification `{}` failed: got {}, expected {}",
                c.name, c.value, c.expected
            ));
            self.history.save_atomic(self.backend, &entry).await?;
            return Err(Error::CheckFailed {
                migration: label,
                check: c.name.clone(),
                actual: c.value.clone(),
                expected: c.expected.clone(),
                rolled_back: false,
            });
        }
        entry.state = EntryState::Applied;
        self.history.save_atomic(self.backend, &entry).await?;
        // Every verification passed: the backfills of this migration are complete. A failed
        // `warn` check keeps the migration but leaves its backfills `done`, not verified.
        if after.iter().all(|c| c.passed) {
            let states = crate::backfill::StateTable::new(self.backend.dialect());
            for id in rendered
                .statements
                .iter()
                .filter_map(|s| s.backfill.as_ref())
            {
                states.mark_complete(self.backend, id).await?;
            }
        }
        Ok(after)
    }
}
