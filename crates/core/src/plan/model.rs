//! The typed plan model: what a migration file says, after parsing.
//!
//! Every type here derives `Serialize`: the canonical JSON form of a parsed migration is what
//! its checksum is computed over, so reformatting a TOML file does not change the checksum.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::dialect::Dialect;
use crate::expr::Expression;
use crate::types::ColumnType;

/// One step of a migration. In TOML a step is a `[[steps]]` table whose `op` names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
// Steps are parsed once and held a few per migration; boxing the large variants would only
// add noise to every match.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// `op = "create_table"`.
    CreateTable(CreateTable),
    /// `op = "drop_table"`.
    DropTable(DropTable),
    /// `op = "rename_table"`.
    RenameTable(RenameTable),
    /// `op = "add_column"`.
    AddColumn(AddColumn),
    /// `op = "drop_column"`.
    DropColumn(DropColumn),
    /// `op = "rename_column"`.
    RenameColumn(RenameColumn),
    /// `op = "alter_column"`.
    AlterColumn(AlterColumn),
    /// `op = "create_index"`.
    CreateIndex(CreateIndex),
    /// `op = "drop_index"`.
    DropIndex(DropIndex),
    /// `op = "add_foreign_key"`.
    AddForeignKey(AddForeignKey),
    /// `op = "drop_foreign_key"`.
    DropForeignKey(DropConstraint),
    /// `op = "add_check"`.
    AddCheck(AddCheck),
    /// `op = "drop_check"`.
    DropCheck(DropConstraint),
    /// `op = "add_unique"`.
    AddUnique(AddUnique),
    /// `op = "drop_unique"`.
    DropUnique(DropConstraint),
    /// `op = "sql"`: raw SQL, once for all dialects or per dialect.
    Sql(SqlStep),
    /// `op = "backfill"`: a batched data change.
    Backfill(Backfill),
    /// `op = "validate_constraint"`: check the rows against a constraint added with
    /// `not_valid = true` (Postgres; nothing elsewhere).
    ValidateConstraint(ValidateConstraint),
}

impl Step {
    /// The `op` name of this step, as written in plans.
    pub fn op(&self) -> &'static str {
        match self {
            Step::CreateTable(_) => "create_table",
            Step::DropTable(_) => "drop_table",
            Step::RenameTable(_) => "rename_table",
            Step::AddColumn(_) => "add_column",
            Step::DropColumn(_) => "drop_column",
            Step::RenameColumn(_) => "rename_column",
            Step::AlterColumn(_) => "alter_column",
            Step::CreateIndex(_) => "create_index",
            Step::DropIndex(_) => "drop_index",
            Step::AddForeignKey(_) => "add_foreign_key",
            Step::DropForeignKey(_) => "drop_foreign_key",
            Step::AddCheck(_) => "add_check",
            Step::DropCheck(_) => "drop_check",
            Step::AddUnique(_) => "add_unique",
            Step::DropUnique(_) => "drop_unique",
            Step::Sql(_) => "sql",
            Step::Backfill(_) => "backfill",
            Step::ValidateConstraint(_) => "validate_constraint",
        }
    }

    /// Every expression in the step, with the field it came from (for load-time validation).
    pub fn expressions(&self) -> Vec<(String, &Expression)> {
        fn column<'a>(prefix: &str, c: &'a Column, out: &mut Vec<(String, &'a Expression)>) {
            if let Some(e) = &c.default_expr {
                out.push((format!("{prefix}default_expr"), e));
            }
        }
        let mut out = Vec::new();
        match self {
            Step::CreateTable(t) => {
                for (i, c) in t.columns.iter().enumerate() {
                    column(&format!("columns[{i}]."), c, &mut out);
                }
                for (i, c) in t.checks.iter().enumerate() {
                    out.push((format!("checks[{i}].expr"), &c.expr));
                }
            }
            Step::AddColumn(a) => column("column.", &a.column, &mut out),
            Step::AlterColumn(a) => {
                if let Some(e) = &a.default_expr {
                    out.push(("default_expr".into(), e));
                }
            }
            Step::CreateIndex(i) => {
                if let Some(e) = &i.r#where {
                    out.push(("where".into(), e));
                }
            }
            Step::AddCheck(c) => out.push(("expr".into(), &c.expr)),
            Step::Backfill(b) => {
                if let Some(p) = &b.pending {
                    out.push(("pending".into(), p));
                }
                if let Some(w) = &b.r#where {
                    out.push(("where".into(), w));
                }
                for (k, e) in &b.set {
                    out.push((format!("set.{k}"), e));
                }
                for (k, e) in &b.values {
                    out.push((format!("values.{k}"), e));
                }
                for (k, e) in &b.undo {
                    out.push((format!("undo.{k}"), e));
                }
                if let Some(e) = &b.undo_where {
                    out.push(("undo_where".into(), e));
                }
                if let Some(j) = &b.from {
                    out.push(("from.on".into(), &j.on));
                }
            }
            _ => {}
        }
        out
    }
}

