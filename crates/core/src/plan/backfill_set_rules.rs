//! Load-time rule of every update-form backfill: a `set` entry must not read a column that
//! another `set` entry of the same step writes.
//!
//! PostgreSQL and SQLite evaluate every assignment of an UPDATE over the row as it was,
//! MySQL/MariaDB left to right over the row as the earlier assignments left it, so
//! `set.a = "b"` with `set.b = "a"` swaps on the first two and copies on the last: the same
//! plan would give different data per database. (`sync = true` refuses more, see
//! `sync_rules`: a trigger also re-reads the column it sets.)

use super::model::{Backfill, Step};
use crate::dialect::Dialect;

type Invalid = (Option<String>, String);

/// `(reading entry, read column)` for each `set` entry that reads a column another `set`
/// entry of `b` writes (its own column is fine: every database reads the old value).
pub(crate) fn set_reads_other_target(b: &Backfill) -> Vec<(String, String)> {
    let targets: Vec<&str> = b.set.iter().map(|(c, _)| c.as_str()).collect();
    let mut out = Vec::new();
    for (col, e) in &b.set {
        for c in e.columns() {
            let own_table = c.table.as_deref().is_none_or(|t| t == b.table);
            if own_table && c.column != *col && targets.contains(&c.column.as_str()) {
                out.push((col.clone(), c.column.clone()));
            }
        }
    }
    out
}

/// Refuses a backfill step whose `set` entries read each other's columns.
pub(crate) fn check_step(step: &Step, _dialects: &[Dialect]) -> Result<(), Invalid> {
    let Step::Backfill(b) = step else {
        return Ok(());
    };
    if b.insert_into.is_some() {
        return Ok(());
    }
    let Some((col, read)) = set_reads_other_target(b).into_iter().next() else {
        return Ok(());
    };
    Err((
        Some(format!("set.{col}")),
        format!(
            "`set.{col}` reads `{read}`, which `set.{read}` of the same backfill writes: MySQL/MariaDB \
             would read the value `set.{read}` just wrote, PostgreSQL and SQLite the value before, so \
             the result would differ per database; read the old value through another column (copy \
             `{read}` in an earlier backfill step or migration), or split the step into two backfills"
        ),
    ))
}
