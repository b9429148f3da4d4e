//! `drift`: the live schema against the schema its applied migrations should have built.

use serde::Serialize;

use super::Runner;
use crate::error::Result;
use crate::schema::{Difference, Schema, diff};

/// The answer of [`Runner::drift`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DriftReport {
    /// Versions whose effect the expected schema includes.
    pub applied: Vec<String>,
    /// Every difference (empty: no drift).
    pub differences: Vec<Difference>,
}

impl Runner<'_> {
    /// Compares the live schema with the one the applied migrations build. Tables created
    /// by raw SQL steps are unknown to the model and show as "not in the plan"; cutover's
    /// history table and other migration tools' history tables are left out.
    pub async fn drift(&mut self) -> Result<DriftReport> {
        let entries = self.history.load_if_exists(self.backend).await?;
        let mut schema = Schema::default();
        let mut applied = Vec::new();
        for m in &self.plan.migrations {
            let done = entries
                .iter()
                .any(|e| e.version == m.version && e.state.is_done());
            if !done {
                continue;
            }
            applied.push(m.version.text.clone());
            for (_, s) in m.steps_for(self.backend.dialect()) {
                schema.apply(&s.item);
            }
        }
        let expected = schema.shape(self.backend.dialect());
        let mut actual = self.backend.introspect().await?;
        // The history table under a custom name is still cutover's own.
        actual.tables.remove(self.history.table());
        // So are its side tables (captured definitions, the verification record).
        for side in ["captured", "verified"] {
            actual
                .tables
                .remove(&format!("{}_{side}", self.history.table()));
        }
        // Another migration tool's history table (a database adopted with `baseline
        // --from-history`) is bookkeeping, not schema, unless the plan itself creates it.
        for tool in crate::adopt::Tool::ALL {
            if !expected.tables.contains_key(tool.table()) {
                actual.tables.remove(tool.table());
            }
        }
        let mut differences = diff(&expected, &actual);
        differences.extend(self.security_drift(&applied, &expected).await?);
        differences.extend(self.sync_drift().await?);
        differences.extend(self.function_owner_drift(&applied).await?);
        Ok(DriftReport {
            applied,
            differences,
        })
    }
}