/// A column definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    /// Column name.
    pub name: String,
    /// Portable type, e.g. `bigint`, `varchar(255)`, `json`.
    #[serde(rename = "type", with = "column_type_serde")]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UniqueConstraint {
    /// Constraint name; default `uq_<table>_<columns>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The columns.
    pub columns: Vec<String>,
}

/// A named check constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckConstraint {
    /// Constraint name.
    pub name: String,
    /// The condition, a portable expression.
    pub expr: Expression,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameTable {
    /// Current name.
    pub table: String,
    /// New name.
    pub to: String,
}

/// `op = "add_column"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AddColumn {
    /// Table name.
    pub table: String,
    /// The new column.
    pub column: Column,
}

/// `op = "drop_column"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropColumn {
    /// Table name.
    pub table: String,
    /// Column name.
    pub column: String,
}

/// `op = "rename_column"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// `op = "add_foreign_key"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropConstraint {
    /// Table name.
    pub table: String,
    /// Constraint name.
    pub name: String,
}

/// `op = "add_check"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateConstraint {
    /// Table name.
    pub table: String,
    /// Constraint name.
    pub name: String,
}

/// `op = "add_unique"`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// SQL text given once for every dialect and/or per dialect.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialectSql {
    /// SQL for every dialect without its own entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// PostgreSQL-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL/MariaDB-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// SQLite-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
}

impl DialectSql {
    /// The SQL for `dialect`: its own entry, else the shared one.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<&str> {
        let own = match dialect {
            Dialect::Postgres => &self.postgres,
            Dialect::Mysql => &self.mysql,
            Dialect::Sqlite => &self.sqlite,
        };
        own.as_deref().or(self.sql.as_deref())
    }

    /// Whether no SQL is given at all.
    pub fn is_empty(&self) -> bool {
        self.sql.is_none()
            && self.postgres.is_none()
            && self.mysql.is_none()
            && self.sqlite.is_none()
    }
}

/// `op = "sql"`: raw SQL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqlStep {
    /// SQL for every dialect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sql: Option<String>,
    /// PostgreSQL-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postgres: Option<String>,
    /// MySQL/MariaDB-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mysql: Option<String>,
    /// SQLite-specific SQL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sqlite: Option<String>,
    /// Run only on these dialects (default: every dialect that has SQL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dialects: Option<Vec<Dialect>>,
    /// The reverse SQL, used by `down`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub down: Option<SqlDown>,
}

impl SqlStep {
    /// The up SQL as a per-dialect set.
    pub fn up(&self) -> DialectSql {
        DialectSql {
            sql: self.sql.clone(),
            postgres: self.postgres.clone(),
            mysql: self.mysql.clone(),
            sqlite: self.sqlite.clone(),
        }
    }

