//! SQLite: one writer at a time, so every step holds the database's write lock; the question
//! is how long. `ALTER TABLE ADD/RENAME/DROP COLUMN` edit the schema text (DROP COLUMN also
//! rewrites the rows), other changes are rebuilds the renderer decides (copy into a new
//! table, swap), and an index build scans the table.

use super::{Explainer, LockImpact, StepFacts, TableWork, first_column};
use crate::backend::Rows;
use crate::plan::Step;

const WRITE_LOCK: &str = "database write lock";
const WRITERS: &str = "every other writer (readers go on in WAL mode)";

/// SQLite's answers.
#[derive(Debug, Clone, Copy, Default)]
pub struct SqliteExplain;

impl Explainer for SqliteExplain {
    fn step_impact(&self, f: &StepFacts<'_>) -> LockImpact {
        let lock = |work: TableWork, note: &str| LockImpact::new(WRITE_LOCK, work, WRITERS, note);
        if f.rebuild {
            return lock(
                TableWork::Rebuild,
                "table rebuild: every row is copied into a new table, indexes rebuilt, then swapped",
            );
        }
        if !f.table_exists && f.step.table().is_some() {
            return lock(
                TableWork::Nothing,
                "the table does not exist yet (created by a pending step)",
            );
        }
        match f.step {
            Step::CreateTable(_) => lock(TableWork::Nothing, "a new table"),
            Step::AddColumn(_) | Step::RenameColumn(_) | Step::RenameTable(_) => lock(
                TableWork::Catalog,
                "ALTER TABLE edits the schema only, no rebuild",
            ),
            Step::DropColumn(_) => lock(
                TableWork::Rewrite,
                "ALTER TABLE DROP COLUMN rewrites every row in place (no rebuild)",
            ),
            Step::CreateIndex(_) | Step::AddUnique(_) => {
                lock(TableWork::IndexBuild, "CREATE INDEX scans the table")
            }
            Step::Backfill(_) | Step::DeleteRows(_) => lock(
                TableWork::Batches,
                "the write lock is held per batch; readers go on",
            )
            .online(),
            Step::Sql(_) => lock(TableWork::Unknown, "raw SQL is not analysed"),
            _ => lock(TableWork::Catalog, "schema change only, no rebuild"),
        }
    }

    fn explain_sql(&self, sql: &str) -> String {
        format!("EXPLAIN QUERY PLAN {sql}")
    }

    fn plan_lines(&self, rows: &Rows) -> Vec<String> {
        let detail = rows.columns.iter().position(|c| c == "detail");
        match detail {
            Some(i) => rows
                .rows
                .iter()
                .filter_map(|r| r.get(i).cloned().flatten())
                .collect(),
            None => first_column(rows),
        }
    }

    fn full_scans(&self, rows: &Rows) -> Vec<String> {
        self.plan_lines(rows)
            .iter()
            .filter(|l| !l.contains(" USING "))
            .filter_map(|l| {
                let rest = l.strip_prefix("SCAN ")?;
                let rest = rest.strip_prefix("TABLE ").unwrap_or(rest);
                Some(
                    rest.split_whitespace()
                        .next()?
                        .trim_matches('"')
                        .to_string(),
                )
            })
            .collect()
    }
}
