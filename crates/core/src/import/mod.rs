//! Reading folders of plain SQL migrations written for other tools (sqlx, dbmate,
//! golang-migrate, Flyway, Prisma, refinery) into in-memory migrations of raw SQL
//! statements, so that `cutover lint --sql-dir` can lint them with the rules of a plan and
//! `cutover import` can write them out as plan files ([`SqlDir::to_plan_files`],
//! [`write_plan_files`]).
//!
//! Each statement keeps its file and line; each migration keeps its version, name, down
//! (where the tool has one) and whether it runs in a transaction.
//!
//! ```
//! use cutover_core::Dialect;
//! use cutover_core::import::{Layout, read_sql_dir};
//!
//! let dir = std::env::temp_dir().join(format!("cutover-import-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("20240101000000_users.sql"),
//!     "-- migrate:up\nCREATE TABLE users (id bigint);\n\n-- migrate:down\nDROP TABLE users;\n").unwrap();
//! let read = read_sql_dir(&dir, None, Dialect::Postgres).unwrap();
//! assert_eq!(read.layout, Layout::Dbmate);
//! let m = &read.migrations[0];
//! assert_eq!((m.version.number, m.up.statements[0].line), (20240101000000, 2));
//! assert_eq!(m.down.as_ref().unwrap().statements[0].line, 5);
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

mod checksum;
mod dbmate;
mod detect;
mod files;
mod flyway;
mod golang_migrate;
mod layout;
mod prefixed;
mod prisma;
mod refinery;
mod split;
mod sqlx;
mod to_plan;
mod toml_text;
mod updown;
mod wrapper;
mod write;

use std::path::{Path, PathBuf};

pub use checksum::SourceChecksum;
pub use layout::Layout;
pub use split::{Statement, split_statements};
pub use write::{Import, PlanFile, Skipped, write_plan_files};

use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::Version;

/// One SQL file of a migration, split into statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlFile {
    /// The file.
    pub path: PathBuf,
    /// Its statements in order, each with its line in this file.
    pub statements: Vec<Statement>,
}

/// One migration of a SQL folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlMigration {
    /// The version from the file (or directory) name.
    pub version: Version,
    /// The name after the version.
    pub name: String,
    /// The statements that apply it.
    pub up: SqlFile,
    /// The statements that revert it, where the tool has them (a `.down.sql` file, a
    /// `-- migrate:down` section, a Flyway undo file).
    pub down: Option<SqlFile>,
    /// Whether the tool runs it in one transaction (sqlx `-- no-transaction`, dbmate
    /// `transaction:false`, Flyway `executeInTransaction=false` turn it off).
    pub transaction: bool,
}

/// A SQL migration folder, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlDir {
    /// The folder.
    pub dir: PathBuf,
    /// The layout it was read with (given, or detected).
    pub layout: Layout,
    /// Its migrations in version order.
    pub migrations: Vec<SqlMigration>,
    /// Files of the folder that are not migrations (Flyway callbacks and baseline
    /// migrations), each with why: listed by `cutover import`, never imported.
    pub left_out: Vec<Skipped>,
}

/// The database the folder itself says its SQL is written for: Prisma's
/// `migration_lock.toml` names its provider. `None` for every other folder.
pub fn dialect_hint(dir: &Path) -> Option<Dialect> {
    prisma::provider(dir)
}

/// Reads the migrations of `dir` written for `dialect`, in `layout` (`None`: detect it from
/// the file names and contents; an ambiguous folder is an error that lists the candidates).
///
/// Errors name the file (and line): a `dialect` other than the one the folder names
/// ([`dialect_hint`]), an empty or unreadable folder, an unreadable file, a
/// `.sql` file that matches no pattern of the layout, two migrations with one version, a
/// down without its up.
pub fn read_sql_dir(dir: &Path, layout: Option<Layout>, dialect: Dialect) -> Result<SqlDir> {
    let entries = files::list(dir)?;
    if let Some(named) = prisma::provider(dir).filter(|&named| named != dialect) {
        return Err(Error::plan(
            dir.join("migration_lock.toml"),
            None,
            format!(
                "the folder's SQL is written for {named} (its provider), not {dialect}: pass --dialect {named} (or leave --dialect out), or import the folder of the {dialect} migrations"
            ),
        ));
    }
    let layout = match layout {
        Some(l) => l,
        None => detect::detect(dir, &entries)?,
    };
    let entries = match layout {
        Layout::Flyway | Layout::Refinery => files::list_tree(dir)?,
        Layout::Prisma => entries,
        _ => {
            files::refuse_nested(dir, &entries, layout)?;
            entries
        }
    };
    let mut left_out = Vec::new();
    let mut migrations = match layout {
        Layout::Sqlx => sqlx::read(&entries, dialect)?,
        Layout::Dbmate => dbmate::read(&entries, dialect)?,
        Layout::GolangMigrate => golang_migrate::read(&entries, dialect)?,
        Layout::Flyway => flyway::read(&entries, dialect, &mut left_out)?,
        Layout::Prisma => prisma::read(&entries, dialect)?,
        Layout::Refinery => refinery::read(&entries, dialect)?,
    };
    if migrations.is_empty() {
        return Err(Error::plan(
            dir,
            None,
            format!(
                "no {} migrations in this folder ({}); check the path and the tool named (`--from` of `cutover import`, `--layout` of `cutover lint --sql-dir`)",
                layout.name(),
                layout.pattern()
            ),
        ));
    }
    for m in &mut migrations {
        for file in std::iter::once(&m.up).chain(m.down.as_ref()) {
            split::check_terminated(&file.path, &files::read(&file.path)?, dialect)?;
        }
        wrapper::drop_outer_transaction(m, dialect)?;
    }
    migrations.sort_by(|a, b| a.version.cmp(&b.version));
    for pair in migrations.windows(2) {
        if pair[0].version.number == pair[1].version.number {
            return Err(Error::plan(
                &pair[1].up.path,
                Some(1),
                format!(
                    "duplicate version {}: {} has the same version; give one of them a new number",
                    pair[1].version,
                    pair[0].up.path.display()
                ),
            ));
        }
    }
    Ok(SqlDir {
        dir: dir.to_path_buf(),
        layout,
        migrations,
        left_out,
    })
}
