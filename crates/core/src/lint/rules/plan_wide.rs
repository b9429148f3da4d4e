//! Plan-wide rules about the migrations themselves: duplicates, conflicting tables, ordering.

use super::used_tables;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::PlanView;
use crate::plan::{Migration, Step};

/// `plan/duplicate-migration`.
pub(crate) const DUPLICATE_MIGRATION: RuleInfo = RuleInfo {
    id: "plan/duplicate-migration",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover",
    summary: "Two migrations have the same steps",
    explanation: "A copied migration runs the same changes twice: the second run fails on objects that already exist (leaving a failed history entry), or, for data steps, changes the rows a second time.",
    fix: "Delete the copy, or change it to do what it was meant to do.",
};

/// `plan/conflicting-table`.
pub(crate) const CONFLICTING_TABLE: RuleInfo = RuleInfo {
    id: "plan/conflicting-table",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover",
    summary: "A table is created again while the plan still has it",
    explanation: "Creating a table the plan already created (and did not drop) fails with `table already exists` in production; with `if_not_exists` and different columns it silently keeps the old shape, so later steps and the application see columns that are not there.",
    fix: "Change the existing table with add_column / alter_column / drop_column steps, or drop it first in a contract migration.",
};

/// `plan/requires-later`.
pub(crate) const REQUIRES_LATER: RuleInfo = RuleInfo {
    id: "plan/requires-later",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover",
    summary: "`requires` names a migration that does not come earlier",
    explanation: "Migrations apply in version order, so a requirement on the same or a later version can never be met before this migration runs: the dependency is silently violated or the run stops.",
    fix: "Renumber the migrations so that the required one has the smaller version, or remove the requirement.",
};

/// `plan/version-gap`.
pub(crate) const VERSION_GAP: RuleInfo = RuleInfo {
    id: "plan/version-gap",
    severity: Severity::Warning,
    dialect: None,
    origin: "cutover",
    summary: "Versions skip a number or sort differently by file name",
    explanation: "A missing version usually means a migration was deleted or renumbered after some database applied it, or a branch was merged out of order; databases that applied the missing one then disagree with the plan. Versions of different widths (9, 10) sort differently by file name than by number, so reviewers and tools see another order than cutover runs.",
    fix: "Renumber so versions are consecutive and of equal width (0001, 0002, ...), or add a suppression with the reason for the gap.",
};

/// `plan/used-before-created`.
pub(crate) const USED_BEFORE_CREATED: RuleInfo = RuleInfo {
    id: "plan/used-before-created",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover",
    summary: "A step uses a table the plan creates only later, or already dropped",
    explanation: "The plan is applied in version order: on a fresh database (CI, a new environment, disaster recovery) the step fails because the table does not exist yet, or no longer does.",
    fix: "Move the step into a migration after the one that creates the table, or renumber the migrations.",
};

/// Runs the rules of this file.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    duplicates(view, out);
    conflicting_tables(view, out);
    requires_later(view, out);
    version_gaps(view, out);
    used_before_created(view, out);
}

fn duplicates(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    let json = |m: &Migration| {
        let steps: Vec<&Step> = m.steps.iter().map(|s| &s.item).collect();
        let down: Option<Vec<&Step>> = m.down.as_ref().map(|d| d.iter().map(|s| &s.item).collect());
        let checks: Vec<_> = m.checks.iter().map(|c| &c.item).collect();
        (
            serde_json::to_string(&steps).unwrap_or_default(),
            serde_json::to_string(&(down, checks)).unwrap_or_default(),
        )
    };
    let all: Vec<(String, String)> = view.plan.migrations.iter().map(json).collect();
    for (i, m) in view.plan.migrations.iter().enumerate() {
        let earlier = (0..i).find(|&j| all[j].0 == all[i].0);
        if let Some(j) = earlier {
            let other = &view.plan.migrations[j];
            let what = if all[j].1 == all[i].1 {
                "is identical to"
            } else {
                "has the same steps as"
            };
            out.push(Finding::migration(
                &DUPLICATE_MIGRATION,
                m,
                format!("migration {} {what} {}", m.label(), other.label()),
            ));
        }
    }
}

fn conflicting_tables(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        let Step::CreateTable(t) = s.step() else {
            continue;
        };
        let Some(old) = s.before.table(&t.table) else {
            continue;
        };
        let by = view
            .creators
            .get(&t.table)
            .and_then(|ms| ms.iter().rev().find(|&&m| m < s.m))
            .map(|&m| format!("migration {}", view.plan.migrations[m].label()))
            .unwrap_or_else(|| "an earlier step".into());
        let message = if !t.if_not_exists {
            format!(
                "table `{}` is created again, but {by} already created it and nothing dropped it since",
                t.table
            )
        } else if old.columns != t.columns {
            format!(
                "table `{}` is created again with different columns (if_not_exists: the step does nothing and the table keeps the columns from {by})",
                t.table
            )
        } else {
            continue;
        };
        out.push(s.finding(&CONFLICTING_TABLE, message));
    }
}

fn requires_later(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for m in &view.plan.migrations {
        for r in m.requires.iter().filter(|r| r.number >= m.version.number) {
            out.push(
                Finding::migration(
                    &REQUIRES_LATER,
                    m,
                    format!(
                        "migration {} requires {r}, which does not come before it",
                        m.label()
                    ),
                )
                .at_line(key_line(m, "requires")),
            );
        }
    }
}

/// Sequence-style versions (0001, 0002, ...) only; timestamps always have gaps.
const SEQUENCE_LIMIT: u64 = 100_000;

fn version_gaps(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    let ms = &view.plan.migrations;
    let sequence = ms.iter().all(|m| m.version.number < SEQUENCE_LIMIT);
    for pair in ms.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        if sequence && b.version.number > a.version.number + 1 {
            let missing = b.version.number - a.version.number - 1;
            out.push(Finding::migration(
                &VERSION_GAP,
                b,
                format!(
                    "versions jump from {} to {}: {missing} version{} missing",
                    a.version,
                    b.version,
                    if missing == 1 { " is" } else { "s are" }
                ),
            ));
        }
        if a.version.text > b.version.text {
            out.push(Finding::migration(
                &VERSION_GAP,
                b,
                format!(
                    "version {} runs after {} but its file name sorts before it",
                    b.version, a.version
                ),
            ));
        }
    }
}

fn used_before_created(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        for table in used_tables(s.step()) {
            if s.before.table(table).is_some() || s.created_here.contains(table) {
                continue;
            }
            let Some(creators) = view.creators.get(table) else {
                continue; // Never created by the plan: it exists outside it.
            };
            let message = match creators.iter().find(|&&m| m > s.m) {
                Some(&later) if creators.iter().all(|&m| m > s.m) => format!(
                    "table `{table}` is only created later, by migration {}",
                    view.plan.migrations[later].label()
                ),
                _ => format!(
                    "table `{table}` no longer exists here: the plan dropped or renamed it in an earlier step"
                ),
            };
            out.push(s.finding(&USED_BEFORE_CREATED, message));
        }
    }
}

/// The line of a top-level `key = ...` of a migration file, else 1.
fn key_line(m: &Migration, key: &str) -> usize {
    let Ok(src) = std::fs::read_to_string(&m.path) else {
        return 1;
    };
    src.lines()
        .position(|l| {
            l.trim_start()
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        })
        .map_or(1, |i| i + 1)
}
