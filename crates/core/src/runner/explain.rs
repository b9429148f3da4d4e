//! `cutover explain`: which migrations to explain (the pending ones, or a version range).

use std::time::Duration;

use super::Runner;
use crate::backend::Timeouts;
use crate::error::{Error, Result};
use crate::explain::{ExplainReport, Sample, explain_migrations};
use crate::plan::{Migration, Version};

impl Runner<'_> {
    /// Explains the pending migrations (not applied or baselined), or with `from`/`to` every
    /// migration of that range (inclusive), against this database; see [`crate::explain`].
    /// An error when `from` or `to` names no migration of the plan, or `from` is after `to`.
    /// Read-only: takes no lock and creates nothing (not even the history table); a table
    /// that cannot be read within [`read_timeouts`](Self::read_timeouts) is reported as
    /// busy. With [`Sample::OneBatch`] each backfill's first batch runs and is rolled back.
    pub async fn explain(
        &mut self,
        from: Option<Version>,
        to: Option<Version>,
        sample: Sample,
    ) -> Result<ExplainReport> {
        for (flag, v) in [("--from", &from), ("--to", &to)] {
            if let Some(v) = v
                && !self
                    .plan
                    .migrations
                    .iter()
                    .any(|m| m.version.number == v.number)
            {
                return Err(Error::Other(format!(
                    "explain {flag} {v}: no migration {v} in the plan; `cutover status` lists them"
                )));
            }
        }
        if let (Some(f), Some(t)) = (&from, &to)
            && f > t
        {
            return Err(Error::Other(format!(
                "explain --from {f} --to {t}: the range is empty ({f} comes after {t}); swap them"
            )));
        }
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
        let timeouts = self.read_timeouts();
        let scope = self.scope();
        let mut report =
            explain_migrations(self.backend, self.plan, &selected, sample, timeouts, &scope)
                .await?;
        // Pending migrations that `up` would refuse for their soak time (`min_age`).
        for (version, wait) in self.soak_waits(&entries).await? {
            let Some(m) = report.migrations.iter().find(|m| m.version == version) else {
                continue;
            };
            if !wait.soaked() {
                report.warnings.push(format!(
                    "{} ({}): {}; `cutover up` refuses it until then",
                    m.version,
                    m.name,
                    wait.summary()
                ));
            }
        }
        Ok(report)
    }

    /// The session timeouts of read-only commands (`explain`, `verify`): a lock wait of at
    /// most the shorter of `lock_wait` (`--lock-timeout`) and `timeouts.lock`
    /// (`--ddl-lock-timeout`), so that a table another session locks is reported as busy
    /// instead of waiting behind it.
    pub(super) fn read_timeouts(&self) -> Timeouts {
        Timeouts {
            lock: self
                .options
                .lock_wait
                .min(self.options.timeouts.lock)
                .max(Duration::from_millis(1)),
            statement: self.options.timeouts.statement,
        }
    }
}
