//! Plan-wide rules about losing data: destructive steps outside a prepared contract
//! migration, and steps that cannot be reverted.

use super::mentions;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::{PlanView, StepView};
use crate::plan::{Phase, Step};
use crate::render::irreversible_steps;

/// `plan/destructive-outside-contract`.
pub(crate) const DESTRUCTIVE_OUTSIDE_CONTRACT: RuleInfo = RuleInfo {
    id: "plan/destructive-outside-contract",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover + squawk: ban-drop-column, ban-drop-table, ban-drop-database",
    summary: "A step drops or narrows data outside a `contract` migration",
    explanation: "During a rolling deploy the previous release still reads and writes the old shape: dropping a table or column, narrowing a type or cascading a drop breaks it at once, and the data cannot be brought back by `cutover down`.",
    fix: "Split the change: an `expand` migration adds the new shape, a `backfill` migration copies the data, and a later `phase = \"contract\"` migration removes the old shape once no release uses it.",
};

/// `plan/contract-unprepared`.
pub(crate) const CONTRACT_UNPREPARED: RuleInfo = RuleInfo {
    id: "plan/contract-unprepared",
    severity: Severity::Warning,
    dialect: None,
    origin: "cutover",
    summary: "A contract migration removes data that no earlier expand/backfill migration prepared",
    explanation: "A contract step is only safe once the data has a new home and the application has moved to it; without an earlier expand or backfill migration on the same table, nothing in the plan shows that this happened, and the drop loses data still in use.",
    fix: "Add (or point `requires` at) the expand migration that creates the replacement and the backfill migration that copies the data; if the data is really unused, suppress with the reason.",
};

/// `plan/irreversible-without-down`.
pub(crate) const IRREVERSIBLE_WITHOUT_DOWN: RuleInfo = RuleInfo {
    id: "plan/irreversible-without-down",
    severity: Severity::Warning,
    dialect: None,
    origin: "cutover",
    summary: "A step cannot be reverted automatically and the migration has no `[[down]]`",
    explanation: "When a release has to be rolled back, `cutover down` stops at this migration: its steps (drops, type changes, raw SQL without `down`, backfills without `undo`) have no automatic inverse.",
    fix: "Add a `[[down]]` section that reverts the migration, give the raw SQL step a `down`, or give the backfill an `undo`.",
};

/// Runs the rules of this file.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        let losses = losses(s);
        if losses.is_empty() {
            continue;
        }
        let what = losses
            .iter()
            .map(|(_, w)| w.as_str())
            .collect::<Vec<_>>()
            .join("; ");
        if s.migration.phase != Some(Phase::Contract) {
            let phase = match s.migration.phase {
                Some(p) => format!("a `{}` migration", phase_name(p)),
                None => "a migration without a phase".into(),
            };
            out.push(s.finding(&DESTRUCTIVE_OUTSIDE_CONTRACT, format!("{what}, in {phase}")));
            continue;
        }
        let prepared = |table: &Option<String>| {
            view.plan.migrations[..s.m].iter().any(|m| {
                matches!(m.phase, Some(Phase::Expand | Phase::Backfill))
                    && table.as_deref().is_none_or(|t| mentions(m, t))
            })
        };
        let unprepared: Vec<&str> = losses
            .iter()
            .filter(|(t, _)| !prepared(t))
            .map(|(_, w)| w.as_str())
            .collect();
        if !unprepared.is_empty() {
            out.push(s.finding(
                &CONTRACT_UNPREPARED,
                format!(
                    "{}, but no earlier expand or backfill migration works on it",
                    unprepared.join("; ")
                ),
            ));
        }
    }
    irreversible(view, out);
}

/// What the step destroys on tables that existed before its migration: (table,
/// description). The definition is the runner's ([`Step::losses`] without the tables new in
/// the migration, [`crate::plan::NewTables::losses`], as in `Plan::losses`), so lint and the
/// contract gate agree on what is destructive.
fn losses(s: &StepView<'_>) -> Vec<(Option<String>, String)> {
    s.created_here
        .losses(s.step(), &s.before, None)
        .into_iter()
        .map(|l| (l.table, l.what))
        .collect()
}

fn irreversible(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for (m, migration) in view.plan.migrations.iter().enumerate() {
        if migration.down.is_some() {
            continue;
        }
        // Indexed once per migration: a search per step was quadratic in its steps.
        let steps: std::collections::HashMap<usize, &StepView<'_>> =
            view.steps_of(m).map(|s| (s.index, s)).collect();
        for i in irreversible_steps(migration, &view.after[m]) {
            let Some(s) = steps.get(&i) else {
                continue;
            };
            let why = match s.step() {
                Step::Sql(_) => "the raw SQL step has no `down`",
                Step::Backfill(_) => {
                    "the backfill has no `undo` and changes columns that existed before"
                }
                Step::DropTable(_) | Step::DropColumn(_) => "the dropped data cannot be recreated",
                _ => "the previous state is not recorded in the step",
            };
            out.push(s.finding(
                &IRREVERSIBLE_WITHOUT_DOWN,
                format!(
                    "{} cannot be reverted automatically ({why}) and the migration has no [[down]]",
                    s.step().op()
                ),
            ));
        }
    }
}

fn phase_name(p: Phase) -> &'static str {
    match p {
        Phase::Expand => "expand",
        Phase::Backfill => "backfill",
        Phase::Contract => "contract",
    }
}
