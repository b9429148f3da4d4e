//! Progress events and the final report of a backfill.

use serde::Serialize;

/// Progress of a running backfill.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum BackfillEvent<'a> {
    /// The run starts.
    Started {
        /// Backfill id.
        id: &'a str,
        /// Estimated rows in the table (catalog statistics), if known.
        estimate: Option<u64>,
        /// Parts (workers) that run.
        parts: usize,
    },
    /// A batch committed.
    Batch {
        /// Part number.
        part: i64,
        /// Rows in the batch.
        rows: u64,
        /// Rows changed by the batch.
        changed: u64,
        /// How long it took.
        millis: u64,
        /// The size of the next batch.
        next_size: u64,
        /// Fraction of this part's key range done, when the key is an integer.
        fraction: Option<f64>,
    },
    /// A batch failed and is retried.
    Retry {
        /// Part number.
        part: i64,
        /// Attempt (1 = first retry).
        attempt: u32,
        /// The error.
        message: &'a str,
    },
    /// The throttle query asked to wait.
    Throttled,
    /// A replica is behind, its lag unknown or it cannot be reached (`--max-replica-lag`).
    Replica {
        /// The replica (its URL without password).
        replica: &'a str,
        /// What was found, e.g. `replica lag 4.2 s > 2 s`.
        status: &'a str,
        /// Whether the backfill waits (false: reported and ignored by configuration).
        paused: bool,
    },
    /// Something the person running the backfill should know (an option that has no
    /// effect on this database), said once.
    Notice {
        /// What to say.
        message: &'a str,
    },
}

/// Receives backfill events.
pub trait BackfillObserver: Send + Sync {
    /// Called for each event.
    fn event(&self, event: &BackfillEvent<'_>);
}

/// Ignores events.
#[derive(Debug, Clone, Copy, Default)]
pub struct QuietObserver;

impl BackfillObserver for QuietObserver {
    fn event(&self, _event: &BackfillEvent<'_>) {}
}

/// The summary of a backfill run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackfillReport {
    /// Backfill id.
    pub id: String,
    /// "done" (ran to the end), "already done" (nothing pending, nothing ran) or "retired"
    /// (retired with `cutover backfill retire`: nothing ran).
    pub outcome: String,
    /// Rows in the batches of this run.
    pub rows_scanned: u64,
    /// Rows changed by this run.
    pub rows_changed: u64,
    /// Batches committed by this run.
    pub batches: u64,
    /// Retries after transient failures.
    pub retries: u64,
    /// Parts (workers).
    pub parts: usize,
    /// Wall time.
    pub duration_ms: u64,
    /// Milliseconds per changed row.
    pub ms_per_row: f64,
    /// Whether the run resumed from a checkpoint.
    pub resumed: bool,
}

impl BackfillReport {
    /// Adds a part's numbers.
    pub(crate) fn absorb(&mut self, part: &BackfillReport) {
        self.rows_scanned += part.rows_scanned;
        self.rows_changed += part.rows_changed;
        self.batches += part.batches;
        self.retries += part.retries;
        self.resumed |= part.resumed;
    }
}
