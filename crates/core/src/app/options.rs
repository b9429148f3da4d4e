//! Settings of a [`Migrator`](super::Migrator).

use crate::plan::Config;
use crate::runner::RunnerOptions;

/// What `up` does when the migrations it would apply have lint errors for the database's
/// dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LintGate {
    /// Apply nothing and fail with [`Error::LintFailed`](crate::Error::LintFailed), like
    /// `cutover up` (the default).
    #[default]
    Refuse,
    /// Apply anyway and report each error as a warning, like `cutover up
    /// --allow-lint-errors`.
    Warn,
}

/// Settings of a [`Migrator`](super::Migrator). The defaults are those of the CLI without
/// flags: lock wait 30 s, lint gate on, a backup before the first contract or destructive
/// migration of a run (into `.cutover/backups` beside the plan directory, relative to the
/// working directory for an embedded plan; set `runner.backup` to
/// [`BackupPolicy::Auto`](crate::backup::BackupPolicy::Auto) to choose the directory).
#[derive(Debug, Clone, Default)]
pub struct MigratorOptions {
    /// History table, lock and statement timeouts, retries, backfill batching, `phase`,
    /// backup policy: everything the CLI's flags set.
    pub runner: RunnerOptions,
    /// What `up` does about lint errors.
    pub lint: LintGate,
}

impl MigratorOptions {
    /// The defaults with the history table that `config` (a `cutover.toml`) names, so the
    /// application and the CLI read and write the same table.
    pub fn from_config(config: &Config) -> MigratorOptions {
        let mut options = MigratorOptions::default();
        options.runner.history_table = config.history_table.clone();
        options
    }
}
