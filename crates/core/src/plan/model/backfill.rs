//! Backfill steps.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::expr::Expression;

use super::serde_helpers::ordered_exprs;

/// `op = "backfill"`: set columns of existing rows in batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backfill {
    /// Stable identifier used for checkpoints; default `<version>_<table>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The table whose rows change.
    pub table: String,
    /// Key columns for keyset pagination (default: the table's primary key).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub key: Vec<String>,
    /// The rows this backfill is about (always applied, also by `--force`).
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub r#where: Option<Expression>,
    /// Selects rows (within `where`) that still need work; makes re-runs idempotent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<Expression>,
    /// New values per column, in the order written (update forms).
    #[serde(default, with = "ordered_exprs", skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, Expression>")]
    pub set: Vec<(String, Expression)>,
    /// Insert-select form: the table that receives rows built from `table`'s rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insert_into: Option<String>,
    /// Insert-select form: the inserted columns and their values, in order.
    #[serde(default, with = "ordered_exprs", skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, Expression>")]
    pub values: Vec<(String, Expression)>,
    /// Insert-select form: one row per element of a JSON array column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub explode: Option<Explode>,
    /// Insert-select form: rows that would violate a unique key of the target are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_conflict: Option<OnConflict>,
    /// A related table to read values from (`from.table`, `from.on`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Join>,
    /// Values that reverse the backfill, per column.
    #[serde(default, with = "ordered_exprs", skip_serializing_if = "Vec::is_empty")]
    #[schemars(with = "std::collections::BTreeMap<String, Expression>")]
    pub undo: Vec<(String, Expression)>,
    /// Selects the rows the backfill changed (for `undo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_where: Option<Expression>,
    /// Whether update-form and insert-select backfills keep an undo log (default `true`):
    /// every batch records, in its own transaction, the old and new values of the rows it
    /// changed, so `cutover backfill undo` restores exactly the rows nobody changed since.
    /// `false` turns it off (undo then applies the `undo` expressions).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_log: Option<bool>,
    /// Rows per batch (default 1000, adapted at run time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
    /// Dual-write sync: install triggers (`cutover_sync_<id>`) that apply `set` to every row
    /// inserted or whose source columns are updated from the migration on, until a contract
    /// migration (or `down`, or retirement) removes them. Update form only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sync: bool,
}

/// Exploding a JSON array column: `explode = { column = "social_links", as = "link" }`
/// makes `link.value` (the element as JSON), `link.text` (a scalar element as text) and
/// `link.position` (1-based) available to `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Explode {
    /// The JSON array column of the source table.
    pub column: String,
    /// The name the element is referred to by.
    #[serde(rename = "as")]
    pub alias: String,
    /// Set at load time when `column` is an array column (`text[]`, ...) rather than json:
    /// PostgreSQL then unnests a native array.
    #[serde(skip)]
    pub array: bool,
}

/// What an insert-select backfill does with rows that violate a unique key of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Skip them (so a re-run inserts nothing twice).
    Ignore,
}

/// A related table joined into a backfill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Join {
    /// The related table.
    pub table: String,
    /// The join condition, e.g. `conversations.id = messages.conversation_id`.
    pub on: Expression,
}

impl Backfill {
    /// The backfill's id: `id` when given, else `<version>_<table>` of the migration
    /// `version` that holds it. Ids name checkpoints, so they are unique in a plan.
    pub fn id_in(&self, version: &crate::plan::Version) -> String {
        self.id
            .clone()
            .unwrap_or_else(|| format!("{}_{}", version, self.table))
    }
}
