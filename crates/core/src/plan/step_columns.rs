//! The load-time check of the columns that schema-changing steps name: the columns of an
//! index, a unique constraint or a foreign key, the column a step drops,
//! renames or alters, and the `references = "table(columns)"` of a foreign key.
//!
//! Each name is resolved in the schema model the expressions are checked against (see
//! [`super::semantics`]), so a typo, or a column that only a step limited to other dialects
//! adds, is a load error with a "did you mean" instead of a failure half-way through `up`.
//! Tables the plan does not define, and tables raw SQL changed, are not checked.

use super::model::{ForeignKey, Step};
use crate::expr::Lookup;

/// The field of the step (a [`super::source_map::SourceMap::field_line`] key) and the message.
pub(super) type Problem = (String, String);

/// Resolves a column of a table in the model: `Missing` with a hint when the model proves it
/// absent, `Unknown` when the model cannot tell.
pub(super) type Columns<'a> = dyn Fn(&str, &str) -> Lookup + 'a;

/// Checks the columns `step` names that must exist before it runs, against the model as it
/// stands before the step (a `drop_column` or `rename_column` needs its column there).
/// `create_table` is checked by [`created_table`] instead, once its table is in the model.
pub(super) fn before(step: &Step, columns: &Columns<'_>) -> Result<(), Problem> {
    match step {
        Step::DropColumn(d) => one(columns, &d.table, &d.column, "column"),
        Step::RenameColumn(r) => one(columns, &r.table, &r.column, "column"),
        Step::AlterColumn(a) => one(columns, &a.table, &a.column, "column"),
        Step::CreateIndex(i) => {
            let names = i.columns.iter().map(|c| index_column(c));
            all(columns, &i.table, names, "columns")
        }
        Step::AddUnique(u) => all(columns, &u.table, u.columns.iter(), "columns"),
        Step::AddForeignKey(f) => foreign_key(columns, &f.table, &f.foreign_key(), ""),
        _ => Ok(()),
    }
}

/// Checks the `references` of a `create_table`'s foreign keys, against the model that holds
/// the new table (a foreign key may reference the table itself). Its own columns are checked
/// by [`super::validate`].
pub(super) fn created_table(step: &Step, columns: &Columns<'_>) -> Result<(), Problem> {
    let Step::CreateTable(t) = step else {
        return Ok(());
    };
    for (i, fk) in t.foreign_keys.iter().enumerate() {
        let target = &fk.references;
        let field = format!("foreign_keys[{i}].references");
        all(columns, &target.table, target.columns.iter(), &field)?;
    }
    Ok(())
}

/// The column name of an index entry written `name` or `name DESC`.
fn index_column(entry: &str) -> &str {
    entry.split_whitespace().next().unwrap_or(entry)
}

fn foreign_key(
    columns: &Columns<'_>,
    table: &str,
    fk: &ForeignKey,
    prefix: &str,
) -> Result<(), Problem> {
    all(
        columns,
        table,
        fk.columns.iter(),
        &format!("{prefix}columns"),
    )?;
    let target = &fk.references;
    all(
        columns,
        &target.table,
        target.columns.iter(),
        &format!("{prefix}references"),
    )
}

fn all<'a>(
    columns: &Columns<'_>,
    table: &str,
    names: impl Iterator<Item = impl AsRef<str> + 'a>,
    field: &str,
) -> Result<(), Problem> {
    for name in names {
        one(columns, table, name.as_ref(), field)?;
    }
    Ok(())
}

fn one(columns: &Columns<'_>, table: &str, column: &str, field: &str) -> Result<(), Problem> {
    match columns(table, column) {
        Lookup::Missing(m) => Err((field.to_string(), m)),
        _ => Ok(()),
    }
}