    /// Whether this step runs on `dialect`.
    pub fn applies_to(&self, dialect: Dialect) -> bool {
        match &self.dialects {
            Some(list) => list.contains(&dialect),
            None => true,
        }
    }
}

/// The `down` of a raw SQL step: one string for all dialects or a per-dialect table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SqlDown {
    /// The same SQL for every dialect.
    All(String),
    /// Per-dialect SQL.
    PerDialect(DialectSql),
}

impl SqlDown {
    /// The down SQL for `dialect`.
    pub fn for_dialect(&self, dialect: Dialect) -> Option<&str> {
        match self {
            SqlDown::All(s) => Some(s),
            SqlDown::PerDialect(d) => d.for_dialect(dialect),
        }
    }
}

/// `op = "backfill"`: set columns of existing rows in batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    pub set: Vec<(String, Expression)>,
    /// Insert-select form: the table that receives rows built from `table`'s rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub insert_into: Option<String>,
    /// Insert-select form: the inserted columns and their values, in order.
    #[serde(default, with = "ordered_exprs", skip_serializing_if = "Vec::is_empty")]
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
    pub undo: Vec<(String, Expression)>,
    /// Selects the rows the backfill changed (for `undo`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub undo_where: Option<Expression>,
    /// Rows per batch (default 1000, adapted at run time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_size: Option<u32>,
}

/// Exploding a JSON array column: `explode = { column = "social_links", as = "link" }`
/// makes `link.value` (the element as JSON), `link.text` (a scalar element as text) and
/// `link.position` (1-based) available to `values`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Explode {
    /// The JSON array column of the source table.
    pub column: String,
    /// The name the element is referred to by.
    #[serde(rename = "as")]
    pub alias: String,
}

/// What an insert-select backfill does with rows that violate a unique key of the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnConflict {
    /// Skip them (so a re-run inserts nothing twice).
    Ignore,
}

/// A related table joined into a backfill.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Join {
    /// The related table.
    pub table: String,
    /// The join condition, e.g. `conversations.id = messages.conversation_id`.
    pub on: Expression,
}

/// A migration-level check: a query with an expected result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckWhen {
    /// A precondition, run before the migration.
    Before,
    /// A verification, run after the migration.
    #[default]
    After,
}

/// What a failing check does.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Additive schema changes that old and new code both tolerate.
    Expand,
    /// Data migration.
    Backfill,
    /// Destructive changes once nothing uses the old shape.
    Contract,
}

fn is_false(b: &bool) -> bool {
    !*b
}

mod column_type_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::types::ColumnType;

    pub fn serialize<S: Serializer>(ty: &ColumnType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&ty.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ColumnType, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

mod opt_column_type_serde {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::types::ColumnType;

    pub fn serialize<S: Serializer>(ty: &Option<ColumnType>, s: S) -> Result<S::Ok, S::Error> {
        match ty {
            Some(t) => s.serialize_str(&t.to_string()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ColumnType>, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map(Some).map_err(serde::de::Error::custom)
    }
}

/// `set.col = "expr"` tables, kept in the order written (MySQL evaluates SET left to right).
mod ordered_exprs {
    use serde::de::{MapAccess, Visitor};
    use serde::ser::SerializeMap;
    use serde::{Deserializer, Serializer};

    use crate::expr::Expression;

    pub fn serialize<S: Serializer>(v: &[(String, Expression)], s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(v.len()))?;
        for (k, e) in v {
            map.serialize_entry(k, e)?;
        }
        map.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Vec<(String, Expression)>, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Vec<(String, Expression)>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a table of column = \"expression\"")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, Expression>()? {
                    out.push((k, v));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

/// Checks that a set of names holds no duplicates; returns the first duplicate.
pub(crate) fn first_duplicate<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = BTreeMap::new();
    names.into_iter().find(|&n| seen.insert(n, ()).is_some())
}
