//! Refusing a backfill whose `set` writes a column of its batch key, or one column twice.
//!
//! Batches walk the table in key order from a cursor: a row whose key a batch raises lands
//! ahead of the cursor and is written again by a later batch (a `set.id = "id + 100000"`
//! changed each row up to three times, or without end), and the undo log, one row per key
//! value, cannot find it under its new key. Names compare as the database compares them:
//! case-insensitively on MySQL/MariaDB and SQLite, where `rowid` also names the row.

use super::spec::BackfillSpec;
use crate::backend::Backend;
use crate::error::{Error, Result};

/// Fails with [`Error::BackfillSetsKey`] when `spec` (its key resolved) sets a key column
/// or a row id alias that is no column of the table, and with a plain error when it sets
/// one column under two spellings.
pub(crate) async fn refuse_key_set(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<()> {
    let dialect = b.dialect();
    let catalog = dialect.key_catalog();
    let same = |a: &str, b: &str| match catalog.column_names_fold_case() {
        true => a.eq_ignore_ascii_case(b),
        false => a == b,
    };
    let set: Vec<&String> = spec.step.set.iter().map(|(c, _)| c).collect();
    for (i, a) in set.iter().enumerate() {
        if let Some(b) = set[..i].iter().find(|b| same(a, b)) {
            return Err(Error::Other(format!(
                "backfill `{}` ({}): `set.{b}` and `set.{a}` name the same column of table `{}` on {dialect}; keep one",
                spec.id, spec.migration, spec.step.table
            )));
        }
    }
    let mut aliases: Vec<&str> = catalog.row_id_aliases().to_vec();
    if !aliases.is_empty()
        && spec
            .step
            .set
            .iter()
            .any(|(c, _)| aliases.contains(&c.to_ascii_lowercase().as_str()))
    {
        // A column of the table may be called `oid`: then it is no alias.
        let columns = super::undo_log::live_columns(b, &spec.step.table).await?;
        aliases.retain(|a| !columns.iter().any(|c| c.eq_ignore_ascii_case(a)));
    }
    let written: Vec<String> = set
        .iter()
        .filter(|c| {
            spec.key.iter().any(|k| same(c, k))
                || aliases.contains(&c.to_ascii_lowercase().as_str())
        })
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
