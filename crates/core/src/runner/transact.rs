//! Running statements: timeouts, retries with backoff; renewing a lost session.

use std::time::Duration;

use super::Runner;
use super::report::Event;
use crate::error::{DriverErrorKind, Error, Result};

/// Whether an error is worth retrying in place (deadlock, serialization failure, lock
/// timeout). A lost connection is not: the session and its lock are gone, so the runner
/// renews the session and plans again from the history instead
/// ([`Runner::locked_replanning`]).
pub(crate) fn is_transient(e: &Error) -> bool {
    matches!(
        e.root(),
        Error::Driver {
            kind: DriverErrorKind::Conflict | DriverErrorKind::Timeout,
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

    /// Reports a retry and waits before it.
    pub(crate) async fn prepare_retry(&mut self, err: &Error, attempt: u32) -> Result<()> {
        let message = err.to_string();
        self.reporter.event(&Event::Retry {
            message: &message,
            attempt,
        });
        tracing::warn!(attempt, error = %message, "retrying");
        tokio::time::sleep(self.backoff(attempt)).await;
        Ok(())
    }

    /// After `lost` (a lost connection) ended the work done under lock `key`: reconnects
    /// (retrying while the server is unreachable), takes the lock again before anything else
    /// runs (the next pass records a new fence). Another run holding the lock by then is
    /// [`Error::Locked`] (exit 4): this run stops, whatever it planned is stale.
    pub(crate) async fn renew_session(
        &mut self,
        key: &str,
        lost: &Error,
        renewal: u32,
    ) -> Result<()> {
        // The root error only: the context of the interrupted step advises a manual resume,
        // which the renewal does by itself.
        let message = format!(
            "{}; reconnecting, then taking the lock again and reloading the history",
            lost.root()
        );
        self.reporter.event(&Event::Retry {
            message: &message,
            attempt: renewal,
        });
        tracing::warn!(renewal, error = %lost, "connection lost");
        self.history.set_fence(None);
        let mut attempt = 0;
        loop {
            attempt += 1;
            tokio::time::sleep(self.backoff(attempt)).await;
            match self.backend.reconnect().await {
                Ok(()) => break,
                Err(e) if is_connection(&e) && attempt <= self.options.retries => continue,
                Err(e) => return Err(e.context(format!("reconnecting after: {lost}"))),
            }
        }
        self.backend.set_timeouts(self.options.timeouts).await?;
        self.take_lock(key).await.map_err(|e| {
            e.context(format!(
                "the connection was lost ({}) and another run took the lock meanwhile; this run stopped and continues nothing it planned before",
                lost.root()
            ))
        })
    }
}
