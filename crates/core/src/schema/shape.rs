//! A dialect-neutral snapshot of a schema, comparable across databases: what the plan
//! expects and what a live database has (adapters introspect into it).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::Schema;
use super::routines::RoutineShapes;
use crate::dialect::Dialect;
use crate::plan::{Declared, FkAction};

/// One column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ColumnShape {
    /// Name.
    pub name: String,
    /// Portable type (`bigint`, `varchar(255)`, ...) or `native:<type>` when it has none.
    pub ty: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// Whether it has a default (values are compared only by presence: each dialect spells
    /// them differently).
    pub has_default: bool,
}

/// One foreign key, compared by content (SQLite does not keep constraint names).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ForeignKeyShape {
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub ref_table: String,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// ON DELETE action (`no_action` when none was given).
    pub on_delete: String,
    /// ON UPDATE action.
    pub on_update: String,
}

/// One non-unique index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexShape {
    /// Indexed columns, in order, with ` DESC` where descending.
    pub columns: Vec<String>,
    /// Whether it has a WHERE predicate.
    pub partial: bool,
}

/// One table.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct TableShape {
    /// Columns in order.
    pub columns: Vec<ColumnShape>,
    /// Primary-key columns.
    pub primary_key: Vec<String>,
    /// Column sets that must be unique (unique constraints and unique indexes alike).
    pub unique: BTreeSet<Vec<String>>,
    /// Non-unique indexes by name.
    pub indexes: BTreeMap<String, IndexShape>,
    /// Foreign keys.
    pub foreign_keys: BTreeSet<ForeignKeyShape>,
    /// Names of named check constraints.
    pub checks: BTreeSet<String>,
    /// Unique indexes by name (their column sets are in `unique`): lets drift match an index a
    /// raw step declares by name. Filled by introspection only.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub unique_indexes: BTreeMap<String, Vec<String>>,
    /// Indexes raw steps declare (`creates = ["index t.name"]`): expected by name, their
    /// columns unknown. Filled from the plan only.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub opaque_indexes: BTreeSet<String>,
    /// Whether the table is stored without a rowid (SQLite `WITHOUT ROWID`; never elsewhere).
    /// The plan decides it at `create_table` ([`TableModel::without_rowid`](super::TableModel::without_rowid)).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub without_rowid: bool,
}

/// A whole schema.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct SchemaShape {
    /// Tables by name (cutover's own tables excluded).
    pub tables: BTreeMap<String, TableShape>,
    /// View names.
    pub views: BTreeSet<String>,
    /// View options (PostgreSQL `reloptions`: `security_invoker=true`, `check_option=local`,
    /// ...), sorted: introspection fills every view that has some; the plan those of views
    /// declared with options (`view NAME (..)`), the only ones drift compares.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub view_options: BTreeMap<String, Vec<String>>,
    /// Trigger names.
    pub triggers: BTreeSet<String>,
    /// Tables raw steps declare (`creates = ["table t"]`): expected by name only. Filled from
    /// the plan only.
    #[serde(skip_serializing_if = "BTreeSet::is_empty")]
    pub opaque_tables: BTreeSet<String>,
    /// Functions and trigger details (PostgreSQL).
    #[serde(skip_serializing_if = "RoutineShapes::is_empty")]
    pub routines: RoutineShapes,
}

/// The name of a referential action in shapes.
pub fn action_name(a: Option<FkAction>) -> String {
    match a {
        Some(FkAction::Cascade) => "cascade",
        Some(FkAction::SetNull) => "set_null",
        Some(FkAction::SetDefault) => "set_default",
        Some(FkAction::Restrict) => "restrict",
        Some(FkAction::NoAction) | None => "no_action",
    }
    .to_string()
}

impl Schema {
    /// The shape this plan schema has on `dialect`: types as the dialect stores them,
    /// mapped back to portable names (so `timestamptz` is `timestamp` on MySQL).
    pub fn shape(&self, dialect: Dialect) -> SchemaShape {
        let sql = dialect.sql();
        let mut tables = BTreeMap::new();
        for (name, t) in &self.tables {
            let mut shape = TableShape {
                primary_key: t.primary_key.clone(),
                without_rowid: t.without_rowid(dialect),
                ..TableShape::default()
            };
            for c in &t.columns {
                let native = sql.native_type(c.ty);
                let ty = match c.ty {
                    // Every dialect's introspection reads an enum's values back (pg_enum,
                    // MySQL's column type, SQLite's CHECK).
                    crate::types::ColumnType::Enum(_) => c.ty.to_string(),
                    _ => sql
                        .portable_type(&native)
                        .map(|p| p.to_string())
                        .unwrap_or_else(|| format!("native:{native}")),
                };
                shape.columns.push(ColumnShape {
                    name: c.name.clone(),
                    ty: if c.identity {
                        sql.identity_type(c.ty).to_string()
                    } else {
                        ty
                    },
                    nullable: c.is_nullable() && !t.primary_key.contains(&c.name) && !c.identity,
                    has_default: c.default.is_some() || c.default_expr.is_some() || c.identity,
                });
                if c.unique {
                    shape.unique.insert(vec![c.name.clone()]);
                }
            }
            for u in &t.uniques {
                shape.unique.insert(u.columns.clone());
            }
            for i in &t.indexes {
                if i.unique {
                    shape.unique.insert(
                        i.columns
                            .iter()
                            .map(|c| c.split_whitespace().next().unwrap_or(c).to_string())
                            .collect(),
                    );
                } else {
                    shape.indexes.insert(
                        i.index_name(),
                        IndexShape {
                            columns: i
                                .columns
                                .iter()
                                .map(|c| normalise_index_column(c))
                                .collect(),
                            partial: i.r#where.is_some(),
                        },
                    );
                }
            }
            for fk in t.foreign_keys.values() {
                shape.foreign_keys.insert(ForeignKeyShape {
                    columns: fk.columns.clone(),
                    ref_table: fk.references.table.clone(),
                    ref_columns: fk.references.columns.clone(),
                    on_delete: sql.normalise_fk_action(&action_name(fk.on_delete)),
                    on_update: sql.normalise_fk_action(&action_name(fk.on_update)),
                });
            }
            for c in &t.checks {
                shape.checks.insert(c.name.clone());
            }
            tables.insert(name.clone(), shape);
        }
        let mut out = SchemaShape {
            tables,
            routines: self.routines.shape(dialect),
            ..SchemaShape::default()
        };
        out.triggers.extend(self.routines.trigger_names().cloned());
        for d in &self.declared {
            match d {
                Declared::Table(n) => {
                    out.opaque_tables.insert(n.clone());
                }
                Declared::View { name, options } => {
                    out.views.insert(name.clone());
                    if let Some(o) = options {
                        out.view_options.insert(name.clone(), o.clone());
                    }
                }
                Declared::Trigger(n) => {
                    out.triggers.insert(n.clone());
                }
                Declared::Index { table, name } => {
                    if let Some(t) = out.tables.get_mut(table) {
                        t.opaque_indexes.insert(name.clone());
                    }
                }
                Declared::Check { table, name } => {
                    if let Some(t) = out.tables.get_mut(table) {
                        t.checks.insert(name.clone());
                    }
                }
            }
        }
        out
    }
}

/// `col`, `col DESC` (ASC is the default and dropped).
pub fn normalise_index_column(c: &str) -> String {
    let mut parts = c.split_whitespace();
    let name = parts.next().unwrap_or(c);
    match parts.next() {
        Some(d) if d.eq_ignore_ascii_case("desc") => format!("{name} DESC"),
        _ => name.to_string(),
    }
}
