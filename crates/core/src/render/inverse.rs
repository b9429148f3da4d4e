//! Deriving the `down` steps of a migration.

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::{
    AddColumn, Backfill, DropColumn, DropConstraint, DropIndex, DropPolicy, DropTable, Migration,
    RenameColumn, RenameTable, RestoreCaptured, SqlDown, SqlStep, Step,
};
use crate::schema::Schema;

/// The steps that revert `migration`: its explicit `down`, else the inverse of each up step
/// in reverse order; only the steps that run on `dialect` (see `dialects = [..]`). `schema` is
/// the state after the migration on `dialect`.
pub fn down_steps(migration: &Migration, schema: &Schema, dialect: Dialect) -> Result<Vec<Step>> {
    if let Some(down) = &migration.down {
        return Ok(down
            .iter()
            .filter(|s| s.runs_on(dialect))
            .map(|s| s.item.clone())
            .collect());
    }
    let ups: Vec<&Step> = migration
        .steps
        .iter()
        .filter(|s| s.runs_on(dialect))
        .map(|s| &s.item)
        .collect();
    let created = created_tables(&ups);
    let mut out = Vec::new();
    for (i, located) in migration
        .steps_for(dialect)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
    {
        let step = &located.item;
        if goes_with_its_table(step, &created) {
            continue;
        }
        if let Some(restore) = restore_captured(step, i + 1) {
            out.push(restore);
            continue;
        }
        if let Some(why) = undo_refusal(step) {
            return Err(Error::plan(
                &migration.path,
                Some(located.line),
                format!(
                    "migration {}: step {} (backfill `{}`) cannot be reversed with its `undo` expressions: {why}",
                    migration.label(),
                    i + 1,
                    backfill_label(step, migration)
                ),
            ));
        }
        match invert(step, &ups, schema) {
            Some(Some(s)) => out.push(s),
            Some(None) => {}
            None => {
                return Err(Error::plan(
                    &migration.path,
                    Some(located.line),
                    format!(
                        "migration {}: step {} ({}) cannot be reversed automatically; add a [[down]] section that reverts the migration",
                        migration.label(),
                        i + 1,
                        step.op()
                    ),
                ));
            }
        }
    }
    // Foreign keys go first: MySQL drops the index it created for a foreign key once a later
    // index covers the same columns, and then refuses to drop that index while the key exists.
    out.sort_by_key(|s| !matches!(s, Step::DropForeignKey(_)));
    Ok(out)
}

/// 0-based indexes of the up steps that [`down_steps`] cannot reverse when the migration has
/// no explicit `down`. `schema` is the state after the migration.
pub fn irreversible_steps(migration: &Migration, schema: &Schema) -> Vec<usize> {
    let ups: Vec<&Step> = migration.steps.iter().map(|s| &s.item).collect();
    let created = created_tables(&ups);
    (0..ups.len())
        .filter(|&i| {
            !goes_with_its_table(ups[i], &created)
                && ups[i].replaces().is_none()
                && invert(ups[i], &ups, schema).is_none()
        })
        .collect()
}

/// The update-form backfills of `migration` on `dialect` whose down the plan cannot express
/// (no `undo`, and they write columns the migration did not create), as (0-based step index,
/// checkpoint id): their rows come back only through `cutover backfill undo`.
pub(crate) fn backfills_without_down(
    migration: &Migration,
    dialect: Dialect,
) -> Vec<(usize, String)> {
    let ups: Vec<&Step> = migration
        .steps
        .iter()
        .filter(|s| s.runs_on(dialect))
        .map(|s| &s.item)
        .collect();
    migration
        .steps_for(dialect)
        .filter_map(|(i, located)| match &located.item {
            Step::Backfill(b)
                if b.undo.is_empty() && invert_backfill(b, &ups, &Schema::default()).is_none() =>
            {
                Some((i, b.id_in(&migration.version)))
            }
            _ => None,
        })
        .collect()
}

/// Whether every statement of a raw step changes nothing a `down` would undo: `ALTER TABLE
/// t VALIDATE CONSTRAINT c` (it only checks rows), `ANALYZE`, `VACUUM`.
fn only_checks_or_statistics(s: &SqlStep) -> bool {
    let texts: Vec<&String> = [&s.sql, &s.postgres, &s.mysql, &s.sqlite]
        .into_iter()
        .flatten()
        .collect();
    !texts.is_empty() && texts.iter().all(|t| statements_need_no_undo(t))
}

