//! Flyway: versioned `V<version>__<name>.sql`, undo `U<version>__<name>.sql` (the down of
//! the versioned migration with the same version) and repeatable `R__<name>.sql`.
//!
//! Flyway applies repeatable migrations after every versioned one, in name order; they are
//! read that way, numbered after the last version and shown as `R__<name>`. A
//! `V<version>__<name>.sql.conf` file with `executeInTransaction=false` runs that migration
//! outside a transaction.

use std::collections::BTreeMap;
use std::path::Path;

use super::files::{self, Entry};
use super::prefixed::{self, Prefixed};
use super::split::split_statements;
use super::{Layout, Skipped, SqlFile, SqlMigration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::Version;

/// Reads the folder's migrations; callbacks and baseline migrations are left out, each
/// with why.
pub(super) fn read(
    entries: &[Entry],
    dialect: Dialect,
    left_out: &mut Vec<Skipped>,
) -> Result<Vec<SqlMigration>> {
    let mut ups: BTreeMap<u64, SqlMigration> = BTreeMap::new();
    let mut undos: Vec<(Version, SqlFile)> = Vec::new();
    let mut repeatable: Vec<(String, SqlFile)> = Vec::new();
    for e in entries.iter().filter(|e| e.is_sql()) {
        if let Some(reason) = not_a_migration(&e.name) {
            left_out.push(Skipped {
                source: e.path.clone(),
                reason,
            });
            continue;
        }
        let Some(Prefixed {
            prefix,
            version,
            name,
        }) = prefixed::parse(&e.name)
        else {
            return Err(files::unmatched(&e.path, Layout::Flyway));
        };
        let file = read_file(&e.path, dialect)?;
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

/// Why a `.sql` file of the folder is not a migration cutover imports: a callback
/// (`beforeMigrate.sql`, `afterEachMigrate__log.sql`, ...) or a baseline migration
/// (`B5__base.sql`).
pub(super) fn not_a_migration(file_name: &str) -> Option<String> {
    let stem = file_name.strip_suffix(".sql")?;
    let event = stem.split("__").next().unwrap_or(stem);
    let callback = ["before", "after"].iter().any(|p| {
        event.strip_prefix(p).is_some_and(|rest| {
            rest.starts_with(|c: char| c.is_ascii_uppercase())
                && rest.chars().all(|c| c.is_ascii_alphabetic())
        })
    });
    if callback {
        return Some(format!(
            "a Flyway callback (`{event}`: Flyway runs it around its own commands) is not a migration; run what it does some other way (a `[[checks]]` query, a step of the migration it belongs to)"
        ));
    }
    let version = stem.strip_prefix('B')?.split_once("__")?.0;
    (!version.is_empty() && version.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'_')).then(|| {
        format!(
            "a Flyway baseline migration: Flyway runs it instead of the versioned migrations up to {version} on an empty database, and cutover runs those; a database Flyway built from it is adopted with `cutover baseline --from-history`, which counts its row as every version up to {version}"
        )
    })
}

/// Reads a Flyway SQL file, refusing placeholders: Flyway replaces `${name}` with a value
/// from its configuration that the folder does not hold.
fn read_file(path: &Path, dialect: Dialect) -> Result<SqlFile> {
    let text = files::read(path)?;
    if let Some((line, name)) = placeholder(&text) {
        return Err(Error::plan(
            path,
            Some(line),
            format!(
                "Flyway placeholder `${{{name}}}`: Flyway puts a configured value here, which the folder does not hold; write the value into the file (or remove the placeholder) and import again"
            ),
        ));
    }
    Ok(SqlFile {
        path: path.to_path_buf(),
        statements: split_statements(&text, 1, dialect),
    })
}

/// The first `${name}` of `text`, with its 1-based line.
fn placeholder(text: &str) -> Option<(usize, String)> {
    let mut from = 0;
    while let Some(i) = text[from..].find("${") {
        let start = from + i + 2;
        let rest = &text[start..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | ':' | '-')))
            .unwrap_or(rest.len());
        if len > 0 && rest[len..].starts_with('}') {
            let line = text[..start].matches('\n').count() + 1;
            return Some((line, rest[..len].to_string()));
        }
        from = start;
    }
    None
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

#[cfg(test)]
mod tests {
    use super::placeholder;

    #[test]
    fn callbacks_and_baseline_migrations_are_not_migrations() {
        use super::not_a_migration;
        for name in [
            "beforeMigrate.sql",
            "afterMigrate__x.sql",
            "afterEachMigrateError.sql",
            "B2__base.sql",
        ] {
            assert!(not_a_migration(name).is_some(), "{name}");
        }
        for name in [
            "V1__a.sql",
            "R__views.sql",
            "U1__a.sql",
            "Before.sql",
            "Bx__a.sql",
        ] {
            assert!(not_a_migration(name).is_none(), "{name}");
        }
    }

    #[test]
    fn placeholders_are_found_with_their_line() {
        let sql = "CREATE TABLE t (x text);\nINSERT INTO t VALUES ('${env}');\nCREATE TABLE ${flyway:defaultSchema}.u (x int);";
        assert_eq!(placeholder(sql), Some((2, "env".to_string())));
        assert_eq!(placeholder("SELECT '$1', '${', '$}' , $$ { $$"), None);
    }
}
