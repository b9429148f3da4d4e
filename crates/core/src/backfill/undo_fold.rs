//! Unpacking what the database logged by itself ([`super::undo_capture`]) into the per-row
//! log, before anything reads the log.

use super::undo_log::{UndoLog, n};
use crate::backend::Backend;
use crate::dialect::{CaptureShape, Dialect, UndoCapture};
use crate::error::Result;

impl UndoLog {
    /// Unpacks the packed batches into the per-row log, oldest first, one transaction each
    /// (a run killed half-way goes on where it stopped), then drops the log rows whose
    /// values the backfill did not really change in the end (the trigger packs every row
    /// the UPDATE wrote: comparing them there, as text, cost more than the packing).
    /// Does nothing where nothing is packed.
    pub(crate) async fn fold(&self, b: &mut dyn Backend) -> Result<()> {
        self.fold_with(b, true).await
    }

    /// [`fold`](Self::fold) inside the caller's transaction (a dry run rolls it back).
    pub(crate) async fn fold_within(&self, b: &mut dyn Backend) -> Result<()> {
        self.fold_with(b, false).await
    }

    async fn fold_with(&self, b: &mut dyn Backend, own_transactions: bool) -> Result<()> {
        let Some(capture) = self.capture(b.dialect()) else {
            return Ok(());
        };
        if !b.table_exists(&format!("{}_b", self.table)).await? {
            return Ok(());
        }
        let shape = self.capture_shape(b, false).await?;
        let mut folded = false;
        loop {
            if own_transactions {
                b.begin().await?;
            }
            let moved = fold_step(b, capture, &shape).await;
            match (&moved, own_transactions) {
                (Err(_), true) => b.rollback().await?,
                (Ok(_), true) => b.commit().await?,
                _ => {}
            }
            let moved = moved.map_err(|e| {
                e.context(format!(
                    "unpacking the undo log {} of table `{}`",
                    self.table, self.target
                ))
            })?;
            if !moved {
                break;
            }
            folded = true;
        }
        if folded {
            // Every written column the log holds, also those of an older definition: a row
            // an earlier run changed only there is not "unchanged".
            let mut all = self.clone();
            all.cols = super::undo_log::written_in(&shape.log_columns);
            b.execute(&all.forget_unchanged_sql(b.dialect())).await?;
        }
        Ok(())
    }

    /// Rows in the packed batches of log `table`, 0 when it has none.
    pub(crate) async fn packed_rows_of(b: &mut dyn Backend, table: &str) -> Result<u64> {
        let Some(capture) = b.dialect().undo_log().capture() else {
            return Ok(0);
        };
        if !b.table_exists(&format!("{table}_b")).await? {
            return Ok(0);
        }
        let n = b.query(&capture.packed_rows_sql(table)).await?;
        Ok(n.scalar().and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// `DELETE FROM log WHERE <every written column as before>`.
    fn forget_unchanged_sql(&self, dialect: Dialect) -> String {
        let mut forget = sea_query::Query::delete();
        forget
            .from_table(self.l())
            .and_where(self.unchanged(dialect));
        dialect.query(&forget)
    }
}

/// Moves the oldest packed batch into the per-row log, renewing the columns its run wrote.
/// Returns false when nothing was left.
async fn fold_step(
    b: &mut dyn Backend,
    capture: &dyn UndoCapture,
    shape: &CaptureShape,
) -> Result<bool> {
    b.execute(&capture.fold_lock_sql(shape)).await?;
    let oldest = b.query(&capture.fold_peek_sql(shape)).await?;
    let Some(seq) = oldest
        .rows
        .first()
        .and_then(|r| r.first().cloned().flatten())
        .and_then(|v| v.parse::<i64>().ok())
    else {
        return Ok(false);
    };
    // Only columns the log holds (a name the log does not know cannot be renewed).
    let written: Vec<String> = oldest
        .rows
        .iter()
        .filter_map(|r| r.get(1).cloned().flatten())
        .filter(|c| shape.log_columns.contains(&n(c)))
        .collect();
    b.execute(&capture.fold_step_sql(shape, seq, &written))
        .await?;
    Ok(true)
}
