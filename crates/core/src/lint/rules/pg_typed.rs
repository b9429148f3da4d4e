//! PostgreSQL checks of typed steps that know more than squawk sees in the rendered SQL:
//! which tables already exist, which columns are keys, how the runner runs a step. (Names
//! over 63 bytes, given or derived, are refused when the plan loads: plan/identifiers.rs.)

use crate::dialect::Dialect;
use crate::lint::finding::Finding;
use crate::lint::rules::pg_hazards as h;
use crate::lint::walk::{PlanView, StepView};
use crate::plan::{Column, CreateTable, Step};
use crate::render::{StatementKind, render_step};
use crate::types::ColumnType;

/// Functions PostgreSQL evaluates per row (volatile): a default calling one is computed for
/// every existing row, which rewrites the table.
const VOLATILE: [&str; 7] = [
    "gen_random_uuid(",
    "uuid_generate_v",
    "random(",
    "clock_timestamp(",
    "timeofday(",
    "nextval(",
    "txid_current(",
];

/// Runs the typed PostgreSQL checks.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        step(s, out);
        outside_transaction(s, out);
    }
}

fn step(s: &StepView<'_>, out: &mut Vec<Finding>) {
    match s.step() {
        Step::CreateTable(t) => {
            for c in &t.columns {
                column_types(s, &t.table, c, key_like(t, c), out);
            }
        }
        Step::AddColumn(a) => {
            column_types(
                s,
                &a.table,
                &a.column,
                a.column.primary_key || a.column.identity,
                out,
            );
            let volatile = a
                .column
                .default_expr
                .as_ref()
                .and_then(|e| e.to_sql(Dialect::Postgres).ok())
                .filter(|sql| is_volatile(sql));
            if let Some(sql) = volatile
                && s.existing(&a.table)
            {
                out.push(s.finding(
                    &h::ADD_COLUMN_VOLATILE_DEFAULT,
                    format!(
                        "column `{}.{}` is added with the volatile default `{sql}`, computed for every existing row",
                        a.table, a.column.name
                    ),
                ));
            }
        }
        Step::AlterColumn(a) if s.existing(&a.table) => {
            if a.ty == Some(ColumnType::Timestamp) {
                out.push(timestamp(s, &a.table, &a.column));
            }
            let was_not_null = s
                .before
                .table(&a.table)
                .and_then(|t| t.column(&a.column))
                .is_some_and(|c| !c.is_nullable());
            if a.nullable == Some(true) && was_not_null {
                out.push(s.finding(
                    &h::DROP_NOT_NULL,
                    format!("`{}.{}` stops being NOT NULL", a.table, a.column),
                ));
            }
        }
        Step::DropIndex(d) if !d.concurrently && s.existing(&d.table) => out.push(s.finding(
            &h::DROP_INDEX_WITHOUT_CONCURRENTLY,
            format!(
                "index `{}` of existing table `{}` is dropped without `concurrently`",
                d.name, d.table
            ),
        )),
        _ => {}
    }
}

/// The runner refuses a transactional migration holding a statement PostgreSQL cannot run
/// in a transaction (`CREATE/DROP INDEX CONCURRENTLY`, `VACUUM`): typed or raw, the step is
/// rendered as `cutover up` renders it and its statement kinds are checked.
fn outside_transaction(s: &StepView<'_>, out: &mut Vec<Finding>) {
    if !s.migration.transaction || matches!(s.step(), Step::Backfill(_)) {
        return;
    }
    let Ok(statements) = render_step(s.step(), Dialect::Postgres, &s.before, s.migration) else {
        return;
    };
    if let Some((sql, _)) = statements
        .iter()
        .find(|(_, kind)| *kind == StatementKind::NoTransaction)
    {
        let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
        out.push(s.finding(
            &h::CONCURRENT_INDEX_IN_TRANSACTION,
            format!("`{sql}` cannot run inside a transaction, and the migration runs in one (no `transaction = false`)"),
        ));
    }
}

/// Whether a column of a new table is a key: its primary key, an identity column, or a
/// foreign key column.
fn key_like(t: &CreateTable, c: &Column) -> bool {
    c.primary_key
        || c.identity
        || t.primary_key.contains(&c.name)
        || t.foreign_keys.iter().any(|fk| fk.columns.contains(&c.name))
}

fn column_types(s: &StepView<'_>, table: &str, c: &Column, key: bool, out: &mut Vec<Finding>) {
    if key && c.ty == ColumnType::Integer {
        out.push(s.finding(
            &h::PREFER_BIGINT,
            format!("key column `{table}.{}` is a 32-bit integer", c.name),
        ));
    }
    if c.ty == ColumnType::Timestamp {
        out.push(timestamp(s, table, &c.name));
    }
}

fn timestamp(s: &StepView<'_>, table: &str, column: &str) -> Finding {
    s.finding(
        &h::PREFER_TIMESTAMPTZ,
        format!("column `{table}.{column}` is a timestamp without time zone"),
    )
}

pub(crate) fn is_volatile(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    VOLATILE.iter().any(|f| lower.contains(f))
}
