//! Table-level restores around foreign keys that point into the restored tables.
//!
//! `pg_restore --clean` drops a table before it recreates it, and PostgreSQL refuses to drop
//! a table (or its primary key) that another table's foreign key references. A contract
//! that dropped a column of a parent table would therefore have a backup that cannot be
//! restored. The restore takes those foreign keys off first, restores, and puts them back
//! with their exact definitions (`pg_get_constraintdef`), so the child tables keep every
//! row; a child row whose parent the backup lacks makes the re-creation fail loudly.

use std::path::Path;

use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::error::{Error, Result};

use crate::backend::PostgresBackend;

/// A foreign key of another table that references one of the restored tables.
struct Dependent {
    /// `ALTER TABLE .. DROP CONSTRAINT ..`.
    drop: String,
    /// `ALTER TABLE .. ADD CONSTRAINT .. <definition>`.
    add: String,
}

impl PostgresBackend {
    /// Restores the table-level backup at `path` holding `tables`, keeping foreign keys of
    /// other tables that reference them.
    pub(crate) async fn restore_tables_keeping_dependents(
        &mut self,
        path: &Path,
        tables: &[String],
    ) -> Result<()> {
        let dependents = self.dependents(tables).await?;
        for d in &dependents {
            self.execute(&d.drop).await?;
        }
        let restored = self.restore(path).await;
        let mut readded = Ok(());
        for d in &dependents {
            if let Err(e) = self.execute(&d.add).await {
                readded = Err(e);
            }
        }
        restored?;
        readded.map_err(|e| {
            e.context(format!(
                "the tables {} were restored, but a foreign key that references them could not be created again (a child row's parent is not in the backup); fix the rows and add it back by hand",
                tables.join(", ")
            ))
        })
    }

    /// The foreign keys of tables outside `tables` that reference a table in `tables`.
    async fn dependents(&mut self, tables: &[String]) -> Result<Vec<Dependent>> {
        if tables.is_empty() {
            return Ok(Vec::new());
        }
        let list: Vec<String> = tables
            .iter()
            .map(|t| {
                let quoted = Dialect::Postgres.quote(t).replace('\'', "''");
                format!("to_regclass('{quoted}')")
            })
            .collect();
        let array = format!("ARRAY[{}]::regclass[]", list.join(", "));
        let sql = format!(
            "SELECT c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid) \
             FROM pg_constraint c WHERE c.contype = 'f' AND c.confrelid = ANY({array}) \
             AND NOT (c.conrelid = ANY({array})) ORDER BY 1, 2"
        );
        let rows = self.query(&sql).await?;
        rows.rows
            .iter()
            .map(|r| {
                let cell = |i: usize| {
                    r.get(i).cloned().flatten().ok_or_else(|| {
                        Error::Other(
                            "internal: incomplete foreign-key row from pg_constraint".into(),
                        )
                    })
                };
                let (table, name, definition) = (cell(0)?, cell(1)?, cell(2)?);
                Ok(Dependent {
                    drop: format!("ALTER TABLE {table} DROP CONSTRAINT {name}"),
                    add: format!("ALTER TABLE {table} ADD CONSTRAINT {name} {definition}"),
                })
            })
            .collect()
    }
}
