//! Whether an existing undo log still holds the table's values exactly.
//!
//! The log's columns got the types of the table's columns when it was created. A column
//! whose type changed since (a `double` made `numeric(12,2)`, a `varchar(10)` made
//! `varchar(100)`, an enum given a value) would have every value a run writes converted into
//! the log's old type, and "exact" undo would restore the converted values. Before a run the
//! log is compared with the log the run would create today, built under a scratch name.

use super::undo_log::UndoLog;
use crate::backend::Backend;
use crate::error::{Error, Result};

/// A log column whose type differs from what the table's column gives today.
struct Changed {
    column: String,
    logged: String,
    live: String,
}

impl UndoLog {
    /// Whether the existing log can take this run's rows: `Some(held)` (the written columns
    /// of an older definition it holds, see `BackfillSpec::undo_log_held`) when it can,
    /// `None` when it cannot but holds no row (the caller makes it again), an error when it
    /// cannot and holds rows.
    pub(super) async fn usable(&self, b: &mut dyn Backend) -> Result<Option<Vec<String>>> {
        let live = self.target_columns(b).await?;
        let mut held = super::undo_log::written_in(&self.table_columns(b).await?);
        held.retain(|c| !self.cols.contains(c));
        let gone: Vec<String> = held
            .iter()
            .filter(|c| !live.contains(c))
            .map(|c| format!("`{c}`"))
            .collect();
        if !gone.is_empty() {
            let rows = self.logged_rows(b).await?;
            if rows == 0 {
                return Ok(None);
            }
            return Err(Error::Other(format!(
                "table `{}` no longer has {} (renamed or dropped by hand?), which an earlier definition of this backfill wrote and whose values its undo log {} holds in {rows} row(s): rows logged now would lack them, and undo would take those rows for rows changed since. Give the column its name back (or add it again) and run again, or run `cutover backfill undo {id} --yes` then (it needs the column too); or `cutover backfill retire {id} --yes` to give up that undo",
                self.target,
                gone.join(", "),
                self.table,
                id = self.id
            )));
        }
        // Their types are checked with this definition's: a run logs them too.
        let mut all = self.clone();
        all.cols.extend(held.iter().cloned());
        Ok(all.keeps_types(b).await?.then_some(held))
    }

    /// True when every column of the existing log has the type a log created now would
    /// have. False when some do not but the log holds no row (the caller makes it again).
    /// An error when some do not and the log holds rows: they must be undone or the log
    /// retired first.
    async fn keeps_types(&self, b: &mut dyn Backend) -> Result<bool> {
        let changed = self.changed_types(b).await?;
        if changed.is_empty() {
            return Ok(true);
        }
        let rows = self.logged_rows(b).await?;
        if rows == 0 {
            tracing::info!(
                log = %self.table,
                "the undo log is empty and a column of `{}` changed type: creating it again",
                self.target
            );
            return Ok(false);
        }
        let list: Vec<String> = changed
            .iter()
            .map(|c| {
                format!(
                    "`{}` is `{}` but the table's column now gives `{}`",
                    c.column, c.logged, c.live
                )
            })
            .collect();
        Err(Error::Other(format!(
            "table `{}` changed column types since the undo log {} was written, and it holds {rows} row(s) ({}): values logged now would be converted into the old type and undo could not restore them exactly. Run `cutover backfill undo {id} --yes` first (it restores the logged rows and empties the log; the next run creates the log again), or `cutover backfill retire {id} --yes` to give up their undo; or, if every logged value converts exactly into the new type (a widening), change those columns of {} to it by hand",
            self.target,
            self.table,
            list.join("; "),
            self.table,
            id = self.id
        )))
    }

    /// The log's columns whose type differs from the same column of a log created now.
    async fn changed_types(&self, b: &mut dyn Backend) -> Result<Vec<Changed>> {
        self.compare_types(b).await.map_err(|e| {
            e.context(format!(
                "comparing the column types of the undo log {0} with table `{1}` (through a scratch table {0}_new): if a stopped run of another role left {0}_new, drop it",
                self.table, self.target
            ))
        })
    }

    async fn compare_types(&self, b: &mut dyn Backend) -> Result<Vec<Changed>> {
        let dialect = b.dialect();
        let scratch = format!("{}_new", self.table);
        let drop = format!("DROP TABLE IF EXISTS {}", dialect.quote(&scratch));
        b.execute(&drop).await?;
        b.execute(&self.create_sql(dialect, &scratch)).await?;
        let types = dialect.undo_log();
        let fresh = b.query(&types.log_column_types_sql(&scratch)).await;
        b.execute(&drop).await?;
        let logged = b.query(&types.log_column_types_sql(&self.table)).await?;
        let logged: Vec<(String, String)> = pairs(&logged);
        Ok(pairs(&fresh?)
            .into_iter()
            .filter_map(|(column, live)| {
                let old = logged.iter().find(|(c, _)| *c == column)?;
                (old.1 != live).then(|| Changed {
                    column,
                    logged: old.1.clone(),
                    live,
                })
            })
            .collect())
    }

    /// Rows in the log, packed ones included.
    async fn logged_rows(&self, b: &mut dyn Backend) -> Result<u64> {
        Self::rows_of(b, &self.table).await
    }
}

/// `(column, type)` rows of `log_column_types_sql`.
fn pairs(rows: &crate::backend::Rows) -> Vec<(String, String)> {
    rows.rows
        .iter()
        .filter_map(|r| Some((r.first()?.clone()?, r.get(1)?.clone().unwrap_or_default())))
        .collect()
}
