//! Retired backfills: finished backfills stay finished.
//!
//! A backfill is *retired* when
//!
//! - it is `complete` (or its migration was baselined), its migration is applied, and a
//!   migration applied after it destroyed data of a table it reads or writes (dropped the
//!   table, or dropped or narrowed a column it uses: a [`Loss`]) ([`superseded`]); computed
//!   from the plan and the history alone, never by probing the schema. Such a migration is
//!   gated, and its gate re-verified the backfill before destroying anything
//!   ([`guarded_by`]), so retirement never lets unverified rows through. A rename retires
//!   nothing: the data still exists under the new name. Reverting that later migration
//!   makes the backfill live again;
//! - or `cutover backfill retire` recorded it in the state table (given up, or finished by
//!   other means).
//!
//! A retired backfill is not run by `backfill run` without ids, refused when named, skipped
//! by `up`, and never re-verified by the contract gate: its checks may no longer even run,
//! and what it copied has been superseded.

use std::fmt;

use serde::Serialize;

use super::spec::BackfillSpec;
use crate::dialect::Dialect;
use crate::plan::{Loss, Plan, Step, Version};

/// Why a backfill is retired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Retirement {
    /// A migration applied after the backfill's own changed what it reads or writes.
    Superseded {
        /// That migration (`0003 (drop_old)`).
        migration: String,
        /// What it changed (`drops column "t"."old"`).
        change: String,
    },
    /// `cutover backfill retire` recorded it.
    Explicit {
        /// Who retired it (`user@host`), when recorded.
        by: Option<String>,
        /// When (RFC 3339 UTC), when recorded.
        at: Option<String>,
        /// The reason given with `--reason`.
        note: Option<String>,
    },
}

impl Retirement {
    /// Whether `cutover backfill retire` recorded it (so `backfill run --restart` may run it
    /// again), rather than a later migration.
    pub fn is_explicit(&self) -> bool {
        matches!(self, Retirement::Explicit { .. })
    }
}

impl fmt::Display for Retirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Retirement::Superseded { migration, change } => {
                write!(f, "superseded: migration {migration} {change}")
            }
            Retirement::Explicit { by, at, note } => {
                f.write_str("retired with `cutover backfill retire`")?;
                if let Some(by) = by {
                    write!(f, " by {by}")?;
                }
                if let Some(at) = at {
                    write!(f, " at {at}")?;
                }
                if let Some(note) = note {
                    write!(f, ": {note}")?;
                }
                Ok(())
            }
        }
    }
}

/// The first migration after `spec`'s own that is done (`done(version)`: applied or
/// baselined, this run included) and destroys (see [`Plan::losses`], on `dialect`) a table
/// `spec` reads or writes, or a column of one it uses. Renames and widening type changes
/// never retire: the data is still there and the contract gate must still verify it.
/// Only a migration whose gate re-verified `spec` ([`guarded_by`]) qualifies.
/// Says nothing about the backfill's state: the caller asks only for finished ones.
pub fn superseded(
    plan: &Plan,
    spec: &BackfillSpec,
    done: &dyn Fn(&Version) -> bool,
    dialect: Dialect,
) -> Option<Retirement> {
    let owner = plan.get(&spec.version)?;
    let footprint = Footprint::of(spec);
    let losses = plan.losses(Some(dialect));
    plan.migrations
        .iter()
        .filter(|later| later.version > owner.version && done(&later.version))
        .find_map(|later| {
            losses
                .get(&later.version.number)?
                .iter()
                .find_map(|(_, l)| footprint.destroyed_by(l))
                .map(|change| Retirement::Superseded {
                    migration: later.label(),
                    change,
                })
        })
}

/// Whether a gated migration destroying `losses` must re-verify `spec` before it runs: a
/// loss on a table `spec` reads or writes, or on no named table. The same footprint decides
/// [`superseded`], so a migration can only retire a backfill its gate re-verified.
pub fn guarded_by(spec: &BackfillSpec, losses: &[Loss]) -> bool {
    let footprint = Footprint::of(spec);
    losses
        .iter()
        .any(|l| l.table.as_deref().is_none_or(|t| footprint.has_table(t)))
}

/// What a backfill reads and writes.
#[derive(Debug, Default)]
struct Footprint {
    /// Tables it reads: `table`, `from.table`, the tables of its subqueries and the
    /// qualifiers of its column references.
    reads: Vec<String>,
    /// Tables it writes: `table` (update forms) or `insert_into`.
    writes: Vec<String>,
    /// Columns: `(Some(table), column)`, or `(None, column)` for an unqualified reference,
    /// which may be a column of any table it reads.
    columns: Vec<(Option<String>, String)>,
}

impl Footprint {
    fn of(spec: &BackfillSpec) -> Footprint {
        let step = &spec.step;
        let mut f = Footprint {
            reads: vec![step.table.clone()],
            ..Footprint::default()
        };
        f.reads.extend(step.from.as_ref().map(|j| j.table.clone()));
        let written = step.insert_into.as_ref().unwrap_or(&step.table).clone();
        f.writes.push(written.clone());
        // The engine itself reads the key, writes `set`/`undo`/`values` and explodes one column.
        for c in spec
            .key
            .iter()
            .chain(step.explode.as_ref().map(|e| &e.column))
        {
            f.column(Some(&step.table), c);
        }
        for (c, _) in step.set.iter().chain(&step.undo) {
            f.column(Some(&step.table), c);
        }
        for c in step.values.iter().map(|(c, _)| c).chain(&spec.target_key) {
            f.column(Some(&written), c);
        }
        let element = step.explode.as_ref().map(|e| e.alias.as_str());
        let item = Step::Backfill(step.clone());
        for (_, e) in item.expressions() {
            // Tables read by subqueries, whatever alias their columns are written with.
            let subquery_tables = e.tables();
            for t in &subquery_tables {
                if !f.has_table(t) {
                    f.reads.push(t.clone());
                }
            }
            for c in e.columns() {
                match c.table {
                    // `<as>.value` / `.text` / `.position`: the exploded element, no column.
                    Some(q) if Some(q.as_str()) == element => {}
                    // A subquery alias (`l.src_id`): the column may belong to any table read.
                    Some(q) if !f.has_table(&q) && !subquery_tables.is_empty() => {
                        f.column(None, &c.column)
                    }
                    Some(q) => {
                        if !f.has_table(&q) {
                            f.reads.push(q.clone());
                        }
                        f.column(Some(&q), &c.column);
                    }
                    None => f.column(None, &c.column),
                }
            }
        }
        f
    }

    fn column(&mut self, table: Option<&String>, column: &str) {
        let c = (table.cloned(), column.to_string());
        if !self.columns.contains(&c) {
            self.columns.push(c);
        }
    }

    fn has_table(&self, t: &str) -> bool {
        self.reads.iter().chain(&self.writes).any(|x| x == t)
    }

    fn has_column(&self, table: &str, column: &str) -> bool {
        self.columns.iter().any(|(t, c)| {
            c == column
                && match t {
                    Some(t) => t == table,
                    None => self.reads.iter().any(|r| r == table),
                }
        })
    }

    /// What loss `l` destroys of this footprint, in words, if anything: a dropped table it
    /// reads or writes, or a dropped or narrowed column it uses.
    fn destroyed_by(&self, l: &Loss) -> Option<String> {
        let hit = match (&l.table, &l.column) {
            (Some(t), Some(c)) => self.has_column(t, c),
            (Some(t), None) => self.has_table(t),
            (None, _) => false,
        };
        hit.then(|| l.what.clone())
    }
}

#[cfg(test)]
#[path = "retirement_tests.rs"]
mod tests;
