//! The batch loop of one part (key range) of a backfill.

use std::time::{Duration, Instant};

use super::options::BackfillOptions;
use super::report::{BackfillEvent, BackfillObserver, BackfillReport};
use super::sizing::BatchSizer;
use super::spec::{BackfillSpec, KeyKind};
use super::sql::{batch_update_sql, last_key_sql, range_count_sql};
use super::state::{Checkpoint, PartState, StateTable};
use super::ticks::{TICK, Ticks, WINDOW};
use crate::backend::Backend;
use crate::error::{DriverErrorKind, Error, Result};
use crate::fence::Fence;
use crate::runner::now;

fn kind_of(e: &Error) -> Option<DriverErrorKind> {
    match e.root() {
        Error::Driver { kind, .. } => Some(*kind),
        _ => None,
    }
}

/// Prepares a session for batches: timeouts and the dialect's backfill settings.
pub(crate) async fn prepare_session(b: &mut dyn Backend, options: &BackfillOptions) -> Result<()> {
    b.set_timeouts(options.timeouts).await?;
    for sql in b.dialect().sql().backfill_session_sql() {
        b.execute(&sql).await?;
    }
    Ok(())
}

/// What a part needs besides its connection.
pub struct PartContext<'a> {
    /// The backfill.
    pub spec: &'a BackfillSpec,
    /// Resolved key columns' kinds.
    pub kinds: &'a [KeyKind],
    /// Run settings.
    pub options: &'a BackfillOptions,
    /// Progress receiver.
    pub observer: &'a dyn BackfillObserver,
    /// For progress: the integer key range of this part (start, end), if known.
    pub span: Option<(i64, i64)>,
    /// The lock the run holds: every batch checks it inside its transaction before the
    /// commit. `None`: no lock (the engine used on its own).
    pub fence: Option<&'a Fence>,
    /// Whether this part's connection is the session that holds the lock. Such a session is
    /// never reconnected here: a lost connection returns its error at once, and the runner
    /// takes the lock again and plans again. Workers on connections of their own reconnect
    /// and go on, their batches fenced.
    pub holds_lock: bool,
    /// Whether the database logs the batches itself ([`super::undo_capture`]).
    pub captured: bool,
}

