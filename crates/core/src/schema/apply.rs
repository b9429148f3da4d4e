//! Replaying one step onto the schema model.

use super::{Schema, TableModel};
use crate::plan::{CreateIndex, Declared, Step};

impl Schema {
    /// Applies the schema effect of one step. Steps on tables the plan does not know
    /// (created outside it) are ignored.
    pub fn apply(&mut self, step: &Step) {
        self.routines.apply(step);
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
                        uniques: t.unique.clone(),
                        checks: t.checks.clone(),
                        foreign_keys,
                        indexes: Vec::new(),
                        sqlite_rowid: t.sqlite_rowid,
                        layout_key: t.key_types(),
                    },
                );
            }
            Step::DropTable(t) => {
                self.tables.remove(&t.table);
                self.declared.retain(|d| match d {
                    Declared::Table(n) => *n != t.table,
                    Declared::Index { table, .. } | Declared::Check { table, .. } => {
                        *table != t.table
                    }
                    Declared::View { .. } | Declared::Trigger(_) => true,
                });
            }
            Step::Sql(s) => {
                for d in s.declared() {
                    // A view declared again (replaced) is expected as declared last.
                    if let Declared::View { name, .. } = &d {
                        self.declared
                            .retain(|x| !matches!(x, Declared::View { name: n, .. } if n == name));
                    }
                    self.declared.insert(d);
                }
            }
            Step::RenameTable(r) => {
                if let Some(mut t) = self.tables.remove(&r.table) {
                    for i in &mut t.indexes {
                        i.table = r.to.clone();
                    }
                    self.tables.insert(r.to.clone(), t);
                }
                for t in self.tables.values_mut() {
                    for fk in t.foreign_keys.values_mut() {
                        if fk.references.table == r.table {
                            fk.references.table = r.to.clone();
                        }
                    }
                }
            }
            _ => {
                if let Some(t) = step.table().and_then(|n| self.tables.get_mut(n)) {
                    apply_to_table(t, step);
                }
            }
        }
    }
}

fn apply_to_table(t: &mut TableModel, step: &Step) {
    match step {
        Step::AddColumn(a) => t.columns.push(a.column.clone()),
        Step::DropColumn(d) => {
            t.columns.retain(|c| c.name != d.column);
            // Indexes and constraints over a dropped column go with it (as on PostgreSQL).
            t.indexes.retain(|i| {
                !i.columns
                    .iter()
                    .any(|c| c.split_whitespace().next() == Some(&d.column))
            });
            t.checks
                .retain(|c| !c.expr.columns().iter().any(|r| r.column == d.column));
            t.uniques.retain(|u| !u.columns.contains(&d.column));
            t.foreign_keys.retain(|_, f| !f.columns.contains(&d.column));
        }
        Step::RenameColumn(r) => {
            if let Some(c) = t.column_mut(&r.column) {
                c.name = r.to.clone();
            }
            let rename = |c: &mut String| {
                if *c == r.column {
                    *c = r.to.clone();
                }
            };
            t.primary_key.iter_mut().for_each(rename);
            // Indexes and constraints keep their names when a column is renamed (on all three
            // databases): a name derived from the old column is pinned before the rename.
            for u in &mut t.uniques {
                if u.columns.contains(&r.column) && u.name.is_none() {
                    u.name = Some(u.constraint_name(&r.table));
                }
                u.columns.iter_mut().for_each(rename);
            }
            for f in t.foreign_keys.values_mut() {
                if f.columns.contains(&r.column) && f.name.is_none() {
                    f.name = Some(f.constraint_name(&r.table));
                }
                f.columns.iter_mut().for_each(rename);
            }
            for i in &mut t.indexes {
                let uses = i
                    .columns
                    .iter()
                    .any(|c| c.split(' ').next() == Some(r.column.as_str()));
                if uses && i.name.is_none() {
                    i.name = Some(i.index_name());
                }
                for c in &mut i.columns {
                    let mut parts = c.splitn(2, ' ');
                    if parts.next() == Some(r.column.as_str()) {
                        *c = match parts.next() {
                            Some(dir) => format!("{} {dir}", r.to),
                            None => r.to.clone(),
                        };
                    }
                }
            }
        }
        Step::AlterColumn(a) => {
            if let Some(c) = t.column_mut(&a.column) {
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
        Step::CreateIndex(i) => t.indexes.push(i.clone()),
        Step::DropIndex(i) => t.indexes.retain(|x| x.index_name() != i.name),
        Step::AddForeignKey(f) => {
            let fk = f.foreign_key();
            t.foreign_keys.insert(fk.constraint_name(&f.table), fk);
        }
        Step::DropForeignKey(d) => {
            t.foreign_keys.remove(&d.name);
        }
        Step::AddCheck(c) => t.checks.push(crate::plan::CheckConstraint {
            name: c.name.clone(),
            expr: c.expr.clone(),
        }),
        Step::DropCheck(d) => t.checks.retain(|c| c.name != d.name),
        Step::AddUnique(u) => t.indexes.push(CreateIndex {
            table: u.table.clone(),
            name: Some(u.constraint_name()),
            columns: u.columns.clone(),
            unique: true,
            r#where: None,
            concurrently: false,
            if_not_exists: false,
        }),
        Step::DropUnique(d) => {
            t.indexes.retain(|x| x.index_name() != d.name);
            t.uniques.retain(|u| u.constraint_name(&d.table) != d.name);
        }
        _ => {}
    }
}
