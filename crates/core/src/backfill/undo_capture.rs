//! The undo log written by the database itself, where the dialect can
//! ([`UndoCapture`](crate::dialect::UndoCapture): PostgreSQL). A run installs the capture
//! trigger before its first batch and removes it after its last, so that the application's
//! own UPDATEs pay for it only while a backfill runs; each batch runs the log-less UPDATE
//! with the trigger turned on for its transaction. The packed batches are unpacked into the
//! per-row log ([`super::undo_log`]) before anything reads the log.

use sea_query::{Expr, ExprTrait};

use super::undo_log::UndoLog;
use crate::backend::Backend;
use crate::dialect::{CaptureShape, Dialect, UndoCapture};
use crate::error::Result;
use crate::render::ident;

impl UndoLog {
    /// How the database logs this backfill's batches by itself, if it can: update form only
    /// (the insert form logs keys before its INSERT).
    pub(crate) fn capture(&self, dialect: Dialect) -> Option<&'static dyn UndoCapture> {
        if self.insert {
            return None;
        }
        dialect.undo_log().capture()
    }

    /// The capture's shape; reads the log table's columns (the log exists).
    async fn capture_shape(&self, b: &mut dyn Backend) -> Result<CaptureShape> {
        let dialect = b.dialect();
        let sql = format!("SELECT * FROM {} WHERE 1 = 0", dialect.quote(&self.table));
        let log_columns = b.query(&sql).await?.columns;
        Ok(CaptureShape {
            log: self.table.clone(),
            log_columns,
            target: self.target.clone(),
            key: self.key.clone(),
            cols: self.cols.clone(),
        })
    }

    /// Installs the capture trigger before a run's batches. Returns whether the batches are
    /// captured; `Ok(false)` with `notice` set when the role may not create the trigger (the
    /// batches then log with their own statements, which costs more).
    pub(crate) async fn install_capture(
        &self,
        b: &mut dyn Backend,
        notice: &mut Option<String>,
    ) -> Result<bool> {
        let Some(capture) = self.capture(b.dialect()) else {
            return Ok(false);
        };
        let shape = self.capture_shape(b).await?;
        let mut ddl = capture.install_sql(&shape);
        let there = capture.trigger_exists_sql(&self.table, &self.target);
        if b.query(&there).await?.rows.is_empty() {
            ddl.push(capture.create_trigger_sql(&self.table, &self.target));
        }
        for sql in ddl {
            if let Err(e) = b.execute(&sql).await {
                // No privilege, or the table's lock not granted in time (a long transaction
                // holds it): the batches log with their own statements instead.
                let why = if e.is_no_privilege() {
                    "this role may not create the trigger that logs it faster: grant TRIGGER on the table or run as its owner"
                } else if e.is_timeout() {
                    "the trigger that logs it faster could not take the table's lock in time (a long transaction holds it)"
                } else {
                    ""
                };
                if !why.is_empty() {
                    *notice = Some(format!(
                        "the undo log of table `{}` is written by each batch's own statements, which takes about twice as long: {why} ({})",
                        self.target,
                        e.root()
                    ));
                    let _ = self.remove_capture(b).await;
                    // Batches packed by earlier runs go into the per-row log first, so that
                    // the rows logged from now on come after them (oldest old value kept).
                    self.fold(b).await?;
                    return Ok(false);
                }
                return Err(e.context(format!(
                    "installing the undo log trigger {} on table `{}`",
                    self.table, self.target
                )));
            }
        }
        Ok(true)
    }

    /// Removes the capture trigger after a run's batches: one transaction that waits only
    /// briefly for the table's lock, tried three times.
    pub(crate) async fn remove_capture(&self, b: &mut dyn Backend) -> Result<()> {
        let Some(capture) = self.capture(b.dialect()) else {
            return Ok(());
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            b.begin().await?;
            let mut done = Ok(0);
            for sql in capture.remove_sql(&self.table) {
                done = b.execute(&sql).await;
                if done.is_err() {
                    break;
                }
            }
            match done {
                Ok(_) => return b.commit().await,
                Err(e) => {
                    let _ = b.rollback().await;
                    if !e.is_timeout() || attempt == 3 {
                        return Err(e);
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
            }
        }
    }

    /// The statements a captured batch runs before and after its UPDATE.
    pub(crate) fn captured_batch_sql(&self, dialect: Dialect) -> Option<(String, String)> {
        self.capture(dialect)
            .map(|c| c.batch_sql(&self.table, &self.target))
    }

    /// Unpacks the packed batches into the per-row log, oldest first, one transaction each,
    /// then drops the log rows whose values the backfill did not really change in the end
    /// (the trigger packs every row the UPDATE wrote: comparing them there, as text, cost
    /// more than the packing itself). Does nothing where nothing is packed.
    pub(crate) async fn fold(&self, b: &mut dyn Backend) -> Result<()> {
        let Some(capture) = self.capture(b.dialect()) else {
            return Ok(());
        };
        let shape = CaptureShape {
            log: self.table.clone(),
            ..self.capture_shape(b).await?
        };
        if !b.table_exists(&shape.batches()).await? {
            return Ok(());
        }
        let (before, step) = capture.fold_step_sql(&shape);
        let mut folded = 0u64;
        loop {
            b.begin().await?;
            let mut moved = Ok(0);
            for sql in before.iter().map(String::as_str).chain([step.as_str()]) {
                moved = b.execute(sql).await;
                if moved.is_err() {
                    break;
                }
            }
            let moved = match moved {
                Ok(n) => n,
                Err(e) => {
                    let _ = b.rollback().await;
                    return Err(e.context(format!(
                        "unpacking the undo log {} of table `{}`",
                        self.table, self.target
                    )));
                }
            };
            b.commit().await?;
            folded += moved;
            if moved == 0 {
                break;
            }
        }
        if folded > 0 {
            b.execute(&self.forget_unchanged_sql(b.dialect())).await?;
        }
        Ok(())
    }

    /// Rows logged in packed batches not unpacked yet (counted with repeats).
    pub(crate) async fn packed_rows(&self, b: &mut dyn Backend) -> Result<u64> {
        let Some(capture) = self.capture(b.dialect()) else {
            return Ok(0);
        };
        if !b.table_exists(&format!("{}_b", self.table)).await? {
            return Ok(0);
        }
        let n = b.query(&capture.packed_rows_sql(&self.table)).await?;
        Ok(n.scalar().and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    /// Drops the capture's trigger and its table of packed batches (with the log).
    pub(crate) async fn drop_capture(b: &mut dyn Backend, table: &str) -> Result<()> {
        let Some(capture) = b.dialect().undo_log().capture() else {
            return Ok(());
        };
        for sql in capture.drop_sql(table) {
            b.execute(&sql).await?;
        }
        Ok(())
    }

    /// `DELETE FROM log WHERE <every written column as before>`.
    fn forget_unchanged_sql(&self, dialect: Dialect) -> String {
        let same = self
            .cols
            .iter()
            .map(|c| {
                dialect.sql().expr_same_value(
                    Expr::col((self.l(), ident(&super::undo_log::o(c)))),
                    Expr::col((self.l(), ident(&super::undo_log::n(c)))),
                )
            })
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| Expr::cust("1 = 0"));
        let mut forget = sea_query::Query::delete();
        forget.from_table(self.l()).and_where(same);
        dialect.query(&forget)
    }
}
