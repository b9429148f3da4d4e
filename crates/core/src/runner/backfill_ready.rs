//! Whether a backfill can run yet: the schema it works on is the one its migration expects,
//! so every migration before its own must be applied (or baselined). Its own migration may
//! still be pending: running a backfill ahead of `up` is how a long backfill is taken out of
//! the deploy window, and `up` then finds it complete and only verifies it.

use super::Runner;
use super::history::EntryState;
use crate::backfill::BackfillSpec;
use crate::error::{Error, Result};

impl Runner<'_> {
    /// The migrations before backfill `id`'s own that are not applied or baselined on this
    /// database, as labels (`0002 (add_attachments)`), in order. Reads the history; creates
    /// nothing (no history table: none is applied).
    pub async fn backfill_blockers(&mut self, id: &str) -> Result<Vec<String>> {
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        self.blockers_of(&spec).await
    }

    async fn blockers_of(&mut self, spec: &BackfillSpec) -> Result<Vec<String>> {
        let Some(own) = self.plan.get(&spec.version) else {
            return Ok(Vec::new());
        };
        let entries = self.history.load_if_exists(self.backend).await?;
        Ok(self
            .plan
            .migrations
            .iter()
            .filter(|m| m.version < own.version)
            .filter(|m| {
                !entries.iter().any(|e| {
                    e.version == m.version
                        && matches!(e.state, EntryState::Applied | EntryState::Baselined)
                })
            })
            .map(|m| m.label())
            .collect())
    }

    /// Fails with [`Error::BackfillNotReady`] when a migration before backfill `id`'s own is
    /// not applied: its tables or columns may not exist yet.
    pub async fn ensure_backfill_ready(&mut self, id: &str) -> Result<()> {
        let spec =
            BackfillSpec::find_on(self.plan, id, Some(self.backend.dialect()), &self.scope())?;
        let missing = self.blockers_of(&spec).await?;
        let Some(last) = missing.last() else {
            return Ok(());
        };
        let to = last.split_whitespace().next().unwrap_or(last);
        Err(Error::BackfillNotReady {
            id: id.to_string(),
            migration: spec.migration.clone(),
            missing: missing.join(", "),
            hint: format!("apply them first: `cutover up --to {to}`"),
        })
    }
}
