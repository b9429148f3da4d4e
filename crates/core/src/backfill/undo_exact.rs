//! Exact undo from the undo log (see [`undo_log`](super::undo_log)).
//!
//! The log is walked in key order, in batches. One transaction per batch restores the old
//! values of the logged rows that still hold what the backfill wrote (insert-select: deletes
//! the inserted rows still as inserted), marks the others "left alone" and deletes the
//! restored log rows. The log is its own checkpoint: a run killed mid-way and started again
//! finds only the rows not handled yet. At the end the rows left alone are reported (count
//! and first keys) and removed from the log.

use std::time::{Duration, Instant};

use sea_query::{Expr, ExprTrait, Order, Query};
use serde::Serialize;

use super::keys;
use super::options::BackfillOptions;
use super::report::{BackfillEvent, BackfillObserver};
use super::scope::BackfillScope;
use super::spec::{BackfillSpec, KeyKind};
use super::sql::{range_condition, select_keys};
use super::undo_check::{CheckedLog, check_log};
use super::undo_log::{UndoLog, o};
use crate::backend::Backend;
use crate::error::Result;
use crate::fence::Fence;
use crate::render::ident;

/// How many keys of rows left alone a report lists.
const KEYS_SHOWN: usize = 10;

/// What `cutover backfill undo` did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UndoReport {
    /// Backfill id.
    pub id: String,
    /// `log`: exact undo from the undo log; `expressions`: the plan's `undo` expressions
    /// (the backfill has no undo log).
    pub method: String,
    /// Rows given back their old values (insert-select: inserted rows deleted).
    pub rows_restored: u64,
    /// Logged rows left alone because they changed after the backfill wrote them (or were
    /// deleted).
    pub rows_left_alone: u64,
    /// The keys of the first rows left alone (one text per key column).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_alone_keys: Vec<Vec<String>>,
    /// Batches committed.
    pub batches: u64,
    /// Wall time.
    pub duration_ms: u64,
    /// Why the undo was not exact, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether backfill `spec` has an undo log in the database (and keeps one).
