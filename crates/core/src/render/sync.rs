//! When dual-write sync triggers (`sync = true` on a backfill) are installed and removed.
//!
//! - Installed by the backfill's migration, right before the backfill step (so rows written
//!   while the batches run are covered); removed first by `down` of that migration.
//! - Removed, before anything else, by the first later migration that drops or renames the
//!   table or a column the trigger reads or writes, or that is `phase = "contract"` and
//!   touches the table; `down` of that migration installs them again, last.
//!
//! The SQL of each dialect is [`SyncTriggers`](crate::dialect::SyncTriggers)' business.

use super::{Direction, RenderedMigration, Statement, StatementKind};
use crate::backfill::BackfillScope;
use crate::dialect::{Dialect, SyncTrigger};
use crate::error::Result;
use crate::plan::{Backfill, Migration, Phase, Step};
use crate::schema::Schema;

/// The statement `op` of a trigger installation.
pub(crate) const INSTALL_OP: &str = "sync_trigger";
/// The statement `op` of a trigger removal.
pub(crate) const DROP_OP: &str = "drop_sync_trigger";

/// The sync trigger of backfill `b` of migration `m` in the plan of `scope` (its history
/// table names the trigger, see [`BackfillScope::sync_trigger_name`]); `None` without
/// `sync = true` or for the insert-select form, which the loader refuses with `sync`.
pub fn sync_trigger(
    b: &Backfill,
    m: &Migration,
    schema: &Schema,
    scope: &BackfillScope,
) -> Option<SyncTrigger> {
    if !b.sync || b.insert_into.is_some() {
        return None;
    }
    let targets: Vec<&str> = b.set.iter().map(|(c, _)| c.as_str()).collect();
    let mut sources: Vec<String> = Vec::new();
    let exprs = b.set.iter().map(|(_, e)| e).chain(b.r#where.as_ref());
    for e in exprs {
        for c in e.columns() {
            let own = c.table.as_deref().is_none_or(|t| t == b.table);
            if own && !targets.contains(&c.column.as_str()) && !sources.contains(&c.column) {
                sources.push(c.column);
            }
        }
    }
    let table = schema.table(&b.table);
    let id = super::backfill_id(b, m);
    Some(SyncTrigger {
        name: scope.sync_trigger_name(&id),
        id,
        table: b.table.clone(),
        key: table.map(|t| t.primary_key.clone()).unwrap_or_default(),
        key_types: table.map(|t| t.layout_key.clone()).unwrap_or_default(),
        sqlite_rowid: table.is_some_and(|t| t.sqlite_rowid),
        sources,
        set: b.set.clone(),
        r#where: b.r#where.clone(),
        pending: b.pending.clone(),
        stamps: schema
            .routines
            .updated_at
            .iter()
            .filter(|((t, _), c)| *t == b.table && !targets.contains(&c.as_str()))
            .map(|(_, c)| c.clone())
            .collect(),
    })
}

/// Sets the row identity of `t` (the key its SQLite trigger finds the row by, and the
/// table's layout) from `schema`, the schema as it is now: a later `rename_column` of the
/// key is followed, as SQLite rewrites an installed trigger's body on a rename.
pub(crate) fn rekey_sync_trigger(t: &mut SyncTrigger, schema: &Schema) {
    if let Some(table) = schema.table(&t.table) {
        t.key = table.primary_key.clone();
        t.key_types = table.layout_key.clone();
        t.sqlite_rowid = table.sqlite_rowid;
    }
}

/// The sync triggers a migration installs, with their step index (0-based).
pub(crate) fn installed_by(
    m: &Migration,
    dialect: Dialect,
    schema: &Schema,
    scope: &BackfillScope,
) -> Vec<(usize, SyncTrigger)> {
    m.steps_for(dialect)
        .filter_map(|(i, s)| match &s.item {
            Step::Backfill(b) => sync_trigger(b, m, schema, scope).map(|t| (i, t)),
            _ => None,
        })
        .collect()
}

/// Whether migration `m` ends trigger `t`: which of its steps (0-based), if any.
pub(crate) fn ends(m: &Migration, dialect: Dialect, t: &SyncTrigger) -> Option<usize> {
    let mut used: Vec<&str> = t.sources.iter().map(String::as_str).collect();
    used.extend(t.set.iter().map(|(c, _)| c.as_str()));
    let pending_cols = t.pending.iter().flat_map(|p| p.columns());
    let pending: Vec<String> = pending_cols.map(|c| c.column).collect();
    used.extend(pending.iter().map(String::as_str));
    let contract = m.phase == Some(Phase::Contract);
    m.steps_for(dialect).find_map(|(i, s)| {
        // A contract ends the trigger on any step that touches its table, whichever column
        // (a `drop_column` of a column the trigger does not use included).
        let touches = contract && s.item.table() == Some(t.table.as_str());
        let hit = touches
            || match &s.item {
                Step::DropTable(d) => d.table == t.table,
                Step::RenameTable(r) => r.table == t.table,
                Step::DropColumn(d) => d.table == t.table && used.contains(&d.column.as_str()),
                Step::RenameColumn(r) => r.table == t.table && used.contains(&r.column.as_str()),
                _ => false,
            };
        hit.then_some(i)
    })
}

/// The triggers of `active` that migration `m` changes a source column of with
/// `alter_column`, where the dialect refuses that while the trigger exists
/// ([`SyncTriggers::alter_needs_trigger_dropped`](crate::dialect::SyncTriggers::alter_needs_trigger_dropped)):
/// they are dropped before and installed again after its steps, in both directions.
fn suspended_by(
    m: &Migration,
    dialect: Dialect,
    active: &[SyncTrigger],
) -> Vec<(usize, SyncTrigger)> {
    if !dialect.sync_triggers().alter_needs_trigger_dropped() {
        return Vec::new();
    }
    active
        .iter()
        .filter_map(|t| {
            m.steps_for(dialect).find_map(|(i, s)| match &s.item {
                Step::AlterColumn(a) if a.table == t.table && t.sources.contains(&a.column) => {
                    Some((i, t.clone()))
                }
                _ => None,
            })
        })
        .collect()
}

/// Drops `suspended` before the statements of `rendered` and installs them again after.
fn around_suspension(
    rendered: &mut RenderedMigration,
    suspended: &[(usize, SyncTrigger)],
    dialect: Dialect,
) -> Result<()> {
    for (i, t) in suspended {
        let drops = dialect.sync_triggers().end_sync_trigger_sql(t);
        let drops = drops.into_iter().map(|sql| statement(sql, *i, DROP_OP));
        rendered.statements.splice(0..0, drops.collect::<Vec<_>>());
        rendered.statements.extend(install(t, dialect, *i)?);
    }
    Ok(())
}

/// Moves the triggers that `m` ends out of `active`, with the index of the step that ends
/// each.
fn ended_by(
    m: &Migration,
    dialect: Dialect,
    active: &mut Vec<SyncTrigger>,
) -> Vec<(usize, SyncTrigger)> {
    let mut out = Vec::new();
    active.retain(|t| match ends(m, dialect, t) {
        Some(i) => {
            out.push((i, t.clone()));
            false
        }
        None => true,
    });
    out
}

fn statement(sql: String, step: usize, op: &'static str) -> Statement {
    Statement {
        sql,
        kind: StatementKind::Ddl,
        step: step + 1,
        op,
        rebuild: None,
        backfill: None,
        capture: Vec::new(),
    }
}

/// The statements that install `t`, attributed to step `step` (0-based).
pub(crate) fn install(t: &SyncTrigger, dialect: Dialect, step: usize) -> Result<Vec<Statement>> {
    Ok(dialect
        .sync_triggers()
        .create_sync_trigger_sql(t)?
        .into_iter()
        .map(|sql| statement(sql, step, INSTALL_OP))
        .collect())
}

/// The statements that remove `t`, attributed to step `step` (0-based).
pub(crate) fn remove(t: &SyncTrigger, dialect: Dialect, step: usize) -> Vec<Statement> {
    dialect
        .sync_triggers()
        .drop_sync_trigger_sql(t)
        .into_iter()
        .map(|sql| statement(sql, step, DROP_OP))
        .collect()
}

/// Adds to `rendered` (migration `m` in `direction`) what ending `ended` takes: up, the
/// removals first; down, the installations last.
fn around_ending(
    rendered: &mut RenderedMigration,
    ended: &[(usize, SyncTrigger)],
    dialect: Dialect,
    direction: Direction,
) -> Result<()> {
    match direction {
        Direction::Up => {
            let drops: Vec<Statement> = ended
                .iter()
                .flat_map(|(i, t)| {
                    let sqls = dialect.sync_triggers().end_sync_trigger_sql(t);
                    sqls.into_iter().map(|sql| statement(sql, *i, DROP_OP))
                })
                .collect();
            rendered.statements.splice(0..0, drops);
        }
        Direction::Down => {
            for (i, t) in ended {
                rendered.statements.extend(install(t, dialect, *i)?);
            }
        }
    }
    Ok(())
}

/// The sync triggers active so far while a plan's migrations are rendered in order.
#[derive(Debug, Default)]
pub(crate) struct Tracker {
    active: Vec<SyncTrigger>,
}

/// What one migration does to the sync triggers active before it.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    ended: Vec<(usize, SyncTrigger)>,
    suspended: Vec<(usize, SyncTrigger)>,
}

impl Tracker {
    /// Moves past migration `m` (`schema`: the schema before it) and returns its effects.
    pub(crate) fn advance(
        &mut self,
        m: &Migration,
        dialect: Dialect,
        schema: &Schema,
        scope: &BackfillScope,
    ) -> Effects {
        // Removed or installed again (`down`) against the schema before `m`.
        for t in &mut self.active {
            rekey_sync_trigger(t, schema);
        }
        let ended = ended_by(m, dialect, &mut self.active);
        let suspended = suspended_by(m, dialect, &self.active);
        let installed = installed_by(m, dialect, schema, scope);
        self.active.extend(installed.into_iter().map(|(_, t)| t));
        Effects { ended, suspended }
    }
}

impl Effects {
    /// Adds the statements of these effects to `rendered` (the migration in `direction`).
    pub(crate) fn apply(
        &self,
        rendered: &mut RenderedMigration,
        dialect: Dialect,
        direction: Direction,
    ) -> Result<()> {
        around_suspension(rendered, &self.suspended, dialect)?;
        around_ending(rendered, &self.ended, dialect, direction)
    }
}
