//! What a step costs on a live database, per dialect: the lock it takes, how long it is held
//! (catalog only, a scan, a rewrite, a rebuild), and how to ask the server for a query plan.
//!
//! `cutover explain` (see [`crate::explain`]) holds the policy; each dialect answers here
//! from its documentation: PostgreSQL's lock levels per `ALTER TABLE` form, MySQL/MariaDB's
//! online DDL tables (ALGORITHM and LOCK per operation and server version), SQLite's table
//! rebuilds (which the renderer decides). Nothing here runs a statement.

mod mysql;
mod postgres;
mod sqlite;

use serde::Serialize;

use crate::backend::Rows;
use crate::plan::Column;
use crate::plan::Step;

pub use mysql::MysqlExplain;
pub use postgres::PostgresExplain;
pub use sqlite::SqliteExplain;

/// A server version, parsed from [`Backend::server_version`](crate::backend::Backend::server_version).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerVersion {
    /// As the server reports it (`15.20`, `10.11.19-MariaDB`, `3.45.1`).
    pub text: String,
    /// Major, minor, patch (missing parts are 0).
    pub number: (u32, u32, u32),
    /// Whether the server is MariaDB (its online DDL differs from MySQL's).
    pub mariadb: bool,
}

impl ServerVersion {
    /// Parses the leading `major.minor.patch` of `text`.
    pub fn parse(text: &str) -> ServerVersion {
        let lead: String = text
            .trim()
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.')
            .collect();
        let mut parts = lead.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        let number = (
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
            parts.next().unwrap_or(0),
        );
        ServerVersion {
            text: text.to_string(),
            number,
            mariadb: text.to_ascii_lowercase().contains("mariadb"),
        }
    }

    /// Whether the version is at least `major.minor.patch`.
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        self.number >= (major, minor, patch)
    }
}

/// What a step does to the rows of its table while its lock is held.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TableWork {
    /// Nothing to do on existing rows (a new table, or no table).
    Nothing,
    /// Only the catalog changes: the lock is held for a moment.
    Catalog,
    /// Every row is read (validation) while the lock is held.
    Scan,
    /// Every row is rewritten into a new copy of the table.
    Rewrite,
    /// An index is built: a scan and a sort.
    IndexBuild,
    /// The table is rebuilt (copied) by the engine.
    Rebuild,
    /// Rows change in short batches, each holding row locks only.
    Batches,
    /// Raw SQL: not analysed.
    Unknown,
}

impl TableWork {
    /// Whether the work grows with the number of rows.
    pub fn per_row(self) -> bool {
        matches!(
            self,
            TableWork::Scan | TableWork::Rewrite | TableWork::IndexBuild | TableWork::Rebuild
        )
    }

    /// A short word for tables.
    pub fn as_str(self) -> &'static str {
        match self {
            TableWork::Nothing => "nothing",
            TableWork::Catalog => "catalog",
            TableWork::Scan => "scan",
            TableWork::Rewrite => "rewrite",
            TableWork::IndexBuild => "index build",
            TableWork::Rebuild => "rebuild",
            TableWork::Batches => "batches",
            TableWork::Unknown => "unknown",
        }
    }
}

/// The lock a step takes and what it does while holding it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockImpact {
    /// The lock: a PostgreSQL lock level, MySQL's `LOCK=` clause, SQLite's database lock.
    pub lock: String,
    /// MySQL/MariaDB: the ALGORITHM the server uses (INSTANT, INPLACE, NOCOPY, COPY).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub algorithm: Option<String>,
    /// What happens to the rows meanwhile.
    pub work: TableWork,
    /// What other sessions cannot do meanwhile.
    pub blocks: String,
    /// Whether reads and writes go on while it works (only a brief lock at its start or
    /// end, or short batches): then its work on many rows is no warning.
    pub online: bool,
    /// Why, in a sentence (the rule applied, version conditions, caveats).
    pub note: String,
}

impl LockImpact {
    pub(crate) fn new(lock: &str, work: TableWork, blocks: &str, note: &str) -> LockImpact {
        LockImpact {
            lock: lock.into(),
            algorithm: None,
            work,
            blocks: blocks.into(),
            online: false,
            note: note.into(),
        }
    }

    pub(crate) fn online(mut self) -> LockImpact {
        self.online = true;
        self
    }

    pub(crate) fn algorithm(mut self, algorithm: &str) -> LockImpact {
        self.algorithm = Some(algorithm.into());
        self
    }
}

/// What core knows about a step before asking its dialect.
#[derive(Debug, Clone, Copy)]
pub struct StepFacts<'a> {
    /// The step.
    pub step: &'a Step,
    /// The server.
    pub server: &'a ServerVersion,
    /// Whether the step's table exists in the database now (a table created by a pending
    /// migration is empty when the step runs).
    pub table_exists: bool,
    /// The column the step changes, as the plan defines it before the step.
    pub column_before: Option<&'a Column>,
    /// Whether the renderer rebuilds the table for this step (SQLite).
    pub rebuild: bool,
    /// PostgreSQL: a validated `CHECK (col IS NOT NULL)` already proves the column has no
    /// NULL (see [`Explainer::not_null_proof_sql`]).
    pub not_null_proven: bool,
}

/// Per-dialect answers for `cutover explain`.
pub trait Explainer: Send + Sync {
    /// The lock `facts.step` takes and what it does to existing rows.
    fn step_impact(&self, facts: &StepFacts<'_>) -> LockImpact;

    /// The statement that asks the planner for the plan of `sql` without running it
    /// (never `ANALYZE`).
    fn explain_sql(&self, sql: &str) -> String;

    /// The plan an [`explain_sql`](Explainer::explain_sql) query returned, one line per node.
    fn plan_lines(&self, rows: &Rows) -> Vec<String>;

    /// The tables the plan reads in full (a sequential scan), by name.
    fn full_scans(&self, rows: &Rows) -> Vec<String>;

    /// A query whose scalar counts validated check constraints proving `column` of `table`
    /// NOT NULL (PostgreSQL 12+ then skips the scan of `SET NOT NULL`); `None` elsewhere.
    fn not_null_proof_sql(&self, _table: &str, _column: &str) -> Option<String> {
        None
    }

    /// A query whose scalar is non-zero when hypothetical indexes (PostgreSQL's `hypopg`
    /// extension) are available; `None` where the dialect has none.
    fn hypothetical_index_probe_sql(&self) -> Option<String> {
        None
    }

    /// The query that makes `create_index` (a rendered `CREATE INDEX`) a hypothetical index
    /// of this session only: the planner sees it, the catalog does not (`hypopg`).
    fn hypothetical_index_sql(&self, _create_index: &str) -> Option<String> {
        None
    }

    /// The query that drops this session's hypothetical indexes.
    fn hypothetical_reset_sql(&self) -> Option<String> {
        None
    }

    /// What the answers of [`step_impact`](Explainer::step_impact) rest on, when the user
    /// should know (e.g. derived from documentation, not confirmed by the server).
    fn caveat(&self) -> Option<&'static str> {
        None
    }
}

/// The column of a step that changes one (`alter_column`), for [`StepFacts::column_before`].
pub fn changed_column(step: &Step) -> Option<(&str, &str)> {
    match step {
        Step::AlterColumn(a) => Some((&a.table, &a.column)),
        _ => None,
    }
}

/// The plan's text: the first column of every row.
pub(crate) fn first_column(rows: &Rows) -> Vec<String> {
    rows.rows
        .iter()
        .filter_map(|r| r.first().cloned().flatten())
        .collect()
}

#[cfg(test)]
mod tests;
