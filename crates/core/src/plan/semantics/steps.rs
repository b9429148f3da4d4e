//! The per-step half of the load-time semantic check: what each step, backfill and
//! expression refers to must exist in the schema model at that point.

use super::super::model::{Backfill, ResyncIdentity, Step};
use super::super::step_columns::Problem;
use super::{Model, Scope};
use crate::expr::{ColumnRef, Expression, Lookup, ValueKind};
use crate::types::ColumnType;

/// A column of a table in the model (see [`Scope::in_table`]).
/// The tables the foreign keys of `step` reference.
pub(super) fn referenced_tables(step: &Step) -> Vec<String> {
    match step {
        Step::CreateTable(t) => t
            .foreign_keys
            .iter()
            .map(|fk| fk.references.table.clone())
            .collect(),
        Step::AddForeignKey(a) => vec![a.references.table.clone()],
        _ => Vec::new(),
    }
}

pub(super) fn column_in(model: &Model, table: &str, column: &str) -> Lookup {
    let scope = Scope {
        model,
        table,
        join: None,
        explode: None,
    };
    scope.in_table(table, column)
}

pub(super) fn check_step(model: &Model, step: &mut Step) -> std::result::Result<(), Problem> {
    let table = step.table().unwrap_or_default().to_string();
    let scope = Scope {
        model,
        table: &table,
        join: None,
        explode: None,
    };
    match step {
        Step::CreateTable(t) => {
            for (i, c) in t.columns.iter_mut().enumerate() {
                if let Some(e) = c.default_expr.as_mut() {
                    value(e, &scope, &table, &c.name)
                        .map_err(|m| (format!("columns[{i}].default_expr"), m))?;
                }
            }
            for (i, c) in t.checks.iter_mut().enumerate() {
                condition(&mut c.expr, &scope).map_err(|m| (format!("checks[{i}].expr"), m))?;
            }
        }
        Step::AddColumn(a) => {
            if let Some(e) = a.column.default_expr.as_mut() {
                value(e, &scope, &table, &a.column.name)
                    .map_err(|m| ("column.default_expr".to_string(), m))?;
            }
        }
        Step::AlterColumn(a) => {
            if let Some(e) = a.default_expr.as_mut() {
                value(e, &scope, &table, &a.column).map_err(|m| ("default_expr".to_string(), m))?;
            }
        }
        Step::CreateIndex(i) => {
            if let Some(e) = i.r#where.as_mut() {
                condition(e, &scope).map_err(|m| ("where".to_string(), m))?;
            }
        }
        Step::AddCheck(c) => {
            condition(&mut c.expr, &scope).map_err(|m| ("expr".to_string(), m))?;
        }
        Step::Backfill(b) => backfill(model, b)?,
        Step::ResyncIdentity(r) => resync(&scope, r)?,
        Step::UpdatedAtTrigger(u) => {
            if let Lookup::Missing(m) = scope.in_table(&u.table, &u.column) {
                return Err(("column".into(), m));
            }
        }
        Step::CreateTrigger(t) => {
            for c in &t.update_of {
                if let Lookup::Missing(m) = scope.in_table(&t.table, c) {
                    return Err(("update_of".into(), m));
                }
            }
        }
        Step::DeleteRows(d) => {
            if let Some(w) = d.r#where.as_mut() {
                condition(w, &scope).map_err(|m| ("where".to_string(), m))?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn resync(scope: &Scope<'_>, r: &ResyncIdentity) -> std::result::Result<(), Problem> {
    let table = scope.model.schema.table(&r.table);
    match &r.column {
        Some(c) => match scope.in_table(&r.table, c) {
            Lookup::Missing(m) => Err(("column".into(), m)),
            _ => Ok(()),
        },
        None if table.is_some_and(|t| t.columns.iter().any(|c| c.identity)) => Ok(()),
        None => Err((
            "table".into(),
            format!(
                "the plan defines no identity column of table `{}` (it may come from raw SQL): give `column = \"...\"`",
                r.table
            ),
        )),
    }
}

fn backfill(model: &Model, b: &mut Backfill) -> std::result::Result<(), Problem> {
    let table = b.table.clone();
    let join = b.from.as_ref().map(|j| j.table.clone());
    let explode = b.explode.as_ref().map(|x| x.alias.clone());
    let scope = Scope {
        model,
        table: &table,
        join: join.as_deref(),
        explode: explode.as_deref(),
    };
    if let Some(x) = &b.explode
        && let Lookup::Missing(m) = scope.in_table(&table, &x.column)
    {
        return Err(("explode".into(), m));
    }
    let explode_kind = b
        .explode
        .as_ref()
        .map(|x| scope.in_table(&table, &x.column));
    if let (Some(x), Some(Lookup::Stored(ValueKind::Array(_)))) = (b.explode.as_mut(), explode_kind)
    {
        x.array = true;
    }
    for k in &b.key {
        if let Lookup::Missing(m) = scope.in_table(&table, k) {
            return Err(("key".into(), m));
        }
    }
    for (name, e) in [
        ("where", b.r#where.as_mut()),
        ("pending", b.pending.as_mut()),
        ("undo_where", b.undo_where.as_mut()),
        ("from.on", b.from.as_mut().map(|j| &mut j.on)),
    ] {
        if let Some(e) = e {
            condition(e, &scope).map_err(|m| (name.to_string(), m))?;
        }
    }
    for (col, e) in b.set.iter_mut() {
        value(e, &scope, &table, col).map_err(|m| (format!("set.{col}"), m))?;
    }
    for (col, e) in b.undo.iter_mut() {
        value(e, &scope, &table, col).map_err(|m| (format!("undo.{col}"), m))?;
    }
    let target = b.insert_into.clone().unwrap_or_default();
    for (col, e) in b.values.iter_mut() {
        value(e, &scope, &target, col).map_err(|m| (format!("values.{col}"), m))?;
    }
    Ok(())
}

/// Checks an expression used as a condition.
pub(super) fn condition(e: &mut Expression, scope: &Scope<'_>) -> std::result::Result<(), String> {
    let kind = e.typecheck_in(&|c| scope.lookup(c), &|t, c| scope.in_table(t, c))?;
    if matches!(
        kind,
        ValueKind::Boolean | ValueKind::Null | ValueKind::Unknown
    ) {
        Ok(())
    } else {
        Err(format!(
            "`{e}` is {kind}, not a condition: compare it with something (e.g. `x <> 0`)"
        ))
    }
}

/// Checks an expression whose value is stored in `table.column`.
fn value(
    e: &mut Expression,
    scope: &Scope<'_>,
    table: &str,
    column: &str,
) -> std::result::Result<(), String> {
    let kind = e.typecheck_in(&|c| scope.lookup(c), &|t, c| scope.in_table(t, c))?;
    let target = ColumnRef {
        table: None,
        column: column.to_string(),
    };
    let target_scope = Scope {
        model: scope.model,
        table,
        join: None,
        explode: None,
    };
    match target_scope.lookup(&target) {
        Lookup::Missing(m) => Err(m),
        Lookup::Found(_) | Lookup::Stored(_) => {
            let ty = scope
                .model
                .schema
                .table(table)
                .and_then(|t| t.column(column))
                .map(|c| c.ty);
            match ty {
                Some(ty) if e.enum_literal_problem(ty).is_some() => Err(format!(
                    "`{e}` cannot be stored in column `{column}`: {}",
                    e.enum_literal_problem(ty).unwrap_or_default()
                )),
                Some(ty @ ColumnType::Array(_)) if !e.assignable_to(ty, kind) => Err(format!(
                    "`{e}` is {kind}, not an array: write the value of column `{column}` ({ty}) with array(..), e.g. array('a', 'b')"
                )),
                Some(ty) if !e.assignable_to(ty, kind) => Err(format!(
                    "`{e}` is {kind}, which column `{column}` ({ty}) does not store the same way on every database: CAST it to {ty} explicitly"
                )),
                Some(ty) => {
                    e.convert_for_enum(ty, kind);
                    Ok(())
                }
                None => Ok(()),
            }
        }
        Lookup::Unknown => Ok(()),
    }
}
