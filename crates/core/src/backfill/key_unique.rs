//! Refusing a declared backfill `key` that is not unique when the backfill keeps an undo log.
//!
//! The log keeps one row per key value (`k_<key>` is its unique key): with several rows per
//! key value, a batch logs one of them and the others' old values are lost, so undo would
//! restore some rows with another row's value and leave the rest. Walking batches by a
//! non-unique key is sound (a batch range takes every row of a key value), so a backfill
//! with `undo_log = false` may keep such a key.

use std::collections::BTreeMap;

use super::spec::BackfillSpec;
use super::undo_log::UndoLog;
use crate::backend::Backend;
use crate::error::{Error, Result};

/// Fails with [`Error::BackfillKeyNotUnique`] when `spec` (its key resolved) declares a key
/// (`declared`) and keeps an update-form undo log, but no primary key, unique constraint or
/// unique index of its table has all its columns among the key's. A primary key is unique
/// by itself; the insert form logs by the target's conflict key, not by this one.
pub(crate) async fn refuse_non_unique_key(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    declared: bool,
) -> Result<()> {
    let logged = UndoLog::of(spec).is_some_and(|log| !log.insert);
    if !declared || !logged {
        return Ok(());
    }
    let dialect = b.dialect();
    let table = &spec.step.table;
    let primary = b
        .query(&dialect.sql().primary_key_sql(table))
        .await?
        .into_first_column();
    let mut keys: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    for row in b
        .query(&dialect.key_catalog().unique_keys_sql(table))
        .await?
        .rows
    {
        let name = row.first().cloned().flatten().unwrap_or_default();
        keys.entry(name)
            .or_default()
            .push(row.get(1).cloned().flatten());
    }
    let fold = dialect.key_catalog().column_names_fold_case();
    let same = |k: &str, c: &str| k == c || (fold && k.eq_ignore_ascii_case(c));
    let covered = |cols: &[Option<String>]| {
        !cols.is_empty()
            && cols.iter().all(|c| {
                c.as_ref()
                    .is_some_and(|c| spec.key.iter().any(|k| same(k, c)))
            })
    };
    let primary: Vec<Option<String>> = primary.into_iter().map(Some).collect();
    if covered(&primary) || keys.values().any(|cols| covered(cols)) {
        return Ok(());
    }
    Err(Error::BackfillKeyNotUnique {
        id: spec.id.clone(),
        migration: spec.migration.clone(),
        table: table.clone(),
        key: spec.key.join(", "),
    })
}
