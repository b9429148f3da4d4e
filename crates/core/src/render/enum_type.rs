//! The named types enum columns need on PostgreSQL (`CREATE TYPE <table>_<column> AS ENUM`):
//! created before the step that adds the column, dropped after the step that drops it,
//! renamed with its table or column. Dialects without named enum types render nothing here.

use super::{StatementKind, unsupported};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{AlterColumn, Step};
use crate::schema::Schema;
use crate::types::{ColumnType, EnumValues};

/// Statements that must run before `step`: the types of the enum columns it creates.
pub(crate) fn before(step: &Step, dialect: Dialect) -> Vec<String> {
    let sql = dialect.sql();
    let columns: Vec<(&str, &crate::plan::Column)> = match step {
        Step::CreateTable(t) => t.columns.iter().map(|c| (t.table.as_str(), c)).collect(),
        Step::AddColumn(a) => vec![(a.table.as_str(), &a.column)],
        _ => Vec::new(),
    };
    columns
        .into_iter()
        .filter_map(|(table, c)| sql.create_enum_type_sql(table, &c.name, c.ty))
        .collect()
}

/// Statements that must run after `step` (`schema` is the state before it): the types of
/// the enum columns it drops, or renames of the types of the columns it renames.
pub(crate) fn after(step: &Step, dialect: Dialect, schema: &Schema) -> Vec<String> {
    let sql = dialect.sql();
    let enum_columns = |table: &str| -> Vec<String> {
        schema
            .table(table)
            .map(|t| {
                t.columns
                    .iter()
                    .filter(|c| matches!(c.ty, ColumnType::Enum(_)))
                    .map(|c| c.name.clone())
                    .collect()
            })
            .unwrap_or_default()
    };
    let is_enum = |table: &str, column: &str| {
        schema
            .table(table)
            .and_then(|t| t.column(column))
            .is_some_and(|c| matches!(c.ty, ColumnType::Enum(_)))
    };
    match step {
        Step::DropTable(t) => enum_columns(&t.table)
            .iter()
            .filter_map(|c| sql.drop_enum_type_sql(&t.table, c))
            .collect(),
        Step::DropColumn(d) if is_enum(&d.table, &d.column) => sql
            .drop_enum_type_sql(&d.table, &d.column)
            .into_iter()
            .collect(),
        Step::RenameTable(r) => enum_columns(&r.table)
            .iter()
            .filter_map(|c| sql.rename_enum_type_sql((&r.table, c), (&r.to, c)))
            .collect(),
        Step::RenameColumn(r) if is_enum(&r.table, &r.column) => sql
            .rename_enum_type_sql((&r.table, &r.column), (&r.table, &r.to))
            .into_iter()
            .collect(),
        _ => Vec::new(),
    }
}

/// The statements of an `alter_column` that changes an enum's values where enums are named
/// types (PostgreSQL: `ALTER TYPE .. ADD VALUE`, outside a transaction), followed by the
/// rest of the change. `None` when the ordinary rendering applies (no enum involved, or
/// MySQL's `MODIFY COLUMN` restating `ENUM(..)`, or SQLite's rebuild).
pub(crate) fn alter_values(
    a: &AlterColumn,
    dialect: Dialect,
    schema: &Schema,
) -> Result<Option<Vec<(String, StatementKind)>>> {
    let sql = dialect.sql();
    let current = schema
        .table(&a.table)
        .and_then(|t| t.column(&a.column))
        .map(|c| c.ty);
    let Some(new) = a.ty else {
        return Ok(None);
    };
    let is_enum = |t: Option<ColumnType>| matches!(t, Some(ColumnType::Enum(_)));
    if !sql.enums_are_named_types() || current == Some(new) {
        return Ok(None);
    }
    if !(is_enum(current) || is_enum(Some(new))) {
        return Ok(None);
    }
    let (Some(ColumnType::Enum(from)), ColumnType::Enum(to)) = (current, new) else {
        return Err(unsupported(
            dialect,
            &format!("alter_column `{}` to or from an enum type", a.column),
            &a.table,
            "only adding values to an enum is supported here: add a new enum column, backfill it (CAST(x AS text) reads an enum), then drop the old one",
        ));
    };
    let Some(added) = added_values(from, to) else {
        return Err(unsupported(
            dialect,
            &format!(
                "alter_column `{}` removing or reordering enum values",
                a.column
            ),
            &a.table,
            "PostgreSQL can only add values to an enum: keep every existing value in its order and add new ones, or add a new column and backfill it",
        ));
    };
    let mut out: Vec<(String, StatementKind)> = added
        .into_iter()
        .filter_map(|(value, after)| {
            let before = from.values().first().map(String::as_str);
            sql.add_enum_value_sql(&a.table, &a.column, value, after, before)
        })
        .map(|s| (s, StatementKind::NoTransaction))
        .collect();
    let rest = AlterColumn {
        ty: None,
        ..a.clone()
    };
    if rest.nullable.is_some()
        || rest.drop_default
        || rest.default.is_some()
        || rest.default_expr.is_some()
    {
        out.extend(
            super::column::alter_column(&rest, dialect, schema)?
                .into_iter()
                .map(|s| (s, StatementKind::Ddl)),
        );
    }
    Ok(Some(out))
}

/// The values `to` adds to `from`, each with the value it follows (`None`: it comes first), when
/// `to` keeps every value of `from` in the same order; `None` otherwise.
fn added_values(
    from: EnumValues,
    to: EnumValues,
) -> Option<Vec<(&'static str, Option<&'static str>)>> {
    let kept: Vec<&String> = to.values().iter().filter(|v| from.contains(v)).collect();
    if kept.len() != from.values().len() || kept.iter().zip(from.values()).any(|(a, b)| *a != b) {
        return None;
    }
    let mut out = Vec::new();
    let mut previous: Option<&'static str> = None;
    for v in to.values() {
        if !from.contains(v) {
            out.push((v.as_str(), previous));
        }
        previous = Some(v.as_str());
    }
    Some(out)
}
