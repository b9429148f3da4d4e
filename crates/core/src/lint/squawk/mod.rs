//! squawk (the `squawk-linter` crate) run on the PostgreSQL SQL of every up step, its
//! findings turned into cutover findings and made plan-aware.
//!
//! Each step is linted on its own: a raw `sql` step as written for PostgreSQL, a typed step
//! as `cutover sql` renders it (against the schema the plan has built before it). squawk is
//! told the SQL runs in a transaction when the migration does (`transaction = true`).
//! Findings point at the step's `[[steps]]` line and name the statement.
//!
//! Who reports what (one finding per rule and step; where both could, the one named first):
//!
//! | rule | typed steps | raw `sql` steps |
//! |---|---|---|
//! | pg/index-without-concurrently | cutover | cutover, squawk |
//! | pg/drop-index-without-concurrently | cutover | squawk |
//! | pg/concurrent-index-in-transaction | cutover (runner's statement kinds), squawk | cutover, squawk |
//! | pg/concurrent-index-without-if-not-exists | none: the runner re-runs typed steps | squawk (CIC only) |
//! | pg/add-column-volatile-default | cutover | squawk |
//! | pg/add-not-null-without-default | cutover | squawk |
//! | pg/set-not-null | cutover | cutover, squawk (both know validated checks) |
//! | pg/add-serial-primary-key | none: the plan loader refuses primary-key add_column | squawk |
//! | pg/constraint-without-not-valid | cutover | cutover, squawk |
//! | pg/unique-constraint-without-index | cutover (as pg/index-without-concurrently) | squawk |
//! | pg/column-type-change | cutover | squawk, widening removed with the plan's schema |
//! | pg/rename, pg/drop-cascade | cutover | cutover, squawk |
//! | plan/destructive-outside-contract | cutover | cutover, squawk (none in a contract migration) |
//! | pg/drop-not-null, pg/prefer-timestamptz | cutover | squawk |
//! | pg/identifier-too-long | the plan loader refuses long names, given or derived | squawk |
//! | pg/prefer-bigint | cutover (key columns only) | squawk |
//! | pg/prefer-text | cutover (info: portable varchar(n)) | squawk |
//! | pg/prefer-identity | none (cutover renders identity, never serial) | squawk |
//! | transaction control, domains, REINDEX, DETACH, VACUUM FULL/CLUSTER | - | squawk |
//! | other squawk rules (`pg/<squawk rule>`) | none (the typed model decides) | squawk |
//!
//! Plan knowledge applied to squawk's findings ([`filter`]): a table created earlier in the
//! same migration has no readers, a widening type change rewrites nothing, SET NOT NULL
//! after a validated `IS NOT NULL` check is cheap, and drops in a contract migration are
//! expected.

mod filter;
mod map;
mod not_null;
pub(crate) mod others;
mod syntax;

use std::collections::HashMap;

use squawk_linter::Linter;

pub(crate) use not_null::{CheckEvent, check_events, not_null_column_of};

use super::finding::{Finding, RuleInfo};
use super::rules::pg_hazards as h;
use super::rules::postgres::NotNullChecks;
use super::walk::{PlanView, StepView};
use crate::dialect::Dialect;
use crate::plan::Step;
use crate::render::render_step;

/// The rules reported so far for each (migration version, 1-based step).
type Reported = HashMap<(String, usize), Vec<&'static str>>;

/// Rules squawk reports on typed steps; cutover's own typed checks own every other rule.
const ON_TYPED: [&str; 1] = [h::CONCURRENT_INDEX_IN_TRANSACTION.id];

/// Runs squawk on every PostgreSQL up step of `view` (a [`PlanView::on`] Postgres view) and
/// adds its findings that cutover's rules have not already reported for the same step.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    let mut checks = NotNullChecks::default();
    // The rules already reported per (migration, step), indexed once: looking them up in
    // `out` for every step made linting quadratic in the number of steps.
    let mut reported: Reported = HashMap::new();
    for f in out.iter() {
        if let Some(step) = f.step {
            reported
                .entry((f.migration.clone(), step))
                .or_default()
                .push(f.rule);
        }
    }
    for s in &view.steps {
        if let Some((sql, typed)) = step_sql(s) {
            let key = (s.migration.version.text.clone(), s.index + 1);
            let done = reported.entry(key).or_default();
            lint_step(s, &sql, typed, &checks, done, out);
        }
        checks.track(s.step());
    }
}

