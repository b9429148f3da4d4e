//! `cutover explain`: which migrations to explain (the pending ones, or a version range).

use super::Runner;
use crate::error::Result;
use crate::explain::{ExplainReport, Sample, explain_migrations};
use crate::plan::{Migration, Version};

impl Runner<'_> {
    /// Explains the pending migrations (not applied or baselined), or with `from`/`to` every
    /// migration of that range (inclusive), against this database; see [`crate::explain`].
    /// Read-only: takes no lock and creates nothing (not even the history table); with
    /// [`Sample::OneBatch`] each backfill's first batch runs and is rolled back.
    pub async fn explain(
        &mut self,
        from: Option<Version>,
        to: Option<Version>,
        sample: Sample,
    ) -> Result<ExplainReport> {
        let entries = self.history.load_if_exists(self.backend).await?;
        let ranged = from.is_some() || to.is_some();
        let selected = |m: &Migration| {
            if ranged {
                from.as_ref().is_none_or(|f| m.version >= *f)
                    && to.as_ref().is_none_or(|t| m.version <= *t)
            } else {
                !entries
                    .iter()
                    .any(|e| e.version == m.version && e.state.is_done())
            }
        };
        explain_migrations(self.backend, self.plan, &selected, sample).await
    }
}
