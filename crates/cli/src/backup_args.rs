//! Arguments of `cutover backup`, `cutover backup verify` and `cutover restore` (re-exported
//! by [`crate::cli`]).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use cutover_core::plan::Phase;

use crate::cli::ConnectOpts;

/// `cutover backup [--output PATH]`, or `cutover backup verify PATH`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct BackupArgs {
    /// `verify PATH` checks a backup instead of taking one.
    #[command(subcommand)]
    pub command: Option<BackupCommand>,
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// The backup file to write (default: <backup dir>/<database>-<last applied
    /// version>-<time>.<ext>); it must not exist.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
    /// The directory of the default file name (default: .cutover/backups beside cutover.toml,
    /// else beside the plan directory).
    #[arg(long, value_name = "DIR", conflicts_with = "output")]
    pub backup_dir: Option<PathBuf>,
}

/// `cutover backup ...`.
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Check a backup against its manifest (size, SHA-256) and that the database's own tools
    /// read it (Postgres: `pg_restore --list`).
    Verify(BackupVerifyArgs),
}

/// `cutover backup verify`.
#[derive(Debug, Args)]
pub struct BackupVerifyArgs {
    /// The backup file (its manifest is `<PATH>.manifest.json`).
    pub path: PathBuf,
}

/// `cutover restore PATH --yes` or `cutover restore --before VERSION --yes`.
#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore.
    #[arg(required_unless_present = "before", conflicts_with = "before")]
    pub path: Option<PathBuf>,
    /// Restore the backup the history records as taken before migration VERSION.
    #[arg(long, value_name = "VERSION")]
    pub before: Option<String>,
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Confirm: the database's contents are replaced by the backup's.
    #[arg(long)]
    pub yes: bool,
}

/// Parses `--phase`: `expand`, `backfill` or `contract`.
pub fn parse_phase(s: &str) -> Result<Phase, String> {
    match s.to_ascii_lowercase().as_str() {
        "expand" => Ok(Phase::Expand),
        "backfill" => Ok(Phase::Backfill),
        "contract" => Ok(Phase::Contract),
        _ => Err(format!(
            "unknown phase `{s}`; expected expand, backfill or contract"
        )),
    }
}
