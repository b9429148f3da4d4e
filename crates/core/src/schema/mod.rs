//! The schema a plan builds, replayed from its steps without a database.
//!
//! Rendering consults it where one step depends on an earlier one: MySQL's `MODIFY COLUMN`
//! restates the whole column, a backfill defaults its key to the table's primary key, and
//! `down` of a `drop_column` needs the column's old definition.

use std::collections::BTreeMap;

use crate::plan::{Column, ForeignKey, Step};

/// One table as the plan defines it so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableModel {
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Primary-key columns.
    pub primary_key: Vec<String>,
    /// Foreign keys by constraint name.
    pub foreign_keys: BTreeMap<String, ForeignKey>,
    /// Index names on this table.
    pub indexes: Vec<String>,
}

impl TableModel {
    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }
}

/// Tables by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// The tables.
    pub tables: BTreeMap<String, TableModel>,
}

impl Schema {
    /// The table named `name`, if the plan created it.
    pub fn table(&self, name: &str) -> Option<&TableModel> {
        self.tables.get(name)
    }

    /// Applies the schema effect of one step. Steps on tables the plan does not know
    /// (created outside it) are ignored.
    pub fn apply(&mut self, step: &Step) {
        match step {
            Step::CreateTable(t) => {
                let mut primary_key = t.primary_key.clone();
                if primary_key.is_empty() {
                    primary_key = t
                        .columns
                        .iter()
                        .filter(|c| c.primary_key)
                        .map(|c| c.name.clone())
                        .collect();
                }
                let foreign_keys = t
                    .foreign_keys
                    .iter()
                    .map(|fk| (fk.constraint_name(&t.table), fk.clone()))
                    .collect();
                self.tables.insert(
                    t.table.clone(),
                    TableModel {
                        columns: t.columns.clone(),
                        primary_key,
                        foreign_keys,
                        indexes: Vec::new(),
                    },
                );
            }
            Step::DropTable(t) => {
                self.tables.remove(&t.table);
            }
            Step::RenameTable(r) => {
                if let Some(t) = self.tables.remove(&r.table) {
                    self.tables.insert(r.to.clone(), t);
                }
            }
            Step::AddColumn(a) => {
                if let Some(t) = self.tables.get_mut(&a.table) {
                    t.columns.push(a.column.clone());
                }
            }
            Step::DropColumn(d) => {
                if let Some(t) = self.tables.get_mut(&d.table) {
                    t.columns.retain(|c| c.name != d.column);
                }
            }
            Step::RenameColumn(r) => {
                if let Some(t) = self.tables.get_mut(&r.table) {
                    if let Some(c) = t.column_mut(&r.column) {
                        c.name = r.to.clone();
                    }
                    for k in t.primary_key.iter_mut().filter(|k| **k == r.column) {
                        *k = r.to.clone();
                    }
                }
            }
            Step::AlterColumn(a) => {
                if let Some(c) = self
                    .tables
                    .get_mut(&a.table)
                    .and_then(|t| t.column_mut(&a.column))
                {
                    if let Some(ty) = a.ty {
                        c.ty = ty;
                    }
                    if let Some(n) = a.nullable {
                        c.nullable = Some(n);
                    }
                    if a.drop_default {
                        c.default = None;
                        c.default_expr = None;
                    }
                    if let Some(d) = &a.default {
                        c.default = Some(d.clone());
                        c.default_expr = None;
                    }
                    if let Some(d) = &a.default_expr {
                        c.default_expr = Some(d.clone());
                        c.default = None;
                    }
                }
            }
            Step::CreateIndex(i) => {
                if let Some(t) = self.tables.get_mut(&i.table) {
                    t.indexes.push(i.index_name());
                }
            }
            Step::DropIndex(i) => {
                if let Some(t) = self.tables.get_mut(&i.table) {
                    t.indexes.retain(|n| *n != i.name);
                }
            }
            Step::AddForeignKey(f) => {
                if let Some(t) = self.tables.get_mut(&f.table) {
                    let fk = f.foreign_key();
                    t.foreign_keys.insert(fk.constraint_name(&f.table), fk);
                }
            }
            Step::DropForeignKey(d) => {
                if let Some(t) = self.tables.get_mut(&d.table) {
                    t.foreign_keys.remove(&d.name);
                }
            }
            _ => {}
        }
    }
}
