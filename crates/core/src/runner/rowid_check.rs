//! Before a migration runs: a trigger that finds its row by rowid (SQLite `updated_at_trigger`
//! on a table the plan knows no key of, `sync = true` backfills on a table the plan did not
//! create without a rowid) on a table without one (`WITHOUT ROWID`, made by raw SQL or
//! outside the plan) is refused with a typed error and a way forward, before any statement
//! runs, instead of SQLite's `no such column: rowid` part way. Triggers that find the row
//! by its primary key (the plan knows it, and created the table without a rowid for sync
//! triggers) are not refused.

use super::Runner;
use crate::error::{Error, Result};
use crate::plan::{Migration, Step};
use crate::schema::Schema;

impl Runner<'_> {
    /// Refuses `m` when one of its rowid triggers is on a table the database reports as
    /// having no rowid. A table the migration itself creates (by raw SQL) does not exist
    /// yet: an `updated_at_trigger` on it still fails at its step (SQLite's `no such column:
    /// rowid`, from the probe the trigger renders first); a sync trigger on it is not caught.
    pub(super) async fn refuse_without_rowid(&mut self, m: &Migration) -> Result<()> {
        let dialect = self.backend.dialect();
        let mut schema = Schema::default();
        for earlier in self
            .plan
            .migrations
            .iter()
            .take_while(|e| e.version < m.version)
        {
            for (_, s) in earlier.steps_for(dialect) {
                schema.apply(&s.item);
            }
        }
        for (i, s) in m.steps_for(dialect) {
            let by_key = match &s.item {
                Step::UpdatedAtTrigger(u) => schema
                    .table(&u.table)
                    .is_some_and(|t| !t.primary_key.is_empty()),
                Step::Backfill(b) => crate::render::sync_trigger(b, m, &schema, &self.scope())
                    .is_some_and(|t| t.without_rowid(dialect.sql())),
                _ => false,
            };
            schema.apply(&s.item);
            let (table, hint) = match &s.item {
                Step::UpdatedAtTrigger(u) => (
                    u.table.as_str(),
                    "its trigger finds the updated row by rowid, as the plan knows no primary key of the table; give the table a rowid (create it again without WITHOUT ROWID and copy the rows), or limit the step with `dialects` and set the column from the application on SQLite",
                ),
                Step::Backfill(b) if b.sync => (b.table.as_str(), SYNC_HINT),
                _ => continue,
            };
            if by_key {
                continue;
            }
            let what = format!(
                "{}:{}: migration {}, step {} ({})",
                m.path.display(),
                s.line,
                m.label(),
                i + 1,
                s.item.op()
            );
            self.refuse_rowid_trigger(table, &what, hint).await?;
        }
        Ok(())
    }

    /// Refuses `what` (a step, or `backfill run` of a sync backfill) when `table` exists
    /// without a rowid. Nothing ran yet: the error says so.
    pub(super) async fn refuse_rowid_trigger(
        &mut self,
        table: &str,
        what: &str,
        hint: &str,
    ) -> Result<()> {
        let dialect = self.backend.dialect();
        let Some(sql) = dialect.triggers().without_rowid_sql(table) else {
            return Ok(());
        };
        let found = self.backend.query(&sql).await.map_err(|e| {
            e.context(format!(
                "{what}: reading whether table \"{table}\" has a rowid"
            ))
        })?;
        if found.rows.is_empty() {
            return Ok(());
        }
        Err(Error::Unsupported {
            dialect,
            operation: format!("{what} on the WITHOUT ROWID table \"{table}\" (nothing ran)"),
            hint: hint.to_string(),
        })
    }
}

/// What to do about a sync trigger on a table without a rowid.
pub(super) const SYNC_HINT: &str = "sync triggers write the row they copy by its rowid unless the plan created the table WITHOUT ROWID (a `create_table` keyed by one `uuid` column); run the backfill without `sync = true` (then again once writers stopped), or give the table a rowid (create it again without WITHOUT ROWID and copy the rows)";
