//! The type a column has now, for type changes on tables the plan did not create: read
//! from the live catalog ([`Backend::introspect`]) or from a pending `add_column`, never
//! assumed.

use std::collections::BTreeMap;

use crate::backend::Backend;
use crate::plan::{Column, Step};
use crate::schema::SchemaShape;
use crate::types::ColumnType;

/// Columns the plan's own schema does not know: the live schema (read once, when first
/// needed) and the columns pending steps add to tables the plan did not create.
#[derive(Default)]
pub(super) struct LiveColumns {
    /// `None`: not read yet; `Some(None)`: could not be read (e.g. a busy table).
    shape: Option<Option<SchemaShape>>,
    /// Columns added by the pending steps walked so far, by (table, column).
    added: BTreeMap<(String, String), Column>,
}

impl LiveColumns {
    /// Remembers the column `step` adds, when it is an `add_column`.
    pub(super) fn note(&mut self, step: &Step) {
        if let Step::AddColumn(a) = step {
            self.added
                .insert((a.table.clone(), a.column.name.clone()), a.column.clone());
        }
    }

    /// Column `column` of `table` as it will be when the step runs: added by a pending
    /// step, else as the database has it now. `None` when neither knows it or its type has
    /// no portable name.
    pub(super) async fn column(
        &mut self,
        b: &mut dyn Backend,
        table: &str,
        column: &str,
    ) -> Option<Column> {
        if let Some(c) = self.added.get(&(table.to_string(), column.to_string())) {
            return Some(c.clone());
        }
        if self.shape.is_none() {
            self.shape = Some(b.introspect().await.ok());
        }
        let shape = self.shape.as_ref()?.as_ref()?;
        let live = shape
            .tables
            .get(table)?
            .columns
            .iter()
            .find(|c| c.name == column)?;
        let ty: ColumnType = live.ty.parse().ok()?;
        Some(Column {
            name: live.name.clone(),
            ty,
            nullable: Some(live.nullable),
            default: None,
            default_expr: None,
            primary_key: false,
            identity: false,
            unique: false,
        })
    }
}
