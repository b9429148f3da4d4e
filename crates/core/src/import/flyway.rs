//! Flyway: versioned `V<version>__<name>.sql`, undo `U<version>__<name>.sql` (the down of
//! the versioned migration with the same version) and repeatable `R__<name>.sql`.
//!
//! Flyway applies repeatable migrations after every versioned one, in name order; they are
//! read that way, numbered after the last version and shown as `R__<name>`. A
//! `V<version>__<name>.sql.conf` file with `executeInTransaction=false` runs that migration
//! outside a transaction.

use std::collections::BTreeMap;

use super::files::{self, Entry};
use super::prefixed::{self, Prefixed};
use super::{Layout, SqlFile, SqlMigration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::Version;

pub(super) fn read(entries: &[Entry], dialect: Dialect) -> Result<Vec<SqlMigration>> {
    let mut ups: BTreeMap<u64, SqlMigration> = BTreeMap::new();
    let mut undos: Vec<(Version, SqlFile)> = Vec::new();
    let mut repeatable: Vec<(String, SqlFile)> = Vec::new();
    for e in entries.iter().filter(|e| e.is_sql()) {
        let Some(Prefixed {
            prefix,
            version,
            name,
        }) = prefixed::parse(&e.name)
        else {
            return Err(files::unmatched(&e.path, Layout::Flyway));
        };
        let file = files::sql_file(&e.path, dialect)?;
        let Some(version) = version else {
            repeatable.push((name.to_string(), file));
            continue;
        };
        let version = prefixed::version(&e.path, version)?;
        if prefix == 'U' {
            undos.push((version, file));
            continue;
        }
        if let Some(other) = ups.get(&version.number) {
            return Err(Error::plan(
                &e.path,
                None,
                format!(
                    "duplicate version {version}: {} has the same version; give one of them a new number",
                    other.up.path.display()
                ),
            ));
        }
        let transaction = !no_transaction(&e.path)?;
        ups.insert(
            version.number,
            SqlMigration {
                version,
                name: name.to_string(),
                up: file,
                down: None,
                transaction,
            },
        );
    }
    for (version, file) in undos {
        let Some(m) = ups.get_mut(&version.number) else {
            return Err(Error::plan(
                &file.path,
                None,
                format!(
                    "an undo migration without its versioned migration: add V{version}__<name>.sql or remove this file"
                ),
            ));
        };
        m.down = Some(file);
    }
    let last = ups.keys().next_back().copied().unwrap_or(0);
    let mut out: Vec<SqlMigration> = ups.into_values().collect();
    repeatable.sort_by(|a, b| a.0.cmp(&b.0));
    for (i, (name, file)) in repeatable.into_iter().enumerate() {
        out.push(SqlMigration {
            version: Version {
                number: last + 1 + i as u64,
                text: format!("R__{name}"),
            },
            name,
            up: file,
            down: None,
            transaction: true,
        });
    }
    Ok(out)
}

/// Whether `<file>.conf` says `executeInTransaction=false`.
fn no_transaction(sql: &std::path::Path) -> Result<bool> {
    let mut conf = sql.as_os_str().to_owned();
    conf.push(".conf");
    let conf = std::path::PathBuf::from(conf);
    if !conf.is_file() {
        return Ok(false);
    }
    let text = files::read(&conf)?;
    Ok(text.lines().any(|l| {
        l.split_once('=').is_some_and(|(k, v)| {
            k.trim() == "executeInTransaction" && v.trim().eq_ignore_ascii_case("false")
        })
    }))
}
