//! Prisma: one directory per migration, `<timestamp>_<name>/migration.sql`, beside
//! `migration_lock.toml`. Prisma has no down migrations.
//!
//! Prisma sends the file as one script; PostgreSQL runs a multi-statement request as one
//! implicit transaction, so the migration counts as transactional.

use super::files::{self, Entry};
use super::{Layout, SqlMigration};
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// The file of a Prisma migration directory.
const FILE: &str = "migration.sql";

pub(super) fn read(entries: &[Entry], dialect: Dialect) -> Result<Vec<SqlMigration>> {
    let mut out = Vec::new();
    for e in entries {
        if e.is_sql() {
            return Err(files::unmatched(&e.path, Layout::Prisma));
        }
        if !e.is_dir {
            continue;
        }
        let Some(version) = files::version_name(&e.path, &e.name) else {
            return Err(files::unmatched(&e.path, Layout::Prisma));
        };
        let (version, name) = version?;
        let path = e.path.join(FILE);
        if !path.is_file() {
            return Err(Error::plan(
                &e.path,
                None,
                format!("a Prisma migration directory holds a `{FILE}`; this one has none"),
            ));
        }
        out.push(SqlMigration {
            version,
            name,
            up: files::sql_file(&path, dialect)?,
            down: None,
            transaction: true,
        });
    }
    Ok(out)
}

/// The database Prisma's `migration_lock.toml` in `dir` names (`provider = "postgresql"`,
/// `"mysql"`, `"sqlite"`), if there is one.
pub(super) fn provider(dir: &std::path::Path) -> Option<Dialect> {
    let text = files::read(&dir.join("migration_lock.toml")).ok()?;
    let table: toml::Table = text.parse().ok()?;
    match table.get("provider")?.as_str()? {
        "postgresql" | "postgres" | "cockroachdb" => Some(Dialect::Postgres),
        "mysql" => Some(Dialect::Mysql),
        "sqlite" => Some(Dialect::Sqlite),
        _ => None,
    }
}

/// Whether the folder looks like Prisma's: migration directories and no `.sql` files.
pub(super) fn matches(entries: &[Entry]) -> bool {
    entries
        .iter()
        .any(|e| e.is_dir && e.path.join(FILE).is_file())
        && entries
            .iter()
            .all(|e| !e.is_sql() && (!e.is_dir || files::version_name(&e.path, &e.name).is_some()))
}
