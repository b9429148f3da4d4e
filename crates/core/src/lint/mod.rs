//! Linting a plan before it reaches production: rules that catch migrations which lock,
//! rewrite or break a live database, each with a stable id, a severity, what goes wrong and
//! the safe alternative. docs/lint.md lists every rule.
//!
//! Plan-wide rules always run; each dialect's rules run when the plan is linted for it. A
//! step silences a rule with `allow = [{ rule = "...", reason = "..." }]` (a migration with a
//! top-level `allow`); a suppression without a reason is itself a finding.
//!
//! ```
//! use cutover_core::{Dialect, lint::{Severity, lint_plan}, plan::Plan};
//!
//! let dir = std::env::temp_dir().join(format!("cutover-lint-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("0001_index.toml"), r#"
//! description = "index an existing table"
//!
//! [[steps]]
//! op = "create_index"
//! table = "users"
//! columns = ["email"]
//! "#).unwrap();
//! let plan = Plan::load(&dir).unwrap();
//! let findings = lint_plan(&plan, &[Dialect::Postgres]);
//! assert_eq!(findings[0].rule, "pg/index-without-concurrently");
//! assert_eq!((findings[0].severity, findings[0].line), (Severity::Error, 4));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod catalog;
mod finding;
pub(crate) mod rules;
mod sarif;
mod sql_facts;
mod squawk;
mod suppress;
mod walk;

#[cfg(test)]
mod down_allow_tests;

pub use catalog::{rule, rules};
pub use finding::{Finding, RuleInfo, Severity, Summary};
pub use sarif::{SARIF_SCHEMA, to_sarif, to_sarif_failure};

use crate::dialect::Dialect;
use crate::plan::{Migration, Plan};

/// Lints `plan` for `dialects` (plan-wide rules, plus each dialect's own rules), applies the
/// plan's suppressions, and returns the findings in plan order.
pub fn lint_plan(plan: &Plan, dialects: &[Dialect]) -> Vec<Finding> {
    lint_scoped(plan, dialects, None)
}

/// Lints only the migrations `lint` selects (the pending ones, before `cutover up`), with
/// every migration of the plan as context for the schema the rules see; findings are
/// reported for the selected migrations only. Skips the work for the others: a no-op run
/// lints nothing.
pub fn lint_migrations(
    plan: &Plan,
    dialects: &[Dialect],
    lint: impl Fn(&Migration) -> bool,
) -> Vec<Finding> {
    let scope: Vec<bool> = plan.migrations.iter().map(lint).collect();
    if !scope.contains(&true) {
        return Vec::new();
    }
    let mut findings = lint_scoped(plan, dialects, Some(&scope));
    findings.retain(|f| {
        plan.migrations
            .iter()
            .position(|m| m.version.text == f.migration)
            .is_none_or(|m| scope[m])
    });
    findings
}

fn lint_scoped(plan: &Plan, dialects: &[Dialect], scope: Option<&[bool]>) -> Vec<Finding> {
    let mut dialects = dialects.to_vec();
    dialects.sort();
    dialects.dedup();
    let view = walk::PlanView::scoped(plan, &dialects, scope);
    let mut findings = Vec::new();
    rules::run(&view, &dialects, &mut findings);
    let mut findings = suppress::apply(plan, findings, &dialects);
    let order = |f: &Finding| {
        let m = plan
            .migrations
            .iter()
            .position(|m| m.version.text == f.migration);
        (m, f.line, f.step, f.rule, f.dialect)
    };
    findings.sort_by(|a, b| order(a).cmp(&order(b)));
    findings.dedup();
    findings
}

/// The lint gate of `up` (the CLI's and [`Migrator`](crate::app::Migrator)'s): the findings of
/// severity error of the migrations `pending` selects, for `dialect`, with the others as
/// context. `up` applies nothing while this is not empty (unless told to go on).
pub fn up_gate(
    plan: &Plan,
    dialect: Dialect,
    pending: impl Fn(&Migration) -> bool,
) -> Vec<Finding> {
    let mut findings = lint_migrations(plan, &[dialect], pending);
    findings.retain(|f| f.severity == Severity::Error);
    findings
}

/// Whether any finding has severity error (`cutover up` refuses such a plan).
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity == Severity::Error)
}
