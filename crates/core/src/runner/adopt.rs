//! `baseline --from-history`: record as baselined exactly the plan migrations another
//! tool's history table says ran (see [`crate::adopt`]).

use std::collections::BTreeSet;

use super::Runner;
use super::history::{ADOPTED_NOTE, HistoryEntry};
use crate::adopt::{Adoption, Recorded, Tool, detect, read_history};
use crate::error::Result;

impl Runner<'_> {
    /// What [`baseline_from_history`](Runner::baseline_from_history) would record, read
    /// without writing anything (no lock, no history table created): `--dry-run`.
    /// `tool: None` finds the tool from the tables the database has.
    pub async fn adoption(&mut self, tool: Option<Tool>) -> Result<Adoption> {
        let entries = self.history.load_if_exists(self.backend).await?;
        self.adopt_plan(tool, &entries).await
    }

    /// Reads the history table of `tool` (`None`: the one this database has; several are
    /// an error) and records as baselined, in one transaction under the migration lock,
    /// every plan migration it says ran and cutover's history does not record yet. Refuses,
    /// recording nothing, when that history names a version the plan lacks or a migration
    /// that failed (see [`Adoption::plan`]).
    pub async fn baseline_from_history(&mut self, tool: Option<Tool>) -> Result<Adoption> {
        self.locked(|r| Box::pin(r.baseline_from_history_locked(tool)))
            .await
    }

    async fn baseline_from_history_locked(&mut self, tool: Option<Tool>) -> Result<Adoption> {
        let entries = self.history.load(self.backend).await?;
        let adoption = self.adopt_plan(tool, &entries).await?;
        let stamp = super::now();
        // `HistoryEntry::is_adopted` reads this note: `down` may revert these entries.
        let note = format!(
            "{ADOPTED_NOTE}{} history table `{}`",
            adoption.tool, adoption.table
        );
        let mark: BTreeSet<u64> = adoption.mark.iter().map(|v| v.number).collect();
        let marked: Vec<HistoryEntry> = self
            .plan
            .migrations
            .iter()
            .filter(|m| mark.contains(&m.version.number))
            .map(|m| self.baselined_entry(m, &stamp, note.clone()))
            .collect();
        self.backend.begin().await?;
        for entry in &marked {
            if let Err(e) = self.history.save(self.backend, entry).await {
                let _ = self.backend.rollback().await;
                return Err(e);
            }
        }
        self.backend.commit().await?;
        Ok(adoption)
    }

    async fn adopt_plan(
        &mut self,
        tool: Option<Tool>,
        entries: &[HistoryEntry],
    ) -> Result<Adoption> {
        let tool = match tool {
            Some(t) => t,
            None => detect(self.backend).await?,
        };
        let records = read_history(self.backend, tool).await?;
        let recorded: Vec<Recorded> = entries
            .iter()
            .map(|e| Recorded {
                number: e.version.number,
                done: e.state.is_done(),
                state: e.state.as_str().to_string(),
            })
            .collect();
        Adoption::plan(tool, &records, self.plan, &recorded)
    }
}
