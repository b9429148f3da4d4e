//! Exit codes and the top-level error printer.

use clap::Parser;
use cutover_core::Error;

use crate::cli::Cli;

/// The documented exit codes of `cutover`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum ExitCode {
    /// Everything succeeded.
    Success = 0,
    /// Any error not covered below.
    Error = 1,
    /// Bad command-line usage (clap's own code).
    Usage = 2,
    /// `status --exit-code`: migrations are pending.
    Pending = 3,
    /// The migration lock was held by another run past `--lock-timeout`, or another run
    /// took it over while this one worked.
    Locked = 4,
    /// A check failed (precondition halted or verification failed), or the contract gate
    /// refused a migration because a backfill before it is not complete and verified, or a
    /// migration's `min_age` soak time has not passed yet.
    CheckFailed = 5,
    /// An applied migration's checksum no longer matches its file.
    ChecksumMismatch = 6,
    /// `cutover lint` found errors, or `cutover up` refused because of them.
    LintFailed = 7,
    /// `cutover drift` found differences.
    Drift = 8,
    /// `cutover test` found a failure.
    TestFailed = 9,
    /// `backfill run` / `backfill undo` named a retired backfill.
    Retired = 10,
    /// A fleet run (`--group`, `--all-targets`): a database failed or was never started.
    FleetFailed = 11,
    /// A fleet run: every database succeeded, but they are not all at the same version.
    FleetDiverged = 12,
    /// A fleet run stopped by Ctrl-C (SIGINT): no new database was started, the running
    /// ones finished, and the summary lists what ran (128 + SIGINT, as shells report it).
    FleetInterrupted = 130,
}

impl ExitCode {
    /// The exit code for an error.
    pub fn for_error(err: &anyhow::Error) -> ExitCode {
        match err.downcast_ref::<Error>().map(|e| e.root()) {
            Some(Error::Locked { .. } | Error::LockLost { .. }) => ExitCode::Locked,
            Some(Error::CheckFailed { .. } | Error::GateRefused { .. } | Error::SoakPending(_)) => {
                ExitCode::CheckFailed
            }
            Some(Error::ChecksumMismatch { .. }) => ExitCode::ChecksumMismatch,
            Some(Error::BackfillRetired { .. }) => ExitCode::Retired,
            Some(Error::LintFailed { .. }) => ExitCode::LintFailed,
            _ => ExitCode::Error,
        }
    }
}

/// Parses the command line, runs the command, prints errors, and returns the exit code.
pub fn run() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_tracing(cli.global.verbose);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return std::process::ExitCode::from(ExitCode::Error as u8);
        }
    };
    let json = cli.global.json;
    let code = match runtime.block_on(crate::commands::dispatch(cli)) {
        Ok(code) => code,
        Err(err) => {
            let code = ExitCode::for_error(&err);
            if json {
                let mut doc = serde_json::json!({
                    "ok": false,
                    "error": format!("{err:#}"),
                    "exit_code": code as u8,
                });
                if let Some(Error::SoakPending(r)) = err.downcast_ref::<Error>().map(|e| e.root()) {
                    doc["soak"] = soak_json(r);
                }
                crate::outln!("{doc}");
            } else {
                eprintln!("error: {err:#}");
            }
            code
        }
    };
    std::process::ExitCode::from(code as u8)
}

/// The structured form of a soak refusal for `up --json`.
fn soak_json(r: &cutover_core::runner::SoakRefusal) -> serde_json::Value {
    serde_json::json!({
        "migration": r.migration,
        "waiting_for": r.after,
        "since": r.since,
        "min_age": r.min_age,
        "min_age_secs": r.min_age_secs,
        "remaining_secs": r.left_secs,
        "remaining": cutover_core::plan::format_duration(r.left_secs),
        "ready_at": r.ready_at,
        "location": r.location,
    })
}

fn init_tracing(verbose: bool) {
    let default = if verbose { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .without_time()
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_taken_over_exits_like_a_held_lock() {
        let lost = Error::LockLost {
            key: "cutover:cutover_history".into(),
            detail: "before writing history entry 0002".into(),
        }
        .context("migration 0002 (double)");
        assert_eq!(
            ExitCode::for_error(&anyhow::Error::new(lost)),
            ExitCode::Locked
        );
        let recorded = Error::AlreadyRecorded {
            table: "cutover_history".into(),
            version: "0002".into(),
            state: "applied".into(),
        };
        assert_eq!(
            ExitCode::for_error(&anyhow::Error::new(recorded)),
            ExitCode::Error
        );
    }
}
