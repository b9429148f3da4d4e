//! Running one migration's statements: in one transaction with its history entry, or
//! statement by statement with progress recorded after each.

use std::time::Instant;

use super::checks::CheckResult;
use super::fk_check::ForeignKeyBaseline;
use super::history::{EntryState, HistoryEntry};
use super::progress::stays_applied;
use super::report::Event;
use super::transact::{is_connection, is_transient};
use super::{Runner, now, statement_checksum};
use crate::error::{Error, Result};
use crate::plan::{CheckWhen, Migration, OnFail};
use crate::render::RenderedMigration;

impl Runner<'_> {
    pub(crate) fn entry(
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
            note: self.gate.history_note(),
            backup: self.gate.backup.clone(),
        }
    }

    /// One transaction for the whole migration and its history entry; a failure leaves only
    /// a failed history entry. Transient failures retry the whole transaction.
    pub(crate) async fn apply_transactional(
        &mut self,
        m: &Migration,
        rendered: &RenderedMigration,
        started: Instant,
    ) -> Result<Vec<CheckResult>> {
        let started_at = self.database_stamp().await?;
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
                    if matches!(e.root(), Error::GateRefused { .. }) {
                        // Refused before any statement ran: nothing to record.
                        return Err(e);
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
        self.final_contract_check(m, true).await?;
        let rebuild = Self::has_rebuild(&rendered.statements);
        let fk_before = if rebuild {
            self.foreign_key_baseline().await?
        } else {
            ForeignKeyBaseline::default()
        };
        let total = rendered.statements.len();
        let mut checksums = Vec::with_capacity(total);
        for (i, s) in rendered.statements.iter().enumerate() {
            self.execute_in_transaction(s).await.map_err(|e| {
                e.context(format!(
                    "{}: migration {label}, step {} ({}), statement {}/{total}; the migration was rolled back, nothing of it stays applied",
                    m.step_location(s.step),
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
        self.release_install_lock().await;
        let after = self.run_checks(m, CheckWhen::After).await?;
        if let Some(c) = after
            .iter()
            .find(|c| !c.passed && c.on_fail != OnFail::Warn)
        {
            let err = Error::CheckFailed {
                migration: format!("{label} ({})", m.check_location(&c.name)),
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
        if rebuild {
            self.check_foreign_keys(&label, &fk_before).await?;
        }
        self.history.save(self.backend, &entry).await?;
        self.backend.commit().await?;
        Ok(after)
    }

    /// Statement by statement, recording progress after each one, so that a failed or killed
    /// run resumes at the first statement that did not complete.
    pub(crate) async fn apply_stepwise(
        &mut self,
        m: &Migration,
        rendered: &RenderedMigration,
        prior: Option<&HistoryEntry>,
        started: Instant,
    ) -> Result<Vec<CheckResult>> {
        let label = m.label();
        let total = rendered.statements.len();
        let started_at = self.database_stamp().await?;
        let mut entry = self.entry(m, rendered, EntryState::Partial, &started_at);
        if let Some(p) =
            prior.filter(|p| p.statements_applied > 0 || p.state == EntryState::Partial)
        {
            // Resume (an interrupted run may have none recorded yet): the statements that ran
            // must be the ones the plan still has.
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
            // An interrupted run may have left its last statement committed but unrecorded.
            if let Err(e) = self
                .settle_interrupted(&rendered.statements, p, &mut entry, &label)
                .await
            {
                // Refused once: the operator checks by hand, the next run runs it.
                entry.state = EntryState::Failed;
                entry.note = Some(self.gate.failure_note(&e.to_string()));
                let _ = self.history.save_atomic(self.backend, &entry).await;
                return Err(e);
            }
            // Only guard checks of the step it stopped in ran: run them (and their capture)
            // again.
            let resume = super::revert_partial::resume_point(
                &rendered.statements,
                entry.statements_applied as usize,
            );
            entry.statements_applied = resume as i64;
            entry.statement_checksums.truncate(resume);
            self.replay_session_settings(&rendered.statements, entry.statements_applied as usize)
                .await?;
            if entry.statements_applied > 0 && (entry.statements_applied as usize) < total {
                let msg = format!(
                    "migration {label}: resuming at statement {} of {total}",
                    entry.statements_applied + 1
                );
                self.reporter.event(&Event::Warning(&msg));
            } else if entry.statements_applied > 0 {
                let msg = format!(
                    "migration {label}: all {total} statements had already taken effect; nothing left to run"
                );
                self.reporter.event(&Event::Warning(&msg));
            }
        }
        self.history.save_atomic(self.backend, &entry).await?;
        for i in entry.statements_applied as usize..total {
            let s = &rendered.statements[i];
            if let Err(e) = self.run_recorded(s, i, &mut entry).await {
                // After a lost connection the statement's outcome is unknown and nothing is
                // written: its progress may have committed with it, and this entry would
                // overwrite that with an older count. The entry in the database stays
                // `partial` and the re-plan settles the statement. Any other error means it
                // did not take effect.
                if !is_connection(&e) {
                    entry.state = EntryState::Failed;
                    entry.note = Some(self.gate.failure_note(&e.to_string()));
                    entry.finished_at = Some(now());
                    let _ = self.history.save_atomic(self.backend, &entry).await;
                }
                let done = entry.statements_applied as usize;
                let next = if is_connection(&e) && done == i {
                    format!(
                        "the connection was lost, so whether statement {} took effect is unknown; run `cutover up` again: it checks before running it",
                        i + 1
                    )
                } else {
                    let resume = format!("resume at statement {}", done + 1);
                    match self.invalid_index_advice(s, &resume).await {
                        Some(advice) => advice,
                        None => format!("fix the cause and run `cutover up` again to {resume}"),
                    }
                };
                return Err(e.context(format!(
                    "{}: migration {label}, step {} ({}), statement {}/{total}; {}; {next}",
                    m.step_location(s.step),
                    s.step,
                    s.op,
                    i + 1,
                    stays_applied(done),
                )));
            }
            self.reporter.event(&Event::StatementDone {
                index: i + 1,
                total,
            });
        }
        self.release_install_lock().await;
        let after = self.run_checks(m, CheckWhen::After).await?;
        entry.finished_at = Some(now());
        entry.duration_ms = Some(started.elapsed().as_millis() as i64);
        if after.iter().any(|c| !c.passed) {
            self.unverify_backfills(rendered).await?;
        }
        if let Some(c) = after
            .iter()
            .find(|c| !c.passed && c.on_fail != OnFail::Warn)
        {
            entry.state = EntryState::Failed;
            entry.note = Some(self.gate.failure_note(&format!(
                "verification `{}` failed: got {}, expected {}",
                c.name, c.value, c.expected
            )));
            self.history.save_atomic(self.backend, &entry).await?;
            let stays = stays_applied(total);
            return Err(Error::CheckFailed {
                migration: format!("{label} ({})", m.check_location(&c.name)),
                check: c.name.clone(),
                actual: c.value.clone(),
                expected: c.expected.clone(),
                rolled_back: false,
            }
            .context(format!(
                "migration {label} ran statement by statement, so {stays} and it is marked failed; fix the data (or the check) and run `cutover up` again, which runs the verification again"
            )));
        }
        entry.state = EntryState::Applied;
        // The `applied` entry and the completion of its backfills commit together: a cut in
        // between must not leave the backfills `done` behind an applied migration. A failed
        // `warn` check keeps the migration but leaves its backfills `done`, not verified.
        let verified = after.iter().all(|c| c.passed);
        self.backend.begin().await?;
        match self.record_applied(rendered, &entry, verified).await {
            Ok(()) => self.backend.commit().await?,
            Err(e) => {
                let _ = self.backend.rollback().await;
                return Err(e);
            }
        }
        Ok(after)
    }

    /// Inside the caller's transaction: the `applied` entry (fenced) and, when every
    /// verification passed, the backfills of the migration marked complete.
    async fn record_applied(
        &mut self,
        rendered: &RenderedMigration,
        entry: &HistoryEntry,
        verified: bool,
    ) -> Result<()> {
        self.history.save(self.backend, entry).await?;
        if verified {
            let states = self.states();
            for id in rendered
                .statements
                .iter()
                .filter_map(|s| s.backfill.as_ref())
            {
                states.mark_complete(self.backend, id).await?;
            }
        }
        Ok(())
    }
}
