//! The `cutover` command-line tool as a library: argument parsing, connecting by URL, and
//! the commands. The binary in `main.rs` only calls [`run`].

pub mod adopt_args;
pub mod archive;
pub mod backfill_args;
pub mod backup_args;
pub mod cli;
pub mod commands;
pub mod connect;
pub mod exit;
pub mod fleet_args;
pub mod lifecycle_args;
pub mod project;
pub mod stdout;

pub use cli::Cli;
pub use exit::{ExitCode, run};
