//! Every lint rule fires on a small plan and stays silent on its safe version.
//!
//! Each plan starts from `0001_base.toml` (tables `users` and `accounts`, created by the
//! plan, so "existing" for every later migration). Findings are compared as (rule, file,
//! line); the line is the step's `[[steps]]` header.

#[path = "../common/mod.rs"]
mod common;
use common::TempPlan;

use std::path::PathBuf;

use cutover_core::Dialect;
use cutover_core::lint::{Finding, Severity, lint_plan, rules};
use cutover_core::plan::{Plan, Version};

const BASE: &str = r#"description = "base tables"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "varchar(100)" },
  { name = "name", type = "text" },
  { name = "age", type = "integer" },
]

[[steps]]
op = "create_table"
table = "accounts"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const ALL: &[Dialect] = &Dialect::ALL;
const PG: &[Dialect] = &[Dialect::Postgres];
const MYSQL: &[Dialect] = &[Dialect::Mysql];
const SQLITE: &[Dialect] = &[Dialect::Sqlite];

fn key(f: &Finding) -> (String, String, usize) {
    let file = f
        .file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (f.rule.to_string(), file, f.line)
}

/// The findings of the base plan plus `migrations`, linted for `dialects`.
fn lint(migrations: &[(&str, &str)], dialects: &[Dialect]) -> Vec<Finding> {
    let mut files = vec![("0001_base.toml", BASE)];
    files.extend_from_slice(migrations);
    let tmp = TempPlan::new(&files);
    lint_plan(&tmp.load(), dialects)
}

#[track_caller]
fn fires(migrations: &[(&str, &str)], dialects: &[Dialect], rule: &str, file: &str, line: usize) {
    let found = lint(migrations, dialects);
    let keys: Vec<_> = found.iter().map(key).collect();
    assert!(
        keys.contains(&(rule.to_string(), file.to_string(), line)),
        "expected {rule} at {file}:{line}, got {keys:#?}"
    );
    let f = found
        .iter()
        .find(|f| f.rule == rule)
        .expect("the finding is there");
    let info = cutover_core::lint::rule(rule).expect("a known rule");
    assert_eq!(f.severity, info.severity);
    assert!(!f.message.is_empty() && !f.explanation.is_empty() && !f.fix.is_empty());
}

#[track_caller]
fn silent(migrations: &[(&str, &str)], dialects: &[Dialect], rule: &str) {
    let found: Vec<_> = lint(migrations, dialects)
        .iter()
        .filter(|f| f.rule == rule)
        .map(key)
        .collect();
    assert!(found.is_empty(), "expected no {rule}, got {found:#?}");
}

/// One migration `0002_change.toml` holding `steps` (which start at line 3).
fn change(steps: &str) -> String {
    format!("description = \"change\"\n\n{steps}")
}

fn one(steps: &str) -> Vec<(&'static str, String)> {
    vec![("0002_change.toml", change(steps))]
}

fn refs<'a>(files: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    files.iter().map(|(n, t)| (*n, t.as_str())).collect()
}

mod catalog;
mod mysql;
mod plan_format_suppressions;
mod plan_wide;
mod postgres;
mod severities;
mod sqlite;
mod suppressions;
use plan_wide::ADD_NICKNAME;
use suppressions::RENAME;
