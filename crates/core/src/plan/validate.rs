//! Semantic checks of steps after parsing: things serde cannot express (checks:
//! [`super::check_rules`]).
//!
//! Each check returns the offending field (for the line number) and a message that says
//! what to do.

use super::model::{Column, Step, first_duplicate};
use crate::dialect::Dialect;

/// The offending field (for the line number) and the message.
pub(super) type Invalid = (Option<String>, String);

/// `field` is invalid: `msg` says why and what to do.
pub(super) fn invalid(field: &str, msg: impl Into<String>) -> Invalid {
    (Some(field.to_string()), msg.into())
}

/// Validates one step for the target dialects.
pub(crate) fn validate_step(step: &Step, dialects: &[Dialect]) -> Result<(), Invalid> {
    super::pg_security_checks::check_step(step, dialects)?;
    super::identifiers::check_step(step, dialects)?;
    super::sync_rules::check_step(step, dialects)?;
    super::subqueries::check_step(step, dialects)?;
    super::routines_check::check_step(step, dialects)?;
    super::backfill_set_rules::check_step(step, dialects)?;
    super::backfill_table_rules::check_step(step)?;
    for (field, expr) in step.expressions() {
        for &d in dialects {
            if let Err(e) = expr.check(d) {
                return Err((Some(field.clone()), e.to_string()));
            }
        }
    }
    if let Step::DeleteRows(d) = step
        && d.r#where.is_none()
    {
        return Err(invalid(
            "where",
            format!(
                "delete_rows needs `where`, the rows of `{}` to delete (it may use subqueries); \
                 to delete every row, say so: `where = \"TRUE\"`",
                d.table
            ),
        ));
    }
    match step {
        Step::CreateTable(t) => {
            if t.columns.is_empty() {
                return Err(invalid("columns", "a table needs at least one column"));
            }
            if let Some(dup) = first_duplicate(t.columns.iter().map(|c| c.name.as_str())) {
                // Point at the second definition.
                let index = t
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.name == dup)
                    .nth(1)
                    .map_or(0, |(i, _)| i);
                return Err(invalid(
                    &format!("columns[{index}]"),
                    format!("column `{dup}` is defined twice"),
                ));
            }
            for (i, c) in t.columns.iter().enumerate() {
                validate_column(c).map_err(|(f, m)| (f.map(|f| format!("columns[{i}].{f}")), m))?;
                let in_key = c.primary_key || t.primary_key.contains(&c.name);
                if in_key && c.nullable == Some(true) {
                    return Err(invalid(
                        &format!("columns[{i}].nullable"),
                        format!("primary-key column `{}` cannot be nullable", c.name),
                    ));
                }
            }
            let inline_pk: Vec<&Column> = t.columns.iter().filter(|c| c.primary_key).collect();
            if !t.primary_key.is_empty() && !inline_pk.is_empty() {
                return Err(invalid(
                    "primary_key",
                    "give the primary key either as `primary_key = true` on one column or as a table-level `primary_key = [..]`, not both",
                ));
            }
            if inline_pk.len() > 1 {
                return Err(invalid(
                    "primary_key",
                    "more than one column says `primary_key = true`: use a table-level `primary_key = [\"a\", \"b\"]` for a composite key",
                ));
            }
            let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
            let unknown = |cols: &[String], field: &str| -> Result<(), Invalid> {
                match cols.iter().find(|c| !names.contains(&c.as_str())) {
                    Some(c) => Err(invalid(
                        field,
                        format!("column `{c}` is not a column of table `{}`", t.table),
                    )),
                    None => Ok(()),
                }
            };
            unknown(&t.primary_key, "primary_key")?;
            for (i, u) in t.unique.iter().enumerate() {
                let field = format!("unique[{i}]");
                if u.columns.is_empty() {
                    return Err(invalid(
                        &field,
                        "a unique constraint needs at least one column",
                    ));
                }
                unknown(&u.columns, &field)?;
            }
            for (i, fk) in t.foreign_keys.iter().enumerate() {
                let field = format!("foreign_keys[{i}]");
                unknown(&fk.columns, &field)?;
                if fk.columns.is_empty() || fk.columns.len() != fk.references.columns.len() {
                    return Err(invalid(
                        &field,
                        format!(
                            "foreign key on ({}) references {} columns: both sides need the same number of columns",
                            fk.columns.join(", "),
                            fk.references.columns.len()
                        ),
                    ));
                }
            }
            if let Some(dup) = first_duplicate(t.checks.iter().map(|c| c.name.as_str())) {
                let index = t
                    .checks
                    .iter()
                    .enumerate()
                    .filter(|(_, c)| c.name == dup)
                    .nth(1)
                    .map_or(0, |(i, _)| i);
                return Err(invalid(
                    &format!("checks[{index}]"),
                    format!("check `{dup}` is defined twice"),
                ));
            }
            for (i, c) in t.columns.iter().enumerate().filter(|(_, c)| c.identity) {
                if !(c.primary_key || t.primary_key == [c.name.clone()]) {
                    return Err(invalid(
                        &format!("columns[{i}].identity"),
                        format!(
                            "identity column `{}` must be the table's single-column primary key",
                            c.name
                        ),
                    ));
                }
            }
        }
        Step::AddColumn(a) => {
            validate_column(&a.column)?;
            if a.column.identity || a.column.primary_key {
                return Err(invalid(
                    "column",
                    "add_column cannot add an identity or primary-key column; create the table with it, or add a unique column and backfill it",
                ));
            }
        }
        Step::AlterColumn(a) => {
            if a.ty.is_none()
                && a.nullable.is_none()
                && a.default.is_none()
                && a.default_expr.is_none()
                && !a.drop_default
            {
                return Err((
                    None,
                    "alter_column changes nothing: give `type`, `nullable`, `default`, `default_expr` or `drop_default = true`"
                        .to_string(),
                ));
            }
            let defaults = [
                a.default.is_some(),
                a.default_expr.is_some(),
                a.drop_default,
            ];
            if defaults.iter().filter(|b| **b).count() > 1 {
                return Err(invalid(
                    "default",
                    "give only one of `default`, `default_expr` and `drop_default`",
                ));
            }
        }
        Step::CreateIndex(i) => {
            if i.columns.is_empty() {
                return Err(invalid("columns", "an index needs at least one column"));
            }
            for c in &i.columns {
                let parts: Vec<&str> = c.split_whitespace().collect();
                let ok = match parts.as_slice() {
                    [_] => true,
                    [_, dir] => dir.eq_ignore_ascii_case("asc") || dir.eq_ignore_ascii_case("desc"),
                    _ => false,
                };
                if !ok {
                    return Err(invalid(
                        "columns",
                        format!(
                            "index column `{c}` must be a column name, optionally followed by ASC or DESC"
                        ),
                    ));
                }
            }
        }
        Step::AddForeignKey(f)
            if (f.columns.is_empty() || f.columns.len() != f.references.columns.len()) =>
        {
            return Err(invalid(
                "references",
                "a foreign key needs the same number of columns on both sides",
            ));
        }
        Step::AddUnique(u) if u.columns.is_empty() => {
            return Err(invalid(
                "columns",
                "a unique constraint needs at least one column",
            ));
        }
        Step::Sql(s) => {
            let up = s.up();
            if up.is_empty() {
                return Err(invalid(
                    "sql",
                    "a sql step needs `sql = \"...\"` or per-dialect `postgres`/`mysql`/`sqlite` entries",
                ));
            }
            for c in &s.creates {
                c.parse::<crate::plan::Declared>()
                    .map_err(|e| invalid("creates", e))?;
            }
            if let Some(list) = &s.dialects {
                if list.is_empty() {
                    return Err(invalid(
                        "dialects",
                        "`dialects` is empty: list at least one dialect or remove it",
                    ));
                }
                if let Some(d) = list.iter().find(|d| up.for_dialect(**d).is_none()) {
                    return Err(invalid(
                        "dialects",
                        format!("the step is limited to {d} but has no SQL for it"),
                    ));
                }
            }
        }
        Step::Backfill(b) => {
            match (&b.insert_into, b.set.is_empty(), b.values.is_empty()) {
                (None, true, _) => {
                    return Err(invalid(
                        "set",
                        "a backfill needs at least one `set.<column> = \"expression\"` (or `insert_into` with `values`)",
                    ));
                }
                (None, false, false) | (None, false, true)
                    if b.explode.is_some() || !b.values.is_empty() || b.on_conflict.is_some() =>
                {
                    return Err(invalid(
                        "values",
                        "`values`, `explode` and `on_conflict` belong to the insert-select form: add `insert_into = \"table\"`",
                    ));
                }
                (Some(_), _, true) => {
                    return Err(invalid(
                        "values",
                        "an insert-select backfill needs `values.<column> = \"expression\"` for the inserted rows",
                    ));
                }
                (Some(_), false, false) => {
                    return Err(invalid(
                        "set",
                        "a backfill either updates rows (`set`) or inserts them (`insert_into`), not both",
                    ));
                }
                _ => {}
            }
            if b.insert_into.is_some() && b.from.is_some() {
                return Err(invalid(
                    "from",
                    "`from` is not supported in an insert-select backfill (joins there are not implemented): remove it, or copy the related values in an update backfill with `set` after the insert",
                ));
            }
            if let Some(dup) = first_duplicate(b.set.iter().map(|(c, _)| c.as_str())) {
                return Err(invalid("set", format!("column `{dup}` is set twice")));
            }
            if b.batch_size == Some(0) {
                return Err(invalid("batch_size", "batch_size must be at least 1"));
            }
            if b.undo_where.is_some() && b.undo.is_empty() {
                return Err(invalid(
                    "undo_where",
                    "`undo_where` needs `undo.<column>` values to apply",
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn validate_column(c: &Column) -> Result<(), Invalid> {
    if c.name.trim().is_empty() {
        return Err(invalid("name", "a column needs a non-empty name"));
    }
    if c.default.is_some() && c.default_expr.is_some() {
        return Err(invalid(
            "default_expr",
            format!(
                "column `{}` has both `default` and `default_expr`; keep one",
                c.name
            ),
        ));
    }
    if let Some(problem) = super::default_check::typed_default_problem(c) {
        return Err(invalid("default", problem));
    }
    if c.identity && !c.ty.is_integer() {
        return Err(invalid(
            "identity",
            format!(
                "identity column `{}` must be integer or bigint, not {}",
                c.name, c.ty
            ),
        ));
    }
    if c.identity && c.nullable == Some(true) {
        return Err(invalid(
            "nullable",
            format!("identity column `{}` cannot be nullable", c.name),
        ));
    }
    Ok(())
}
