//! Schema steps: tables, columns, indexes and constraints.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::expr::Expression;
use crate::types::ColumnType;

pub use super::constraint_ops::{
    AddCheck, AddForeignKey, AddUnique, DropConstraint, ValidateConstraint,
};
use super::serde_helpers::{column_type_serde, is_false, opt_column_type_serde};

/// A column definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Portable type, e.g. `bigint`, `varchar(255)`, `json`.
    #[serde(rename = "type", with = "column_type_serde")]
    #[schemars(with = "crate::plan::json_schema::ColumnTypeName")]
    pub ty: ColumnType,
    /// Whether NULL is allowed. Default: true, except for primary-key columns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// A literal default value (string, integer, float or boolean).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Literal>,
    /// A default given as a portable expression, e.g. `now()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_expr: Option<Expression>,
    /// Whether this column alone is the primary key.
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary_key: bool,
    /// Whether values are generated (identity / AUTO_INCREMENT / INTEGER PRIMARY KEY).
    #[serde(default, skip_serializing_if = "is_false")]
    pub identity: bool,
    /// Whether the column carries a UNIQUE constraint of its own.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
}

impl Column {
    /// The effective nullability: explicit, else false for primary keys, else true.
    pub fn is_nullable(&self) -> bool {
        self.nullable.unwrap_or(!self.primary_key)
    }
}

/// A literal value in a plan (defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Literal {
    /// true / false.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Text(String),
}

/// `op = "create_table"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateTable {
    /// Table name.
    pub table: String,
    /// Do nothing when the table exists.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_not_exists: bool,
    /// The columns, in order.
    pub columns: Vec<Column>,
    /// A composite primary key (use `primary_key = true` on a column for a single one).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub primary_key: Vec<String>,
    /// Unique constraints over one or more columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unique: Vec<UniqueConstraint>,
    /// Named check constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckConstraint>,
    /// Foreign keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_keys: Vec<ForeignKey>,
    /// SQLite only: keep the rowid. A table whose primary key is one `uuid` column is
    /// created `WITHOUT ROWID` on SQLite (its rows stored in key order, like the other
    /// databases' clustered keys); `true` keeps an ordinary rowid table.
    #[serde(default, skip_serializing_if = "is_false")]
    pub sqlite_rowid: bool,
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UniqueConstraint {
    /// Constraint name; default `uq_<table>_<columns>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<String>,
}

/// A named check constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckConstraint {
    /// Constraint name.
    pub name: String,
    /// The condition, a portable expression.
    pub expr: Expression,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// Constraint name; default `fk_<table>_<columns>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Referencing columns of this table.
    pub columns: Vec<String>,
    /// Referenced table and columns, written `table(col, ...)`.
    pub references: References,
    /// What happens to rows when the referenced row is deleted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_delete: Option<FkAction>,
    /// What happens to rows when the referenced key changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_update: Option<FkAction>,
}

/// The target of a foreign key: `conversations(id)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct References {
    /// Referenced table.
    pub table: String,
    /// Referenced columns.
    pub columns: Vec<String>,
}

/// A referential action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FkAction {
    /// ON ... CASCADE.
    Cascade,
    /// ON ... SET NULL.
    SetNull,
    /// ON ... SET DEFAULT.
    SetDefault,
    /// ON ... RESTRICT.
    Restrict,
    /// ON ... NO ACTION.
    NoAction,
}

/// `op = "drop_table"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropTable {
    /// Table name.
    pub table: String,
    /// Do nothing when the table does not exist.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_exists: bool,
    /// Also drop dependent objects (Postgres); refused where the dialect has no CASCADE.
    #[serde(default, skip_serializing_if = "is_false")]
    pub cascade: bool,
}

/// `op = "rename_table"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameTable {
    /// Current name.
    pub table: String,
    /// New name.
    pub to: String,
}

/// `op = "add_column"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    /// Table name.
    pub table: String,
    /// The new column.
    pub column: Column,
}

/// `op = "drop_column"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropColumn {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
}

/// `op = "rename_column"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RenameColumn {
    /// Table name.
    pub table: String,
    /// Current column name.
    pub column: String,
    /// New column name.
    pub to: String,
}

/// `op = "alter_column"`: change type, nullability and/or default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AlterColumn {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
    /// New type.
    #[serde(
        default,
        rename = "type",
        with = "opt_column_type_serde",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<crate::plan::json_schema::ColumnTypeName>")]
    pub ty: Option<ColumnType>,
    /// New nullability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nullable: Option<bool>,
    /// New literal default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Literal>,
    /// New default as an expression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_expr: Option<Expression>,
    /// Remove the default.
    #[serde(default, skip_serializing_if = "is_false")]
    pub drop_default: bool,
}

/// `op = "create_index"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateIndex {
    /// Table name.
    pub table: String,
    /// Index name; default `idx_<table>_<columns>` (`uq_` for unique).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Indexed columns, each optionally followed by ` DESC`.
    pub columns: Vec<String>,
    /// A unique index.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// A partial index over the rows matching this expression.
    #[serde(default, rename = "where", skip_serializing_if = "Option::is_none")]
    pub r#where: Option<Expression>,
    /// Build without blocking writes (Postgres `CONCURRENTLY`; runs outside a transaction).
    #[serde(default, skip_serializing_if = "is_false")]
    pub concurrently: bool,
    /// Do nothing when the index exists.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_not_exists: bool,
}

impl CreateTable {
    /// The types of the primary-key columns, in key order (inline `primary_key = true` or
    /// the composite `primary_key`).
    pub fn key_types(&self) -> Vec<ColumnType> {
        if self.primary_key.is_empty() {
            return self
                .columns
                .iter()
                .filter(|c| c.primary_key)
                .map(|c| c.ty)
                .collect();
        }
        self.primary_key
            .iter()
            .filter_map(|k| self.columns.iter().find(|c| c.name == *k).map(|c| c.ty))
            .collect()
    }
}

impl CreateIndex {
    /// The index name, given or derived.
    pub fn index_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| {
            let cols: Vec<&str> = self
                .columns
                .iter()
                .map(|c| c.split_whitespace().next().unwrap_or(c))
                .collect();
            let prefix = if self.unique { "uq" } else { "idx" };
            format!("{prefix}_{}_{}", self.table, cols.join("_"))
        })
    }
}

/// `op = "drop_index"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DropIndex {
    /// Index name.
    pub name: String,
    /// The table it belongs to (MySQL needs it).
    pub table: String,
    /// Do nothing when the index does not exist.
    #[serde(default, skip_serializing_if = "is_false")]
    pub if_exists: bool,
    /// Drop without blocking (Postgres `CONCURRENTLY`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub concurrently: bool,
}
