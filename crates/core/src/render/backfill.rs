//! The SQL of backfill steps.
//!
//! The set-based form here is what `cutover sql` prints and what a backfill amounts to; the
//! backfill engine runs the same assignments in keyset-paginated batches.

use sea_query::{Expr, ExprTrait, Query, UpdateStatement};

use super::{ident, unsupported};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::{Backfill, Migration};
use crate::schema::Schema;

/// The rendered parts of a backfill step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillSql {
    /// The stable backfill id.
    pub id: String,
    /// The key columns used for pagination.
    pub key: Vec<String>,
    /// One statement that backfills every pending row at once.
    pub update_all: String,
}

/// The id of a backfill: given, or `<version>_<table>`.
pub(crate) fn backfill_id(b: &Backfill, m: &Migration) -> String {
    b.id.clone()
        .unwrap_or_else(|| format!("{}_{}", m.version, b.table))
}

/// The key columns of a backfill: declared, or the table's primary key from the plan.
pub fn backfill_key(b: &Backfill, schema: &Schema) -> Option<Vec<String>> {
    if !b.key.is_empty() {
        return Some(b.key.clone());
    }
    schema
        .table(&b.table)
        .map(|t| t.primary_key.clone())
        .filter(|k| !k.is_empty())
}

/// The UPDATE that applies `b` to the rows matching `extra` (and `pending`).
pub(crate) fn update_statement(
    b: &Backfill,
    dialect: Dialect,
    extra: Option<Expr>,
) -> Result<UpdateStatement> {
    let mut q = Query::update();
    q.table(ident(&b.table));
    for (col, e) in &b.set {
        q.value(ident(col), e.render(dialect)?);
    }
    let mut cond: Option<Expr> = None;
    let mut and = |e: Expr| {
        cond = Some(match cond.take() {
            Some(c) => c.and(e),
            None => e,
        });
    };
    if let Some(j) = &b.from {
        q.from(ident(&j.table));
        and(j.on.render(dialect)?);
    }
    if let Some(p) = &b.pending {
        and(p.render(dialect)?);
    }
    if let Some(e) = extra {
        and(e);
    }
    if let Some(c) = cond {
        q.and_where(c);
    }
    Ok(q)
}

/// Renders a backfill step for `dialect`.
pub fn render_backfill(
    b: &Backfill,
    dialect: Dialect,
    schema: &Schema,
    migration: &Migration,
) -> Result<BackfillSql> {
    let key = match backfill_key(b, schema) {
        Some(k) => k,
        None if schema.table(&b.table).is_some() => {
            return Err(unsupported(
                dialect,
                "backfill",
                &b.table,
                "the table has no primary key: declare `key = [\"col\"]` naming a unique, not-null key for keyset pagination",
            ));
        }
        // A table created outside the plan: the engine resolves its key from the catalog.
        None => Vec::new(),
    };
    let update = update_statement(b, dialect, None)?;
    Ok(BackfillSql {
        id: backfill_id(b, migration),
        key,
        update_all: dialect.query(&update),
    })
}
