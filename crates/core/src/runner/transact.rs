//! Running statements: timeouts, retries with backoff, reconnects.

use std::time::Duration;

use super::Runner;
use super::report::Event;
use crate::error::{DriverErrorKind, Error, Result};

/// Whether an error is worth retrying (deadlock, serialization failure, lock timeout,
/// lost connection).
pub(crate) fn is_transient(e: &Error) -> bool {
    matches!(
        e.root(),
        Error::Driver {
            kind: DriverErrorKind::Conflict
                | DriverErrorKind::Timeout
                | DriverErrorKind::Connection,
            ..
        }
    )
}

/// Whether an error is a lost connection (after which an outcome may be unknown).
pub(crate) fn is_connection(e: &Error) -> bool {
    matches!(
        e.root(),
        Error::Driver {
            kind: DriverErrorKind::Connection,
            ..
        }
    )
}

impl Runner<'_> {
    /// The delay before retry `attempt` (1-based): the backoff doubles each time, capped at 30 s,
    /// with up to 25% jitter.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let base = self.options.retry_backoff.as_millis() as u64;
        let exp = base
            .saturating_mul(1u64 << attempt.saturating_sub(1).min(16))
            .min(30_000);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos() as u64)
            .unwrap_or(0);
        let jitter = if exp > 0 { nanos % (exp / 4 + 1) } else { 0 };
        Duration::from_millis(exp + jitter)
    }

    /// Reports a retry and, for a lost connection, reconnects.
    pub(crate) async fn prepare_retry(&mut self, err: &Error, attempt: u32) -> Result<()> {
        let message = err.to_string();
        self.reporter.event(&Event::Retry {
            message: &message,
            attempt,
        });
        tracing::warn!(attempt, error = %message, "retrying");
        let delay = self.backoff(attempt);
        tokio::time::sleep(delay).await;
        if is_connection(err) {
            self.backend.reconnect().await?;
            self.backend.set_timeouts(self.options.timeouts).await?;
        }
        Ok(())
    }

    /// Executes one statement outside a transaction, retrying transient failures.
    pub(crate) async fn execute_retrying(&mut self, sql: &str) -> Result<u64> {
        let mut attempt = 0;
        loop {
            match self.backend.execute(sql).await {
                Ok(n) => return Ok(n),
                Err(e) if is_transient(&e) && attempt < self.options.retries => {
                    attempt += 1;
                    self.prepare_retry(&e, attempt).await?;
                }
                Err(e) => return Err(e),
            }
        }
    }
}
