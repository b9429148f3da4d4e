//! Recording explicit retirements in the `cutover_backfill` table.
//!
//! A retired backfill's checkpoint rows get the state `retired`, and the columns
//! `retired_by`, `retired_at` and `retired_note` say who, when and why. Those columns were
//! added after the table's first release: [`StateTable::ensure_retirement_columns`] adds them
//! to an existing table (an additive, idempotent upgrade), and they are only read for rows
//! whose state is `retired`, which only an upgraded table can hold, so older tables keep
//! working for every other command.

use sea_query::{ColumnDef, Expr, ExprTrait, Query, Table};

use super::retirement::Retirement;
use super::spec::BackfillSpec;
use super::state::{Checkpoint, PartState, StateTable};
use crate::backend::Backend;
use crate::error::Result;
use crate::render::ident;

/// The columns added for retirements, and their definitions.
fn retirement_columns() -> [(&'static str, ColumnDef); 3] {
    [
        (
            "retired_by",
            ColumnDef::new(ident("retired_by"))
                .string_len(255)
                .to_owned(),
        ),
        (
            "retired_at",
            ColumnDef::new(ident("retired_at"))
                .string_len(40)
                .to_owned(),
        ),
        (
            "retired_note",
            ColumnDef::new(ident("retired_note")).text().to_owned(),
        ),
    ]
}

impl StateTable {
    /// Creates the table if needed and adds the `retired_*` columns to a table created
    /// before they existed. Idempotent; a concurrent upgrade by another run is fine (a
    /// failed `ADD COLUMN` is accepted when the column exists afterwards). Runs DDL, so
    /// never call it inside a transaction.
    pub async fn ensure_retirement_columns(&self, b: &mut dyn Backend) -> Result<()> {
        self.ensure(b).await?;
        let present = self.column_names(b).await?;
        for (name, def) in retirement_columns() {
            if present.iter().any(|c| c == name) {
                continue;
            }
            let stmt = Table::alter()
                .table(ident(self.table.as_str()))
                .add_column(def)
                .to_owned();
            if let Err(e) = b.execute(&self.dialect.schema(&stmt)).await
                && !self.column_names(b).await?.iter().any(|c| c == name)
            {
                return Err(e.context(format!("adding column `{name}` to `{}`", self.table)));
            }
        }
        Ok(())
    }

    async fn column_names(&self, b: &mut dyn Backend) -> Result<Vec<String>> {
        let sql = self.dialect.sql().column_types_sql(&self.table);
        Ok(b.query(&sql).await?.into_first_column())
    }

    /// Inside the caller's transaction: marks every checkpoint row of `spec` retired, with
    /// who, when and why (a backfill that never started gets a row of its own). `parts` are
    /// its rows as loaded in the same transaction.
    pub async fn retire(
        &self,
        b: &mut dyn Backend,
        spec: &BackfillSpec,
        parts: &[Checkpoint],
        by: &str,
        at: &str,
        note: Option<&str>,
    ) -> Result<()> {
        if parts.is_empty() {
            self.insert(
                b,
                &Checkpoint {
                    id: spec.id.clone(),
                    part: 0,
                    checksum: spec.checksum.clone(),
                    cursor: None,
                    range_end: None,
                    rows_scanned: 0,
                    rows_changed: 0,
                    batches: 0,
                    state: PartState::Retired,
                    started_at: at.to_string(),
                    updated_at: at.to_string(),
                },
            )
            .await?;
        }
        let q = Query::update()
            .table(ident(self.table.as_str()))
            .values([
                (ident("state"), Expr::val(PartState::Retired.as_str())),
                (ident("retired_by"), Expr::val(by)),
                (ident("retired_at"), Expr::val(at)),
                (ident("retired_note"), Expr::val(note.map(str::to_string))),
                (ident("updated_at"), Expr::val(at)),
            ])
            .and_where(Expr::col(ident("id")).eq(spec.id.as_str()))
            .to_owned();
        b.execute(&self.dialect.query(&q)).await.map(|_| ())
    }

    /// The recorded retirement of backfill `id`, when one of its rows is `retired`.
    pub async fn retirement(&self, b: &mut dyn Backend, id: &str) -> Result<Option<Retirement>> {
        let q = Query::select()
            .columns(["retired_by", "retired_at", "retired_note"].map(ident))
            .from(ident(self.table.as_str()))
            .and_where(Expr::col(ident("id")).eq(id))
            .and_where(Expr::col(ident("state")).eq(PartState::Retired.as_str()))
            .order_by(ident("part"), sea_query::Order::Asc)
            .limit(1)
            .to_owned();
        let rows = b.query(&self.dialect.query(&q)).await?;
        Ok(rows.rows.into_iter().next().map(|r| {
            let s = |i: usize| r.get(i).cloned().flatten();
            Retirement::Explicit {
                by: s(0),
                at: s(1),
                note: s(2),
            }
        }))
    }
}
