//! The history table: one row per migration that was applied, attempted or baselined.
//!
//! Every statement is built with sea-query, values escaped by the builder.

use sea_query::{ColumnDef, Expr, ExprTrait, Order, Query, Table};
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
}

impl EntryState {
    fn as_str(self) -> &'static str {
        match self {
            EntryState::Applied => "applied",
            EntryState::Baselined => "baselined",
            EntryState::Partial => "partial",
            EntryState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> EntryState {
        match s {
            "applied" => EntryState::Applied,
            "baselined" => EntryState::Baselined,
            "partial" => EntryState::Partial,
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

const COLUMNS: [&str; 14] = [
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
    table: String,
    dialect: Dialect,
    /// The lock this run holds: checked inside every write's transaction.
    fence: Option<Fence>,
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

    /// Writes the entry of `e.version`, inside the caller's transaction: replaces a
    /// `partial` or `failed` entry, and refuses with [`Error::AlreadyRecorded`] when the
    /// version is already `applied` or `baselined` (a second apply must fail loudly, never
    /// overwrite). The version is the primary key, so two runs inserting it at once cannot
    /// both commit. When a fence is set, it is checked first.
    pub async fn save(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        self.check_fence(backend, &format!("writing history entry {}", e.version))
            .await?;
        let version = e.version.number as i64;
        let unfinished = Query::delete()
            .from_table(ident(&self.table))
            .and_where(Expr::col(ident("version_number")).eq(version))
            .and_where(
                Expr::col(ident("state"))
                    .is_not_in([EntryState::Applied.as_str(), EntryState::Baselined.as_str()]),
            )
            .to_owned();
        backend
            .execute(&self.dialect.query(&unfinished))
            .await
            .map_err(|err| err.context(format!("replacing history entry {}", e.version)))?;
        if let Some(state) = self.state_of(backend, &e.version).await? {
            return Err(Error::AlreadyRecorded {
                table: self.table.clone(),
                version: e.version.to_string(),
                state,
            });
        }
        self.insert(backend, e).await
    }

    /// Replaces the entry of `e.version` whatever its state, for deliberate rewrites of done
    /// entries (`repair` accepting a new checksum).
    pub async fn replace(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        self.delete(backend, &e.version).await?;
        self.insert(backend, e).await
    }

    /// Like [`replace`](History::replace), in a transaction of its own.
    pub async fn replace_atomic(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        backend.begin().await?;
        match self.replace(backend, e).await {
            Ok(()) => backend.commit().await,
            Err(err) => {
                let _ = backend.rollback().await;
                Err(err)
            }
        }
    }

    /// The recorded state of `version`, if it has an entry.
    async fn state_of(
        &self,
        backend: &mut dyn Backend,
        version: &Version,
    ) -> Result<Option<String>> {
        let q = Query::select()
            .column(ident("state"))
            .from(ident(&self.table))
            .and_where(Expr::col(ident("version_number")).eq(version.number as i64))
            .to_owned();
        Ok(backend
            .query(&self.dialect.query(&q))
            .await
            .map_err(|err| err.context(format!("reading history entry {version}")))?
            .scalar()
            .map(str::to_string))
    }

    /// Checks the fence, if any, in the caller's transaction.
    async fn check_fence(&self, backend: &mut dyn Backend, what: &str) -> Result<()> {
        match &self.fence {
            Some(f) => f.check(backend, what).await,
            None => Ok(()),
        }
    }

    async fn insert(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        let values: Vec<Expr> = vec![
            Expr::val(e.version.number as i64),
            Expr::val(e.version.text.clone()),
            Expr::val(e.name.clone()),
            Expr::val(e.description.clone()),
            Expr::val(e.checksum.clone()),
            Expr::val(e.state.as_str()),
            Expr::val(e.statements_applied),
            Expr::val(e.statements_total),
            Expr::val(e.statement_checksums.join(",")),
            Expr::val(e.started_at.clone()),
            Expr::val(e.finished_at.clone()),
            Expr::val(e.duration_ms),
            Expr::val(e.tool_version.clone()),
            Expr::val(e.applied_by.clone()),
            Expr::val(e.note.clone()),
            Expr::val(e.backup.clone()),
        ];
        let mut q = Query::insert();
        q.into_table(ident(&self.table))
            .columns(
                COLUMNS
                    .iter()
                    .map(|c| ident(c))
                    .chain([ident("note"), ident("backup")]),
            )
            .values(values)
            .map_err(|err| Error::Other(format!("building history insert: {err}")))?;
        backend
            .execute(&self.dialect.query(&q))
            .await
            .map(|_| ())
            .map_err(|err| err.context(format!("writing history entry {}", e.version)))
    }

    /// Like [`save`](History::save), in a transaction of its own (for use outside a
    /// migration's transaction), so that a crash never loses the entry and the fence check
    /// holds until the write commits.
    pub async fn save_atomic(&self, backend: &mut dyn Backend, e: &HistoryEntry) -> Result<()> {
        backend.begin().await?;
        match self.save(backend, e).await {
            Ok(()) => backend.commit().await,
            Err(err) => {
                let _ = backend.rollback().await;
                Err(err)
            }
        }
    }

    /// Like [`delete`](History::delete), in a transaction of its own, so that the fence
    /// check holds until the delete commits.
    pub async fn delete_atomic(&self, backend: &mut dyn Backend, version: &Version) -> Result<()> {
        backend.begin().await?;
        match self.delete(backend, version).await {
            Ok(()) => backend.commit().await,
            Err(err) => {
                let _ = backend.rollback().await;
                Err(err)
            }
        }
    }

    /// Removes the entry of `version` (checking the fence first, when one is set).
    pub async fn delete(&self, backend: &mut dyn Backend, version: &Version) -> Result<()> {
        self.check_fence(backend, &format!("deleting history entry {version}"))
            .await?;
        let q = Query::delete()
            .from_table(ident(&self.table))
            .and_where(Expr::col(ident("version_number")).eq(version.number as i64))
            .to_owned();
        backend
            .execute(&self.dialect.query(&q))
            .await
            .map(|_| ())
            .map_err(|err| err.context(format!("deleting history entry {version}")))
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
