//! The history table: one row per migration that was applied, attempted or baselined.
//! Its rows are read here and written in `history_write.rs`.
//!
//! Every statement is built with sea-query, values escaped by the builder.

use sea_query::{ColumnDef, Order, Query, Table};
use serde::Serialize;

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::fence::Fence;
use crate::plan::Version;
use crate::render::ident;

/// The state of a history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryState {
    /// Every statement ran and the verifications passed.
    Applied,
    /// Marked as applied by `baseline`; nothing ran.
    Baselined,
    /// Some statements ran (non-transactional dialects), the run is in progress or was killed.
    Partial,
    /// The last attempt failed; `statements_applied` says how far it got.
    Failed,
    /// `down` is reverting it statement by statement (a dialect or migration without one
    /// transaction for the whole down) and has not finished: `statements_applied` counts the
    /// down statements that committed, `statement_checksums` are theirs. Only `cutover down`
    /// continues it; `up` refuses it.
    Reverting,
}

impl EntryState {
    pub(super) fn as_str(self) -> &'static str {
        match self {
            EntryState::Applied => "applied",
            EntryState::Baselined => "baselined",
            EntryState::Partial => "partial",
            EntryState::Failed => "failed",
            EntryState::Reverting => "reverting",
        }
    }

    fn parse(s: &str) -> EntryState {
        match s {
            "applied" => EntryState::Applied,
            "baselined" => EntryState::Baselined,
            "partial" => EntryState::Partial,
            "reverting" => EntryState::Reverting,
            _ => EntryState::Failed,
        }
    }

    /// Whether the migration counts as done.
    pub fn is_done(self) -> bool {
        matches!(self, EntryState::Applied | EntryState::Baselined)
    }
}

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HistoryEntry {
    /// The migration version.
    pub version: Version,
    /// The migration name.
    pub name: String,
    /// Its description when it ran.
    pub description: String,
    /// Its checksum when it ran.
    pub checksum: String,
    /// Where it stands.
    pub state: EntryState,
    /// How many statements ran successfully.
    pub statements_applied: i64,
    /// How many statements it has.
    pub statements_total: i64,
    /// Short checksums of the statements that ran, in order (for safe resume).
    pub statement_checksums: Vec<String>,
    /// When the run started (RFC 3339, UTC).
    pub started_at: String,
    /// When it finished.
    pub finished_at: Option<String>,
    /// How long it took.
    pub duration_ms: Option<i64>,
    /// The cutover version that ran it.
    pub tool_version: String,
    /// Who ran it (user@host).
    pub applied_by: String,
    /// Free-form remarks (e.g. the failing statement, or that `--no-backup` skipped the
    /// backup of a contract migration).
    pub note: Option<String>,
    /// The backup taken before this migration ran (its path), for `restore --before`.
    pub backup: Option<String>,
}

/// The start of the note `baseline --from-history` writes on the entries it records: the
/// other tool ran those migrations here.
pub(super) const ADOPTED_NOTE: &str = "baselined from the ";

impl HistoryEntry {
    /// Whether `baseline --from-history` recorded it: another migration tool ran it on this
    /// database (unlike a plain baseline, which only assumes its effect is there), so its
    /// down can revert it.
    pub fn is_adopted(&self) -> bool {
        self.state == EntryState::Baselined
            && self
                .note
                .as_deref()
                .is_some_and(|n| n.starts_with(ADOPTED_NOTE) && n.contains(" history table "))
    }
}

pub(super) const COLUMNS: [&str; 14] = [
    "version_number",
    "version",
    "name",
    "description",
    "checksum",
    "state",
    "statements_applied",
    "statements_total",
    "statement_checksums",
    "started_at",
    "finished_at",
    "duration_ms",
    "tool_version",
    "applied_by",
];

/// Access to the history table of one database.
#[derive(Debug, Clone)]
pub struct History {
    pub(super) table: String,
    pub(super) dialect: Dialect,
    /// The lock this run holds: checked inside every write's transaction.
    pub(super) fence: Option<Fence>,
}

impl History {
    /// The history table `table` in a database of `dialect`.
    pub fn new(table: &str, dialect: Dialect) -> History {
        History {
            table: table.to_string(),
            dialect,
            fence: None,
        }
    }

    /// Makes every later write check `fence` first, in the write's transaction (see
    /// [`Fence::check`]); `None` writes without a check (no lock held).
    pub fn set_fence(&mut self, fence: Option<Fence>) {
        self.fence = fence;
    }

    /// The fence writes are checked against.
    pub fn fence(&self) -> Option<&Fence> {
        self.fence.as_ref()
    }

    /// The table name.
    pub fn table(&self) -> &str {
        &self.table
    }