/// The step's PostgreSQL SQL and whether it is a typed step.
fn step_sql(s: &StepView<'_>) -> Option<(String, bool)> {
    match s.step() {
        Step::Sql(raw) => {
            if !raw.applies_to(Dialect::Postgres) {
                return None;
            }
            Some((raw.up().for_dialect(Dialect::Postgres)?.to_string(), false))
        }
        // Backfills run in batches through the backfill engine, not as one statement.
        Step::Backfill(_) => None,
        step => {
            let statements = render_step(step, Dialect::Postgres, &s.before, s.migration).ok()?;
            let sql = statements
                .iter()
                .map(|(sql, _)| format!("{};", sql.trim_end().trim_end_matches(';')))
                .collect::<Vec<_>>()
                .join("\n");
            // The one squawk rule run on typed steps is about CONCURRENTLY.
            sql.contains("CONCURRENTLY").then_some((sql, true))
        }
    }
}

fn lint_step(
    s: &StepView<'_>,
    sql: &str,
    typed: bool,
    checks: &NotNullChecks,
    reported: &mut Vec<&'static str>,
    out: &mut Vec<Finding>,
) {
    // squawk's parser recurses per nesting level: thousands of nested parentheses overflow
    // the stack. Such SQL is no migration a person wrote; it gets cutover's own rules only.
    if nesting_depth(sql) > MAX_NESTING {
        return;
    }
    let Some(parse) = syntax::parse(sql) else {
        return;
    };
    // On typed steps only the rules squawk owns there run (see the table above).
    let mut linter = if typed {
        Linter::from(
            map::enabled().filter(|r| map::target(*r).is_some_and(|t| ON_TYPED.contains(&t.id))),
        )
    } else {
        Linter::from(map::enabled())
    };
    linter.settings.assume_in_transaction = s.migration.transaction;
    // squawk gates only three rules on the version: volatile defaults (11+), SET NOT NULL
    // after a validated check (12+), and VACUUM FULL / CLUSTER, which it reports only where
    // REPACK exists (19+). Those rewrite the table on every version, so claim the newest.
    if let Ok(newest) = "19".parse() {
        linter.settings.pg_version = newest;
    }
    // One finding per rule and step: later violations of a reported rule are skipped before
    // the (tree-walking) target lookup, which keeps a 1,000-column ALTER linear.
    for v in linter.lint(&parse, sql) {
        let Some(rule) = map::target(v.code) else {
            continue;
        };
        if (typed && !ON_TYPED.contains(&rule.id)) || reported.contains(&rule.id) {
            continue;
        }
        let target = syntax::target(&parse, &v);
        if !filter::keep(s, rule, &v, &target, checks, sql) {
            continue;
        }
        reported.push(rule.id);
        out.push(finding(s, rule, &target, typed));
    }
}

/// Parentheses deeper than this skip squawk (its parser would overflow the stack).
const MAX_NESTING: usize = 256;

/// The deepest parenthesis nesting in `sql` (quotes and comments are not told apart: a
/// conservative count).
fn nesting_depth(sql: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    for c in sql.chars() {
        match c {
            '(' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

fn finding(s: &StepView<'_>, rule: &RuleInfo, target: &syntax::Target, typed: bool) -> Finding {
    let source = if typed { "rendered SQL" } else { "raw SQL" };
    let mut message = format!("{source} `{}`", target.statement);
    if let Some(table) = &target.table {
        message.push_str(&format!(" on table `{table}`"));
        if let Some(column) = &target.column {
            message.push_str(&format!(", column `{column}`"));
        }
    }
    message.push_str(&format!(": {}", lower_first(rule.summary)));
    s.finding(rule, message)
}

/// `s` with a lower-case first letter, unless it starts an acronym (`NOT NULL`, `REINDEX`).
fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(a), Some(b)) if b.is_lowercase() || b == ' ' => a
            .to_lowercase()
            .chain(std::iter::once(b))
            .chain(chars)
            .collect(),
        _ => s.to_string(),
    }
}
