//! The foreign-key check around a table rebuild (SQLite): a rebuild runs with enforcement
//! off, so the rows it may have orphaned are found by the dialect's check before commit.
//! Only violations the migration brought are refused; those that were there before it (an
//! application that wrote without `PRAGMA foreign_keys = ON`) are reported as a warning.

use std::collections::BTreeMap;

use super::Runner;
use super::report::Event;
use crate::error::{Error, Result};

/// One row that breaks a foreign key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Violation {
    /// The child table.
    table: String,
    /// The row's rowid, where it has one.
    rowid: Option<String>,
    /// The table the key references.
    parent: String,
    /// The key's columns in the child table, joined with ", ".
    columns: String,
}

impl Violation {
    fn describe(&self) -> String {
        let row = match &self.rowid {
            Some(id) => format!("the row of `{}` with rowid {id}", self.table),
            None => format!("a row of `{}`", self.table),
        };
        format!(
            "{row} references `{}` through ({}), which has no matching row",
            self.parent, self.columns
        )
    }
}

/// The violations found before a migration's statements ran (none where the dialect has no
/// check), counted so that a repeated row is matched as often as it was there.
#[derive(Debug, Default)]
pub(crate) struct ForeignKeyBaseline(BTreeMap<Violation, usize>);

impl Runner<'_> {
    async fn foreign_key_violations(&mut self) -> Result<Option<Vec<Violation>>> {
        let Some(q) = self.backend.dialect().sql().foreign_key_check_sql() else {
            return Ok(None);
        };
        let rows = self.backend.query(&q).await?.rows;
        let text = |r: &[Option<String>], i: usize| r.get(i).cloned().flatten();
        Ok(Some(
            rows.iter()
                .map(|r| Violation {
                    table: text(r, 0).unwrap_or_default(),
                    rowid: text(r, 1),
                    parent: text(r, 2).unwrap_or_default(),
                    columns: text(r, 3).unwrap_or_default(),
                })
                .collect(),
        ))
    }

    /// The violations already in the database, read in the migration's transaction before
    /// its first statement (rebuilds keep rowids, so a row keeps its identity).
    pub(crate) async fn foreign_key_baseline(&mut self) -> Result<ForeignKeyBaseline> {
        let mut seen = BTreeMap::new();
        for v in self.foreign_key_violations().await?.unwrap_or_default() {
            *seen.entry(v).or_insert(0) += 1;
        }
        Ok(ForeignKeyBaseline(seen))
    }

    /// Fails when the transaction left foreign-key violations that `before` does not have
    /// (checked before commit); warns about those it kept as they were.
    pub(crate) async fn check_foreign_keys(
        &mut self,
        label: &str,
        before: &ForeignKeyBaseline,
    ) -> Result<()> {
        let Some(now) = self.foreign_key_violations().await? else {
            return Ok(());
        };
        let mut old = before.0.clone();
        let mut kept = Vec::new();
        let mut new = Vec::new();
        for v in now {
            match old.get_mut(&v) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    kept.push(v);
                }
                _ => new.push(v),
            }
        }
        if let Some(first) = new.first() {
            return Err(Error::Other(format!(
                "migration {label}: the table rebuild would leave {} foreign-key violation(s) that were not there before it (first: {}); the migration was rolled back, nothing was changed. Delete those rows or give them a parent (or clear the key) before this migration, e.g. in a step ahead of the rebuild",
                new.len(),
                first.describe()
            )));
        }
        if let Some(first) = kept.first() {
            let msg = format!(
                "migration {label}: {} foreign-key violation(s) were in the database before this migration and are left as they were (first: {}); `PRAGMA foreign_key_check` lists them",
                kept.len(),
                first.describe()
            );
            self.reporter.event(&Event::Warning(&msg));
        }
        Ok(())
    }
}
