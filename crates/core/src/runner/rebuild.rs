//! Running a table rebuild inside a migration's transaction (SQLite).

use super::Runner;
use crate::error::{Error, Result};
use crate::render::{Statement, StatementKind};
use crate::schema::TableShape;

impl Runner<'_> {
    /// Whether a migration's statements include a table rebuild.
    pub(crate) fn has_rebuild(statements: &[Statement]) -> bool {
        statements.iter().any(|s| s.kind == StatementKind::Rebuild)
    }

    /// Turns foreign-key enforcement on or off (outside any transaction) where the dialect
    /// needs it for rebuilds.
    pub(crate) async fn set_foreign_keys(&mut self, on: bool) -> Result<()> {
        if let Some(sql) = self.backend.dialect().sql().foreign_keys_sql(on) {
            self.backend.execute(&sql).await?;
        }
        Ok(())
    }

    /// Runs one statement of a transactional migration; a rebuild keeps the views and
    /// triggers that depend on its table.
    pub(crate) async fn execute_in_transaction(&mut self, s: &Statement) -> Result<u64> {
        if !s.capture.is_empty() {
            // In the transaction: lock what the step changes before reading its definition.
            for action in &s.capture {
                if let crate::render::CaptureAction::Save(key) = action
                    && let Some(lock) = self.backend.dialect().sql().capture_lock_sql(&key.object)
                {
                    self.backend.execute(&lock).await?;
                }
            }
            return self.execute_capturing(s).await;
        }
        let Some(table) = s
            .rebuild
            .as_deref()
            .filter(|_| s.kind == StatementKind::Rebuild)
        else {
            return self.backend.execute(&s.sql).await;
        };
        let sql = self.backend.dialect().sql();
        let dependents = match sql.rebuild_dependents_sql(table) {
            Some(q) => self.backend.query(&q).await?.rows,
            None => Vec::new(),
        };
        let d = self.backend.dialect();
        for row in &dependents {
            if row.first().cloned().flatten().as_deref() == Some("view") {
                let name = row.get(1).cloned().flatten().unwrap_or_default();
                self.backend
                    .execute(&format!("DROP VIEW {}", d.quote(&name)))
                    .await?;
            }
        }
        let before = self.backend.introspect().await?.tables.remove(table);
        let n = match self.backend.execute(&s.sql).await {
            Ok(n) => n,
            Err(e) => return Err(explain_null_key(e, table, before.as_ref())),
        };
        for row in &dependents {
            if let Some(create) = row.get(2).cloned().flatten() {
                self.backend.execute(&create).await?;
            }
        }
        let after = self.backend.introspect().await?.tables.remove(table);
        if let (Some(before), Some(after)) = (before, after) {
            let lost = crate::schema::lost_in_rebuild(&before, &after, s.op);
            if !lost.is_empty() {
                return Err(Error::Unsupported {
                    dialect: d,
                    operation: format!("{} on `{table}` (a table rebuild)", s.op),
                    hint: format!(
                        "the live table has what the plan's definition of it lacks, and the rebuild would drop it: {}. Nothing was changed (the migration rolls back). Describe these in the plan (the table's create_table step, or add_check/add_unique/create_index steps), or write the rebuild as a raw `sql` step limited to sqlite",
                        lost.join(", ")
                    ),
                });
            }
        }
        Ok(n)
    }
}

/// A rebuild that failed on NOT NULL while the live table's key accepts NULL (a SQLite rowid
/// table's key without NOT NULL, which the plan model's NOT NULL key cannot express): says
/// which column and what to do, instead of only naming the temporary table.
fn explain_null_key(e: Error, table: &str, before: Option<&TableShape>) -> Error {
    let nullable_keys: Vec<&str> = before
        .map(|t| {
            t.columns
                .iter()
                .filter(|c| c.nullable && t.primary_key.contains(&c.name))
                .map(|c| c.name.as_str())
                .collect()
        })
        .unwrap_or_default();
    if nullable_keys.is_empty() || !e.to_string().contains("NOT NULL constraint failed") {
        return e;
    }
    e.context(format!(
        "the live table `{table}` lets its primary-key column(s) {} hold NULL (declared without NOT NULL), but the plan's definition of the table, which the rebuild copies the rows into, makes them NOT NULL; give the rows with a NULL key a key or delete them before this migration, or change this table with raw `sql` steps limited to sqlite",
        nullable_keys
            .iter()
            .map(|c| format!("`{c}`"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}
