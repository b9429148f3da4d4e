//! Mapping the rows of another tool's history to plan migrations: which to record as
//! baselined, which cutover already records, which stay pending, and every problem at once.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use super::Tool;
use super::read::{Reach, Record, RecordState};
use crate::error::{Error, Result};
use crate::plan::{Migration, Plan, Version};

/// What cutover's own history records for a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// The version number.
    pub number: u64,
    /// Whether it counts as done (applied or baselined).
    pub done: bool,
    /// Its state, for messages (`failed`, `partial`, ...).
    pub state: String,
}

/// What `cutover baseline --from-history` records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Adoption {
    /// The tool whose history was read.
    pub tool: Tool,
    /// Its history table.
    pub table: String,
    /// Plan migrations to record as baselined (the tool ran them), oldest first.
    pub mark: Vec<Version>,
    /// Plan migrations the tool ran that cutover's history already records as done.
    pub already: Vec<Version>,
    /// Plan migrations the tool's history does not name: they stay pending.
    pub pending: Vec<Version>,
    /// Rows of the tool's history left out, each with why.
    pub ignored: Vec<String>,
    /// Warnings: migrations whose recorded checksum differs from the one `cutover import`
    /// noted for their source file (the file changed after the tool ran it, or only its
    /// line endings did). They are marked all the same: the database is what it is.
    pub changed: Vec<String>,
}

impl Adoption {
    /// Maps `records` (in the order the tool wrote them; a later row about a version
    /// replaces an earlier one) to the migrations of `plan`, given what cutover's history
    /// already records, noting checksums that differ from the imported files'. Refuses with [`Error::Adopt`], listing every problem, when a row
    /// names a version the plan does not have, says a migration failed or is dirty, or
    /// names a migration cutover's history records as unfinished.
    pub fn plan(
        tool: Tool,
        records: &[Record],
        plan: &Plan,
        recorded: &[Recorded],
    ) -> Result<Adoption> {
        let mut last: Vec<&Record> = Vec::new();
        let mut slot: HashMap<&str, usize> = HashMap::new();
        for r in records {
            match slot.get(r.key.as_str()) {
                Some(&i) => last[i] = r,
                None => {
                    slot.insert(&r.key, last.len());
                    last.push(r);
                }
            }
        }
        let mut ran: BTreeSet<u64> = BTreeSet::new();
        let mut problems = Vec::new();
        if matches!(tool, Tool::Alembic | Tool::GolangMigrate) && records.len() > 1 {
            let keys: Vec<&str> = records.iter().map(|r| r.key.as_str()).collect();
            problems.push(format!(
                "`{}` has {} rows ({}) where {tool} keeps one (the current version){}",
                tool.table(),
                records.len(),
                keys.join(", "),
                match tool {
                    Tool::Alembic => ": several heads are branches, which a plan's single line of versions cannot follow; merge them (`alembic merge`) and upgrade first",
                    _ => "",
                }
            ));
            last.clear();
        }
        let mut ignored = Vec::new();
        let mut changed = Vec::new();
        for r in last {
            match &r.state {
                RecordState::Ignored(why) => ignored.push(format!("{}: {why}", r.label)),
                RecordState::Undone => {}
                RecordState::Failed(why) => problems.push(format!("{}: {why}", r.label)),
                RecordState::Applied if tool == Tool::Flyway && r.reach == Reach::UpTo => {
                    // A Flyway baseline is a marker, not a migration: it covers every
                    // version up to its own, which the plan need not have.
                    match flyway_version(&r.key) {
                        Some(v) => ran.extend(
                            plan.migrations
                                .iter()
                                .map(|p| p.version.number)
                                .filter(|n| *n <= v.number),
                        ),
                        None => problems.push(format!(
                            "{}: baseline version `{}` {FLYWAY_DOTTED}",
                            r.label, r.key
                        )),
                    }
                }
                RecordState::Applied if tool == Tool::Alembic => {
                    match super::alembic::ancestors(&r.key, plan) {
                        Ok((chain, off)) => {
                            ran.extend(chain);
                            ignored.extend(off);
                        }
                        Err(problem) => problems.push(problem),
                    }
                }
                RecordState::Applied => match resolve(tool, r, plan) {
                    Ok(m) if r.reach == Reach::UpTo => ran.extend(
                        plan.migrations
                            .iter()
                            .map(|p| p.version.number)
                            .filter(|n| *n <= m.version.number),
                    ),
                    Ok(m) => {
                        changed.extend(checksum_differs(tool, r, m));
                        ran.insert(m.version.number);
                    }
                    Err(problem) => problems.push(problem),
                },
            }
        }
        let done: BTreeSet<u64> = recorded
            .iter()
            .filter(|r| r.done)
            .map(|r| r.number)
            .collect();
        for r in recorded
            .iter()
            .filter(|r| !r.done && ran.contains(&r.number))
        {
            problems.push(format!(
                "cutover's history records {} as {}; finish or clear it first (`cutover up`, `cutover repair`)",
                r.number, r.state
            ));
        }
        if !problems.is_empty() {
            return Err(Error::Adopt {
                what: format!("the {tool} history in `{}`", tool.table()),
                problems,
                hint: match tool {
                    // No folder of SQL files to import for these: the plan is written by hand.
                    Tool::Alembic | Tool::SeaOrm => format!(
                        "nothing was marked; fix what is listed (write the missing plan migrations, finish the failed ones with {tool}), then run this again"
                    ),
                    _ => format!(
                        "nothing was marked; fix what is listed (add the missing migrations to the plan: `cutover import --from {tool} DIR` converts the tool's folder; finish the failed ones with {tool}), then run this again"
                    ),
                },
            });
        }
        let pick = |keep: &dyn Fn(u64) -> bool| -> Vec<Version> {
            plan.migrations
                .iter()
                .filter(|m| keep(m.version.number))
                .map(|m| m.version.clone())
                .collect()
        };
        Ok(Adoption {
            tool,
            table: tool.table().to_string(),
            mark: pick(&|n| ran.contains(&n) && !done.contains(&n)),
            already: pick(&|n| ran.contains(&n) && done.contains(&n)),
            pending: pick(&|n| !ran.contains(&n) && !done.contains(&n)),
            ignored,
            changed,
        })
    }
}

