//! A database another migration tool built, not adopted yet: cutover's history is empty
//! but the other tool's history table is there. `up` would run every migration again over
//! the existing schema and rows, so it refuses (unless
//! [`RunnerOptions::ignore_foreign_history`](super::RunnerOptions::ignore_foreign_history))
//! and `status` says so.

use super::Runner;
use crate::adopt::foreign_tables;
use crate::error::{Error, Result};

/// What to do about it.
const HINT: &str = "adopt the database first: `cutover baseline --from-history` records the migrations that tool ran (import its folder with `cutover import --from TOOL DIR` if the plan does not have them yet); to run the whole plan here anyway, pass `cutover up --ignore-foreign-history`";

impl Runner<'_> {
    /// The other tools' history tables on this database (other than cutover's own
    /// history table), as a note for `status`; `None` when there is none.
    pub(super) async fn foreign_history_note(&mut self) -> Result<Option<String>> {
        let tables = self.foreign_history_tables().await?;
        if tables.is_empty() {
            return Ok(None);
        }
        Ok(Some(format!(
            "cutover's history is empty but this database has another tool's history table: {}; `cutover up` would run every migration again: {HINT}",
            tables.join(", ")
        )))
    }

    /// Refuses `up` on a database with another tool's history table and no cutover
    /// history.
    pub(super) async fn refuse_foreign_history(&mut self) -> Result<()> {
        let tables = self.foreign_history_tables().await?;
        if tables.is_empty() {
            return Ok(());
        }
        Err(Error::Adopt {
            what: "a database another tool migrated (nothing was run)".into(),
            problems: vec![format!(
                "cutover's history is empty but this database has another tool's history table: {}; `up` would run every migration of the plan again",
                tables.join(", ")
            )],
            hint: HINT.into(),
        })
    }

    async fn foreign_history_tables(&mut self) -> Result<Vec<String>> {
        let own = format!("`{}` ", self.options.history_table);
        let mut tables = foreign_tables(self.backend).await?;
        tables.retain(|t| !t.starts_with(&own));
        Ok(tables)
    }
}