pub async fn has_undo_log(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<bool> {
    if spec.step.undo_log == Some(false) {
        return Ok(false);
    }
    b.table_exists(&spec.scope.undo_log_table(&spec.id)).await
}

/// Drops the undo log of backfill `id` in `scope`, if any: the backfill was retired or its
/// migration reverted, so its log can never be used again. `in_transaction`: inside the
/// caller's transaction (a revert where DDL is transactional, whose DDL lock timeout bounds
/// the wait for the table's lock); otherwise a capture trigger still on the table is removed
/// first with a lock wait of its own of at most a second, tried three times.
pub async fn drop_undo_log(
    b: &mut dyn Backend,
    scope: &BackfillScope,
    id: &str,
    in_transaction: bool,
) -> Result<()> {
    UndoLog::drop_table(b, scope, id, !in_transaction).await
}

/// Restores what backfill `spec` overwrote, from its undo log, batch by batch, each batch
/// checking `fence` before it commits. Returns an error when the log does not apply.
pub async fn undo_exact(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    options: &BackfillOptions,
    observer: &dyn BackfillObserver,
    fence: Option<&Fence>,
) -> Result<UndoReport> {
    let started = Instant::now();
    let (key, kinds) = keys::resolve(b, spec).await?;
    let mut spec = spec.clone();
    spec.key = key;
    let log = UndoLog::of(&spec).ok_or_else(|| {
        crate::Error::Other(format!(
            "backfill `{}` keeps no undo log (undo_log = false, or an insert-select without a conflict key on its target)",
            spec.id
        ))
    })?;
    let checked = check_log(b, &spec.id, log).await?;
    let log = checked.log.clone();
    log.fold(b).await?;
    // A capture trigger left by a run that could not remove it goes now (it is inert; a
    // role that may not drop it leaves it to `down` or `retire`).
    let _ = log.remove_capture(b).await;
    // The insert form's log is walked by its target's key.
    let kinds = match spec.step.insert_into.as_deref() {
        Some(target) if log.insert => keys::catalog_kinds(b, &spec, target, &log.key).await?,
        _ => kinds,
    };
    let walk = log.walk_spec(&spec);
    let dialect = b.dialect();
    let size = options
        .batch_size
        .or(spec.step.batch_size.map(u64::from))
        .unwrap_or(1000);
    let size = Ord::max(size, 1);
    let mut report = UndoReport {
        id: spec.id.clone(),
        method: "log".into(),
        note: checked.note.clone(),
        ..UndoReport::default()
    };
    let mut cursor: Option<Vec<String>> = None;
    loop {
        // The same pacing as `backfill run`: throttle query, pause, rows per second.
        super::pace::wait_for_throttle(b, options, observer).await?;
        let batch_started = Instant::now();
        let mut q = Query::select();
        q.from(ident(&log.table)).and_where(log.mark_is(0));
        select_keys(&mut q, dialect, &log.table, &log.log_key(), &kinds);
        for c in log.log_key() {
            q.order_by((ident(&log.table), ident(&c)), Order::Asc);
        }
        if let Some(r) = range_condition(&walk, dialect, &kinds, cursor.as_deref(), None, None) {
            q.and_where(r);
        }
        q.limit(1).offset(size - 1);
        let boundary: Option<Vec<String>> = b
            .query(&dialect.query(&q))
            .await?
            .rows
            .into_iter()
            .next()
            .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect());
        let range = range_condition(
            &walk,
            dialect,
            &kinds,
            cursor.as_deref(),
            boundary.as_deref(),
            None,
        )
        .map_or_else(|| log.mark_is(0), |r| r.and(log.mark_is(0)));
        let statements = batch_sql(&checked, dialect, range);
        // The backfill stops being complete with the first restored row, in its transaction
        // (a no-op once marked): the contract gate refuses from then on, and an
        // undo killed part-way leaves `undoing`, never a stale `complete`.
        let undoing = super::StateTable::new(dialect, &spec.scope).mark_undoing_sql(&spec.id);
        b.begin().await?;
        let done = async {
            let restored = b.execute(&statements[0]).await?;
            if restored > 0 {
                b.execute(&undoing).await?;
            }
            for s in &statements[1..] {
                b.execute(s).await?;
            }
            if let Some(fence) = fence {
                let what = format!(
                    "committing undo batch {} of backfill `{}`",
                    report.batches + 1,
                    spec.id
                );
                fence.check(b, &what).await?;
            }
            Ok::<u64, crate::Error>(restored)
        }
        .await;
        let restored = match done {
            Ok(n) => {
                b.commit().await?;
                n
            }
            Err(e) => {
                let _ = b.rollback().await;
                let lost = matches!(
                    e.root(),
                    crate::Error::Driver {
                        kind: crate::error::DriverErrorKind::Connection,
                        ..
                    }
                );
                let next = if lost {
                    format!(
                        "run `cutover backfill undo {} --yes` again to go on",
                        spec.id
                    )
                } else {
                    "nothing of the failed batch was written".to_string()
                };
                return Err(e.context(format!(
                    "undoing backfill `{}` from its undo log: {} restored in {} so far; {next}",
                    spec.id,
                    count(report.rows_restored, "row", "rows"),
                    count(report.batches, "batch", "batches")
                )));
            }
        };
        report.rows_restored += restored;
        report.batches += 1;
        super::pace::pace(
            options,
            b.dialect().sql(),
            restored,
            (batch_started.elapsed(), Duration::ZERO),
        )
        .await;
        observer.event(&BackfillEvent::Batch {
            part: 0,
            rows: size,
            changed: restored,
            millis: batch_started.elapsed().as_millis() as u64,
            next_size: size,
            fraction: None,
        });
        match boundary {
            Some(k) => cursor = Some(k),
            None => break,
        }
    }
    finish(b, (&log, &kinds), &mut report, fence).await?;
    report.duration_ms = started.elapsed().as_millis() as u64;
    Ok(report)
}

