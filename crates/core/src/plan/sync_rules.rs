//! Load-time rules of `sync = true` on a backfill: what a dual-write trigger can do.
//!
//! A trigger sees one row being written, so the backfill must be the update form on its own
//! table with expressions over that row alone: no `from` join, no subquery, no column of
//! another table, no value that reads a column the backfill itself sets (the trigger assigns
//! targets one after another, an UPDATE all at once). Each target dialect must render it.

use super::Migration;
use super::model::{Backfill, Step};
use crate::backfill::BackfillScope;
use crate::dialect::{Dialect, SyncTrigger};
use crate::error::{Error, Result};

type Invalid = (Option<String>, String);

fn invalid(field: &str, msg: impl Into<String>) -> Invalid {
    (Some(field.to_string()), msg.into())
}

/// The longest trigger name every dialect accepts (PostgreSQL: 63 bytes, MySQL: 64).
const MAX_NAME: usize = 63;

/// Validates `sync` of a backfill step for the target dialects.
pub(crate) fn check_step(step: &Step, dialects: &[Dialect]) -> Result<(), Invalid> {
    let Step::Backfill(b) = step else {
        return Ok(());
    };
    if !b.sync {
        return Ok(());
    }
    if let Some(target) = &b.insert_into {
        return Err(invalid(
            "sync",
            format!(
                "`sync = true` is not supported on an insert-select backfill (`insert_into = \"{target}\"`): \
                 a trigger would have to insert, update and delete rows of `{target}` for every write to \
                 `{}`, which cutover does not build; remove `sync` and have the new application version \
                 write `{target}` itself, or run the backfill again before the contract",
                b.table
            ),
        ));
    }
    if let Some(j) = &b.from {
        return Err(invalid(
            "from",
            format!(
                "`sync = true` cannot read the joined table `{}`: a trigger sees only the row being \
                 written to `{}`; remove `sync`, or compute the value from the row's own columns",
                j.table, b.table
            ),
        ));
    }
    let targets: Vec<&str> = b.set.iter().map(|(c, _)| c.as_str()).collect();
    for (field, e) in expressions(b) {
        if e.has_subquery() {
            return Err(invalid(
                &field,
                format!(
                    "`{e}`: `sync = true` cannot run a subquery in a trigger (it sees only the row \
                     being written); remove `sync`, or write the condition over the row's own columns"
                ),
            ));
        }
        for c in e.columns() {
            if c.table.as_deref().is_some_and(|t| t != b.table) {
                return Err(invalid(
                    &field,
                    format!(
                        "`{e}` reads `{c}`, a column of another table: `sync = true` sees only the \
                         row of `{}` being written; remove `sync` or the reference",
                        b.table
                    ),
                ));
            }
            if field == "where" && targets.contains(&c.column.as_str()) {
                return Err(invalid(
                    &field,
                    format!(
                        "`{e}` reads `{}`, which this backfill sets: with `sync = true` the \
                         trigger recomputes a row on UPDATE only while `where` holds, so once \
                         `{}` is filled old-version updates would leave it stale; move that \
                         condition to `pending`",
                        c.column, c.column
                    ),
                ));
            }
            if field.starts_with("set.") && targets.contains(&c.column.as_str()) {
                return Err(invalid(
                    &field,
                    format!(
                        "`{e}` reads `{}`, which this backfill sets: with `sync = true` every write \
                         would transform it again; set another column, or remove `sync`",
                        c.column
                    ),
                ));
            }
        }
    }
    let id = b.id.clone().unwrap_or_else(|| format!("0000_{}", b.table));
    let trigger = SyncTrigger {
        name: BackfillScope::default().sync_trigger_name(&id),
        id,
        table: b.table.clone(),
        key: b.key.clone(),
        key_types: Vec::new(),
        sqlite_rowid: false,
        sources: Vec::new(),
        set: b.set.clone(),
        r#where: b.r#where.clone(),
        pending: b.pending.clone(),
        stamps: Vec::new(),
    };
    for d in dialects {
        if let Err(e) = d.sync_triggers().create_sync_trigger_sql(&trigger) {
            return Err(invalid(
                "sync",
                format!("the sync trigger cannot be written: {e}"),
            ));
        }
    }
    Ok(())
}

/// The expressions a trigger evaluates, with their field names.
fn expressions(b: &Backfill) -> Vec<(String, &crate::expr::Expression)> {
    let mut out: Vec<(String, &crate::expr::Expression)> =
        b.set.iter().map(|(c, e)| (format!("set.{c}"), e)).collect();
    out.extend(b.r#where.iter().map(|e| ("where".to_string(), e)));
    out.extend(b.pending.iter().map(|e| ("pending".to_string(), e)));
    out
}

/// Refuses a sync trigger whose name (`cutover_sync_<id>_update`, the id given or
/// `<version>_<table>`) is longer than PostgreSQL and MySQL accept. Checked with the default
/// history table's name, the longest: another scope's name fits by construction
/// ([`BackfillScope::sync_trigger_name`]), so a plan loads the same whatever its history table.
pub(crate) fn check_trigger_names(migrations: &[Migration]) -> Result<()> {
    for m in migrations {
        for (i, s) in m.steps.iter().enumerate() {
            let Step::Backfill(b) = &s.item else {
                continue;
            };
            let base = BackfillScope::default().sync_trigger_name(&b.id_in(&m.version));
            let name = format!("{base}_update");
            if b.sync && name.len() > MAX_NAME {
                return Err(Error::plan(
                    &m.path,
                    Some(s.line),
                    format!(
                        "step {} (backfill): the sync trigger `{name}` is longer than {MAX_NAME} \
                         bytes, the limit of PostgreSQL and MySQL: give the backfill a shorter `id`",
                        i + 1
                    ),
                ));
            }
        }
    }
    Ok(())
}
