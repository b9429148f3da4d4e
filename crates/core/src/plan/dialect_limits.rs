//! `dialects = [..]` on steps, down steps and checks: the item runs only on the listed
//! dialects and is skipped on the others.
//!
//! Raw `sql` steps have always carried the field inside [`SqlStep`](super::SqlStep) (and so in
//! their checksum); for them it stays there and [`Located::dialects`] mirrors it. Every other
//! step and every check has it taken off its table before deserializing, so that the typed
//! structs keep rejecting unknown fields, and it is added to the checksum only when present:
//! a migration without the field keeps the checksum earlier releases recorded.

use serde::Serialize;

use super::model::{Check, Step};
use super::{Located, Migration};
use crate::dialect::Dialect;

/// Takes `dialects` off an item's TOML table (unless the item is a raw `sql` step, whose
/// struct owns the field) and parses it. `Err` is a message for the field's line.
pub(crate) fn take(value: &mut toml::Value) -> Result<Option<Vec<Dialect>>, String> {
    let Some(table) = value.as_table_mut() else {
        return Ok(None);
    };
    if table.get("op").and_then(|v| v.as_str()) == Some("sql") {
        return Ok(None);
    }
    match table.remove("dialects") {
        Some(v) => parse(&v).map(Some),
        None => Ok(None),
    }
}

/// Parses a `dialects` list: non-empty, known names (`mariadb` is `mysql`), no repeats.
fn parse(value: &toml::Value) -> Result<Vec<Dialect>, String> {
    const EXPECTED: &str =
        "write e.g. dialects = [\"postgres\"] (values: postgres, mysql or mariadb, sqlite)";
    let items = value
        .as_array()
        .ok_or_else(|| format!("`dialects` must be a list of dialect names: {EXPECTED}"))?;
    if items.is_empty() {
        return Err("`dialects` is empty: list at least one dialect or remove it".into());
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let name = item
            .as_str()
            .ok_or_else(|| format!("`dialects` entry {item} is not a name: {EXPECTED}"))?;
        let d: Dialect = name.parse().map_err(|e| format!("{e}: {EXPECTED}"))?;
        if out.contains(&d) {
            return Err(format!(
                "`dialects` lists {d} twice (mariadb and mysql are the same dialect): remove one"
            ));
        }
        out.push(d);
    }
    Ok(out)
}

/// Parses a migration's top-level `dialects` list (the same rules as on a step).
pub(crate) fn parse_top(value: &toml::Value) -> Result<Vec<Dialect>, String> {
    parse(value)
}

/// Gives an item of a migration limited to `limit` (top-level `dialects`) that limit: writes
/// `dialects` on its table when it has none; an item with its own list must stay within the
/// migration's. `Err` is a message for the item's `dialects` line.
pub(crate) fn inherit(value: &mut toml::Value, limit: &[Dialect]) -> Result<(), String> {
    let Some(table) = value.as_table_mut() else {
        return Ok(());
    };
    match table.get("dialects") {
        None => {
            let names = limit.iter().map(|d| toml::Value::String(d.to_string()));
            table.insert("dialects".into(), toml::Value::Array(names.collect()));
            Ok(())
        }
        Some(own) => {
            let own = parse(own)?;
            match own.iter().find(|d| !limit.contains(d)) {
                Some(d) => Err(format!(
                    "`dialects` lists {d}, but the migration's top-level `dialects` does not: the migration never runs on {d}; remove {d} here or add it at the top"
                )),
                None => Ok(()),
            }
        }
    }
}

/// The dialects of `targets` an item limited to `limit` runs on.
pub(crate) fn narrow(targets: &[Dialect], limit: Option<&[Dialect]>) -> Vec<Dialect> {
    targets
        .iter()
        .copied()
        .filter(|d| limit.is_none_or(|l| l.contains(d)))
        .collect()
}

impl<T> Located<T> {
    /// Whether the item runs on `dialect` (it is not limited, or lists it).
    pub fn runs_on(&self, dialect: Dialect) -> bool {
        self.dialects.as_ref().is_none_or(|l| l.contains(&dialect))
    }
}

impl Migration {
    /// The up steps that run on `dialect`, with their 0-based index in the file.
    pub fn steps_for(&self, dialect: Dialect) -> impl Iterator<Item = (usize, &Located<Step>)> {
        self.steps
            .iter()
            .enumerate()
            .filter(move |(_, s)| s.runs_on(dialect))
    }

    /// The checks that run on `dialect`.
    pub fn checks_for(&self, dialect: Dialect) -> impl Iterator<Item = &Located<Check>> {
        self.checks.iter().filter(move |c| c.runs_on(dialect))
    }
}

/// The checksummed form of an item: the item's own fields, plus `dialects` when the field was
/// taken off the item (never for a raw `sql` step, whose struct serializes it itself).
#[derive(Serialize)]
pub(crate) struct Canonical<'a, T: Serialize> {
    #[serde(flatten)]
    item: &'a T,
    #[serde(skip_serializing_if = "Option::is_none")]
    dialects: Option<&'a [Dialect]>,
}

impl<'a> Canonical<'a, Step> {
    /// The canonical form of a step.
    pub(crate) fn step(s: &'a Located<Step>) -> Self {
        let own = matches!(s.item, Step::Sql(_));
        Canonical {
            item: &s.item,
            dialects: s.dialects.as_deref().filter(|_| !own),
        }
    }
}

impl<'a> Canonical<'a, Check> {
    /// The canonical form of a check.
    pub(crate) fn check(c: &'a Located<Check>) -> Self {
        Canonical {
            item: &c.item,
            dialects: c.dialects.as_deref(),
        }
    }
}
