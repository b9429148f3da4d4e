//! Waiting between batches: the throttle query and replica lag before a batch, the pause,
//! writer yield and rate limit after it.

use std::time::Duration;

use super::options::BackfillOptions;
use super::report::{BackfillEvent, BackfillObserver};
use crate::backend::Backend;
use crate::error::Result;

/// Waits before a batch while a replica lags too far or the throttle query says so.
pub(super) async fn wait_for_throttle(
    b: &mut dyn Backend,
    options: &BackfillOptions,
    obs: &dyn BackfillObserver,
) -> Result<()> {
    super::replicas::wait_for_replicas(b, options, obs).await?;
    let Some(q) = &options.throttle_query else {
        return Ok(());
    };
    loop {
        let rows = b
            .query(q)
            .await
            .map_err(|e| e.context("running the throttle query"))?;
        let hold = rows
            .scalar()
            .is_some_and(|v| matches!(v.trim().to_ascii_lowercase().as_str(), "t" | "true" | "1"));
        if !hold {
            return Ok(());
        }
        obs.event(&BackfillEvent::Throttled);
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Waits after a committed batch: the explicit pause, else the dialect's turn for waiting
/// writers ([`SqlDialect::writer_yield`](crate::dialect::SqlDialect::writer_yield)), and at
/// least what `max_rows_per_second` needs. `(took, waited)`: how long the batch held the
/// write lock, and how long it waited for it first.
pub(super) async fn pace(
    options: &BackfillOptions,
    dialect: &dyn crate::dialect::SqlDialect,
    changed: u64,
    (took, waited): (Duration, Duration),
) {
    let mut wait = pause_after(options, dialect, took, waited);
    if let Some(rps) = options.max_rows_per_second.filter(|r| *r > 0) {
        let budget = Duration::from_secs_f64(changed as f64 / rps as f64);
        wait = wait.max(budget.saturating_sub(took + waited));
    }
    if !wait.is_zero() {
        tokio::time::sleep(wait).await;
    }
}

/// The pause after a batch that held the write lock for `took` after waiting `waited` for
/// it, before any rate limit. The writer yield is bounded: writers that kept the backfill
/// waiting already had that time, so it is taken off the yield (a backfill fighting writers
/// that never pause alternates a batch it waited for with one it did not, instead of waiting
/// for every batch).
pub(super) fn pause_after(
    options: &BackfillOptions,
    dialect: &dyn crate::dialect::SqlDialect,
    took: Duration,
    waited: Duration,
) -> Duration {
    if options.pause.is_zero() && options.yield_to_writers {
        dialect.writer_yield(took).saturating_sub(waited)
    } else {
        options.pause
    }
}

#[cfg(test)]
#[path = "pace_tests.rs"]
mod pace_tests;
