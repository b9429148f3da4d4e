//! `up`: applying pending migrations.

use std::collections::BTreeMap;
use std::time::Instant;

use super::checks::{CheckResult, run_check};
use super::history::{EntryState, HistoryEntry};
use super::report::{Event, MigrationRun, RunReport};
use super::{Runner, Target};
use crate::error::{Error, Result};
use crate::plan::{CheckWhen, Migration, OnFail, Version};
use crate::render::{Direction, RenderedMigration, StatementKind};

/// What happened to one migration.
enum Outcome {
    Applied(MigrationRun),
    Skipped(MigrationRun),
}

impl Runner<'_> {
    /// Applies pending migrations up to `target`. After a lost connection it takes the lock
    /// again, reloads the history and plans again from it (see
    /// [`locked_replanning`](Runner::locked_replanning)). With nothing pending it returns
    /// after one read of the history, without the lock.
    pub async fn up(&mut self, target: Target) -> Result<RunReport> {
        if let Some(report) = self.up_to_date(&target).await? {
            return Ok(report);
        }
        let key = self.lock_key();
        self.carried = RunReport::default();
        self.locked_replanning(&key, true, move |r| Box::pin(r.up_locked(target.clone())))
            .await
    }

    /// One planning pass; what it did is carried into the next pass when the connection is
    /// lost.
    async fn up_locked(&mut self, target: Target) -> Result<RunReport> {
        let mut report = std::mem::take(&mut self.carried);
        match self.up_pass(&target, &mut report).await {
            Ok(()) => Ok(report),
            Err(e) => {
                self.carried = report;
                Err(e)
            }
        }
    }

    async fn up_pass(&mut self, target: &Target, report: &mut RunReport) -> Result<()> {
        let entries = self.history.load(self.backend).await?;
        if entries.is_empty() && !self.options.ignore_foreign_history {
            self.refuse_foreign_history().await?;
        }
        self.verify_checksums(&entries)?;
        let by_version: BTreeMap<u64, &HistoryEntry> =
            entries.iter().map(|e| (e.version.number, e)).collect();
        let newest_done = entries
            .iter()
            .filter(|e| e.state.is_done())
            .map(|e| e.version.number)
            .max();
        for e in &entries {
            let warning = format!(
                "migration {} ({}) is recorded in the history but missing from the plan",
                e.version, e.name
            );
            if self.plan.get(&e.version.text).is_none() && !report.warnings.contains(&warning) {
                report.warnings.push(warning);
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
            .filter(|m| match target {
                Target::Latest => true,
                Target::Version(v) => m.version <= *v,
            })
            .collect();
        if let Target::Version(v) = target
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
        if let Some(e) = pending.iter().find_map(|m| {
            by_version
                .get(&m.version.number)
                .filter(|e| e.state == EntryState::Reverting)
        }) {
            return Err(Error::Other(format!(
                "migration {} ({}) is half reverted: `cutover down` stopped after {} of its {} down statements; finish it with `cutover down` (it resumes where it stopped), then run `cutover up`",
                e.version, e.name, e.statements_applied, e.statements_total
            )));
        }
        if pending.is_empty() {
            return Ok(());
        }
        let rendered: BTreeMap<u64, RenderedMigration> = self
            .rendered(Direction::Up)?
            .into_iter()
            .map(|r| (r.version.number, r))
            .collect();
        self.backend.set_timeouts(self.options.timeouts).await?;
        let losses = self.plan.losses(Some(self.backend.dialect()));
        let mut skipped = Vec::new();
        for m in pending {
            if let Some(stop) = self.stops_before(m) {
                let soak = self.soak_summary(m, &entries, report).await?;
                report.stopped_before = Some(stop + &soak);
                break;
            }
            for r in &m.requires {
                let done = by_version.get(&r.number).is_some_and(|e| e.state.is_done())
                    || report
                        .migrations
                        .iter()
                        .any(|x| x.version.number == r.number && x.outcome == "applied");
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
            let applied_now: Vec<Version> = report
                .migrations
                .iter()
                .filter(|x| x.outcome == "applied")
                .map(|x| x.version.clone())
                .collect();
            self.gate(m, losses.get(&m.version.number), &entries, &applied_now)
                .await?;
            let outcome = match self.soak_gate(m, &entries, &applied_now).await {
                Ok(()) => self.apply_one(m, r, prior, &mut report.warnings).await,
                Err(e) => Err(e),
            };
            let outcome = self.release_gate_locks(outcome).await;
            report.backup = self.run_backup.clone();
            match outcome? {
                Outcome::Applied(run) => report.migrations.push(run),
                Outcome::Skipped(run) => {
                    skipped.push(m.version.number);
                    report.migrations.push(run);
                }
            }
        }
        Ok(())
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

    pub(crate) async fn run_checks(
        &mut self,
        m: &Migration,
        when: CheckWhen,
    ) -> Result<Vec<CheckResult>> {
        let mut out = Vec::new();
        for c in m
            .checks_for(self.backend.dialect())
            .filter(|c| c.item.when == when)
        {
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
                        migration: format!("{label} ({})", m.check_location(&c.name)),
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
        self.refuse_without_rowid(m).await?;
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
        if transactional && let Some(p) = prior.filter(|p| p.statements_applied > 0) {
            // One transaction would run again what an earlier stepwise run committed.
            return Err(Error::plan(
                &m.path,
                None,
                format!(
                    "migration {label}: {} on this database in an earlier statement-by-statement run, but the migration now runs in one transaction, which would run them again; restore the file as it was when it ran (e.g. `transaction = false`), or undo those statements by hand and remove its history entry",
                    match p.statements_applied {
                        1 => "statement 1 already ran".to_string(),
                        n => format!("statements 1-{n} already ran"),
                    }
                ),
            ));
        }
        // The contract gate: the backup once the preconditions passed, then (outside a
        // transaction) the final verification right before the first statement.
        self.gate_backup(m).await?;
        if !transactional {
            self.final_contract_check(m, false).await?;
        }
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
}
