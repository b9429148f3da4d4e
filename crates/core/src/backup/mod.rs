//! Backups: taken through the adapters' [`Backend::backup`](crate::backend::Backend::backup),
//! described by a JSON manifest beside each file, verified against it, and restored.
//!
//! A backup `app-0003-20250101T120000123Z.dump` has its manifest in
//! `app-0003-20250101T120000123Z.dump.manifest.json`: dialect, server version, database,
//! time, the last applied migration, tables with row counts and the file's SHA-256. Both files
//! are created with mode 0600.

mod files;
mod find;
mod manifest;
mod take;
mod tenant;
mod tools;
mod verify;

use std::path::{Path, PathBuf};

pub use files::{
    create_private_file, default_file_name, failure_hint, sha256_file, unique_file_name,
};
pub use find::backups_taken_at;
pub use manifest::{MANIFEST_FORMAT, Manifest, MigrationRef, TableCount};
pub use take::{database_name, default_path, restore, take, take_tables};
pub use tools::{
    ToolOutput, ToolStreams, find_tool, missing_tool, redact_secret, run_tool, tool_failed,
    tool_version,
};
pub use verify::verify_hash;

/// What the contract gate's automatic backup covers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum BackupScope {
    /// The tables the gated migration destroys data of (a table-level dump, taken before each
    /// gated migration): fast on a large database, and restoring it does not roll back
    /// unrelated writes. A gated migration whose losses name no existing table (a contract
    /// without destructive steps, raw SQL whose target is unknown) gets a whole-database
    /// backup.
    #[default]
    DestroyedTables,
    /// The whole database, once per run before its first gated migration (`up
    /// --backup-whole-database`).
    WholeDatabase,
}

/// Whether `up` backs up the database before the first contract or destructive migration of a
/// run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum BackupPolicy {
    /// Take a backup into `dir` (created with mode 0700 if missing).
    Auto {
        /// The directory backups are written to.
        dir: PathBuf,
    },
    /// Take a backup into `.cutover/backups` beside the plan directory (the CLI's default
    /// when there is no cutover.toml).
    #[default]
    BesidePlan,
    /// Take none (`--no-backup`); the history note of each gated migration records it.
    Skip,
}

impl BackupPolicy {
    /// The directory backups go to for a plan in `plan_dir`; `None` for [`BackupPolicy::Skip`].
    pub fn dir(&self, plan_dir: &Path) -> Option<PathBuf> {
        match self {
            BackupPolicy::Auto { dir } => Some(dir.clone()),
            BackupPolicy::BesidePlan => Some(beside(plan_dir)),
            BackupPolicy::Skip => None,
        }
    }
}

/// `.cutover/backups` beside `dir` (in its parent directory).
pub fn beside(dir: &Path) -> PathBuf {
    dir.parent()
        .unwrap_or(Path::new(""))
        .join(".cutover")
        .join("backups")
}
