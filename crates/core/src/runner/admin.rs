//! `baseline` and `repair`.

use super::history::{EntryState, HistoryEntry};
use super::{Runner, statement_checksum};
use crate::error::{Error, Result};
use crate::plan::{Migration, Version};
use crate::render::Direction;

impl Runner<'_> {
    /// Records every plan migration up to `version` as baselined, running nothing. Only on a
    /// database whose history is empty.
    pub async fn baseline(&mut self, version: Version) -> Result<Vec<Version>> {
        self.locked(|r| Box::pin(r.baseline_locked(version))).await
    }

    async fn baseline_locked(&mut self, version: Version) -> Result<Vec<Version>> {
        if self.plan.get(&version.text).is_none() {
            return Err(Error::Other(format!(
                "baseline {version}: no migration with that version in the plan"
            )));
        }
        let entries = self.history.load(self.backend).await?;
        if !entries.is_empty() {
            return Err(Error::Other(format!(
                "baseline refused: the history table `{}` already has {} entries; baseline only marks a database that cutover has never migrated",
                self.history.table(),
                entries.len()
            )));
        }
        let mut marked = Vec::new();
        let stamp = self.database_stamp().await?;
        for m in self.plan.migrations.iter().filter(|m| m.version <= version) {
            let entry = self.baselined_entry(m, &stamp, format!("baselined at {version}"));
            self.history.save_atomic(self.backend, &entry).await?;
            marked.push(m.version.clone());
        }
        Ok(marked)
    }

    /// The history entry that records `m` as baselined (nothing ran) at `stamp`.
    pub(super) fn baselined_entry(&self, m: &Migration, stamp: &str, note: String) -> HistoryEntry {
        HistoryEntry {
            version: m.version.clone(),
            name: m.name.clone(),
            description: m.description.clone(),
            checksum: m.checksum.clone(),
            state: EntryState::Baselined,
            statements_applied: 0,
            statements_total: 0,
            statement_checksums: Vec::new(),
            started_at: stamp.to_string(),
            finished_at: Some(stamp.to_string()),
            duration_ms: Some(0),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            applied_by: self.options.applied_by.clone(),
            note: Some(note),
            backup: None,
        }
    }

    /// Accepts the current checksums of applied migrations (after a deliberate edit) and
    /// clears failed entries that changed nothing. Returns a line per change, and a line per
    /// migration stranded part way (an up that stopped after some statements committed, a
    /// half-done down) saying where it stands and which command finishes it.
    pub async fn repair(&mut self) -> Result<Vec<String>> {
        self.locked(|r| Box::pin(r.repair_locked())).await
    }

    async fn repair_locked(&mut self) -> Result<Vec<String>> {
        let entries = self.history.load(self.backend).await?;
        let rendered = self.rendered(Direction::Up)?;
        let mut changes = Vec::new();
        for mut e in entries {
            let label = format!("{} ({})", e.version, e.name);
            if e.state == EntryState::Failed && e.statements_applied == 0 {
                self.history.delete_atomic(self.backend, &e.version).await?;
                changes.push(format!(
                    "{label}: removed the failed entry; `cutover up` will run it again"
                ));
                continue;
            }
            let Some(m) = self.plan.get(&e.version.text) else {
                continue;
            };
            let mut changed = false;
            if e.checksum != m.checksum {
                changes.push(format!(
                    "{label}: accepted the new checksum {}",
                    &m.checksum[..12]
                ));
                e.checksum = m.checksum.clone();
                changed = true;
            }
            if matches!(e.state, EntryState::Partial | EntryState::Failed)
                && let Some(r) = rendered.iter().find(|r| r.version == e.version)
            {
                let current: Vec<String> = r
                    .statements
                    .iter()
                    .take(e.statements_applied as usize)
                    .map(|s| statement_checksum(&s.sql))
                    .collect();
                if current != e.statement_checksums {
                    changes.push(format!(
                        "{label}: accepted the edited statements 1-{} as applied",
                        e.statements_applied
                    ));
                    e.statement_checksums = current;
                    e.statements_total = r.statements.len() as i64;
                    changed = true;
                }
            }
            if changed {
                // A deliberate rewrite of a done entry: the one place that may replace it.
                self.history.replace_atomic(self.backend, &e).await?;
            }
            // Stranded part way (up or down): where it stands and the way out.
            changes.extend(self.stranded_advice(&e));
        }
        Ok(changes)
    }
}
