//! Arguments of `cutover database create|drop`, `cutover schema dump|plan-format` and
//! `cutover wait` (re-exported by [`crate::cli`]).

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli::{ConnectOnly, ConnectOpts};

/// `cutover database ...`.
#[derive(Debug, Subcommand)]
pub enum DatabaseCommand {
    /// Create the database unless it exists (a SQLite file: create the file).
    Create(ConnectOnly),
    /// Drop the database (a SQLite file: remove it with its journal files); needs --yes.
    Drop(DropDatabaseArgs),
}

/// `cutover database drop`.
#[derive(Debug, Args)]
pub struct DropDatabaseArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Confirm: every table and row of the database is lost.
    #[arg(long)]
    pub yes: bool,
}

/// `cutover schema ...`.
#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    /// Write the live schema (no rows) as SQL to FILE (replaced), or to stdout.
    Dump(SchemaDumpArgs),
    /// Print the JSON Schema of migration files (or of cutover.toml: `plan-format config`),
    /// for editors that complete and check TOML (taplo, Even Better TOML). The same files are
    /// in docs/schema/; point a file at one with a first line `#:schema ./path/to/it.json`.
    PlanFormat(PlanFormatArgs),
}

/// `cutover schema plan-format`.
#[derive(Debug, Args)]
pub struct PlanFormatArgs {
    /// Which file format: migration files or cutover.toml.
    #[arg(value_enum, value_name = "FILE", default_value_t = PlanFormatFile::Migration)]
    pub file: PlanFormatFile,
}

/// The file formats `schema plan-format` describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PlanFormatFile {
    /// A migration file (docs/schema/migration.schema.json).
    Migration,
    /// cutover.toml (docs/schema/cutover.schema.json).
    Config,
}

/// `cutover schema dump`.
#[derive(Debug, Args)]
pub struct SchemaDumpArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// The file to write (default: stdout).
    #[arg(value_name = "FILE")]
    pub file: Option<PathBuf>,
}

/// `cutover wait`.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Give up after this many seconds (exit code 1).
    #[arg(long, value_name = "SECS", default_value_t = 60.0)]
    pub timeout: f64,
}
