//! The rules: plan-wide ones for every plan, and one set per dialect the plan targets.

pub(crate) mod data_changes;
pub(crate) mod destructive;
pub(crate) mod dialect_coverage;
pub(crate) mod insert_key;
pub(crate) mod mysql;
pub(crate) mod mysql_fk_index;
pub(crate) mod mysql_keys;
pub(crate) mod pg_hazards;
pub(crate) mod pg_routines;
pub(crate) mod pg_security;
pub(crate) mod pg_typed;
pub(crate) mod pg_validate;
pub(crate) mod plan_wide;
pub(crate) mod postgres;
pub(crate) mod sqlite;
pub(crate) mod sync_hazards;
pub(crate) mod type_change;
pub(crate) mod undo_log;

use super::finding::Finding;
use super::walk::PlanView;
use crate::dialect::Dialect;
use crate::plan::{Migration, Step};

/// Runs the plan-wide rules, then each dialect's rules.
pub(crate) fn run(view: &PlanView<'_>, dialects: &[Dialect], out: &mut Vec<Finding>) {
    plan_wide::check(view, out);
    destructive::check(view, out);
    data_changes::check(view, out);
    insert_key::check(view, out);
    undo_log::check(view, out);
    dialect_coverage::check(view, dialects, out);
    sync_hazards::check(view, dialects, out);
    for &d in dialects {
        let check = match d {
            Dialect::Postgres => postgres::check,
            Dialect::Mysql => mysql::check,
            Dialect::Sqlite => sqlite::check,
        };
        // Each dialect's rules see its own steps and schema (`dialects = [..]` on steps).
        let on = view.for_dialect(d);
        check(&on, out);
        if d == Dialect::Postgres {
            pg_validate::check(&on, out);
            pg_routines::check(&on, out);
            pg_security::check(&on, out);
        }
        if d == Dialect::Mysql {
            mysql_keys::check(&on, out);
            mysql_fk_index::check(&on, out);
        }
        if d == Dialect::Postgres {
            pg_typed::check(&on, out);
            // Last: squawk's findings skip what cutover's rules already reported.
            crate::lint::squawk::check(&on, out);
        }
    }
}

/// Every table a step reads or changes, other than one it creates.
pub(crate) fn used_tables(step: &Step) -> Vec<&str> {
    match step {
        Step::CreateTable(t) => t
            .foreign_keys
            .iter()
            .map(|fk| fk.references.table.as_str())
            .filter(|r| *r != t.table)
            .collect(),
        Step::AddForeignKey(f) => vec![f.table.as_str(), f.references.table.as_str()],
        Step::Backfill(b) => {
            let mut out = vec![b.table.as_str()];
            out.extend(b.from.as_ref().map(|j| j.table.as_str()));
            out.extend(b.insert_into.as_deref());
            out
        }
        other => other.table().into_iter().collect(),
    }
}

/// Whether `m` mentions `table` in any step (as its table, a source or a target).
pub(crate) fn mentions(m: &Migration, table: &str) -> bool {
    m.steps
        .iter()
        .any(|s| used_tables(&s.item).contains(&table) || s.item.table() == Some(table))
}
