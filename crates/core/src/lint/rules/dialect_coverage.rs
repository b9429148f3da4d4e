//! `plan/no-sql-for-dialect`: a migration of raw SQL with nothing to run on a linted
//! dialect (a folder imported with the wrong `--dialect`, SQL written for one database).

use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::PlanView;
use crate::plan::Step;

/// `plan/no-sql-for-dialect`.
pub(crate) const NO_SQL_FOR_DIALECT: RuleInfo = RuleInfo {
    id: "plan/no-sql-for-dialect",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover",
    summary: "A migration of raw SQL has no statement for a database it is linted for",
    explanation: "Every step is raw SQL limited to other databases (`dialects = [..]`): on this database the migration runs nothing and is recorded as applied, so what it creates never exists while the history says it does. This is what a folder imported with the wrong --dialect looks like.",
    fix: "Add the SQL for this database to the steps (`<dialect> = \"...\"` and the dialect in `dialects`), or import the folder again with the right --dialect; if the migration is meant for other databases only, put a top-level `allow` for this rule with the reason in it.",
};

/// Runs the rule for each of `dialects`.
pub(crate) fn check(view: &PlanView<'_>, dialects: &[Dialect], out: &mut Vec<Finding>) {
    for m in &view.plan.migrations {
        let raw_only =
            !m.steps.is_empty() && m.steps.iter().all(|s| matches!(s.item, Step::Sql(_)));
        if !raw_only {
            continue;
        }
        for &d in dialects {
            if m.steps.iter().any(|s| s.runs_on(d)) {
                continue;
            }
            let mut written: Vec<String> = m
                .steps
                .iter()
                .flat_map(|s| s.dialects.iter().flatten())
                .map(|d| d.to_string())
                .collect();
            written.sort();
            written.dedup();
            out.push(Finding::migration(
                &NO_SQL_FOR_DIALECT,
                m,
                format!(
                    "migration {} runs nothing on {d}: every step is raw SQL for {} only",
                    m.label(),
                    written.join(", ")
                ),
            ));
        }
    }
}
