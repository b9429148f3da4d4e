//! SQLite's table rebuild: the documented way to make the changes its ALTER TABLE cannot
//! (change a column, add or drop a constraint, drop a column an index uses).
//!
//! The new table comes from the schema model after the step, so `cutover sql` prints the
//! rebuild offline. At run time the runner turns foreign-key enforcement off outside the
//! transaction, keeps the views and triggers that depend on the table, and runs
//! `PRAGMA foreign_key_check` before it commits.

use super::index::create_index;
use super::table::create_table_laid_out;
use super::unsupported;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{CreateTable, Step, UniqueConstraint};
use crate::schema::{Schema, TableModel};

/// The name the new table has until it replaces the old one.
fn temp_name(table: &str) -> String {
    format!("_cutover_new_{table}")
}

/// Whether `step` needs a rebuild on `dialect` given the schema before it.
pub(crate) fn needs_rebuild(step: &Step, dialect: Dialect, schema: &Schema) -> bool {
    if dialect.sql().supports_alter_constraints() {
        return false;
    }
    match step {
        Step::AlterColumn(_)
        | Step::AddForeignKey(_)
        | Step::DropForeignKey(_)
        | Step::AddCheck(_)
        | Step::DropCheck(_) => true,
        Step::DropUnique(d) => schema.table(&d.table).is_some_and(|t| {
            t.uniques
                .iter()
                .any(|u| u.constraint_name(&d.table) == d.name)
        }),
        Step::DropColumn(d) => schema
            .table(&d.table)
            .is_some_and(|t| t.column_is_referenced(&d.column)),
        // ADD COLUMN takes neither an expression default nor UNIQUE on SQLite.
        Step::AddColumn(a) => {
            schema.table(&a.table).is_some() && (a.column.default_expr.is_some() || a.column.unique)
        }
        _ => false,
    }
}

/// The rebuild of the table `step` changes, as one batch of statements.
pub(crate) fn rebuild(
    step: &Step,
    table: &str,
    dialect: Dialect,
    schema: &Schema,
) -> Result<String> {
    let Some(before) = schema.table(table) else {
        return Err(unsupported(
            dialect,
            step.op(),
            table,
            "SQLite needs a table rebuild for this, and cutover rebuilds only tables the plan created (their definition is known): add the table's create_table step to the plan, or write the rebuild as a raw `sql` step limited to sqlite",
        ));
    };
    let mut after_schema = schema.clone();
    after_schema.apply(step);
    let after = after_schema.table(table).cloned().unwrap_or_default();
    rebuild_sql(table, before, &after, dialect)
}

fn rebuild_sql(
    table: &str,
    before: &TableModel,
    after: &TableModel,
    dialect: Dialect,
) -> Result<String> {
    let temp = temp_name(table);
    let create = CreateTable {
        table: temp.clone(),
        if_not_exists: false,
        columns: after.columns.clone(),
        primary_key: if after.columns.iter().any(|c| c.primary_key) {
            Vec::new()
        } else {
            after.primary_key.clone()
        },
        // A unique constraint without a given name is named after the table, not the
        // temporary one (SQLite keeps the name in the table's DDL through the rename).
        unique: after
            .uniques
            .iter()
            .map(|u| UniqueConstraint {
                name: Some(u.constraint_name(table)),
                ..u.clone()
            })
            .collect(),
        checks: after.checks.clone(),
        foreign_keys: after.foreign_keys.values().cloned().collect(),
        sqlite_rowid: after.sqlite_rowid,
    };
    // The table keeps its layout: a rowid table stays one (with its rowids), a WITHOUT
    // ROWID table stays one, also when the step changes the key's type (the layout is
    // decided by `create_table` and `sqlite_rowid` only; triggers that find their row by
    // rowid keep working). The copied columns are those both shapes have.
    let without = before.without_rowid(dialect);
    let mut out = create_table_laid_out(&create, dialect, without)?;
    let rowid = if without { "" } else { "rowid, " };
    let common: Vec<String> = after
        .columns
        .iter()
        .filter(|c| before.column(&c.name).is_some())
        .map(|c| dialect.quote(&c.name))
        .collect();
    out.push(format!(
        "INSERT INTO {} ({rowid}{cols}) SELECT {rowid}{cols} FROM {}",
        dialect.quote(&temp),
        dialect.quote(table),
        cols = common.join(", ")
    ));
    out.push(format!("DROP TABLE {}", dialect.quote(table)));
    out.push(format!(
        "ALTER TABLE {} RENAME TO {}",
        dialect.quote(&temp),
        dialect.quote(table)
    ));
    for index in &after.indexes {
        let mut index = index.clone();
        index.concurrently = false;
        index.if_not_exists = false;
        out.extend(create_index(&index, dialect)?.into_iter().map(|(s, _)| s));
    }
    Ok(out.join(";\n"))
}
