//! The `Step` enum: one variant per `op`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::expr::Expression;

use super::backfill::Backfill;
use super::captured::RestoreCaptured;
use super::delete_rows::DeleteRows;
use super::identity_ops::ResyncIdentity;
use super::pg_security::{CreatePolicy, DropPolicy, Grant, Revoke, RowSecurity};
use super::schema_ops::{
    AddCheck, AddColumn, AddForeignKey, AddUnique, AlterColumn, Column, CreateIndex, CreateTable,
    DropColumn, DropConstraint, DropIndex, DropTable, RenameColumn, RenameTable,
    ValidateConstraint,
};
use super::sql_ops::SqlStep;

/// One step of a migration. In TOML a step is a `[[steps]]` table whose `op` names the variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// `op = "resync_identity"`: move an identity sequence past the rows (Postgres; nothing
    /// elsewhere).
    ResyncIdentity(ResyncIdentity),
    /// `op = "delete_rows"`: delete the rows a `where` selects (a data loss).
    DeleteRows(DeleteRows),
    /// `op = "enable_rls"`: enable row-level security on a table (PostgreSQL only).
    EnableRls(RowSecurity),
    /// `op = "disable_rls"`: disable row-level security on a table (PostgreSQL only).
    DisableRls(RowSecurity),
    /// `op = "create_policy"`: a row-level-security policy (PostgreSQL only).
    CreatePolicy(CreatePolicy),
    /// `op = "drop_policy"`: drop a policy, capturing its definition for `down`
    /// (PostgreSQL only).
    DropPolicy(DropPolicy),
    /// `op = "grant"`: grant privileges to roles (PostgreSQL only).
    Grant(Grant),
    /// `op = "revoke"`: revoke privileges, capturing the rights held for `down`
    /// (PostgreSQL only).
    Revoke(Revoke),
    /// Derived by `down` only, never written in a plan: re-create an object captured when
    /// the migration ran.
    #[serde(skip)]
    #[schemars(skip)]
    RestoreCaptured(RestoreCaptured),
}

impl Step {
    /// The table the step works on (`None` for raw SQL). For a rename it is the old name.
    pub fn table(&self) -> Option<&str> {
        Some(match self {
            Step::CreateTable(t) => &t.table,
            Step::DropTable(t) => &t.table,
            Step::RenameTable(t) => &t.table,
            Step::AddColumn(t) => &t.table,
            Step::DropColumn(t) => &t.table,
            Step::RenameColumn(t) => &t.table,
            Step::AlterColumn(t) => &t.table,
            Step::CreateIndex(t) => &t.table,
            Step::DropIndex(t) => &t.table,
            Step::AddForeignKey(t) => &t.table,
            Step::DropForeignKey(t) | Step::DropCheck(t) | Step::DropUnique(t) => &t.table,
            Step::AddCheck(t) => &t.table,
            Step::AddUnique(t) => &t.table,
            Step::Backfill(t) => &t.table,
            Step::ValidateConstraint(t) => &t.table,
            Step::ResyncIdentity(t) => &t.table,
            Step::DeleteRows(t) => &t.table,
            Step::EnableRls(t) | Step::DisableRls(t) => &t.table,
            Step::CreatePolicy(t) => &t.table,
            Step::DropPolicy(t) => &t.table,
            Step::Sql(_) | Step::Grant(_) | Step::Revoke(_) | Step::RestoreCaptured(_) => {
                return None;
            }
        })
    }

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
            Step::ResyncIdentity(_) => "resync_identity",
            Step::DeleteRows(_) => "delete_rows",
            Step::EnableRls(_) => "enable_rls",
            Step::DisableRls(_) => "disable_rls",
            Step::CreatePolicy(_) => "create_policy",
            Step::DropPolicy(_) => "drop_policy",
            Step::Grant(_) => "grant",
            Step::Revoke(_) => "revoke",
            Step::RestoreCaptured(_) => "restore_captured",
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
            Step::DeleteRows(d) => out.extend(d.r#where.iter().map(|w| ("where".into(), w))),
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
