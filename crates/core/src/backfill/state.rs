//! The `cutover_backfill` table: one checkpoint row per backfill and key range (part).
//!
//! A batch writes its rows and its checkpoint in the same transaction, so the checkpoint
//! always says exactly which rows are done.

use sea_query::{ColumnDef, Expr, ExprTrait, Index, Query, Table};
use serde::Serialize;

use super::scope::BackfillScope;
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::render::ident;

/// Its columns, in the order rows are read and written.
const COLUMNS: [&str; 11] = [
    "id",
    "part",
    "checksum",
    "cursor",
    "range_end",
    "rows_scanned",
    "rows_changed",
    "batches",
    "state",
    "started_at",
    "updated_at",
];

/// Where one part of a backfill stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PartState {
    /// Batches are running (or the run was killed).
    Running,
    /// Every pending row in the range was processed.
    Done,
    /// Done and the migration's verification checks passed.
    Complete,
    /// Stopped by an error after its retries.
    Failed,
    /// Retired with `cutover backfill retire`: never run again (see
    /// [`Retirement`](super::Retirement)).
    Retired,
    /// `cutover backfill undo` restored some rows (it is running, or was interrupted): not
    /// complete, so the contract gate refuses; `backfill run` starts over, `backfill undo`
    /// goes on.
    Undoing,
}

impl PartState {
    pub(super) fn as_str(&self) -> &'static str {
        match self {
            PartState::Running => "running",
            PartState::Done => "done",
            PartState::Complete => "complete",
            PartState::Failed => "failed",
            PartState::Retired => "retired",
            PartState::Undoing => "undoing",
        }
    }

    fn parse(s: &str) -> PartState {
        match s {
            "done" => PartState::Done,
            "complete" => PartState::Complete,
            "failed" => PartState::Failed,
            "retired" => PartState::Retired,
            "undoing" => PartState::Undoing,
            _ => PartState::Running,
        }
    }
}

/// One checkpoint row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Checkpoint {
    /// Backfill id.
    pub id: String,
    /// Part number (0 for a serial run).
    pub part: i64,
    /// Definition checksum the checkpoint belongs to.
    pub checksum: String,
    /// The last key processed (`None` before the first batch).
    pub cursor: Option<Vec<String>>,
    /// Exclusive upper bound of this part's key range (`None`: unbounded). A part split at
    /// sampled keys (UUID, text, composite keys) ends inclusive: its key values are followed
    /// by the marker `"\u0000through"`; [`Checkpoint::end`] reads it, and JSON shows it as
    /// `{"keys": [..], "inclusive": bool}`.
    #[serde(serialize_with = "super::part_end::serialize_range_end")]
    pub range_end: Option<Vec<String>>,
    /// Rows examined.
    pub rows_scanned: i64,
    /// Rows changed.
    pub rows_changed: i64,
    /// Batches committed.
    pub batches: i64,
    /// State.
    pub state: PartState,
    /// When the part started.
    pub started_at: String,
    /// Last checkpoint time.
    pub updated_at: String,
}

fn encode(v: &Option<Vec<String>>) -> Option<String> {
    v.as_ref()
        .map(|k| serde_json::to_string(k).unwrap_or_default())
}

fn decode(v: Option<String>) -> Option<Vec<String>> {
    v.and_then(|s| serde_json::from_str(&s).ok())
}

/// Access to the state table of one plan (history table) in one database.
#[derive(Debug, Clone)]
pub struct StateTable {
    pub(super) dialect: Dialect,
    /// The table's name, from the scope (`cutover_backfill` for the default history table).
    pub(super) table: String,
}

impl StateTable {
    /// The state table of `scope` in a database of `dialect`.
    pub fn new(dialect: Dialect, scope: &BackfillScope) -> StateTable {
        StateTable {
            dialect,
            table: scope.state_table(),
        }
    }

    /// The table's name.
    pub fn name(&self) -> &str {
        &self.table
    }

    /// Creates the table if needed. A table created before the `retired_*` columns existed
    /// gets them from [`StateTable::ensure_retirement_columns`], which only
    /// `cutover backfill retire` calls (outside any transaction).
    pub async fn ensure(&self, b: &mut dyn Backend) -> Result<()> {
        let text = |n: &str| ColumnDef::new(ident(n)).text().to_owned();
        let big = |n: &str| ColumnDef::new(ident(n)).big_integer().not_null().to_owned();
        let stmt = Table::create()
            .table(ident(self.table.as_str()))
            .if_not_exists()
            .col(ColumnDef::new(ident("id")).string_len(190).not_null())
            .col(big("part"))
            .col(ColumnDef::new(ident("checksum")).string_len(64).not_null())
            .col(text("cursor"))
            .col(text("range_end"))
            .col(big("rows_scanned"))
            .col(big("rows_changed"))
            .col(big("batches"))
            .col(ColumnDef::new(ident("state")).string_len(16).not_null())
            .col(
                ColumnDef::new(ident("started_at"))
                    .string_len(40)
                    .not_null(),
            )
            .col(
                ColumnDef::new(ident("updated_at"))
                    .string_len(40)
                    .not_null(),
            )
            .col(ColumnDef::new(ident("retired_by")).string_len(255))
            .col(ColumnDef::new(ident("retired_at")).string_len(40))
            .col(text("retired_note"))
            .primary_key(Index::create().col(ident("id")).col(ident("part")))
            .to_owned();
        b.execute(&self.dialect.schema(&stmt))
            .await
            .map_err(|e| e.context("creating the backfill state table cutover_backfill"))?;
        crate::internal_tables::protect(b, &self.table).await
    }