/// The plan migration a row names, or the problem to report.
fn resolve<'p>(
    tool: Tool,
    r: &Record,
    plan: &'p Plan,
) -> std::result::Result<&'p Migration, String> {
    if tool == Tool::Alembic {
        return super::alembic::named(&r.key, plan);
    }
    let version = match tool {
        Tool::SeaOrm => sea_orm_version(&r.key),
        Tool::Flyway => flyway_version(&r.key),
        _ => Version::parse(&r.key),
    };
    let Some(version) = version else {
        let why = match tool {
            Tool::SeaOrm => "is not named m<YYYYMMDD>_<HHMMSS>_<name> (sea-orm-migration's form)",
            Tool::Flyway => FLYWAY_DOTTED,
            _ => "is not a whole number",
        };
        return Err(format!("{}: version `{}` {why}", r.label, r.key));
    };
    plan.migrations
        .iter()
        .find(|m| m.version.number == version.number)
        .ok_or_else(|| format!("{} ran, but the plan has no migration {version}", r.label))
}

/// The warning when the tool recorded a checksum for `r` and the plan migration `m` notes
/// another one for its source file (`cutover import` writes `<tool> checksum
/// <algorithm>:<value>` into the description): the file is not byte for byte the one that
/// ran. (Old Prisma versions wrote the SHA-256 without zero padding: that form counts too.)
fn checksum_differs(tool: Tool, r: &Record, m: &Migration) -> Option<String> {
    let recorded = r.checksum.as_deref()?;
    let marker = format!("{tool} checksum ");
    let at = m.description.find(&marker)? + marker.len();
    let rest = &m.description[at..];
    let value = rest.split_once(':')?.1;
    let noted: String = value
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let unpadded = |hex: &str| -> String {
        hex.as_bytes()
            .chunks(2)
            .map(|pair| {
                let s = std::str::from_utf8(pair).unwrap_or_default();
                s.strip_prefix('0')
                    .filter(|r| !r.is_empty())
                    .unwrap_or(s)
                    .to_string()
            })
            .collect()
    };
    let same = match (recorded.parse::<i64>(), noted.parse::<i64>()) {
        (Ok(a), Ok(b)) => a == b,
        _ => {
            recorded.eq_ignore_ascii_case(&noted)
                || (tool == Tool::Prisma && recorded.eq_ignore_ascii_case(&unpadded(&noted)))
        }
    };
    (!same).then(|| {
        format!(
            "{}: {tool} recorded checksum {recorded}, but {} was imported from a file with checksum {noted}: the file changed after it ran (or only its line endings did); check that the plan migration does what ran",
            r.label,
            m.path.display()
        )
    })
}

/// Why a dotted Flyway version cannot be adopted.
const FLYWAY_DOTTED: &str = "is not a whole number (cutover versions are whole numbers; Flyway's `1.0` is `1`, but a dotted version such as `1.1` has no cutover equivalent: renumber the plan migration and record it by hand with `cutover baseline VERSION`)";

/// A Flyway version as a whole number: `7`, or `7.0` / `7.0.0` (Flyway compares versions
/// part by part, so trailing zero parts change nothing); `None` for `1.1`.
fn flyway_version(key: &str) -> Option<Version> {
    let mut parts: Vec<&str> = key.split(['.', '_']).collect();
    while parts.len() > 1 && parts.last().is_some_and(|p| p.bytes().all(|b| b == b'0')) {
        parts.pop();
    }
    match parts.as_slice() {
        [one] => Version::parse(one),
        _ => None,
    }
}

/// `m20220101_000001_create_table` -> 20220101000001.
fn sea_orm_version(key: &str) -> Option<Version> {
    let rest = key.strip_prefix('m')?;
    let mut parts = rest.splitn(3, '_');
    let (date, time) = (parts.next()?, parts.next()?);
    (date.len() == 8 && time.len() == 6)
        .then(|| Version::parse(&format!("{date}{time}")))
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flyway_versions_drop_trailing_zero_parts() {
        assert_eq!(flyway_version("7").map(|v| v.number), Some(7));
        assert_eq!(flyway_version("7.0.0").map(|v| v.number), Some(7));
        assert_eq!(flyway_version("1.1"), None);
    }

    #[test]
    fn sea_orm_names_become_timestamps() {
        assert_eq!(
            sea_orm_version("m20220101_000001_create_table").map(|v| v.number),
            Some(20220101000001)
        );
        assert_eq!(sea_orm_version("m2022_000001_x"), None);
        assert_eq!(sea_orm_version("20220101_000001_x"), None);
    }
}
