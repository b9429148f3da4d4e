//! Migration-level checks and rollout phases.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::expr::{Expression, SelectQuery};

/// A migration-level check: a query with an expected result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// A short name shown in output.
    pub name: String,
    /// Before the migration (precondition) or after it (verification).
    #[serde(default)]
    pub when: CheckWhen,
    /// Count the rows of this table (with `where`) ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// ... that match this portable condition.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub r#where: Option<Expression>,
    /// Or run this portable query (one SELECT of one value), rendered for each dialect ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<SelectQuery>,
    /// Or run this query returning one number, for every dialect ...
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// ... or per dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL/MariaDB query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// SQLite query.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// The expected value: a number (`expect = 0`) or a comparison (`expect = ">= 100"`).
    pub expect: Expect,
    /// What a failing check does.
    #[serde(default)]
    pub on_fail: OnFail,
}

/// When a check runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CheckWhen {
    /// A precondition, run before the migration.
    Before,
    /// A verification, run after the migration.
    #[default]
    After,
}

/// What a failing check does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnFail {
    /// Stop (before) or roll back (after).
    #[default]
    Halt,
    /// Skip this migration (preconditions only).
    Skip,
    /// Print a warning and go on.
    Warn,
}

/// An expected check result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "toml::Value", into = "String")]
pub struct Expect {
    /// The comparison.
    pub op: CompareOp,
    /// The value compared with.
    pub value: f64,
}

/// A comparison operator of [`Expect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CompareOp {
    /// `=`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// A migration's phase in an expand -> backfill -> contract rollout.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Additive schema changes that old and new code both tolerate.
    Expand,
    /// Data migration.
    Backfill,
    /// Destructive changes once nothing uses the old shape.
    Contract,
}
