//! Settings of a backfill run.

use std::time::Duration;

use futures_util::future::BoxFuture;

use crate::backend::{Backend, Timeouts};
use crate::error::Result;

/// Opens another connection to the same database (for parallel workers).
pub type Connector = dyn Fn() -> BoxFuture<'static, Result<Box<dyn Backend>>> + Send + Sync;

/// How a backfill runs.
#[derive(Debug, Clone)]
pub struct BackfillOptions {
    /// First batch size (default: the step's `batch_size`, else 1,000).
    pub batch_size: Option<u64>,
    /// Smallest batch the sizer may choose.
    pub min_batch: u64,
    /// Largest batch the sizer may choose.
    pub max_batch: u64,
    /// The batch duration the sizer aims at; `None`: the dialect's
    /// ([`SqlDialect::batch_target`](crate::dialect::SqlDialect::batch_target): 200 ms, SQLite
    /// 25 ms, as a SQLite batch holds the database's only write lock).
    pub target_batch: Option<Duration>,
    /// Whether the batch size adapts (false: fixed, except after timeouts).
    pub adaptive: bool,
    /// Lock and statement timeouts of each batch.
    pub timeouts: Timeouts,
    /// Retries of one batch after deadlocks, lock timeouts or lost connections.
    pub retries: u32,
    /// First retry delay (doubles, capped at 10 s, with jitter).
    pub retry_backoff: Duration,
    /// Upper bound on rows changed per second.
    pub max_rows_per_second: Option<u64>,
    /// Pause between batches. Non-zero, it replaces the dialect's writer yield.
    pub pause: Duration,
    /// With `pause` zero, pause after each batch as long as the dialect needs for waiting
    /// application writers to get the write lock (SQLite: a quarter of the batch time, 5 to
    /// 100 ms; zero on Postgres and MySQL). The CLI turns it off when `--pause-ms` is given.
    pub yield_to_writers: bool,
    /// A query returning true while the backfill should wait (e.g. replica lag too high).
    pub throttle_query: Option<String>,
    /// Ignore `pending` and redo every row in scope.
    pub force: bool,
    /// Discard the checkpoint (required after the definition changed).
    pub restart: bool,
    /// Parallel workers over disjoint key ranges (Postgres and MySQL; SQLite runs one).
    pub workers: usize,
    /// Before each batch, wait while a replica of `replicas` is further behind than this.
    pub max_replica_lag: Option<Duration>,
    /// The replicas `max_replica_lag` watches.
    pub replicas: Vec<super::replicas::ReplicaSource>,
    /// What a replica that cannot be reached does to the run.
    pub on_unreachable: super::replicas::OnUnreachable,
    /// `max_replica_lag` also reads the lag of every standby on the primary itself
    /// (PostgreSQL `pg_stat_replication`); `None`: only `replicas` are watched.
    pub primary_standbys: Option<super::replica_primary::PrimaryStandbys>,
}

impl Default for BackfillOptions {
    fn default() -> Self {
        BackfillOptions {
            batch_size: None,
            min_batch: 10,
            max_batch: 50_000,
            target_batch: None,
            adaptive: true,
            timeouts: Timeouts {
                lock: Duration::from_secs(2),
                statement: Some(Duration::from_secs(60)),
            },
            retries: 8,
            retry_backoff: Duration::from_millis(200),
            max_rows_per_second: None,
            pause: Duration::ZERO,
            yield_to_writers: true,
            throttle_query: None,
            force: false,
            restart: false,
            workers: 1,
            max_replica_lag: None,
            replicas: Vec::new(),
            on_unreachable: Default::default(),
            primary_standbys: None,
        }
    }
}