/// Runs the batches of one part until its range is done, starting from `cp`.
pub async fn run_part(
    b: &mut dyn Backend,
    ctx: &PartContext<'_>,
    mut cp: Checkpoint,
) -> Result<BackfillReport> {
    let spec = ctx.spec;
    let options = ctx.options;
    let dialect = b.dialect();
    let states = StateTable::new(dialect, &spec.scope);
    let with_pending = !options.force;
    let initial = options
        .batch_size
        .or(spec.step.batch_size.map(u64::from))
        .unwrap_or(1000);
    let mut sizer = BatchSizer::new(
        initial,
        options.min_batch,
        options.max_batch,
        options
            .target_batch
            .unwrap_or_else(|| dialect.sql().batch_target()),
        options.adaptive,
    );
    let mut report = BackfillReport {
        id: spec.id.clone(),
        resumed: cp.batches > 0,
        ..BackfillReport::default()
    };
    let started = Instant::now();
    let base = (cp.rows_scanned, cp.rows_changed, cp.batches);
    prepare_session(b, options).await?;
    // Batch boundaries counted ahead, in memory only (the checkpoint stays the truth).
    let mut ticks = Ticks::new(TICK, WINDOW);
    // Set by the first write conflict: from then on, every batch locks its rows first
    // (see `batch_lock`), the writers being busy.
    let mut contended = false;
    loop {
        super::pace::wait_for_throttle(b, options, ctx.observer).await?;
        let batch_started = Instant::now();
        let mut attempt = 0;
        let batch = loop {
            // Read again for a retry: a timeout or a conflict has shrunk it.
            let batch = (sizer.size(), &mut ticks, contended);
            match run_batch(b, ctx, &cp, batch, with_pending, &states).await {
                Ok(v) => {
                    ticks.committed(&v.next.cursor);
                    break v;
                }
                Err(e) => {
                    let _ = b.rollback().await;
                    super::undo_log_ahead::release_clock(b).await;
                    let kind = kind_of(&e);
                    let lock_gone = matches!(e.root(), Error::LockLost { .. })
                        || (ctx.holds_lock && kind == Some(DriverErrorKind::Connection));
                    if lock_gone {
                        // Nothing more may be written under this lock, not even the failure.
                        return Err(e.context(format!(
                            "backfill `{}`, part {}: {} rows changed in {} batches, {}",
                            spec.id,
                            cp.part,
                            cp.rows_changed,
                            cp.batches,
                            position(&cp.cursor)
                        )));
                    }
                    let transient = matches!(
                        kind,
                        Some(
                            DriverErrorKind::Conflict
                                | DriverErrorKind::Timeout
                                | DriverErrorKind::Connection
                        )
                    );
                    if !transient || attempt >= options.retries {
                        cp.state = PartState::Failed;
                        let progress = format!(
                            "{} rows changed in {} batches, {}",
                            cp.rows_changed,
                            cp.batches,
                            position(&cp.cursor)
                        );
                        let _ = mark(b, &states, &cp, ctx.fence).await;
                        return Err(Error::Backfill {
                            id: spec.id.clone(),
                            progress,
                            cause: Box::new(super::undo_names::user_names(e, spec)),
                        });
                    }
                    attempt += 1;
                    report.retries += 1;
                    let message = e.to_string();
                    ctx.observer.event(&BackfillEvent::Retry {
                        part: cp.part,
                        attempt,
                        message: &message,
                    });
                    if kind == Some(DriverErrorKind::Timeout) {
                        sizer.timed_out();
                    }
                    if kind == Some(DriverErrorKind::Conflict) {
                        contended = true;
                        sizer.conflicted();
                    }
                    tokio::time::sleep(backoff(options, attempt)).await;
                    if kind == Some(DriverErrorKind::Connection) {
                        b.reconnect().await?;
                        prepare_session(b, options).await?;
                        // The lost batch may have committed before the connection went:
                        // the checkpoint in the database is the truth.
                        if let Some(fresh) = states
                            .load(b, &spec.id)
                            .await?
                            .into_iter()
                            .find(|p| p.part == cp.part)
                        {
                            // A moved cursor leaves the ticks behind: they are listed again
                            // from it (Ticks::boundary compares the queue's start).
                            cp = fresh;
                        }
                    }
                }
            }
        };
        let Batch {
            rows,
            changed,
            last,
            next,
            waited,
        } = batch;
        // Time waiting for another connection's write lock is not the batch's work: counted,
        // it would shrink the batches (and lengthen the writer yield) exactly when the
        // application writes most, and a backfill chasing busy writers' inserts would never
        // catch up with them.
        let took = batch_started.elapsed().saturating_sub(waited);
        cp = next;
        report.rows_scanned += rows;
        report.rows_changed += changed;
        report.batches += 1;
        sizer.record(rows, took);
        let fraction = progress_fraction(ctx.span, cp.cursor.as_deref());
        ctx.observer.event(&BackfillEvent::Batch {
            part: cp.part,
            rows,
            changed,
            millis: took.as_millis() as u64,
            next_size: sizer.size(),
            fraction,
        });
        if last {
            break;
        }
        super::pace::pace(options, b.dialect().sql(), changed, (took, waited)).await;
    }
    report.duration_ms = started.elapsed().as_millis() as u64;
    report.outcome = "done".into();
    // Count from the checkpoint, which also holds batches committed just before a lost
    // connection.
    report.rows_scanned = (cp.rows_scanned - base.0).max(0) as u64;
    report.rows_changed = (cp.rows_changed - base.1).max(0) as u64;
    report.batches = (cp.batches - base.2).max(0) as u64;
    Ok(report)
}

