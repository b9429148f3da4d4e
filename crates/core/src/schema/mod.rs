//! The schema a plan builds, replayed from its steps without a database.
//!
//! Rendering consults it where one step depends on an earlier one: MySQL's `MODIFY COLUMN`
//! restates the whole column, a backfill defaults its key to the table's primary key, and
//! SQLite's table rebuild re-creates a table, its constraints and indexes from it.

mod apply;
mod collect;
mod details;
mod diff;
mod kept;
mod live_security;
mod raw_grants;
mod routines;
mod routines_diff;
mod security;
mod shape;

pub use collect::{ShapeBuilder, catalog};
pub use details::{CheckDetail, IndexDetail, LiveDetails, ObjectKind, RawObject};
pub use diff::{Difference, diff};
pub use kept::lost_in_rebuild;
pub use live_security::{
    LiveFunction, LiveGrant, LivePolicy, LiveRowSecurity, LiveSecurity, LiveTrigger,
};
pub use raw_grants::{GrantTarget, PlannedGrant, raw_grants};
pub use routines::{
    FunctionShape, RoutineModel, RoutineShapes, TriggerShape, normalise_pg_type,
    normalise_search_path, signature_key,
};
pub use routines_diff::{INTERNAL_TRIGGER_PREFIX, is_internal_trigger};
pub use security::{GrantFact, PolicyOrigin, RowSecurityFlags, SecurityModel};
pub use shape::{
    ColumnShape, ForeignKeyShape, IndexShape, SchemaShape, TableShape, action_name,
    normalise_index_column,
};

use std::collections::BTreeMap;

use std::collections::BTreeSet;

use crate::plan::{CheckConstraint, Column, CreateIndex, Declared, ForeignKey, UniqueConstraint};

/// One table as the plan defines it so far.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TableModel {
    /// Columns in order.
    pub columns: Vec<Column>,
    /// Primary-key columns.
    pub primary_key: Vec<String>,
    /// Unique constraints declared with the table.
    pub uniques: Vec<UniqueConstraint>,
    /// Check constraints.
    pub checks: Vec<CheckConstraint>,
    /// Foreign keys by constraint name.
    pub foreign_keys: BTreeMap<String, ForeignKey>,
    /// Indexes (including unique constraints added later, which render as unique indexes).
    pub indexes: Vec<CreateIndex>,
    /// `sqlite_rowid` of its `create_table`: keep the rowid on SQLite.
    pub sqlite_rowid: bool,
    /// The types of the primary key as its `create_table` declared it. With
    /// `sqlite_rowid` they decide the table's storage layout (SQLite `WITHOUT ROWID` or
    /// not) once, at creation: later steps (an `alter_column` of the key and the rebuild it
    /// takes) keep the layout the table has.
    pub layout_key: Vec<crate::types::ColumnType>,
}

impl TableModel {
    /// The types of the primary-key columns, in key order (a column the model does not
    /// know is left out).
    pub fn key_types(&self) -> Vec<crate::types::ColumnType> {
        self.primary_key
            .iter()
            .filter_map(|k| self.column(k).map(|c| c.ty))
            .collect()
    }

    /// Whether the table has no rowid on `dialect` (SQLite `WITHOUT ROWID`, see
    /// [`SqlDialect::without_rowid`](crate::dialect::SqlDialect::without_rowid)), as its
    /// `create_table` decided ([`TableModel::layout_key`]).
    pub fn without_rowid(&self, dialect: crate::dialect::Dialect) -> bool {
        dialect
            .sql()
            .without_rowid(&self.layout_key, self.sqlite_rowid)
    }

    /// The column named `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    pub(crate) fn column_mut(&mut self, name: &str) -> Option<&mut Column> {
        self.columns.iter_mut().find(|c| c.name == name)
    }

    /// Whether an index, key or constraint of the table uses column `name` (SQLite cannot
    /// drop such a column in place).
    pub fn column_is_referenced(&self, name: &str) -> bool {
        let in_index = self.indexes.iter().any(|i| {
            i.columns
                .iter()
                .any(|c| c.split_whitespace().next() == Some(name))
                || i.r#where
                    .as_ref()
                    .is_some_and(|w| w.columns().iter().any(|r| r.column == name))
        });
        in_index
            || self.primary_key.iter().any(|k| k == name)
            || self
                .uniques
                .iter()
                .any(|u| u.columns.iter().any(|c| c == name))
            || self
                .foreign_keys
                .values()
                .any(|f| f.columns.iter().any(|c| c == name))
            || self
                .checks
                .iter()
                .any(|c| c.expr.columns().iter().any(|r| r.column == name))
            || self.column(name).is_some_and(|c| c.unique)
    }
}

/// Tables by name.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Schema {
    /// The tables.
    pub tables: BTreeMap<String, TableModel>,
    /// Objects raw SQL steps declare they create (views, triggers, indexes, checks, whole
    /// tables the model cannot express).
    pub declared: BTreeSet<Declared>,
    /// Functions and triggers created by typed steps.
    pub routines: RoutineModel,
}

impl Schema {
    /// The table named `name`, if the plan created it.
    pub fn table(&self, name: &str) -> Option<&TableModel> {
        self.tables.get(name)
    }

    /// Every table that has a foreign key to `table`.
    pub fn referencing(&self, table: &str) -> Vec<&str> {
        self.tables
            .iter()
            .filter(|(_, t)| t.foreign_keys.values().any(|f| f.references.table == table))
            .map(|(n, _)| n.as_str())
            .collect()
    }
}
