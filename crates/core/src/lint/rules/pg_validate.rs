//! `pg/validate-in-same-migration`: a constraint added `NOT VALID` and validated in the same
//! transactional migration.
//!
//! `ADD CONSTRAINT .. NOT VALID` is brief, but its lock (ACCESS EXCLUSIVE for a check, SHARE
//! ROW EXCLUSIVE on both tables for a foreign key) lasts until the transaction ends. When
//! `VALIDATE CONSTRAINT` runs in the same transaction, that lock is held through the whole
//! validation scan, so writers wait exactly as long as without `NOT VALID`. Measured on
//! PostgreSQL 15 (docs/lint.md): a concurrent INSERT waited 1-2.7 s on a 1M-row table, 7-18
//! ms with the two in separate migrations.

use std::collections::BTreeMap;

use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::sql_facts::Fact;
use crate::lint::walk::{PlanView, StepView};
use crate::plan::{Migration, Step};

/// `pg/validate-in-same-migration`.
pub(crate) const VALIDATE_IN_SAME_MIGRATION: RuleInfo = RuleInfo {
    id: "pg/validate-in-same-migration",
    severity: Severity::Error,
    dialect: Some(Dialect::Postgres),
    summary: "A constraint is added NOT VALID and validated in the same transactional migration",
    explanation: "ADD CONSTRAINT .. NOT VALID takes a lock that blocks writes (ACCESS EXCLUSIVE for a check, SHARE ROW EXCLUSIVE on both tables for a foreign key) and keeps it until the transaction commits. Validated in the same transaction, the lock is held through the whole validation scan: writes wait as long as without NOT VALID.",
    fix: "Move the validate_constraint step (or VALIDATE CONSTRAINT) into a separate, later migration; there it takes only a SHARE UPDATE EXCLUSIVE lock, which lets reads and writes go on.",
};

/// Where a constraint was added `NOT VALID`: (table, name) -> (step number, line).
type Added = BTreeMap<(String, String), (usize, usize)>;

/// Runs the rule over every migration that runs in one transaction on PostgreSQL.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for (m, migration) in view.plan.migrations.iter().enumerate() {
        if !one_transaction(migration) {
            continue;
        }
        let mut added = Added::new();
        for s in view.steps_of(m) {
            for event in events(s) {
                match event {
                    Event::Added(table, name) if s.existing(&table) => {
                        added.insert((table, name), (s.index + 1, s.located.line));
                    }
                    Event::Added(..) => {}
                    Event::Validated(table, name) => {
                        if let Some(&(step, line)) = added.get(&(table.clone(), name.clone())) {
                            out.push(finding(s, &table, &name, step, line));
                        }
                    }
                }
            }
        }
    }
}

/// What a step does to NOT VALID constraints, in statement order: (table, name).
enum Event {
    Added(String, String),
    Validated(String, String),
}

/// Whether the runner applies `m` in one transaction on PostgreSQL: `transaction = true` and
/// no backfill (a backfill commits batch by batch, so its migration runs step by step).
fn one_transaction(m: &Migration) -> bool {
    m.transaction
        && !m
            .steps
            .iter()
            .any(|s| s.runs_on(Dialect::Postgres) && matches!(s.item, Step::Backfill(_)))
}

/// The NOT VALID constraints a step adds and the constraints it validates, typed or raw.
fn events(s: &StepView<'_>) -> Vec<Event> {
    match s.step() {
        Step::AddForeignKey(f) if f.not_valid => vec![Event::Added(
            f.table.clone(),
            f.foreign_key().constraint_name(&f.table),
        )],
        Step::AddCheck(c) if c.not_valid => vec![Event::Added(c.table.clone(), c.name.clone())],
        Step::ValidateConstraint(v) => vec![Event::Validated(v.table.clone(), v.name.clone())],
        _ => s
            .facts_for(Dialect::Postgres)
            .iter()
            .filter_map(|f| match f {
                Fact::AddConstraint {
                    table,
                    not_valid: true,
                    name: Some(name),
                    ..
                } => Some(Event::Added(table.clone(), name.clone())),
                Fact::ValidateConstraint { table, name } => {
                    Some(Event::Validated(table.clone(), name.clone()))
                }
                _ => None,
            })
            .collect(),
    }
}

fn finding(s: &StepView<'_>, table: &str, name: &str, step: usize, line: usize) -> Finding {
    s.finding(
        &VALIDATE_IN_SAME_MIGRATION,
        format!(
            "constraint `{name}` of `{table}` is validated in the same transaction that adds it NOT VALID (step {step}, line {line}): the ADD's lock stays held through the validation scan"
        ),
    )
    .with_fix(format!(
        "Move this validation of `{name}` into a separate, later migration (or set `transaction = false` at the top of this file)."
    ))
}
