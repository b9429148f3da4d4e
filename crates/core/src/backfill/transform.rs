//! Backfills whose values Rust computes: the library hands each batch of rows to a closure
//! and writes the results back with one multi-row UPDATE per batch.

use std::time::Instant;

use sea_query::{CaseStatement, Expr, ExprTrait, Order, Query};

use super::report::BackfillReport;
use super::sql::{key_text, key_value};
use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::expr::Expression;
use crate::render::ident;

/// One row given to a transform: its key and the columns it asked to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformRow {
    /// Key values, in key-column order (a binary key as the dialect reads it as text: hex
    /// on MySQL/MariaDB and SQLite, `\x..` on PostgreSQL).
    pub key: Vec<String>,
    /// Values of the read columns, in order (NULL is `None`).
    pub values: Vec<Option<String>>,
}

/// Computes, for each row of a batch, the new values of the written columns (in order;
/// `None` writes NULL). Closures of that shape implement it.
pub trait Transform: Send + Sync {
    /// Transforms one batch.
    fn apply(&self, rows: &[TransformRow]) -> Result<Vec<Vec<Option<String>>>>;
}

impl<F> Transform for F
where
    F: Fn(&[TransformRow]) -> Result<Vec<Vec<Option<String>>>> + Send + Sync,
{
    fn apply(&self, rows: &[TransformRow]) -> Result<Vec<Vec<Option<String>>>> {
        self(rows)
    }
}

/// What a transform backfill works on.
#[derive(Debug, Clone)]
pub struct TransformJob {
    /// A name for messages.
    pub id: String,
    /// The table.
    pub table: String,
    /// A single-column key (primary key or unique, not null) to walk in order.
    pub key: String,
    /// Columns handed to the transform.
    pub read: Vec<String>,
    /// Columns it writes.
    pub write: Vec<String>,
    /// Rows still needing work (None: every row).
    pub pending: Option<Expression>,
    /// Rows per batch.
    pub batch_size: u64,
}

/// Runs `transform` over every pending row of `job.table`, batch by batch.
pub async fn run_transform(
    b: &mut dyn Backend,
    job: &TransformJob,
    transform: &dyn Transform,
) -> Result<BackfillReport> {
    let dialect = b.dialect();
    let started = Instant::now();
    let types = b.query(&dialect.sql().column_types_sql(&job.table)).await?;
    let declared = |col: &str| -> String {
        super::keys::declared_type(&types, col)
            .unwrap_or_default()
            .to_ascii_lowercase()
    };
    let key_kind = dialect.key_kinds().key_kind(&declared(&job.key));
    let key_lit = |v: &str| -> Expr { key_value(dialect, v, key_kind) };
    let mut report = BackfillReport {
        id: job.id.clone(),
        parts: 1,
        ..BackfillReport::default()
    };
    let mut cursor: Option<String> = None;
    loop {
        let mut q = Query::select();
        q.expr_as(
            key_text(dialect, None, &job.key, Some(key_kind)),
            ident(&job.key),
        )
        .from(ident(&job.table));
        for c in &job.read {
            q.column(ident(c));
        }
        if let Some(c) = &cursor {
            q.and_where(Expr::col(ident(&job.key)).gt(key_lit(c)));
        }
        if let Some(p) = &job.pending {
            q.and_where(p.render(dialect)?);
        }
        q.order_by(ident(&job.key), Order::Asc)
            .limit(std::cmp::max(job.batch_size, 1));
        let rows = b.query(&dialect.query(&q)).await?;
        if rows.rows.is_empty() {
            break;
        }
        let batch: Vec<TransformRow> = rows
            .rows
            .iter()
            .map(|r| TransformRow {
                key: vec![r.first().cloned().flatten().unwrap_or_default()],
                values: r.iter().skip(1).cloned().collect(),
            })
            .collect();
        let new = transform.apply(&batch)?;
        if new.len() != batch.len() || new.iter().any(|v| v.len() != job.write.len()) {
            return Err(Error::Other(format!(
                "transform `{}` returned {} rows for a batch of {} (each needs {} values)",
                job.id,
                new.len(),
                batch.len(),
                job.write.len()
            )));
        }
        let mut update = Query::update();
        update.table(ident(&job.table));
        for (ci, col) in job.write.iter().enumerate() {
            let ty = declared(col);
            let mut case = CaseStatement::new();
            for (row, values) in batch.iter().zip(&new) {
                let value = match &values[ci] {
                    Some(v) => Expr::cust(dialect.sql().typed_literal(v, &ty)),
                    None => Expr::null(),
                };
                case = case.case(Expr::col(ident(&job.key)).eq(key_lit(&row.key[0])), value);
            }
            let case: Expr = case.finally(Expr::col(ident(col))).into();
            update.value(ident(col), case);
        }
        update
            .and_where(Expr::col(ident(&job.key)).is_in(batch.iter().map(|r| key_lit(&r.key[0]))));
        b.begin().await?;
        let changed = match b.execute(&dialect.query(&update)).await {
            Ok(n) => n,
            Err(e) => {
                let _ = b.rollback().await;
                return Err(e.context(format!(
                    "transform `{}`, batch after key {cursor:?}",
                    job.id
                )));
            }
        };
        b.commit().await?;
        report.rows_scanned += batch.len() as u64;
        report.rows_changed += changed;
        report.batches += 1;
        cursor = batch.last().map(|r| r.key[0].clone());
    }
    report.outcome = "done".into();
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}
