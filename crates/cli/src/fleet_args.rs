//! Options of fleet runs: `--group NAME` / `--all-targets` with their scheduling.

use clap::Args;

/// Run on many databases at once instead of one.
#[derive(Debug, Args, Clone, Default)]
pub struct FleetOpts {
    /// Run on every database of `[groups.NAME]` in cutover.toml (instead of one database).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["database", "target", "all_targets"])]
    pub group: Option<String>,
    /// Run on every `[targets.*]` entry of cutover.toml.
    #[arg(long, conflicts_with_all = ["database", "target"])]
    pub all_targets: bool,
    /// Fleet runs: how many databases run at once.
    #[arg(long, value_name = "K", default_value_t = 4, value_parser = at_least_one)]
    pub parallel: usize,
    /// Fleet runs: run the first N databases first; if any of them fails, start no other.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub canary: usize,
    /// Fleet runs: after F failed databases start no new one (running ones finish).
    #[arg(long, value_name = "F")]
    pub max_failures: Option<usize>,
}

impl FleetOpts {
    /// Whether a fleet run was asked for.
    pub fn is_fleet(&self) -> bool {
        self.group.is_some() || self.all_targets
    }

    /// The scheduling options for the core fleet runner.
    pub fn options(&self) -> cutover_core::fleet::FleetOptions {
        cutover_core::fleet::FleetOptions {
            parallel: self.parallel,
            canary: self.canary,
            max_failures: self.max_failures.filter(|f| *f > 0),
        }
    }
}

/// A count that must be 1 or more (`--parallel`, `--workers`): 0 would run nothing.
pub(crate) fn at_least_one(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(0) => Err("0 would run nothing: give 1 or more".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(format!("not a whole number: {e}")),
    }
}
