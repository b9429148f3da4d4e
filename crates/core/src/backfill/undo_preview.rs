//! What an exact undo would do, without writing (`cutover backfill undo --dry-run`), and the
//! size of a backfill's undo log (for `status`).

use sea_query::{Expr, ExprTrait, Query};
use serde::Serialize;

use super::keys;
use super::spec::BackfillSpec;
use super::undo_check::{CheckedLog, check_log};
use super::undo_exact::has_undo_log;
use super::undo_log::UndoLog;
use crate::backend::Backend;
use crate::error::Result;
use crate::render::ident;

/// What `cutover backfill undo --dry-run` found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UndoPreview {
    /// Backfill id.
    pub id: String,
    /// `log` (exact undo from the undo log) or `expressions` (the plan's `undo` expressions,
    /// the backfill has no undo log here).
    pub method: String,
    /// Rows in the undo log.
    pub logged: u64,
    /// Logged rows that still hold what the backfill wrote: undo would restore them
    /// (insert-select: delete them).
    pub would_restore: u64,
    /// Logged rows changed (or deleted) since: undo would leave them alone.
    pub would_leave_alone: u64,
    /// Expression undo: which rows the `undo` expressions would write (`would_restore`
    /// counts them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub selects: Option<String>,
    /// Why what would be restored differs from what the plan's step writes now, when it does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Counts, without writing, what an exact undo of `spec` would restore and leave alone.
pub async fn undo_preview(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<UndoPreview> {
    let mut preview = UndoPreview {
        id: spec.id.clone(),
        method: "expressions".into(),
        ..UndoPreview::default()
    };
    if !has_undo_log(b, spec).await? {
        return Ok(preview);
    }
    let (key, _) = keys::resolve(b, spec).await?;
    let mut spec = spec.clone();
    spec.key = key;
    let Some(log) = UndoLog::of(&spec) else {
        return Ok(preview);
    };
    let checked = check_log(b, &spec.id, log).await?;
    let dialect = b.dialect();
    let log = &checked.log;
    // Batches the database logged packed are unpacked in a transaction that is rolled back
    // once counted: the dry run writes nothing.
    let packed = log.capture(dialect).is_some();
    if packed {
        b.begin().await?;
    }
    let counted = match log.fold_within(b).await {
        Ok(()) => counts(b, &checked).await,
        Err(e) => Err(e),
    };
    if packed {
        b.rollback().await?;
    }
    (preview.logged, preview.would_restore) = counted?;
    preview.would_leave_alone = preview.logged.saturating_sub(preview.would_restore);
    preview.method = "log".into();
    preview.note = checked.note.clone();
    Ok(preview)
}

/// (rows logged, rows an undo would restore now).
async fn counts(b: &mut dyn Backend, checked: &CheckedLog) -> Result<(u64, u64)> {
    let dialect = b.dialect();
    let log = &checked.log;
    let (t, l) = (ident(&log.target), ident(&log.table));
    let mut total = Query::select();
    total.from(l.clone()).expr(Expr::cust("COUNT(*)"));
    let mut still = Query::select();
    still
        .from(t)
        .expr(Expr::cust("1"))
        .and_where(log.key_match().and(if log.insert {
            checked.deletable(dialect)
        } else {
            checked.as_written(dialect)
        }));
    let mut restorable = Query::select();
    restorable
        .from(l)
        .expr(Expr::cust("COUNT(*)"))
        .and_where(Expr::exists(still));
    let count = |v: Option<&str>| v.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    Ok((
        count(b.query(&dialect.query(&total)).await?.scalar()),
        count(b.query(&dialect.query(&restorable)).await?.scalar()),
    ))
}

/// How many rows the undo log of `spec` holds, `None` when it has none in the database.
pub async fn undo_log_rows(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<Option<u64>> {
    if !has_undo_log(b, spec).await? {
        return Ok(None);
    }
    // By the log's name, packed batches included: the spec's key may not be resolved yet
    // (a table the plan does not create), and the packed rows are there all the same.
    let table = spec.scope.undo_log_table(&spec.id);
    UndoLog::rows_of(b, &table).await.map(Some)
}

/// The trigger that logs the batches of `spec` (PostgreSQL), when it is on the table: a run
/// is in progress, or a killed one left it. `None` elsewhere.
pub async fn undo_capture_trigger(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
) -> Result<Option<String>> {
    // By name, not through `UndoLog::of`: the spec's key may not be resolved yet.
    let Some(capture) = b.dialect().undo_log().capture() else {
        return Ok(None);
    };
    let (log, target) = (spec.scope.undo_log_table(&spec.id), &spec.step.table);
    if spec.step.undo_log == Some(false) || !b.table_exists(target).await? {
        return Ok(None);
    }
    let on = b.query(&capture.trigger_state_sql(&log, target)).await?;
    Ok((!on.rows.is_empty()).then_some(log))
}