fn statements_need_no_undo(sql: &str) -> bool {
    let code: String = sql
        .lines()
        .map(|l| l.split("--").next().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ");
    let statements: Vec<Vec<String>> = code
        .split(';')
        .map(|st| st.split_whitespace().map(str::to_ascii_uppercase).collect())
        .filter(|words: &Vec<String>| !words.is_empty())
        .collect();
    !statements.is_empty()
        && statements.iter().all(|w| {
            let w: Vec<&str> = w.iter().map(String::as_str).collect();
            match w.as_slice() {
                ["ANALYZE", ..] | ["VACUUM", ..] => true,
                ["ALTER", "TABLE", rest @ ..] => {
                    let rest = match rest {
                        ["ONLY", r @ ..] | ["IF", "EXISTS", r @ ..] => r,
                        r => r,
                    };
                    matches!(rest, [_, "VALIDATE", "CONSTRAINT", _])
                }
                _ => false,
            }
        })
}

/// Tables the steps create.
fn created_tables<'a>(ups: &[&'a Step]) -> Vec<&'a str> {
    ups.iter()
        .filter_map(|s| match s {
            Step::CreateTable(t) => Some(t.table.as_str()),
            _ => None,
        })
        .collect()
}

/// Dropping a table created here also drops its indexes, columns and constraints, so their
/// own inverses are skipped (MySQL would even refuse to drop an index that a foreign key of
/// the table uses).
fn goes_with_its_table(step: &Step, created: &[&str]) -> bool {
    !matches!(
        step,
        Step::CreateTable(_)
            | Step::RenameTable(_)
            | Step::Sql(_)
            | Step::Backfill(_)
            // Dropped before the functions they call, which outlive the table.
            | Step::UpdatedAtTrigger(_)
            | Step::CreateTrigger(_)
    ) && step.table().is_some_and(|t| created.contains(&t))
}

/// `Some(Some(step))`: the inverse; `Some(None)`: nothing to undo; `None`: irreversible.
fn invert(step: &Step, all: &[&Step], schema: &Schema) -> Option<Option<Step>> {
    Some(Some(match step {
        Step::CreateTable(t) => Step::DropTable(DropTable {
            table: t.table.clone(),
            if_exists: false,
            cascade: false,
        }),
        Step::RenameTable(r) => Step::RenameTable(RenameTable {
            table: r.to.clone(),
            to: r.table.clone(),
        }),
        Step::AddColumn(a) => Step::DropColumn(DropColumn {
            table: a.table.clone(),
            column: a.column.name.clone(),
        }),
        Step::RenameColumn(r) => Step::RenameColumn(RenameColumn {
            table: r.table.clone(),
            column: r.to.clone(),
            to: r.column.clone(),
        }),
        Step::CreateIndex(i) => Step::DropIndex(DropIndex {
            name: i.index_name(),
            table: i.table.clone(),
            if_exists: false,
            concurrently: i.concurrently,
        }),
        Step::AddForeignKey(f) => Step::DropForeignKey(DropConstraint {
            table: f.table.clone(),
            name: f.foreign_key().constraint_name(&f.table),
        }),
        Step::AddCheck(c) => Step::DropCheck(DropConstraint {
            table: c.table.clone(),
            name: c.name.clone(),
        }),
        Step::AddUnique(u) => Step::DropUnique(DropConstraint {
            table: u.table.clone(),
            name: u.constraint_name(),
        }),
        Step::Sql(s) if s.down.is_none() && only_checks_or_statistics(s) => return Some(None),
        Step::Sql(s) => {
            let down = s.down.as_ref()?;
            let mut inv = SqlStep {
                sql: None,
                postgres: None,
                mysql: None,
                sqlite: None,
                dialects: s.dialects.clone(),
                down: None,
                creates: Vec::new(),
            };
            match down {
                SqlDown::All(sql) => inv.sql = Some(sql.clone()),
                SqlDown::PerDialect(d) => {
                    inv.sql = d.sql.clone();
                    inv.postgres = d.postgres.clone();
                    inv.mysql = d.mysql.clone();
                    inv.sqlite = d.sqlite.clone();
                }
            }
            Step::Sql(inv)
        }
        Step::Backfill(b) => return invert_backfill(b, all, schema),
        // Validating checks rows; there is nothing to undo.
        Step::ValidateConstraint(_) => return Some(None),
        // Down deletes rows: resync again.
        Step::ResyncIdentity(r) => Step::ResyncIdentity(r.clone()),
        Step::CreateFunction(_)
        | Step::DropFunction(_)
        | Step::CreateTrigger(_)
        | Step::DropTrigger(_)
        | Step::EnableTrigger(_)
        | Step::DisableTrigger(_)
        | Step::UpdatedAtTrigger(_) => return super::routines_inverse::invert(step, schema),
        Step::DropColumn(d) => {
            // Restorable only as schema: the data is gone, so insist on an explicit down.
            let _ = (d, schema);
            return None;
        }
        Step::EnableRls(r) => Step::DisableRls(r.clone()),
        Step::DisableRls(r) => Step::EnableRls(r.clone()),
        Step::CreatePolicy(p) => Step::DropPolicy(DropPolicy {
            table: p.table.clone(),
            name: p.name.clone(),
            if_exists: false,
        }),
        Step::Grant(g) => Step::Revoke(g.inverse()),
        // Captured before they ran (see `restore_captured`); a restore is never an up step.
        Step::DropPolicy(_) | Step::Revoke(_) | Step::RestoreCaptured(_) => return None,
        Step::DropTable(_)
        | Step::DeleteRows(_)
        | Step::AlterColumn(_)
        | Step::DropIndex(_)
        | Step::DropForeignKey(_)
        | Step::DropCheck(_)
        | Step::DropUnique(_) => return None,
    }))
}

