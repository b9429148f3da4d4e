//! Folders of `<version>_<name>[.up|.down].sql` files (sqlx, golang-migrate).

use std::collections::BTreeMap;

use super::files::{self, Entry};
use super::{Layout, SqlFile, SqlMigration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// What a file name says it holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// `.up.sql`.
    Up,
    /// `.down.sql`.
    Down,
    /// Plain `.sql` (sqlx's simple migrations).
    Simple,
}

/// The stem (`0001_users`) and kind of a `.sql` file name, when it has a version.
pub(super) fn classify(name: &str) -> Option<(&str, Kind)> {
    let stem = name.strip_suffix(".sql")?;
    let (stem, kind) = if let Some(s) = stem.strip_suffix(".up") {
        (s, Kind::Up)
    } else if let Some(s) = stem.strip_suffix(".down") {
        (s, Kind::Down)
    } else {
        (stem, Kind::Simple)
    };
    let (num, rest) = stem.split_once('_')?;
    (!num.is_empty() && num.bytes().all(|b| b.is_ascii_digit()) && !rest.is_empty())
        .then_some((stem, kind))
}

/// A read file and whether its first line turns the transaction off.
pub(super) struct Read {
    pub file: SqlFile,
    pub no_transaction: bool,
}

/// Reads the folder; `simple` says whether plain `.sql` files are allowed (sqlx) or not
/// (golang-migrate). `read` reads one file.
pub(super) fn read(
    entries: &[Entry],
    layout: Layout,
    simple: bool,
    dialect: Dialect,
    read: impl Fn(&Entry, Dialect) -> Result<Read>,
) -> Result<Vec<SqlMigration>> {
    // stem -> (up or simple, down)
    let mut by_stem: BTreeMap<&str, (Option<&Entry>, Option<&Entry>)> = BTreeMap::new();
    for e in entries.iter().filter(|e| e.is_sql()) {
        let Some((stem, kind)) = classify(&e.name).filter(|(_, k)| simple || *k != Kind::Simple)
        else {
            return Err(files::unmatched(&e.path, layout));
        };
        let slot = by_stem.entry(stem).or_default();
        match kind {
            Kind::Up | Kind::Simple => {
                if let Some(other) = slot.0 {
                    return Err(Error::plan(
                        &e.path,
                        None,
                        format!(
                            "{} is the same migration; keep one of them",
                            other.path.display()
                        ),
                    ));
                }
                slot.0 = Some(e);
            }
            Kind::Down => slot.1 = Some(e),
        }
    }
    let mut out = Vec::new();
    for (stem, (up, down)) in by_stem {
        let Some(up) = up else {
            let path = down.map(|d| d.path.clone()).unwrap_or_default();
            return Err(Error::plan(
                &path,
                None,
                format!("a down migration without its up: add {stem}.up.sql or remove this file"),
            ));
        };
        let Some(version) = files::version_name(&up.path, stem) else {
            return Err(files::unmatched(&up.path, layout));
        };
        let (version, name) = version?;
        let up_read = read(up, dialect)?;
        let down = match down {
            Some(d) => Some(read(d, dialect)?.file),
            None => None,
        };
        out.push(SqlMigration {
            version,
            name,
            up: up_read.file,
            down,
            transaction: !up_read.no_transaction,
        });
    }
    Ok(out)
}
