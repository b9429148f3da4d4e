//! The no-op `up`: when the history already records every migration of the plan as done,
//! `up` answers from one read of the history, without taking the lock, writing a fence or
//! touching the history table.

use std::collections::BTreeSet;

use super::report::RunReport;
use super::{Runner, Target};
use crate::error::Result;

impl Runner<'_> {
    /// `Some(report)` when nothing is pending up to `target`: no entry is partial, failed or
    /// reverting, every migration up to the target is applied or baselined, and the applied
    /// checksums match (a mismatch is the same error as in a locked run). `None` sends the
    /// run down the locked path, which also creates or upgrades the history table; so does a
    /// history that cannot be read.
    pub(super) async fn up_to_date(&mut self, target: &Target) -> Result<Option<RunReport>> {
        // Only the history of the session's own schema: with a search_path list
        // (`tenant,public`) an unqualified read would find `public`'s history when the
        // tenant has none yet.
        let Ok(entries) = self.history.load_if_exists(self.backend).await else {
            return Ok(None);
        };
        if entries.iter().any(|e| !e.state.is_done()) {
            return Ok(None);
        }
        if let Target::Version(v) = target
            && self.plan.get(&v.text).is_none()
        {
            // The locked path reports the unknown version.
            return Ok(None);
        }
        let done: BTreeSet<u64> = entries.iter().map(|e| e.version.number).collect();
        let pending = self.plan.migrations.iter().any(|m| {
            !done.contains(&m.version.number)
                && match target {
                    Target::Latest => true,
                    Target::Version(v) => m.version <= *v,
                }
        });
        if pending {
            return Ok(None);
        }
        self.verify_checksums(&entries)?;
        let mut report = RunReport::default();
        for e in &entries {
            if self.plan.get(&e.version.text).is_none() {
                report.warnings.push(format!(
                    "migration {} ({}) is recorded in the history but missing from the plan",
                    e.version, e.name
                ));
            }
        }
        Ok(Some(report))
    }
}
