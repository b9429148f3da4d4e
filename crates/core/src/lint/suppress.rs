//! Applying `allow` suppressions, and the findings about the suppressions themselves.

use std::collections::BTreeSet;

use super::catalog;
use super::finding::{Finding, RuleInfo, Severity};
use crate::dialect::Dialect;
use crate::plan::{Allow, Migration, Plan};

/// `plan/suppression-without-reason`.
pub(crate) const SUPPRESSION_WITHOUT_REASON: RuleInfo = RuleInfo {
    id: "plan/suppression-without-reason",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover",
    summary: "A suppression gives no reason",
    explanation: "A suppression turns off a safety check for this step in every environment; without a reason, reviewers cannot tell a considered exception from a way to make the linter quiet, and the next person cannot tell whether it still holds.",
    fix: "Write why the finding does not apply: allow = [{ rule = \"...\", reason = \"the table has 200 rows\" }].",
};

/// `plan/unknown-suppression`.
pub(crate) const UNKNOWN_SUPPRESSION: RuleInfo = RuleInfo {
    id: "plan/unknown-suppression",
    severity: Severity::Warning,
    dialect: None,
    origin: "cutover",
    summary: "A suppression names a rule that does not exist",
    explanation: "A misspelt rule id suppresses nothing, so the finding it was meant for still stops `cutover up`, or the author believes a check is silenced on purpose when it is not.",
    fix: "Use an id from `cutover lint` output or docs/lint.md.",
};

/// `plan/unused-suppression`.
pub(crate) const UNUSED_SUPPRESSION: RuleInfo = RuleInfo {
    id: "plan/unused-suppression",
    severity: Severity::Info,
    dialect: None,
    origin: "cutover",
    summary: "A suppression matches no finding",
    explanation: "The step changed or the rule got smarter; a stale suppression would silently hide a real finding if the step changes again.",
    fix: "Remove the suppression.",
};

/// Drops suppressed findings and adds findings about the suppressions. Findings about one
/// step are silenced by that step's `allow` or by the migration's; findings about a whole
/// migration by the migration's.
pub(crate) fn apply(plan: &Plan, findings: Vec<Finding>, dialects: &[Dialect]) -> Vec<Finding> {
    // (migration index, step index or None for the top level, allow index)
    let mut used: BTreeSet<(usize, Option<usize>, usize)> = BTreeSet::new();
    let mut out = Vec::new();
    for f in findings {
        let Some(m) = plan
            .migrations
            .iter()
            .position(|m| m.version.text == f.migration)
        else {
            out.push(f);
            continue;
        };
        let migration = &plan.migrations[m];
        let step_allows = f
            .step
            .and_then(|s| migration.steps.get(s - 1))
            .map(|s| s.allow.as_slice())
            .unwrap_or_default();
        let hit = |allows: &[Allow]| allows.iter().position(|a| a.rule == f.rule);
        if let Some(i) = hit(step_allows) {
            used.insert((m, f.step.map(|s| s - 1), i));
        } else if let Some(i) = hit(&migration.allow) {
            used.insert((m, None, i));
        } else {
            out.push(f);
        }
    }
    for (m, migration) in plan.migrations.iter().enumerate() {
        for (i, a) in migration.allow.iter().enumerate() {
            about(
                migration,
                None,
                a,
                used.contains(&(m, None, i)),
                dialects,
                &mut out,
            );
        }
        for (s, step) in migration.steps.iter().enumerate() {
            for (i, a) in step.allow.iter().enumerate() {
                let used = used.contains(&(m, Some(s), i));
                about(migration, Some(s), a, used, dialects, &mut out);
            }
        }
    }
    out
}

/// Findings about one suppression.
fn about(
    m: &Migration,
    step: Option<usize>,
    allow: &Allow,
    used: bool,
    dialects: &[Dialect],
    out: &mut Vec<Finding>,
) {
    let at = |rule: &RuleInfo, message: String| {
        let f = match step.and_then(|s| m.steps.get(s).map(|l| (s, l))) {
            Some((s, located)) => Finding::step(rule, m, s, located, message),
            None => Finding::migration(rule, m, message),
        };
        f.at_line(allow.line)
    };
    if !allow.has_reason() {
        out.push(at(
            &SUPPRESSION_WITHOUT_REASON,
            format!("suppression of `{}` gives no reason", allow.rule),
        ));
    }
    match catalog::rule(&allow.rule) {
        None => out.push(at(
            &UNKNOWN_SUPPRESSION,
            format!("suppression names unknown rule `{}`", allow.rule),
        )),
        Some(rule) if !used && rule.dialect.is_none_or(|d| dialects.contains(&d)) => {
            out.push(at(
                &UNUSED_SUPPRESSION,
                format!("suppression of `{}` matches no finding", allow.rule),
            ));
        }
        Some(_) => {}
    }
}