/// Why the `undo` expressions of an update-form backfill step cannot be limited to the
/// rows it changed (see [`Backfill::undo_scope`]), if they cannot.
fn undo_refusal(step: &Step) -> Option<String> {
    match step {
        Step::Backfill(b) if b.insert_into.is_none() && !b.undo.is_empty() => b.undo_scope().err(),
        _ => None,
    }
}

/// The id of a backfill step as checkpoints name it.
fn backfill_label(step: &Step, migration: &Migration) -> String {
    match step {
        Step::Backfill(b) => b.id_in(&migration.version),
        _ => String::new(),
    }
}

/// A backfill reverts through its `undo`; without one it needs nothing when every column it
/// sets is added (or its table created) by the same migration, since down removes them.
fn invert_backfill(b: &Backfill, all: &[&Step], _schema: &Schema) -> Option<Option<Step>> {
    if let Some(target) = &b.insert_into {
        // Rows inserted into a table this migration creates go with the table.
        let created = all
            .iter()
            .any(|s| matches!(s, Step::CreateTable(t) if t.table == *target));
        return created.then_some(None);
    }
    if !b.undo.is_empty() {
        // Only the rows the backfill's `where` and join selected (never widened).
        let scope = b.undo_scope().ok()?;
        return Some(Some(Step::Backfill(Backfill {
            id: b.id.as_ref().map(|id| format!("{id}_undo")),
            table: b.table.clone(),
            key: b.key.clone(),
            r#where: scope.r#where,
            pending: b.undo_where.clone(),
            set: b.undo.clone(),
            from: scope.from,
            insert_into: None,
            values: Vec::new(),
            explode: None,
            on_conflict: None,
            undo: Vec::new(),
            undo_where: None,
            batch_size: b.batch_size,
            sync: false,
            undo_log: Some(false),
        })));
    }
    let created_here = |col: &str| {
        all.iter().any(|s| match s {
            Step::AddColumn(AddColumn { table, column }) => *table == b.table && column.name == col,
            Step::CreateTable(t) => t.table == b.table,
            _ => false,
        })
    };
    if b.set.iter().all(|(c, _)| created_here(c)) {
        Some(None)
    } else {
        None
    }
}

/// The down of a step that replaced or dropped an object (up step `step`, 1-based): re-create
/// what was captured when it ran, after dropping what it created under the same name.
fn restore_captured(up: &Step, step: usize) -> Option<Step> {
    let object = up.replaces()?;
    Some(Step::RestoreCaptured(RestoreCaptured {
        object,
        step,
        drop_current: !matches!(
            up,
            Step::DropPolicy(_)
                | Step::Revoke(_)
                | Step::EnableTrigger(_)
                | Step::DisableTrigger(_)
                | Step::EnableRls(_)
                | Step::DisableRls(_)
                | Step::Grant(_)
        ),
    }))
}
