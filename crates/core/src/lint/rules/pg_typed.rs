//! PostgreSQL checks of typed steps that know more than squawk sees in the rendered SQL:
//! which tables already exist, which columns are keys, the names cutover generates.

use crate::dialect::Dialect;
use crate::lint::finding::Finding;
use crate::lint::rules::pg_hazards as h;
use crate::lint::walk::{PlanView, StepView};
use crate::plan::{Column, CreateTable, Step};
use crate::types::ColumnType;

/// PostgreSQL's longest name in bytes (NAMEDATALEN - 1).
const MAX_NAME_BYTES: usize = 63;

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
        names(s, out);
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
    let concurrent = match s.step() {
        Step::CreateIndex(i) => i.concurrently,
        Step::DropIndex(d) => d.concurrently,
        _ => false,
    };
    if concurrent && s.migration.transaction {
        out.push(s.finding(
            &h::CONCURRENT_INDEX_IN_TRANSACTION,
            "the step runs CONCURRENTLY but the migration runs in a transaction (no `transaction = false`)",
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

fn is_volatile(sql: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    VOLATILE.iter().any(|f| lower.contains(f))
}

/// Names longer than PostgreSQL keeps, including those cutover derives for indexes and
/// constraints (`idx_<table>_<columns>`, `fk_..`, `uq_..`).
fn names(s: &StepView<'_>, out: &mut Vec<Finding>) {
    let mut names: Vec<(&str, String)> = Vec::new();
    match s.step() {
        Step::CreateTable(t) => {
            names.push(("table", t.table.clone()));
            names.extend(t.columns.iter().map(|c| ("column", c.name.clone())));
            names.extend(
                t.unique
                    .iter()
                    .map(|u| ("unique constraint", u.constraint_name(&t.table))),
            );
            names.extend(
                t.foreign_keys
                    .iter()
                    .map(|f| ("foreign key", f.constraint_name(&t.table))),
            );
            names.extend(t.checks.iter().map(|c| ("check", c.name.clone())));
        }
        Step::RenameTable(r) => names.push(("table", r.to.clone())),
        Step::AddColumn(a) => names.push(("column", a.column.name.clone())),
        Step::RenameColumn(r) => names.push(("column", r.to.clone())),
        Step::CreateIndex(i) => names.push(("index", i.index_name())),
        Step::AddForeignKey(f) => {
            names.push(("foreign key", f.foreign_key().constraint_name(&f.table)));
        }
        Step::AddUnique(u) => names.push(("unique constraint", u.constraint_name())),
        Step::AddCheck(c) => names.push(("check", c.name.clone())),
        _ => {}
    }
    for (kind, name) in names {
        if name.len() > MAX_NAME_BYTES {
            out.push(s.finding(
                &h::IDENTIFIER_TOO_LONG,
                format!(
                    "{kind} name `{name}` is {} bytes; PostgreSQL keeps the first {MAX_NAME_BYTES}",
                    name.len()
                ),
            ));
        }
    }
}
