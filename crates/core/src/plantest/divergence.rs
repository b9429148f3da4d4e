//! The schema objects a plan makes different on purpose: the indexes, unique keys, foreign
//! keys and checks that a typed step limited with `dialects = [..]` creates, changes or
//! drops (a partial index on PostgreSQL and SQLite and a plain one of the same name on MySQL,
//! a GIN index on PostgreSQL only), and the tables and columns that such steps touch on both
//! databases compared (each has its own version of them). A table or column only one
//! database's steps touch is still a difference: the databases would not hold the same data.
//! Raw `sql` steps are not counted: per-dialect raw DDL must still build the same schema.

use std::collections::{BTreeMap, BTreeSet};

use crate::dialect::Dialect;
use crate::plan::{Plan, Step};
use crate::schema::SchemaShape;

/// What typed dialect-limited steps touch, per table.
#[derive(Debug, Default)]
pub(crate) struct Divergence {
    tables: BTreeMap<Dialect, BTreeSet<String>>,
    columns: BTreeMap<Dialect, BTreeSet<(String, String)>>,
    indexes: BTreeSet<(String, String)>,
    uniques: BTreeSet<(String, Vec<String>)>,
    foreign_keys: BTreeSet<(String, Vec<String>)>,
    checks: BTreeSet<(String, String)>,
    /// Triggers by name (PostgreSQL-only trigger steps are limited by nature).
    triggers: BTreeSet<String>,
}

impl Divergence {
    /// Collects the objects of every dialect-limited typed step (up and down) of `plan`.
    pub(crate) fn of(plan: &Plan) -> Divergence {
        let all = || {
            plan.migrations
                .iter()
                .flat_map(|m| m.steps.iter().chain(m.down.iter().flatten()))
        };
        // Constraint names to columns, for steps that drop a unique key or foreign key.
        let mut unique_named = BTreeMap::new();
        let mut fk_named = BTreeMap::new();
        for s in all() {
            match &s.item {
                Step::CreateTable(t) => {
                    for u in &t.unique {
                        unique_named.insert(u.constraint_name(&t.table), u.columns.clone());
                    }
                    for f in &t.foreign_keys {
                        fk_named.insert(f.constraint_name(&t.table), f.columns.clone());
                    }
                }
                Step::AddUnique(u) => {
                    unique_named.insert(u.constraint_name(), u.columns.clone());
                }
                Step::CreateIndex(i) if i.unique => {
                    unique_named.insert(i.index_name(), bare(&i.columns));
                }
                Step::AddForeignKey(f) => {
                    fk_named.insert(f.foreign_key().constraint_name(&f.table), f.columns.clone());
                }
                _ => {}
            }
        }
        let mut d = Divergence::default();
        for s in all() {
            if let Some(only) = &s.dialects {
                d.add(&s.item, only, &unique_named, &fk_named);
            }
        }
        d
    }

    fn add(
        &mut self,
        step: &Step,
        only: &[Dialect],
        unique_named: &BTreeMap<String, Vec<String>>,
        fk_named: &BTreeMap<String, Vec<String>>,
    ) {
        let Some(table) = step.table().map(str::to_string) else {
            return;
        };
        let mut tables = Vec::new();
        let mut columns = Vec::new();
        match step {
            Step::CreateTable(_) | Step::DropTable(_) => tables.push(table.clone()),
            Step::RenameTable(r) => tables.extend([table.clone(), r.to.clone()]),
            Step::AddColumn(a) => columns.push(a.column.name.clone()),
            Step::DropColumn(c) => columns.push(c.column.clone()),
            Step::AlterColumn(c) => columns.push(c.column.clone()),
            Step::RenameColumn(r) => columns.extend([r.column.clone(), r.to.clone()]),
            _ => {}
        }
        for d in only {
            let t = self.tables.entry(*d).or_default();
            t.extend(tables.iter().cloned());
            let c = self.columns.entry(*d).or_default();
            c.extend(columns.iter().map(|c| (table.clone(), c.clone())));
        }
        match step {
            Step::CreateTrigger(t) => {
                self.triggers.insert(t.name.clone());
            }
            Step::DropTrigger(t) => {
                self.triggers.insert(t.name.clone());
            }
            Step::EnableTrigger(t) | Step::DisableTrigger(t) => {
                self.triggers.insert(t.name.clone());
            }
            Step::UpdatedAtTrigger(u) => {
                self.triggers.insert(u.trigger_name());
            }
            Step::CreateIndex(i) if i.unique => {
                self.uniques.insert((table, bare(&i.columns)));
            }
            Step::CreateIndex(i) => {
                self.indexes.insert((table, i.index_name()));
            }
            Step::DropIndex(i) => {
                if let Some(cols) = unique_named.get(&i.name) {
                    self.uniques.insert((table.clone(), cols.clone()));
                }
                self.indexes.insert((table, i.name.clone()));
            }
            Step::AddUnique(u) => {
                self.uniques.insert((table, u.columns.clone()));
            }
            Step::DropUnique(u) => {
                if let Some(cols) = unique_named.get(&u.name) {
                    self.uniques.insert((table, cols.clone()));
                }
            }
            Step::AddForeignKey(f) => {
                self.foreign_keys.insert((table, f.columns.clone()));
            }
            Step::DropForeignKey(f) => {
                if let Some(cols) = fk_named.get(&f.name) {
                    self.foreign_keys.insert((table, cols.clone()));
                }
            }
            Step::AddCheck(c) => {
                self.checks.insert((table, c.name.clone()));
            }
            Step::DropCheck(c) => {
                self.checks.insert((table, c.name.clone()));
            }
            _ => {}
        }
    }

    /// `shape` without the objects the plan makes different on purpose between databases
    /// of dialects `a` and `b`.
    pub(crate) fn mask(&self, shape: &SchemaShape, a: Dialect, b: Dialect) -> SchemaShape {
        let (tables, columns) = (on_both(&self.tables, a, b), on_both(&self.columns, a, b));
        let mut s = shape.clone();
        s.tables.retain(|name, _| !tables.contains(name));
        for (name, t) in &mut s.tables {
            let key = |x: &str| (name.clone(), x.to_string());
            t.columns.retain(|c| !columns.contains(&key(&c.name)));
            t.indexes.retain(|i, _| !self.indexes.contains(&key(i)));
            t.unique
                .retain(|u| !self.uniques.contains(&(name.clone(), u.clone())));
            t.foreign_keys.retain(|f| {
                !self
                    .foreign_keys
                    .contains(&(name.clone(), f.columns.clone()))
            });
            t.checks.retain(|c| !self.checks.contains(&key(c)));
        }
        s.triggers.retain(|t| !self.triggers.contains(t));
        s
    }
}

/// What limited steps touch on both `a` and `b`.
fn on_both<T: Ord + Clone>(
    m: &BTreeMap<Dialect, BTreeSet<T>>,
    a: Dialect,
    b: Dialect,
) -> BTreeSet<T> {
    match (m.get(&a), m.get(&b)) {
        (Some(x), Some(y)) => x.intersection(y).cloned().collect(),
        _ => BTreeSet::new(),
    }
}

/// Index columns without ` DESC`.
fn bare(columns: &[String]) -> Vec<String> {
    columns
        .iter()
        .map(|c| c.split_whitespace().next().unwrap_or(c).to_string())
        .collect()
}
