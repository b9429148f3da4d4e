//! The one place that decides which options a fleet run accepts: scheduling values and the
//! per-database flags a fleet does not apply (replica lag watching). Every fleet command
//! asks [`FleetOptions::validate`] before it starts a target.

use std::time::Duration;

use super::FleetOptions;
use crate::error::{Error, Result};

/// What a fleet command was asked for beyond scheduling.
#[derive(Debug, Clone, Copy, Default)]
pub struct FleetFlags<'a> {
    /// The command, for messages (`up`, `backfill run`, ...).
    pub command: &'a str,
    /// `--max-replica-lag`.
    pub max_replica_lag: Option<Duration>,
    /// `--replica URL`s (never printed: they may hold passwords).
    pub replicas: usize,
    /// `--workers`, when the command takes it.
    pub workers: Option<usize>,
    /// The command watches each target's own replicas (from cutover.toml) when
    /// `--max-replica-lag` is given (`backfill run --group`).
    pub replica_lag_per_target: bool,
}

impl FleetOptions {
    /// Refuses what a fleet run cannot honour: `parallel` 0, `workers` 0, `--replica`
    /// (a replica of one database: fleets list each target's replicas in cutover.toml),
    /// and `--max-replica-lag` on commands that do not watch each target's replicas.
    pub fn validate(&self, flags: &FleetFlags<'_>) -> Result<()> {
        if self.parallel == 0 {
            return Err(Error::Other(
                "--parallel 0 would start no database: give 1 or more".into(),
            ));
        }
        if flags.workers == Some(0) {
            return Err(Error::Other(
                "--workers 0 would run no batch: give 1 or more".into(),
            ));
        }
        if flags.replicas > 0 {
            return Err(Error::Other(
                "--replica names a replica of one database: with --group, list each target's replicas in cutover.toml (`[targets.NAME] replicas = [...]`), or run that target with --target".into(),
            ));
        }
        if flags.max_replica_lag.is_some() && !flags.replica_lag_per_target {
            return Err(Error::Other(format!(
                "--max-replica-lag/--replica watch the replicas of one database and are not applied by `{} --group` yet: run each target with --target, or use --throttle-query with --group",
                flags.command
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(options: FleetOptions, flags: FleetFlags<'_>) -> String {
        options
            .validate(&flags)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn zero_values_and_replica_flags_are_refused() {
        let up = FleetFlags {
            command: "up",
            ..FleetFlags::default()
        };
        assert!(FleetOptions::default().validate(&up).is_ok());
        let zero = FleetOptions {
            parallel: 0,
            ..FleetOptions::default()
        };
        assert!(refused(zero, up).contains("--parallel 0"));
        let workers = FleetFlags {
            workers: Some(0),
            ..up
        };
        assert!(refused(FleetOptions::default(), workers).contains("--workers 0"));
        let lag = FleetFlags {
            command: "backfill run",
            max_replica_lag: Some(Duration::from_secs(1)),
            ..FleetFlags::default()
        };
        assert!(refused(FleetOptions::default(), lag).contains("`backfill run --group`"));
        let watched = FleetFlags {
            replica_lag_per_target: true,
            ..lag
        };
        assert!(FleetOptions::default().validate(&watched).is_ok());
        let replica = FleetFlags { replicas: 1, ..up };
        assert!(refused(FleetOptions::default(), replica).contains("--replica"));
    }
}
