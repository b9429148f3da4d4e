//! dbmate: `<version>_<name>.sql`, one file per migration with a `-- migrate:up` section and
//! an optional `-- migrate:down` section; `transaction:false` on a marker line runs that
//! section outside a transaction.

use super::files::{self, Entry};
use super::split::split_statements;
use super::{Layout, SqlFile, SqlMigration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// A section marker: which one, and whether it turns the transaction off.
struct Marker {
    up: bool,
    /// 0-based line of the marker.
    line: usize,
    no_transaction: bool,
}

pub(super) fn read(entries: &[Entry], dialect: Dialect) -> Result<Vec<SqlMigration>> {
    let mut out = Vec::new();
    for e in entries.iter().filter(|e| e.is_sql()) {
        let stem = e.name.strip_suffix(".sql").unwrap_or(&e.name);
        let Some(version) = files::version_name(&e.path, stem) else {
            return Err(files::unmatched(&e.path, Layout::Dbmate));
        };
        let (version, name) = version?;
        let text = files::read(&e.path)?;
        let lines: Vec<&str> = text.lines().collect();
        let markers: Vec<Marker> = lines
            .iter()
            .enumerate()
            .filter_map(|(i, l)| marker(l, i))
            .collect();
        let Some(up) = markers.iter().find(|m| m.up) else {
            return Err(Error::plan(
                &e.path,
                Some(1),
                "a dbmate migration needs a `-- migrate:up` line before its statements (and `-- migrate:down` before the statements that revert it)",
            ));
        };
        // One transaction setting per cutover migration: a down that must run outside a
        // transaction under an up that runs in one cannot be expressed.
        if let Some(down) = markers.iter().find(|m| !m.up)
            && down.no_transaction
            && !up.no_transaction
        {
            return Err(Error::plan(
                &e.path,
                Some(down.line + 1),
                "only the down section has `transaction:false`: a cutover migration runs both directions the same way (`transaction = false` covers both); put `transaction:false` on the up marker too, or remove it from the down",
            ));
        }
        let section = |m: &Marker| {
            let end = markers
                .iter()
                .map(|n| n.line)
                .filter(|&l| l > m.line)
                .min()
                .unwrap_or(lines.len());
            let body = lines[m.line + 1..end].join("\n");
            SqlFile {
                path: e.path.clone(),
                statements: split_statements(&body, m.line + 2, dialect),
            }
        };
        out.push(SqlMigration {
            version,
            name,
            up: section(up),
            down: markers.iter().find(|m| !m.up).map(section),
            transaction: !up.no_transaction,
        });
    }
    Ok(out)
}

/// Whether `text` has dbmate's `-- migrate:up` marker (for layout detection).
pub(super) fn has_marker(text: &str) -> bool {
    text.lines()
        .enumerate()
        .any(|(i, l)| marker(l, i).is_some_and(|m| m.up))
}

fn marker(line: &str, index: usize) -> Option<Marker> {
    let rest = line.trim().strip_prefix("--")?.trim_start();
    let (up, options) = if let Some(o) = rest.strip_prefix("migrate:up") {
        (true, o)
    } else {
        (false, rest.strip_prefix("migrate:down")?)
    };
    if options.chars().next().is_some_and(|c| !c.is_whitespace()) {
        return None;
    }
    Some(Marker {
        up,
        line: index,
        no_transaction: options.split_whitespace().any(|o| o == "transaction:false"),
    })
}
