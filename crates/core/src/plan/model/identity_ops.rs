//! `op = "resync_identity"`: move an identity column's sequence past the rows it holds.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// `op = "resync_identity"`: after rows were written with explicit ids, make the next id the
/// database generates `MAX(column) + 1` (PostgreSQL `setval`; MySQL/MariaDB and SQLite move
/// on their own, so it renders nothing there). cutover does this by itself after steps that
/// write to a table with an identity column it knows of; the step is for tables raw SQL
/// fills or creates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResyncIdentity {
    /// Table name.
    pub table: String,
    /// The identity column (default: the table's identity column as the plan defines it;
    /// required when the table was created by raw SQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}
