//! Helpers for adapters that introspect a database into a [`SchemaShape`].

use super::shape::{ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape};
use crate::backend::{Backend, Rows};
use crate::dialect::Dialect;
use crate::error::Result;

/// Runs a catalog query and returns its rows as non-null strings (NULL becomes "").
pub async fn catalog(b: &mut dyn Backend, sql: &str) -> Result<Vec<Vec<String>>> {
    let rows: Rows = b
        .query(sql)
        .await
        .map_err(|e| e.context("introspecting the schema"))?;
    Ok(rows
        .rows
        .into_iter()
        .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect())
        .collect())
}

/// Builds a [`SchemaShape`] table by table.
#[derive(Debug, Default)]
pub struct ShapeBuilder {
    shape: SchemaShape,
}

impl ShapeBuilder {
    /// An empty builder.
    pub fn new() -> ShapeBuilder {
        ShapeBuilder::default()
    }

    /// Whether a table is one of cutover's own.
    pub fn is_internal(table: &str) -> bool {
        table.starts_with("cutover_") || table.starts_with("_cutover_")
    }

    fn table(&mut self, table: &str) -> Option<&mut TableShape> {
        if Self::is_internal(table) {
            return None;
        }
        Some(self.shape.tables.entry(table.to_string()).or_default())
    }

    /// Records a table (so that tables without columns still appear).
    pub fn add_table(&mut self, table: &str) {
        let _ = self.table(table);
    }

    /// Adds a column, mapping its native type with `dialect`.
    pub fn add_column(
        &mut self,
        dialect: Dialect,
        table: &str,
        name: &str,
        native: &str,
        nullable: bool,
        has_default: bool,
    ) {
        let ty = dialect
            .sql()
            .portable_type(native)
            .map(|t| t.to_string())
            .unwrap_or_else(|| format!("native:{}", native.to_ascii_lowercase()));
        if let Some(t) = self.table(table) {
            t.columns.push(ColumnShape {
                name: name.to_string(),
                ty,
                nullable,
                has_default,
            });
        }
    }

    /// Overrides a column's type (e.g. MariaDB JSON stored as LONGTEXT with a check).
    pub fn set_column_type(&mut self, table: &str, column: &str, ty: &str) {
        if let Some(c) = self
            .table(table)
            .and_then(|t| t.columns.iter_mut().find(|c| c.name == column))
        {
            c.ty = ty.to_string();
        }
    }

    /// Records that a table is stored without a rowid (SQLite `WITHOUT ROWID`).
    pub fn set_without_rowid(&mut self, table: &str) {
        if let Some(t) = self.table(table) {
            t.without_rowid = true;
        }
    }

    /// Appends a primary-key column.
    pub fn add_primary_key_column(&mut self, table: &str, column: &str) {
        if let Some(t) = self.table(table) {
            t.primary_key.push(column.to_string());
        }
    }

    /// Adds an index; unique ones count as unique column sets.
    pub fn add_index(
        &mut self,
        table: &str,
        name: &str,
        columns: Vec<String>,
        unique: bool,
        partial: bool,
    ) {
        if let Some(t) = self.table(table) {
            if unique {
                let plain: Vec<String> = columns
                    .iter()
                    .map(|c| c.split_whitespace().next().unwrap_or(c).to_string())
                    .collect();
                t.unique_indexes.insert(name.to_string(), plain.clone());
                t.unique.insert(plain);
            } else {
                t.indexes
                    .insert(name.to_string(), IndexShape { columns, partial });
            }
        }
    }

    /// Adds a foreign key.
    pub fn add_foreign_key(&mut self, table: &str, fk: ForeignKeyShape) {
        if let Some(t) = self.table(table) {
            t.foreign_keys.insert(fk);
        }
    }

    /// Adds a named check constraint.
    pub fn add_check(&mut self, table: &str, name: &str) {
        if let Some(t) = self.table(table) {
            t.checks.insert(name.to_string());
        }
    }

    /// Adds a view.
    pub fn add_view(&mut self, name: &str) {
        self.shape.views.insert(name.to_string());
    }

    /// Sets a view's options (PostgreSQL `reloptions`), compared with those a plan declares.
    pub fn add_view_options(&mut self, name: &str, mut options: Vec<String>) {
        options.sort();
        self.shape.view_options.insert(name.to_string(), options);
    }

    /// Adds a trigger. Dual-write sync triggers (`cutover_sync_*`, of any plan sharing the
    /// database) and undo log triggers (`cutover_undo_*`) are cutover's own, installed and
    /// removed by the runner, and never part of the schema compared.
    pub fn add_trigger(&mut self, name: &str) {
        if super::routines_diff::is_internal_trigger(name) {
            return;
        }
        self.shape.triggers.insert(name.to_string());
    }

    /// Removes a non-unique index (e.g. one MySQL created for a foreign key by itself).
    pub fn drop_index(&mut self, table: &str, name: &str) {
        if let Some(t) = self.table(table) {
            t.indexes.remove(name);
        }
    }

    /// The finished shape.
    pub fn finish(self) -> SchemaShape {
        self.shape
    }
}
