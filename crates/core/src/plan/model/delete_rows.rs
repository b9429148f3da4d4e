//! `op = "delete_rows"`: a typed row delete (rollbacks, retiring bad rows).

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};

use crate::expr::Expression;

/// `op = "delete_rows"`: deletes the rows of `table` that `where` selects, in one statement.
///
/// `where` is required (a missing or empty one is refused at load time); deleting every
/// row is spelled `where = "TRUE"`. It is a portable expression and may use subqueries,
/// e.g. `EXISTS (SELECT 1 FROM profiles p JOIN json_each(p.links) AS l WHERE ..)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeleteRows {
    /// The table rows are deleted from.
    pub table: String,
    /// Which rows; `None` only while loading (validation refuses it).
    #[serde(
        default,
        deserialize_with = "blank_is_none",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(
        with = "Expression",
        description = "Which rows to delete: a portable condition (required; `where = \"TRUE\"` deletes every row)."
    )]
    pub r#where: Option<Expression>,
}

/// An empty or blank `where` counts as missing, so it gets the same hint.
fn blank_is_none<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Expression>, D::Error> {
    let s = String::deserialize(d)?;
    if s.trim().is_empty() {
        return Ok(None);
    }
    Expression::parse(&s)
        .map(Some)
        .map_err(|e| serde::de::Error::custom(e.to_string()))
}
