//! Insert-select undo deletes the copied rows; a copied row that a row of any table (the
//! target itself included) references through a foreign key is left alone instead, like a
//! row changed since: deleting it would fail (NO ACTION) or silently cascade into rows users
//! wrote after the backfill.

use sea_query::Expr;

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::schema::ForeignKeyShape;

/// A foreign key of table `table` that references the undo's target.
#[derive(Debug, Clone)]
pub(super) struct IncomingFk {
    /// The referencing table.
    pub table: String,
    /// The foreign key.
    pub fk: ForeignKeyShape,
}

/// The foreign keys (from the live schema) that reference `target`.
pub(super) async fn incoming(b: &mut dyn Backend, target: &str) -> Result<Vec<IncomingFk>> {
    let shape = b.introspect().await?;
    Ok(shape
        .tables
        .into_iter()
        .flat_map(|(table, t)| {
            t.foreign_keys
                .into_iter()
                .filter(|f| f.ref_table == target)
                .map(move |fk| IncomingFk {
                    table: table.clone(),
                    fk,
                })
        })
        .collect())
}

/// `NOT EXISTS (SELECT 1 FROM child r0 WHERE r0.c = target.ref ...) AND ...`, one per
/// foreign key; `None` when nothing references the target.
pub(super) fn not_referenced(dialect: Dialect, target: &str, fks: &[IncomingFk]) -> Option<Expr> {
    let q = |s: &str| dialect.quote(s);
    let parts: Vec<String> = fks
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let alias = format!("cutover_ref{i}");
            let on =
                f.fk.columns
                    .iter()
                    .zip(&f.fk.ref_columns)
                    .map(|(c, r)| format!("{}.{} = {}.{}", q(&alias), q(c), q(target), q(r)))
                    .collect::<Vec<_>>()
                    .join(" AND ");
            format!(
                "NOT EXISTS (SELECT 1 FROM {} {} WHERE {on})",
                q(&f.table),
                q(&alias)
            )
        })
        .collect();
    if parts.is_empty() {
        return None;
    }
    Some(Expr::cust(parts.join(" AND ")))
}

/// The note telling which foreign keys kept copied rows: `child(copy_id) ON DELETE cascade`.
pub(super) fn note(fks: &[IncomingFk]) -> Option<String> {
    if fks.is_empty() {
        return None;
    }
    let list = fks
        .iter()
        .map(|f| {
            format!(
                "{}({}) ON DELETE {}",
                f.table,
                f.fk.columns.join(", "),
                f.fk.on_delete
            )
        })
        .collect::<Vec<_>>()
        .join(", ");
    Some(format!(
        "copied rows referenced by foreign keys from {list} are left alone (counted as changed since, reason: referenced)"
    ))
}