    /// Creates the table if it does not exist.
    pub async fn ensure(&self, backend: &mut dyn Backend) -> Result<()> {
        let text = |name: &str| ColumnDef::new(ident(name)).text().to_owned();
        let stmt = Table::create()
            .table(ident(&self.table))
            .if_not_exists()
            .col(
                ColumnDef::new(ident("version_number"))
                    .big_integer()
                    .not_null()
                    .primary_key(),
            )
            .col(ColumnDef::new(ident("version")).string_len(64).not_null())
            .col(ColumnDef::new(ident("name")).string_len(255).not_null())
            .col(text("description"))
            .col(ColumnDef::new(ident("checksum")).string_len(64).not_null())
            .col(ColumnDef::new(ident("state")).string_len(16).not_null())
            .col(
                ColumnDef::new(ident("statements_applied"))
                    .big_integer()
                    .not_null(),
            )
            .col(
                ColumnDef::new(ident("statements_total"))
                    .big_integer()
                    .not_null(),
            )
            .col(text("statement_checksums"))
            .col(
                ColumnDef::new(ident("started_at"))
                    .string_len(40)
                    .not_null(),
            )
            .col(ColumnDef::new(ident("finished_at")).string_len(40))
            .col(ColumnDef::new(ident("duration_ms")).big_integer())
            .col(
                ColumnDef::new(ident("tool_version"))
                    .string_len(32)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ident("applied_by"))
                    .string_len(255)
                    .not_null(),
            )
            .col(text("note"))
            .col(text("backup"))
            .to_owned();
        backend
            .execute(&self.dialect.schema(&stmt))
            .await
            .map_err(|e| e.context(format!("creating history table `{}`", self.table)))?;
        crate::internal_tables::protect(backend, &self.table).await?;
        self.add_backup_column(backend).await
    }

    /// Adds the `backup` column to a history table created before it existed.
    async fn add_backup_column(&self, backend: &mut dyn Backend) -> Result<()> {
        let columns = backend
            .query(&self.dialect.sql().column_types_sql(&self.table))
            .await?;
        let has = columns
            .rows
            .iter()
            .any(|r| r.first().and_then(|c| c.as_deref()) == Some("backup"));
        if has {
            return Ok(());
        }
        let stmt = Table::alter()
            .table(ident(&self.table))
            .add_column(ColumnDef::new(ident("backup")).text())
            .to_owned();
        backend
            .execute(&self.dialect.schema(&stmt))
            .await
            .map(|_| ())
            .map_err(|e| e.context(format!("adding column `backup` to `{}`", self.table)))
    }

    /// Every entry, oldest version first; none when the table does not exist yet (read-only
    /// commands create nothing). Any other failure, e.g. no right to read it, is an error:
    /// an unreadable history must never look like an empty one.
    pub async fn load_if_exists(&self, backend: &mut dyn Backend) -> Result<Vec<HistoryEntry>> {
        let exists = backend
            .table_exists(&self.table)
            .await
            .map_err(|e| e.context("listing tables to find the history table"))?;
        if !exists {
            return Ok(Vec::new());
        }
        self.load(backend).await
    }

    /// Every entry, oldest version first.
    pub async fn load(&self, backend: &mut dyn Backend) -> Result<Vec<HistoryEntry>> {
        let mut q = Query::select();
        for c in COLUMNS {
            q.column(ident(c));
        }
        q.column(ident("note"))
            .column(ident("backup"))
            .from(ident(&self.table))
            .order_by(ident("version_number"), Order::Asc);
        let rows = backend
            .query(&self.dialect.query(&q))
            .await
            .map_err(|e| e.context(format!("reading history table `{}`", self.table)))?;
        rows.rows
            .iter()
            .map(|r| {
                parse_row(r).ok_or_else(|| {
                    Error::Other(format!(
                        "history table `{}` has a malformed row: {r:?}",
                        self.table
                    ))
                })
            })
            .collect()
    }
}

fn parse_row(r: &[Option<String>]) -> Option<HistoryEntry> {
    let s = |i: usize| r.get(i).cloned().flatten();
    let n = |i: usize| s(i).and_then(|v| v.parse::<i64>().ok());
    Some(HistoryEntry {
        version: Version {
            number: s(0)?.parse().ok()?,
            text: s(1)?,
        },
        name: s(2)?,
        description: s(3).unwrap_or_default(),
        checksum: s(4)?,
        state: EntryState::parse(&s(5)?),
        statements_applied: n(6)?,
        statements_total: n(7)?,
        statement_checksums: s(8)
            .filter(|v| !v.is_empty())
            .map(|v| v.split(',').map(str::to_string).collect())
            .unwrap_or_default(),
        started_at: s(9)?,
        finished_at: s(10),
        duration_ms: n(11),
        tool_version: s(12)?,
        applied_by: s(13)?,
        note: s(14),
        backup: s(15),
    })
}
