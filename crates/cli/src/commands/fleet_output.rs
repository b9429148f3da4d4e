//! The summary of a fleet run: a matrix (database x state, version, pending, applied, rows,
//! time, error; `drift` adds a DRIFT column) as text, then each database's warnings and
//! backups, or one JSON document.

use anyhow::Result;
use cutover_core::fleet::{FleetReport, TargetStatus};

/// Prints the summary; `status` shows pending counts and which databases are behind.
pub(crate) fn print_report(
    report: &FleetReport,
    command: &str,
    json: bool,
    status: bool,
) -> Result<()> {
    if json {
        let mut doc = serde_json::to_value(report)?;
        if let Some(obj) = doc.as_object_mut() {
            obj.insert("command".into(), command.into());
            obj.insert("converged".into(), report.converged().into());
        }
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    let width = report
        .targets
        .iter()
        .map(|t| t.target.len())
        .max()
        .unwrap_or(6)
        .max(6);
    // `drift`: how many differences each database has (`-`: not checked).
    let drift_col = |t: &cutover_core::fleet::TargetResult| match (command, t.status) {
        ("drift", TargetStatus::Ok) if t.drift.is_empty() => "none  ".to_string(),
        ("drift", TargetStatus::Ok) => format!("{:<6}", t.drift.len()),
        ("drift", _) => "-     ".to_string(),
        _ => String::new(),
    };
    let drift_head = if command == "drift" { "DRIFT " } else { "" };
    crate::outln!(
        "{:<width$}  {:<11}  {drift_head}{:<10}  {:>7}  {:>7}  {:>9}  {:>7}  ERROR",
        "TARGET",
        "STATE",
        "VERSION",
        "PENDING",
        "APPLIED",
        "ROWS",
        "TIME"
    );
    for t in &report.targets {
        let state = match t.status {
            TargetStatus::Ok if t.canary => "ok (canary)",
            // A migration failed or stopped half-way (`status` shows it; `up` fails instead).
            TargetStatus::Ok if t.failed_entries > 0 => "PARTIAL",
            TargetStatus::Ok => "ok",
            TargetStatus::Failed => "FAILED",
            TargetStatus::NotStarted => "not started",
        };
        let pending = t
            .pending
            .map(|p| p.to_string())
            .unwrap_or_else(|| "-".into());
        crate::outln!(
            "{:<width$}  {:<11}  {}{:<10}  {:>7}  {:>7}  {:>9}  {:>6.1}s  {}",
            t.target,
            state,
            drift_col(t),
            t.version.as_deref().unwrap_or("-"),
            pending,
            t.applied,
            t.rows_changed,
            t.seconds,
            t.error
                .as_deref()
                .map(|e| e.lines().next().unwrap_or_default())
                .unwrap_or_default()
        );
    }
    crate::outln!();
    for t in &report.targets {
        for w in &t.warnings {
            crate::outln!("warning {}: {w}", t.target);
        }
        for b in &t.backups {
            crate::outln!("backup {}: {b}", t.target);
        }
    }
    crate::outln!(
        "{} databases: {} ok, {} failed, {} not started; versions: {}",
        report.targets.len(),
        report.ok,
        report.failed,
        report.not_started,
        if report.versions.is_empty() {
            "none".to_string()
        } else {
            report.versions.join(", ")
        }
    );
    if let Some(why) = &report.stopped {
        crate::outln!("stopped: {why}");
    }
    if report.interrupted {
        crate::outln!(
            "interrupted: the summary above is what ran; re-run the same command to continue"
        );
        return Ok(());
    }
    if status && !report.behind.is_empty() {
        crate::outln!(
            "behind (pending or failed migrations, or unreachable): {}",
            report.behind.join(", ")
        );
    }
    // `up`/`status` aim at one version; `backfill run`/`drift` only at every database succeeding.
    let unfinished = match command {
        "up" | "status" => !report.converged(),
        _ => !report.all_ok(),
    };
    if unfinished {
        crate::outln!("{}", next_step(command, report));
    }
    Ok(())
}

/// What to do after a fleet run that did not finish: `up` and `backfill run` resume where
/// each database stands; `status` and `drift` only read, so there is nothing to resume.
fn next_step(command: &str, report: &FleetReport) -> &'static str {
    match command {
        "up" | "backfill run" => {
            "re-run the same command to continue: each database resumes where it stands"
        }
        _ if !report.all_ok() => {
            "fix what the ERROR column says for the failed databases, then run it again"
        }
        _ => "run `cutover up` on the same group to bring every database to the newest version",
    }
}
