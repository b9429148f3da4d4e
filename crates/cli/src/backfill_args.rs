//! Arguments of `cutover backfill run|undo|retire|status` (re-exported by [`crate::cli`]).

use clap::{Args, Subcommand};

use crate::cli::{ConnectOnly, ConnectOpts};

/// `cutover backfill ...`.
#[derive(Debug, Subcommand)]
pub enum BackfillCommand {
    /// Run or resume backfills (all of the plan's, or the named ones), then verify them.
    Run(BackfillRunArgs),
    /// Undo a backfill: restore exactly what it overwrote from its undo log, in batches
    /// (rows changed since are left alone and listed); without a log, apply the step's
    /// `undo` expressions to the rows `undo_where` selects. Needs --yes. Resumable.
    Undo(BackfillUndoArgs),
    /// Show every backfill's checkpoint.
    Status(ConnectOnly),
    /// Retire a backfill: never run or re-verified again (given up, or finished by other means).
    Retire(BackfillRetireArgs),
}

/// How backfill batches run.
#[derive(Debug, Args, Clone)]
pub struct BatchOpts {
    /// Parallel workers over disjoint key ranges (Postgres and MySQL).
    #[arg(long, default_value_t = 1, value_parser = crate::fleet_args::at_least_one)]
    pub workers: usize,
    /// First batch size (default: the step's batch_size, else 1000).
    #[arg(long, value_name = "ROWS")]
    pub batch_size: Option<u64>,
    /// Batch duration the adaptive sizer aims at (default: 200 ms; SQLite 25 ms, where a
    /// batch holds the only write lock).
    #[arg(long, value_name = "MS")]
    pub target_batch_ms: Option<u64>,
    /// Keep the batch size fixed (it still shrinks after timeouts).
    #[arg(long)]
    pub no_adapt: bool,
    /// Upper bound on rows changed per second.
    #[arg(long, value_name = "N")]
    pub max_rows_per_second: Option<u64>,
    /// Pause between batches. Without it, SQLite pauses a quarter of each batch's time
    /// (5-100 ms) so application writers get the write lock; `--pause-ms 0` turns that off.
    #[arg(long, value_name = "MS")]
    pub pause_ms: Option<u64>,
    /// A query returning true while the backfill must wait (e.g. replica lag too high).
    #[arg(long, value_name = "SQL")]
    pub throttle_query: Option<String>,
    /// Before each batch, wait while a replica is more than SECS behind (replicas from the
    /// target's `replicas` in cutover.toml, or --replica).
    #[arg(long, value_name = "SECS")]
    pub max_replica_lag: Option<f64>,
    /// A replica to watch with --max-replica-lag (repeatable; prefer `replicas` in
    /// cutover.toml with `${VAR}` for passwords).
    #[arg(long, value_name = "URL")]
    pub replica: Vec<String>,
    /// What a replica that cannot be reached does: pause (default), fail or ignore.
    #[arg(long, value_name = "WHAT", value_parser = on_unreachable)]
    pub on_unreachable: Option<cutover_core::backfill::OnUnreachable>,
    /// Where --max-replica-lag reads the lag: auto (the replicas' URLs when any are
    /// listed, else the primary's pg_stat_replication), replicas, or primary (PostgreSQL).
    #[arg(long, value_name = "WHERE", value_parser = replica_source)]
    pub replica_source: Option<cutover_core::backfill::ReplicaSourceMode>,
    /// Seconds a batch may wait for a row lock before it is retried with a smaller batch.
    #[arg(long, value_name = "SECS", default_value_t = 2.0)]
    pub batch_lock_timeout: f64,
    /// Retries of one batch after a deadlock, a lock timeout, a serialization failure
    /// (40001) or a lost connection, with backoff, before the backfill stops.
    #[arg(long, value_name = "N", default_value_t = 8)]
    pub retries: u32,
}

/// `cutover backfill run`.
#[derive(Debug, Args)]
pub struct BackfillRunArgs {
    /// Backfill ids (default: every backfill of the plan, in order).
    pub ids: Vec<String>,
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Batch settings.
    #[command(flatten)]
    pub batch: BatchOpts,
    /// Many databases at once (`--group`, `--all-targets`).
    #[command(flatten)]
    pub fleet: crate::cli::FleetOpts,
    /// Count pending rows and show sample rows with their current and new values; write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Sample rows shown by --dry-run.
    #[arg(long, default_value_t = 5)]
    pub sample: u64,
    /// Redo every row in scope, ignoring `pending`.
    #[arg(long)]
    pub force: bool,
    /// Discard the checkpoint (needed after the definition changed).
    #[arg(long)]
    pub restart: bool,
}

/// `cutover backfill undo`.
#[derive(Debug, Args)]
pub struct BackfillUndoArgs {
    /// The backfill id.
    pub id: String,
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Batch settings.
    #[command(flatten)]
    pub batch: BatchOpts,
    /// Confirm: undo changes data.
    #[arg(long)]
    pub yes: bool,
    /// Count the rows undo would restore and leave alone; write nothing (no --yes needed).
    #[arg(long)]
    pub dry_run: bool,
}

/// `cutover backfill retire`.
#[derive(Debug, Args)]
pub struct BackfillRetireArgs {
    /// The backfill id.
    pub id: String,
    /// Where to connect.
    #[command(flatten)]
    pub connect: ConnectOpts,
    /// Why, recorded with who and when.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Confirm: the contract gate no longer waits for or re-verifies a retired backfill.
    #[arg(long)]
    pub yes: bool,
}

/// Parses `--on-unreachable`.
fn on_unreachable(s: &str) -> Result<cutover_core::backfill::OnUnreachable, String> {
    use cutover_core::backfill::OnUnreachable;
    match s {
        "pause" => Ok(OnUnreachable::Pause),
        "fail" => Ok(OnUnreachable::Fail),
        "ignore" => Ok(OnUnreachable::Ignore),
        other => Err(format!("`{other}`: expected pause, fail or ignore")),
    }
}

fn replica_source(s: &str) -> Result<cutover_core::backfill::ReplicaSourceMode, String> {
    use cutover_core::backfill::ReplicaSourceMode;
    match s {
        "auto" => Ok(ReplicaSourceMode::Auto),
        "replicas" => Ok(ReplicaSourceMode::Replicas),
        "primary" => Ok(ReplicaSourceMode::Primary),
        other => Err(format!("`{other}`: expected auto, replicas or primary")),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use crate::cli::{Cli, Command};

    use super::BackfillCommand;

    fn retries(args: &[&str]) -> u32 {
        let cli = Cli::try_parse_from(args).expect("parses");
        match cli.command {
            Command::Backfill(BackfillCommand::Run(a)) => {
                crate::commands::batch_options(&a.batch).retries
            }
            Command::Backfill(BackfillCommand::Undo(a)) => {
                crate::commands::batch_options(&a.batch).retries
            }
            other => panic!("unexpected command {other:?}"),
        }
    }

    #[test]
    fn retries_sets_the_batch_retries_and_defaults_to_eight() {
        assert_eq!(retries(&["cutover", "backfill", "run"]), 8);
        assert_eq!(
            retries(&["cutover", "backfill", "run", "--retries", "3"]),
            3
        );
        assert_eq!(
            retries(&["cutover", "backfill", "undo", "fill", "--retries", "0"]),
            0
        );
    }
}
