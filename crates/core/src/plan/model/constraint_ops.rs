//! Constraint steps of the plan model: add and drop foreign keys, unique and check
//! constraints, and validate a constraint added `NOT VALID`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::expr::Expression;

use super::schema_ops::{FkAction, ForeignKey, References, UniqueConstraint};
use super::serde_helpers::is_false;

/// `op = "add_foreign_key"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddForeignKey {
    /// Referencing table.
    pub table: String,
    /// Constraint name; default `fk_<table>_<columns>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table and columns, `table(col, ...)`.
    pub references: References,
    /// ON DELETE action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<FkAction>,
    /// ON UPDATE action.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<FkAction>,
    /// Add without checking existing rows (Postgres `NOT VALID`); check them later with a
    /// `validate_constraint` step. Other dialects check the rows when the key is added.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
}

impl AddForeignKey {
    /// The foreign key as declared inside a table.
    pub fn foreign_key(&self) -> ForeignKey {
        ForeignKey {
            name: self.name.clone(),
            columns: self.columns.clone(),
            references: self.references.clone(),
            on_delete: self.on_delete,
            on_update: self.on_update,
        }
    }
}

impl AddUnique {
    /// The constraint name, given or derived (`uq_<table>_<columns>`).
    pub fn constraint_name(&self) -> String {
        UniqueConstraint {
            name: self.name.clone(),
            columns: self.columns.clone(),
        }
        .constraint_name(&self.table)
    }
}

impl ForeignKey {
    /// The constraint name, given or derived.
    pub fn constraint_name(&self, table: &str) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("fk_{table}_{}", self.columns.join("_")))
    }
}

impl UniqueConstraint {
    /// The constraint name, given or derived.
    pub fn constraint_name(&self, table: &str) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("uq_{table}_{}", self.columns.join("_")))
    }
}

/// `op = "drop_foreign_key"`, `"drop_check"` or `"drop_unique"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropConstraint {
    /// Table name.
    pub table: String,
    /// Constraint name.
    pub name: String,
}

/// `op = "add_check"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCheck {
    /// Table name.
    pub table: String,
    /// Constraint name.
    pub name: String,
    /// The condition.
    pub expr: Expression,
    /// Add without checking existing rows (Postgres `NOT VALID`); check them later with a
    /// `validate_constraint` step. Other dialects check the rows when the check is added.
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_valid: bool,
}

/// `op = "validate_constraint"`: checks existing rows against a foreign key or check that
/// was added with `not_valid = true`, without blocking writes (Postgres `VALIDATE
/// CONSTRAINT`). Renders nothing on MySQL and SQLite, which check rows when adding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValidateConstraint {
    /// Table name.
    pub table: String,
    /// Constraint name.
    pub name: String,
}

/// `op = "add_unique"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddUnique {
    /// Table name.
    pub table: String,
    /// Constraint name; default `uq_<table>_<columns>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<String>,
}