/// The statements of one undo batch over the log rows `range` selects (the first one's
/// row count is the number of rows restored).
fn batch_sql(checked: &CheckedLog, dialect: crate::Dialect, range: Expr) -> Vec<String> {
    let log = &checked.log;
    let (t, l) = (ident(&log.target), ident(&log.table));
    let restore = if log.insert {
        let mut still = Query::select();
        still.from(l.clone()).expr(Expr::cust("1")).and_where(
            log.key_match()
                .and(range.clone())
                .and(checked.deletable(dialect)),
        );
        let mut q = Query::delete();
        q.from_table(t.clone()).and_where(Expr::exists(still));
        dialect.query(&q)
    } else {
        let mut q = Query::update();
        q.table(t.clone()).from(l.clone());
        for c in &log.cols {
            q.value(ident(c), Expr::col((l.clone(), ident(&o(c)))));
        }
        q.and_where(
            log.key_match()
                .and(range.clone())
                .and(checked.as_written(dialect)),
        );
        dialect.query(&q)
    };
    // Rows that do not hold their old values now (insert-select: still there) changed
    // after the backfill: left alone.
    let mut row = Query::select();
    row.from(t).expr(Expr::cust("1"));
    let changed = if log.insert {
        row.and_where(log.key_match());
        Expr::exists(row)
    } else {
        row.and_where(log.key_match().and(checked.as_before(dialect)));
        Expr::not_exists(row)
    };
    let mut left = Query::update();
    left.table(l.clone())
        .value(ident(super::undo_log::MARK), 2)
        .and_where(range.clone().and(changed));
    let mut forget = Query::delete();
    forget.from_table(l).and_where(range);
    vec![restore, dialect.query(&left), dialect.query(&forget)]
}

/// Counts and lists the rows left alone, then removes them from the log (in one
/// transaction, fenced).
async fn finish(
    b: &mut dyn Backend,
    (log, kinds): (&UndoLog, &[KeyKind]),
    report: &mut UndoReport,
    fence: Option<&Fence>,
) -> Result<()> {
    let dialect = b.dialect();
    let l = ident(&log.table);
    let mut count = Query::select();
    count
        .from(l.clone())
        .expr(Expr::cust("COUNT(*)"))
        .and_where(log.mark_is(2));
    let mut first = Query::select();
    first.from(l.clone()).and_where(log.mark_is(2));
    select_keys(&mut first, dialect, &log.table, &log.log_key(), kinds);
    for c in log.log_key() {
        first.order_by((l.clone(), ident(&c)), Order::Asc);
    }
    first.limit(KEYS_SHOWN as u64);
    let mut forget = Query::delete();
    forget.from_table(l.clone()).and_where(log.mark_is(2));
    // Not one row holds what the backfill wrote: far more likely a change of the columns
    // since (a type, a collation, a trigger) than users rewriting every row, so the log is
    // kept, unmarked, for an attempt once that is understood.
    let mut keep = Query::update();
    keep.table(l)
        .value(ident(super::undo_log::MARK), 0)
        .and_where(log.mark_is(2));
    b.begin().await?;
    let done = async {
        let n = b
            .query(&dialect.query(&count))
            .await?
            .scalar()
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0);
        let keys: Vec<Vec<String>> = b
            .query(&dialect.query(&first))
            .await?
            .rows
            .into_iter()
            .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect())
            .collect();
        let suspicious = report.rows_restored == 0 && n > 1;
        let clear = if suspicious {
            dialect.query(&keep)
        } else {
            dialect.query(&forget)
        };
        b.execute(&clear).await?;
        if let Some(fence) = fence {
            fence
                .check(b, "clearing the undo log's rows left alone")
                .await?;
        }
        Ok::<_, crate::Error>((n, keys))
    }
    .await;
    match done {
        Ok((n, keys)) => {
            b.commit().await?;
            if report.rows_restored == 0 && n > 1 {
                return Err(crate::Error::Other(format!(
                    "undo of backfill `{}` restored nothing: none of the {n} rows in its undo log {} still holds what the backfill wrote (first keys: {}); the log is kept. If a later migration changed these columns (type, collation, a trigger rewriting them), revert it first (`cutover down --to <version>`) and run `cutover backfill undo` again; if users really changed every row since, drop table {} (on PostgreSQL first the table of its packed batches, the same name ending in `_b`) to discard the log",
                    report.id,
                    log.table,
                    keys.iter()
                        .map(|k| format!("({})", k.join(", ")))
                        .collect::<Vec<_>>()
                        .join(", "),
                    log.table
                )));
            }
            report.rows_left_alone = n;
            report.left_alone_keys = keys;
            Ok(())
        }
        Err(e) => {
            let _ = b.rollback().await;
            Err(e)
        }
    }
}

/// `1 row`, `2 rows`.
pub(crate) fn count(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
