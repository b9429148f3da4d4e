//! Checks across the migrations of a plan, after each file loaded: `requires` (known,
//! earlier, no cycle) and backfill ids (unique, since they name checkpoints).

use std::collections::{BTreeMap, BTreeSet};

use super::Migration;
use super::model::Step;
use super::source_map::SourceMap;
use crate::dialect::Dialect;
use crate::error::{Error, Result};

pub(crate) fn check_requires(migrations: &[Migration]) -> Result<()> {
    let known: BTreeMap<u64, &Migration> =
        migrations.iter().map(|m| (m.version.number, m)).collect();
    for m in migrations {
        for r in &m.requires {
            if !known.contains_key(&r.number) {
                return Err(Error::plan(
                    &m.path,
                    requires_line(m),
                    format!("`requires` names migration {r}, which is not in the plan"),
                ));
            }
        }
    }
    // A cycle is reported as such before the ordering rule, which it also breaks.
    for m in migrations {
        let mut path = vec![m.version.number];
        let mut seen = BTreeSet::new();
        if let Some(cycle) = find_cycle(m.version.number, &known, &mut path, &mut seen) {
            let names: Vec<String> = cycle
                .iter()
                .filter_map(|n| known.get(n).map(|m| m.version.to_string()))
                .collect();
            return Err(Error::plan(
                &m.path,
                requires_line(m),
                format!(
                    "`requires` forms a cycle: {}; remove one of these requirements",
                    names.join(" -> ")
                ),
            ));
        }
    }
    for m in migrations {
        for r in &m.requires {
            if r.number >= m.version.number {
                return Err(Error::plan(
                    &m.path,
                    requires_line(m),
                    format!(
                        "`requires` names migration {r}, which does not come before {}: migrations apply in version order, so renumber one of them",
                        m.version
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn find_cycle(
    at: u64,
    known: &BTreeMap<u64, &Migration>,
    path: &mut Vec<u64>,
    seen: &mut BTreeSet<u64>,
) -> Option<Vec<u64>> {
    if !seen.insert(at) {
        return None;
    }
    let m = known.get(&at)?;
    for r in &m.requires {
        if path.first() == Some(&r.number) {
            let mut cycle = path.clone();
            cycle.push(r.number);
            return Some(cycle);
        }
        path.push(r.number);
        if let Some(c) = find_cycle(r.number, known, path, seen) {
            return Some(c);
        }
        path.pop();
    }
    None
}

fn requires_line(m: &Migration) -> Option<usize> {
    let src = std::fs::read_to_string(&m.path).ok()?;
    let map = SourceMap::new(&src);
    map.key_line(0..map.top_level_end(), "requires")
}

/// Refuses two backfills with one id (given, or derived as `<version>_<table>`) that run on
/// a common dialect: the second would share the first's checkpoint, find it complete and
/// silently do nothing. Variants limited to disjoint `dialects` never meet and may share it.
pub(crate) fn check_backfill_ids(migrations: &[Migration]) -> Result<()> {
    let mut seen: BTreeMap<String, Vec<(Vec<Dialect>, String)>> = BTreeMap::new();
    for m in migrations {
        for (i, s) in m.steps.iter().enumerate() {
            let Step::Backfill(b) = &s.item else {
                continue;
            };
            let id = b.id_in(&m.version);
            let here = format!("migration {}, step {}", m.label(), i + 1);
            let on: Vec<Dialect> = Dialect::ALL.into_iter().filter(|d| s.runs_on(*d)).collect();
            let earlier = seen.entry(id.clone()).or_default();
            let clash = earlier
                .iter()
                .find(|(d, _)| d.iter().any(|x| on.contains(x)))
                .map(|(_, first)| first.clone());
            earlier.push((on, here));
            if let Some(first) = clash {
                let hint = if b.id.is_some() {
                    "give one of them another `id`"
                } else {
                    "give each of them an `id = \"...\"` of its own"
                };
                return Err(Error::plan(
                    &m.path,
                    Some(s.line),
                    format!(
                        "step {} (backfill): backfill id `{id}` is already used by {first}; ids name checkpoints, so {hint}",
                        i + 1
                    ),
                ));
            }
        }
    }
    Ok(())
}
