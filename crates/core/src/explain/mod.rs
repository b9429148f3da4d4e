//! `cutover explain`: what pending migrations will do to a live database, found without
//! changing it.
//!
//! For every step: the lock it takes and what it does meanwhile (catalog only, scan, rewrite,
//! index build, rebuild, batches; per dialect in [`crate::dialect::explain`]), and the rows of
//! its table from the catalog (or a bounded count when statistics are missing). For every
//! backfill: its pending rows (bounded count), an estimated duration from the rate measured
//! on this database before (checkpoint history), and the planner's plan of its batch query.
//! For every check: the planner's plan. A warning when a large table is read in full where an
//! index was expected.
//!
//! Read-only: only `SELECT`s, catalog queries and `EXPLAIN` (never `EXPLAIN ANALYZE`), so
//! the catalog, the rows and the sequences are the same before and after. Unless asked for
//! [`Sample::OneBatch`]: then the first batch of every backfill runs in a transaction that is
//! rolled back, timed, to estimate its rate; that takes row locks, can advance sequences and
//! writes WAL/undo even though nothing stays. On PostgreSQL with the `hypopg` extension
//! installed, the indexes pending steps create are hypothetical indexes of the session while
//! the later queries are planned (never in the catalog); the report says when there are none.

mod analyse;
mod estimate;
mod live;
mod queries;
mod rows;

use serde::Serialize;

use crate::dialect::Dialect;
use crate::dialect::explain::LockImpact;
use crate::plan::Version;

pub use analyse::explain_migrations;

/// Tables with at least this many rows are large: reading one in full is worth a warning.
pub const LARGE_TABLE_ROWS: u64 = 10_000;

/// Bounded counts stop here (the answer is then "at least").
pub const COUNT_LIMIT: u64 = 1_000_000;

/// Whether `cutover explain` may time a sample batch of each backfill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sample {
    /// Read only (the default).
    #[default]
    No,
    /// Run each backfill's first batch in a transaction that is rolled back, timed.
    OneBatch,
}

/// A sample batch run and rolled back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SampleBatch {
    /// Rows the batch changed (then rolled back).
    pub rows: u64,
    /// How long it took, in milliseconds (rollback not included).
    pub millis: u64,
}

/// Where a row count comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowSource {
    /// The catalog's statistics (reltuples, information_schema, SQLite's largest rowid).
    Catalog,
    /// A count bounded by [`COUNT_LIMIT`] (statistics missing, or pending rows).
    Count,
    /// Unknown: the table could not be read within the lock timeout (another session holds
    /// a conflicting lock); `rows` is 0 and `at_least` is true.
    Busy,
}

/// A number of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RowCount {
    /// The number.
    pub rows: u64,
    /// Where it comes from.
    pub source: RowSource,
    /// Whether the count hit [`COUNT_LIMIT`] (the real number is larger).
    pub at_least: bool,
}

/// The planner's plan of one query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QueryPlan {
    /// What the query is (`check "name"`, `batch of backfill "id"`).
    pub what: String,
    /// The query.
    pub sql: String,
    /// The plan, one line per node.
    pub plan: Vec<String>,
    /// Tables read in full.
    pub full_scans: Vec<String>,
    /// A large table read in full where an index was expected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
    /// Why there is no plan (e.g. the query names a column a pending step adds).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A backfill's work ahead.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackfillEstimate {
    /// Backfill id.
    pub id: String,
    /// Rows pending now (bounded count).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<RowCount>,
    /// How `pending` was found when not by the backfill's own condition.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_note: Option<String>,
    /// Rows per second measured on this database before (checkpoint history).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows_per_second: Option<f64>,
    /// Which checkpoints the rate comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rate_from: Option<String>,
    /// `--sample`: the first batch, run and rolled back.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample: Option<SampleBatch>,
    /// `--sample`: why the sample batch failed (it was rolled back; e.g. a row lock wait).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sample_error: Option<String>,
    /// Pending rows / rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eta_seconds: Option<f64>,
    /// The plan of its first batch.
    pub batch: QueryPlan,
}

/// One step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepExplain {
    /// 1-based step number in its migration.
    pub step: usize,
    /// Its line in the file.
    pub line: usize,
    /// The step's `op`.
    pub op: String,
    /// Its table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The lock and what happens under it.
    pub impact: LockImpact,
    /// Rows of the table now (`None`: it does not exist yet).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<RowCount>,
    /// Backfill steps: the work ahead.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backfill: Option<BackfillEstimate>,
}

/// One migration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MigrationExplain {
    /// Version.
    pub version: Version,
    /// Name.
    pub name: String,
    /// Its steps on this dialect.
    pub steps: Vec<StepExplain>,
    /// The plans of its checks.
    pub checks: Vec<QueryPlan>,
}

/// The answer of `cutover explain`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExplainReport {
    /// The database's dialect.
    pub dialect: Dialect,
    /// The server version the answers are derived for.
    pub server: String,
    /// The migrations explained, oldest first.
    pub migrations: Vec<MigrationExplain>,
    /// Every warning of the report, one line each.
    pub warnings: Vec<String>,
    /// What the report does not take into account.
    pub notes: Vec<String>,
}

impl ExplainReport {
    /// Whether sample batches ran (and were rolled back).
    pub fn sampled(&self) -> bool {
        self.migrations
            .iter()
            .flat_map(|m| &m.steps)
            .any(|s| s.backfill.as_ref().is_some_and(|b| b.sample.is_some()))
    }
}
