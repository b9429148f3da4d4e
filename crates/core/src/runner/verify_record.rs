//! The verification record: when `cutover verify` last re-ran each applied migration's
//! `after` checks, and the result.
//!
//! A small table of its own, `<history_table>_verified`, created by the first `verify` (never
//! by `status`, which only reads it when it exists), so that the history table's layout stays
//! as it is on existing databases. One row per migration version, replaced by each run.

use sea_query::{ColumnDef, Expr, ExprTrait, Query, Table};
use serde::Serialize;

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::render::ident;

/// The last verification of one migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastVerified {
    /// When it ran (RFC 3339 UTC).
    pub at: String,
    /// Whether everything passed.
    pub passed: bool,
    /// What failed, one line per failure (empty when it passed).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

/// Access to the verification record of one history table.
#[derive(Debug, Clone)]
pub(crate) struct VerifyRecord {
    table: String,
    dialect: Dialect,
}

impl VerifyRecord {
    /// The record kept beside history table `history`.
    pub(crate) fn new(history: &str, dialect: Dialect) -> VerifyRecord {
        VerifyRecord {
            table: format!("{history}_verified"),
            dialect,
        }
    }

    /// Creates the table if needed.
    pub(crate) async fn ensure(&self, b: &mut dyn Backend) -> Result<()> {
        let stmt = Table::create()
            .table(ident(&self.table))
            .if_not_exists()
            .col(
                ColumnDef::new(ident("version"))
                    .string_len(64)
                    .not_null()
                    .primary_key(),
            )
            .col(
                ColumnDef::new(ident("verified_at"))
                    .string_len(40)
                    .not_null(),
            )
            .col(ColumnDef::new(ident("result")).string_len(16).not_null())
            .col(ColumnDef::new(ident("detail")).text())
            .to_owned();
        b.execute(&self.dialect.schema(&stmt))
            .await
            .map_err(|e| e.context(format!("creating the verification record `{}`", self.table)))?;
        crate::internal_tables::protect(b, &self.table).await
    }

    /// Replaces the record of `version`.
    pub(crate) async fn write(
        &self,
        b: &mut dyn Backend,
        version: &str,
        last: &LastVerified,
    ) -> Result<()> {
        let delete = Query::delete()
            .from_table(ident(&self.table))
            .and_where(Expr::col(ident("version")).eq(version))
            .to_owned();
        let insert = Query::insert()
            .into_table(ident(&self.table))
            .columns(["version", "verified_at", "result", "detail"].map(ident))
            .values([
                Expr::val(version),
                Expr::val(last.at.clone()),
                Expr::val(if last.passed { "passed" } else { "failed" }),
                Expr::val(last.detail.clone()),
            ])
            .map_err(|e| Error::Other(format!("building the verification record: {e}")))?
            .to_owned();
        let context = |e: Error| e.context(format!("writing `{}` for {version}", self.table));
        b.execute(&self.dialect.query(&delete))
            .await
            .map_err(context)?;
        b.execute(&self.dialect.query(&insert))
            .await
            .map_err(context)?;
        Ok(())
    }

    /// Every record by version text; empty when the table does not exist (nothing is created).
    pub(crate) async fn load(&self, b: &mut dyn Backend) -> Result<Vec<(String, LastVerified)>> {
        if !b.table_exists(&self.table).await? {
            return Ok(Vec::new());
        }
        let q = Query::select()
            .columns(["version", "verified_at", "result", "detail"].map(ident))
            .from(ident(&self.table))
            .to_owned();
        let rows = b
            .query(&self.dialect.query(&q))
            .await
            .map_err(|e| e.context(format!("reading `{}`", self.table)))?;
        Ok(rows
            .rows
            .into_iter()
            .filter_map(|r| {
                let s = |i: usize| r.get(i).cloned().flatten();
                Some((
                    s(0)?,
                    LastVerified {
                        at: s(1)?,
                        passed: s(2)? == "passed",
                        detail: s(3).unwrap_or_default(),
                    },
                ))
            })
            .collect())
    }
}