/// One batch of about `size` rows: the boundary (from the ticks counted ahead, or counted
/// exactly), then rows and checkpoint in one transaction.
async fn run_batch(
    b: &mut dyn Backend,
    ctx: &PartContext<'_>,
    cp: &Checkpoint,
    (size, ticks, lock_first): (u64, &mut Ticks, bool),
    with_pending: bool,
    states: &StateTable,
) -> Result<Batch> {
    let dialect = b.dialect();
    let cursor = cp.cursor.as_deref();
    let end = cp.range_end.as_deref();
    let counted = ticks.boundary(b, ctx, cp, size).await?;
    let boundary = counted.upper;
    let last = boundary.is_none();
    let update = batch_update_sql(
        ctx.spec,
        dialect,
        ctx.kinds,
        cursor,
        boundary.as_deref(),
        end,
        with_pending,
    )?;
    let mut next = cp.clone();
    if let Some(k) = &boundary {
        next.cursor = Some(k.clone());
    } else {
        // The range is finished: its cursor moves to its last key, so that a later run only
        // looks at rows added after it.
        let q = last_key_sql(ctx.spec, dialect, ctx.kinds, cursor, end);
        if let Some(r) = b.query(&q).await?.rows.into_iter().next() {
            next.cursor = Some(r.into_iter().map(|v| v.unwrap_or_default()).collect());
        }
    }
    let asked = Instant::now();
    b.begin().await?;
    let waited = asked.elapsed();
    // An undo-logged batch (not a captured one) in the isolation its log needs (first).
    if !ctx.captured
        && super::undo_log::UndoLog::of(ctx.spec).is_some()
        && let Some(isolation) = dialect.sql().undo_batch_isolation_sql()
    {
        b.execute(isolation).await?;
        let range = (cursor, boundary.as_deref(), end);
        if lock_first
            && let Some(lock) =
                super::batch_lock::lock_sql(ctx.spec, dialect, ctx.kinds, range, with_pending)?
        {
            b.execute(&lock).await?;
        }
    }
    // The last batch has no boundary row to count by; count its rows (MySQL reports only
    // rows whose value changed).
    let rows = if last {
        let count = range_count_sql(ctx.spec, dialect, ctx.kinds, cursor, end);
        b.query(&count)
            .await?
            .scalar()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    } else {
        counted.rows
    };
    // With an undo log: its statements around the UPDATE (or one statement for both).
    let upper = boundary.as_deref();
    let (before, update, after) = super::undo_log_cte::logged_batch(
        ctx.spec,
        dialect,
        ctx.kinds,
        (cursor, upper, end),
        (with_pending, ctx.captured),
        update,
    )?;
    for s in &before {
        b.execute(s).await?;
    }
    let changed = b.execute(&update).await?;
    for s in &after {
        b.execute(s).await?;
    }
    // An expression undo: the backfill it undoes stops being complete with the first
    // written row, in this transaction (a no-op once marked).
    if changed > 0
        && let Some(undone) = &ctx.spec.undoes
    {
        b.execute(&states.mark_undoing_sql(undone)).await?;
    }
    next.rows_scanned += rows as i64;
    next.rows_changed += changed as i64;
    next.batches += 1;
    next.updated_at = now();
    if last {
        next.state = PartState::Done;
    }
    b.execute(&states.update_sql(&next)).await?;
    if let Some(fence) = ctx.fence {
        let what = format!(
            "committing batch {} of backfill `{}`",
            next.batches, ctx.spec.id
        );
        fence.check(b, &what).await?;
    }
    b.commit().await?;
    Ok(Batch {
        rows,
        changed,
        last,
        next,
        waited,
    })
}

/// The outcome of one committed batch.
struct Batch {
    rows: u64,
    changed: u64,
    last: bool,
    next: Checkpoint,
    /// How long `begin` waited for the write lock.
    waited: Duration,
}

/// Records a part's state outside a batch, fenced like a batch when a lock is held.
async fn mark(
    b: &mut dyn Backend,
    states: &StateTable,
    cp: &Checkpoint,
    fence: Option<&Fence>,
) -> Result<()> {
    let mut cp = cp.clone();
    cp.updated_at = now();
    let Some(fence) = fence else {
        return b.execute(&states.update_sql(&cp)).await.map(|_| ());
    };
    b.begin().await?;
    let written = async {
        fence.check(b, "recording the backfill's failure").await?;
        b.execute(&states.update_sql(&cp)).await
    }
    .await;
    match written {
        Ok(_) => b.commit().await,
        Err(e) => {
            let _ = b.rollback().await;
            Err(e)
        }
    }
}

fn backoff(options: &BackfillOptions, attempt: u32) -> Duration {
    let base = options.retry_backoff.as_millis() as u64;
    let exp = base
        .saturating_mul(1 << attempt.saturating_sub(1).min(10))
        .min(10_000);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos() as u64)
        .unwrap_or(0);
    Duration::from_millis(exp + nanos % (exp / 4 + 1))
}

fn progress_fraction(span: Option<(i64, i64)>, cursor: Option<&[String]>) -> Option<f64> {
    let (lo, hi) = span?;
    let at: i64 = cursor?.first()?.parse().ok()?;
    if hi <= lo {
        return Some(1.0);
    }
    Some(((at - lo) as f64 / (hi - lo) as f64).clamp(0.0, 1.0))
}

/// Where a part's checkpoint stands, for error messages: `at the start` or `after key (a, b)`.
fn position(cursor: &Option<Vec<String>>) -> String {
    match cursor {
        None => "at the start of its key range".into(),
        Some(key) => format!("after key ({})", key.join(", ")),
    }
}
