//! squawk inside `cutover lint`: each PostgreSQL rule added with it fires on a typed and on a
//! raw step, and plan knowledge removes squawk's false positives.
//!
//! Each plan starts from `0001_base.toml` (tables `users` and `accounts`, created by the plan,
//! so "existing" for every later migration). Findings are compared as (rule, file, line).

#[path = "../common/mod.rs"]
mod common;
use common::TempPlan;

use cutover_core::Dialect;
use cutover_core::lint::{Finding, Severity, lint_plan, rule, rules, to_sarif};
use cutover_core::plan::Plan;

const BASE: &str = r#"description = "base tables"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "varchar(100)", nullable = false },
  { name = "name", type = "text" },
  { name = "price", type = "decimal(10,2)" },
]

[[steps]]
op = "create_index"
table = "users"
columns = ["name"]

[[steps]]
op = "create_table"
table = "accounts"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const PG: &[Dialect] = &[Dialect::Postgres];

/// The PostgreSQL findings of the base plan plus `0002_change.toml` = `header` + `steps`.
fn lint_with(header: &str, steps: &str) -> Vec<Finding> {
    let change = format!("description = \"change\"\n{header}\n{steps}");
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &change)]);
    let plan = Plan::load(&tmp.dir).unwrap_or_else(|e| panic!("plan does not load: {e}"));
    lint_plan(&plan, PG)
}

fn lint(steps: &str) -> Vec<Finding> {
    lint_with("", steps)
}

/// A raw SQL step.
fn raw(sql: &str) -> String {
    format!("[[steps]]\nop = \"sql\"\nsql = \"\"\"\n{sql}\n\"\"\"\n")
}

fn keys(found: &[Finding]) -> Vec<(&'static str, usize)> {
    found.iter().map(|f| (f.rule, f.line)).collect()
}

/// `rule` was reported at `line` (the step header of 0002) with its catalog severity (or
/// `severity` when given) and a message naming `names`.
#[track_caller]
fn fires(found: &[Finding], id: &str, line: usize, names: &[&str]) {
    let f = found
        .iter()
        .find(|f| f.rule == id && f.line == line && f.migration == "0002")
        .unwrap_or_else(|| panic!("expected {id} at line {line}, got {:#?}", keys(found)));
    let info = rule(id).expect("a known rule");
    assert_eq!(f.severity, info.severity, "{id}");
    for n in names {
        assert!(f.message.contains(n), "{id}: `{}` lacks `{n}`", f.message);
    }
    assert!(!f.explanation.is_empty() && !f.fix.is_empty());
}

#[track_caller]
fn silent(found: &[Finding], id: &str) {
    let hits: Vec<_> = found
        .iter()
        .filter(|f| f.rule == id)
        .map(|f| f.line)
        .collect();
    assert!(
        hits.is_empty(),
        "expected no {id}, got it at lines {hits:?}"
    );
}

/// No warning or error at all (info allowed), other than `except`.
#[track_caller]
fn clean(found: &[Finding], except: &[&str]) {
    let bad: Vec<_> = found
        .iter()
        .filter(|f| f.severity >= Severity::Warning && !except.contains(&f.rule))
        .map(|f| (f.rule, f.line, f.message.clone()))
        .collect();
    assert!(bad.is_empty(), "unexpected findings: {bad:#?}");
}

const IRREVERSIBLE: &str = "plan/irreversible-without-down";

mod catalog;
mod new_rules;
mod plan_knowledge;