    /// Every part of backfill `id`, by part number.
    pub async fn load(&self, b: &mut dyn Backend, id: &str) -> Result<Vec<Checkpoint>> {
        let q = Query::select()
            .columns(COLUMNS.map(ident))
            .from(ident(self.table.as_str()))
            .and_where(Expr::col(ident("id")).eq(id))
            .order_by(ident("part"), sea_query::Order::Asc)
            .to_owned();
        let rows = b.query(&self.dialect.query(&q)).await?;
        rows.rows
            .into_iter()
            .map(|r| {
                let s = |i: usize| r.get(i).cloned().flatten();
                let n = |i: usize| s(i).and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
                Some(Checkpoint {
                    id: s(0)?,
                    part: n(1),
                    checksum: s(2)?,
                    cursor: decode(s(3)),
                    range_end: decode(s(4)),
                    rows_scanned: n(5),
                    rows_changed: n(6),
                    batches: n(7),
                    state: PartState::parse(&s(8)?),
                    started_at: s(9)?,
                    updated_at: s(10)?,
                })
            })
            .map(|c| {
                c.ok_or_else(|| {
                    Error::Other(format!("{} has a malformed row for `{id}`", self.table))
                })
            })
            .collect()
    }

    /// Inserts a new checkpoint row.
    pub async fn insert(&self, b: &mut dyn Backend, c: &Checkpoint) -> Result<()> {
        let q = Query::insert()
            .into_table(ident(self.table.as_str()))
            .columns(COLUMNS.map(ident))
            .values([
                Expr::val(c.id.clone()),
                Expr::val(c.part),
                Expr::val(c.checksum.clone()),
                Expr::val(encode(&c.cursor)),
                Expr::val(encode(&c.range_end)),
                Expr::val(c.rows_scanned),
                Expr::val(c.rows_changed),
                Expr::val(c.batches),
                Expr::val(c.state.as_str()),
                Expr::val(c.started_at.clone()),
                Expr::val(c.updated_at.clone()),
            ])
            .map_err(|e| Error::Other(format!("building checkpoint insert: {e}")))?
            .to_owned();
        b.execute(&self.dialect.query(&q)).await.map(|_| ())
    }

    /// The statement that writes a checkpoint (run inside the batch's transaction).
    pub fn update_sql(&self, c: &Checkpoint) -> String {
        let q = Query::update()
            .table(ident(self.table.as_str()))
            .values([
                (ident("cursor"), Expr::val(encode(&c.cursor))),
                (ident("rows_scanned"), Expr::val(c.rows_scanned)),
                (ident("rows_changed"), Expr::val(c.rows_changed)),
                (ident("batches"), Expr::val(c.batches)),
                (ident("state"), Expr::val(c.state.as_str())),
                (ident("updated_at"), Expr::val(c.updated_at.clone())),
            ])
            .and_where(Expr::col(ident("id")).eq(c.id.clone()))
            .and_where(Expr::col(ident("part")).eq(c.part))
            .to_owned();
        self.dialect.query(&q)
    }

    /// Marks every finished part of `id` complete (its verification passed); `updated_at`
    /// becomes the database's clock now, which `min_age` measures soak time from.
    pub async fn mark_complete(&self, b: &mut dyn Backend, id: &str) -> Result<()> {
        let q = Query::update()
            .table(ident(self.table.as_str()))
            .value(ident("state"), PartState::Complete.as_str())
            .value(
                ident("updated_at"),
                Expr::cust(self.dialect.sql().now_utc_expr()),
            )
            .and_where(Expr::col(ident("id")).eq(id))
            .and_where(Expr::col(ident("state")).eq(PartState::Done.as_str()))
            .to_owned();
        b.execute(&self.dialect.query(&q)).await.map(|_| ())
    }

    /// Moves every `complete` part of `id` back to `done`: a verification failed, so the
    /// backfill is no longer known to be complete and the contract gate refuses until a run
    /// verifies it again. Called wherever checks run and fail (`backfill run`, `up`, the gate).
    pub async fn mark_unverified(&self, b: &mut dyn Backend, id: &str) -> Result<()> {
        let q = Query::update()
            .table(ident(self.table.as_str()))
            .value(ident("state"), PartState::Done.as_str())
            .and_where(Expr::col(ident("id")).eq(id))
            .and_where(Expr::col(ident("state")).eq(PartState::Complete.as_str()))
            .to_owned();
        b.execute(&self.dialect.query(&q)).await.map(|_| ())
    }

    /// The statement that moves every part of `id` to `undoing` (see [`PartState::Undoing`]):
    /// run by `backfill undo` in the transaction of its first batch, so the backfill stops
    /// being complete exactly when its first row is restored.
    pub fn mark_undoing_sql(&self, id: &str) -> String {
        let q = Query::update()
            .table(ident(self.table.as_str()))
            .value(ident("state"), PartState::Undoing.as_str())
            .value(
                ident("updated_at"),
                Expr::cust(self.dialect.sql().now_utc_expr()),
            )
            .and_where(Expr::col(ident("id")).eq(id))
            .and_where(Expr::col(ident("state")).ne(PartState::Undoing.as_str()))
            .to_owned();
        self.dialect.query(&q)
    }

    /// Removes every checkpoint of `id` (for `--restart`).
    pub async fn clear(&self, b: &mut dyn Backend, id: &str) -> Result<()> {
        let q = Query::delete()
            .from_table(ident(self.table.as_str()))
            .and_where(Expr::col(ident("id")).eq(id))
            .to_owned();
        b.execute(&self.dialect.query(&q)).await.map(|_| ())
    }
}
