//! Applying `allow` suppressions, and the findings about the suppressions themselves.

use std::collections::BTreeSet;

use super::catalog;
use super::finding::{Finding, RuleInfo, Severity};
use crate::dialect::Dialect;
use crate::plan::{Allow, Located, Migration, Plan, Step};

/// The start of the message of a finding about an explicit `[[down]]` step (whose `step`
/// number counts the down steps).
pub(crate) const DOWN_PREFIX: &str = "[[down]]";

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

/// A suppression that silenced a finding: (migration index, (is a down step, step index) or
/// `None` for the top level, allow index).
type Used = (usize, Option<(bool, usize)>, usize);

/// Drops suppressed findings and adds findings about the suppressions. Findings about one
/// step are silenced by that step's `allow` or by the migration's; findings about a whole
/// migration by the migration's. A `[[down]]` step's `allow` silences the findings about it.
pub(crate) fn apply(plan: &Plan, findings: Vec<Finding>, dialects: &[Dialect]) -> Vec<Finding> {
    let mut used: BTreeSet<Used> = BTreeSet::new();
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
        let down = f.message.starts_with(DOWN_PREFIX);
        let steps = if down {
            migration.down.as_deref().unwrap_or_default()
        } else {
            migration.steps.as_slice()
        };
        let step_allows = f
            .step
            .and_then(|s| steps.get(s.checked_sub(1)?))
            .map(|s| s.allow.as_slice())
            .unwrap_or_default();
        let hit = |allows: &[Allow]| allows.iter().position(|a| a.rule == f.rule);
        if let Some(i) = hit(step_allows) {
            used.insert((m, f.step.map(|s| (down, s - 1)), i));
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
        let down = migration.down.as_deref().unwrap_or_default();
        let all =
            (migration.steps.iter().map(|s| (false, s))).chain(down.iter().map(|s| (true, s)));
        let mut index = [0usize; 2];
        for (is_down, step) in all {
            let s = index[usize::from(is_down)];
            index[usize::from(is_down)] += 1;
            for (i, a) in step.allow.iter().enumerate() {
                let used = used.contains(&(m, Some((is_down, s)), i));
                about(
                    migration,
                    Some((s, step, is_down)),
                    a,
                    used,
                    dialects,
                    &mut out,
                );
            }
        }
    }
    out
}

/// Findings about one suppression.
fn about(
    m: &Migration,
    step: Option<(usize, &Located<Step>, bool)>,
    allow: &Allow,
    used: bool,
    dialects: &[Dialect],
    out: &mut Vec<Finding>,
) {
    let at = |rule: &RuleInfo, message: String| {
        let f = match step {
            Some((s, located, true)) => {
                Finding::step(rule, m, s, located, format!("{DOWN_PREFIX}: {message}"))
            }
            Some((s, located, false)) => Finding::step(rule, m, s, located, message),
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
