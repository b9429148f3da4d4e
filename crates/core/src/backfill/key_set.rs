//! Refusing a backfill whose `set` writes a column of its batch key.
//!
//! Batches walk the table in key order from a cursor: a row whose key a batch raises lands
//! ahead of the cursor and is written again by a later batch (a `set.id = "id + 100000"`
//! changed each row up to three times), and the undo log, one row per key value, cannot
//! find it under its new key.

use super::spec::BackfillSpec;
use crate::error::{Error, Result};

/// Fails with [`Error::BackfillSetsKey`] when `spec` (its key resolved) sets a key column.
pub(crate) fn refuse_key_set(spec: &BackfillSpec) -> Result<()> {
    let written: Vec<String> = spec
        .step
        .set
        .iter()
        .map(|(c, _)| c)
        .filter(|c| spec.key.contains(c))
        .map(|c| format!("`{c}`"))
        .collect();
    if written.is_empty() {
        return Ok(());
    }
    Err(Error::BackfillSetsKey {
        id: spec.id.clone(),
        migration: spec.migration.clone(),
        table: spec.step.table.clone(),
        columns: written.join(", "),
    })
}
