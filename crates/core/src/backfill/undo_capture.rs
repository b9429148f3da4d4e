//! The undo log written by the database itself, where the dialect can
//! ([`UndoCapture`](crate::dialect::UndoCapture): PostgreSQL). A run installs the capture
//! trigger before its first batch and removes it after its last, so that the application's
//! own UPDATEs pay for it only while a backfill runs; each batch runs the log-less UPDATE
//! with the trigger turned on for its transaction. The packed batches are unpacked into the
//! per-row log ([`super::undo_log`]) before anything reads the log.

use super::undo_log::UndoLog;
use crate::backend::Backend;
use crate::dialect::{CaptureShape, Dialect, UndoCapture};
use crate::error::Result;

impl UndoLog {
    /// How the database logs this backfill's batches by itself, if it can: update form only
    /// (the insert form logs keys before its INSERT).
    pub(crate) fn capture(&self, dialect: Dialect) -> Option<&'static dyn UndoCapture> {
        if self.insert {
            return None;
        }
        dialect.undo_log().capture()
    }

    /// The capture's shape; reads the log table's columns and, `with_target`, the target's
    /// (unpacking does not need them: a later migration may have renamed the table).
    pub(super) async fn capture_shape(
        &self,
        b: &mut dyn Backend,
        with_target: bool,
    ) -> Result<CaptureShape> {
        let log_columns = self.table_columns(b).await?;
        let target_columns = match with_target {
            true => self.target_columns(b).await?,
            false => Vec::new(),
        };
        Ok(CaptureShape {
            log: self.table.clone(),
            log_columns,
            target: self.target.clone(),
            key: self.key.clone(),
            cols: self.cols.clone(),
            target_columns,
        })
    }

    /// Installs the capture trigger before a run's batches. Returns whether the batches are
    /// captured; `Ok(false)` with `notice` set when they cannot be (the role may not create
    /// the trigger, the table's lock was not granted within a second, or the trigger would
    /// not fire in this session): the batches then log with their own statements, which
    /// costs more, after what earlier runs packed is unpacked.
    pub(crate) async fn install_capture(
        &self,
        b: &mut dyn Backend,
        notice: &mut Option<String>,
    ) -> Result<bool> {
        let Some(capture) = self.capture(b.dialect()) else {
            return Ok(false);
        };
        let shape = self.capture_shape(b, true).await?;
        let state = capture.trigger_state_sql(&self.table, &self.target);
        let always = |r: &crate::backend::Rows| r.rows.first().map(|row| flag(row, 0));
        let mut ddl = capture.install_sql(&shape);
        let was = always(&b.query(&state).await?);
        if was.is_none() {
            ddl.push(capture.create_trigger_sql(&self.table, &self.target));
        }
        let why = match run_in_transaction(b, &ddl).await {
            Ok(()) => None,
            Err(e) if e.is_no_privilege() => Some(format!(
                "this role may not create the trigger that logs it, or replace its function or packed-batch table left by another role's run ({}): grant TRIGGER on the table, or run as its owner or as the role that ran it first",
                e.root()
            )),
            Err(e) if e.is_timeout() => Some(format!(
                "the trigger that logs it could not take the table's lock within a second: a long transaction holds it ({})",
                e.root()
            )),
            Err(e) => {
                return Err(e.context(format!(
                    "installing the undo log trigger {} on table `{}`",
                    self.table, self.target
                )));
            }
        };
        let why = match why {
            Some(why) => Some(why),
            None => {
                crate::internal_tables::protect(b, &shape.batches()).await?;
                if was != Some(true) {
                    // Fires in every session where the role may make it (the table's
                    // owner); otherwise as created, which is enough unless disabled or
                    // under `session_replication_role = replica` (checked next).
                    let enable = capture.enable_trigger_sql(&self.table, &self.target);
                    let _ = run_in_transaction(b, &enable).await;
                }
                let fires = b.query(&state).await?;
                let fires = fires.rows.first().is_some_and(|row| flag(row, 1));
                (!fires).then(|| {
                    "the trigger that logs it would not fire in this session (disabled, or session_replication_role = replica) and this role may not enable it for every session".to_string()
                })
            }
        };
        let Some(why) = why else {
            return Ok(true);
        };
        *notice = Some(format!(
            "the undo log of table `{}` is written by each batch's own statements, which takes about twice as long: {why}",
            self.target
        ));
        // Batches packed by earlier runs go into the per-row log first, so that the rows
        // logged from now on come after them (oldest old value kept).
        self.fold(b).await?;
        Ok(false)
    }

    /// Removes the capture trigger after a run's batches: one transaction that waits only
    /// briefly for the table's lock, tried three times.
    pub(crate) async fn remove_capture(&self, b: &mut dyn Backend) -> Result<()> {
        Self::remove_capture_of(b, &self.table).await
    }

    /// Removes the capture trigger of log `table` (see [`Self::remove_capture`]).
    pub(crate) async fn remove_capture_of(b: &mut dyn Backend, table: &str) -> Result<()> {
        let Some(capture) = b.dialect().undo_log().capture() else {
            return Ok(());
        };
        let remove = capture.remove_sql(table);
        let mut attempt = 0;
        loop {
            attempt += 1;
            match run_in_transaction(b, &remove).await {
                Err(e) if e.is_timeout() && attempt < 3 => {
                    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
                }
                done => return done,
            }
        }
    }

    /// The statements a captured batch runs before and after its UPDATE.
    pub(crate) fn captured_batch_sql(&self, dialect: Dialect) -> Option<(String, String)> {
        self.capture(dialect)
            .map(|c| c.batch_sql(&self.table, &self.target))
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
}

/// Runs `statements` in one transaction (rolled back on the first error).
async fn run_in_transaction(b: &mut dyn Backend, statements: &[String]) -> Result<()> {
    b.begin().await?;
    for sql in statements {
        if let Err(e) = b.execute(sql).await {
            let _ = b.rollback().await;
            return Err(e);
        }
    }
    b.commit().await
}

/// Value `i` of a row read as a flag (`true`/`false` text).
fn flag(row: &[Option<String>], i: usize) -> bool {
    row.get(i).cloned().flatten().as_deref() == Some("true")
}
