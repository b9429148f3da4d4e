//! `status` and `validate`.

use std::collections::{BTreeMap, BTreeSet};

use super::Runner;
use super::history::{EntryState, HistoryEntry};
use super::report::{MigrationStatus, StatusReport};
use crate::error::{Error, Result};

impl Runner<'_> {
    /// Compares the plan with the history. Creates nothing: a database without a history
    /// table has every migration pending.
    pub async fn status(&mut self) -> Result<StatusReport> {
        // No history table yet means an empty history: status creates nothing.
        let entries = self.history.load_if_exists(self.backend).await?;
        let mut report = self.compare(&entries);
        report.backfills = self.backfill_status().await?;
        for (version, last) in self.last_verified().await? {
            if let Some(m) = report
                .migrations
                .iter_mut()
                .find(|m| m.version.text == version)
            {
                m.last_verified = Some(last);
            }
        }
        for (version, wait) in self.soak_waits(&entries).await? {
            if let Some(m) = report.migrations.iter_mut().find(|m| m.version == version) {
                m.soak = Some(wait);
            }
        }
        if entries.is_empty() {
            report.foreign_history = self.foreign_history_note().await?;
        }
        Ok(report)
    }

    /// The versions the history records as done (applied or baselined): what `up` will not
    /// run again, so its lint skips them. Creates nothing; a database without a history
    /// table (or whose history cannot be read) has none, and then everything is linted.
    pub async fn done_versions(&mut self) -> BTreeSet<u64> {
        let entries = self.history.load(self.backend).await.unwrap_or_default();
        entries
            .iter()
            .filter(|e| e.state.is_done())
            .map(|e| e.version.number)
            .collect()
    }

    fn compare(&self, entries: &[HistoryEntry]) -> StatusReport {
        let by_version: BTreeMap<u64, &HistoryEntry> =
            entries.iter().map(|e| (e.version.number, e)).collect();
        let newest_done = entries
            .iter()
            .filter(|e| e.state.is_done())
            .map(|e| e.version.number)
            .max();
        let mut migrations = Vec::new();
        for m in &self.plan.migrations {
            let e = by_version.get(&m.version.number);
            let state = e
                .map(|e| MigrationStatus::state_of(e.state))
                .unwrap_or("pending");
            let done = e.is_some_and(|e| e.state.is_done());
            migrations.push(MigrationStatus {
                version: m.version.clone(),
                name: m.name.clone(),
                description: m.description.clone(),
                phase: m.phase,
                state: state.to_string(),
                applied_at: e.and_then(|e| e.finished_at.clone()),
                progress: e
                    .filter(|e| {
                        matches!(
                            e.state,
                            EntryState::Partial | EntryState::Failed | EntryState::Reverting
                        )
                    })
                    .map(|e| (e.statements_applied, e.statements_total)),
                checksum_ok: e
                    .filter(|e| e.state == EntryState::Applied)
                    .map(|e| e.checksum == m.checksum),
                out_of_order: !done && newest_done.is_some_and(|n| m.version.number < n),
                last_verified: None,
                soak: None,
                soak_skipped: e.and_then(|e| super::soak::skipped_note(e.note.as_deref())),
            });
        }
        for e in entries {
            if self.plan.get(&e.version.text).is_none() {
                migrations.push(MigrationStatus {
                    version: e.version.clone(),
                    name: e.name.clone(),
                    description: e.description.clone(),
                    phase: None,
                    state: "missing".into(),
                    applied_at: e.finished_at.clone(),
                    progress: None,
                    checksum_ok: None,
                    out_of_order: false,
                    last_verified: None,
                    soak: None,
                    soak_skipped: super::soak::skipped_note(e.note.as_deref()),
                });
            }
        }
        migrations.sort_by(|a, b| a.version.cmp(&b.version));
        StatusReport {
            dialect: self.backend.dialect(),
            pending: migrations.iter().filter(|m| m.state == "pending").count(),
            checksum_mismatches: migrations
                .iter()
                .filter(|m| m.checksum_ok == Some(false))
                .count(),
            failed: migrations
                .iter()
                .filter(|m| matches!(m.state.as_str(), "failed" | "partial" | "reverting"))
                .count(),
            migrations,
            backfills: Vec::new(),
            foreign_history: None,
        }
    }

    /// Like [`status`](Runner::status), but an error when the database and the plan disagree:
    /// changed checksums, applied migrations missing from the plan, out-of-order pending
    /// migrations, failed entries.
    pub async fn validate(&mut self) -> Result<StatusReport> {
        let report = self.status().await?;
        let entries = self.history.load_if_exists(self.backend).await?;
        self.verify_checksums(&entries)?;
        let mut problems = Vec::new();
        for m in &report.migrations {
            match m.state.as_str() {
                "missing" => {
                    let entry = entries.iter().find(|e| e.version == m.version);
                    problems.push(missing_file(&format!("{} ({})", m.version, m.name), entry));
                }
                "failed" | "partial" => problems.push(format!(
                    "{} ({}) is {}; run `cutover up` to finish it or `cutover repair`",
                    m.version, m.name, m.state
                )),
                "reverting" => problems.push(format!(
                    "{} ({}) is half reverted; run `cutover down` to finish reverting it",
                    m.version, m.name
                )),
                _ => {}
            }
            if m.out_of_order && !self.options.allow_out_of_order {
                problems.push(format!(
                    "{} ({}) is pending but older than the newest applied migration",
                    m.version, m.name
                ));
            }
        }
        if problems.is_empty() {
            Ok(report)
        } else {
            Err(Error::Other(format!(
                "validation failed: {}",
                problems.join("; ")
            )))
        }
    }
}

/// The `validate` problem for a history entry whose migration file is gone, in the words of
/// the entry's state: a failed attempt is not "applied".
fn missing_file(label: &str, entry: Option<&HistoryEntry>) -> String {
    match entry {
        Some(e) if e.state == EntryState::Failed && e.statements_applied == 0 => format!(
            "{label} failed (nothing of it stays applied) and its file is missing from the plan; `cutover repair` removes the failed entry, or restore the file and run `cutover up`"
        ),
        Some(e) if !e.state.is_done() => format!(
            "{label} is {} and its file is missing from the plan; restore the file",
            e.state.as_str()
        ),
        _ => format!("{label} is applied but missing from the plan; restore its file"),
    }
}
