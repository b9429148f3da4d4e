//! `cutover up|status --group NAME` (or `--all-targets`): the core fleet runner with one
//! live line per running database and a summary matrix at the end.

use std::io::IsTerminal;
use std::sync::Arc;

use anyhow::{Result, bail};
use cutover_core::backup::BackupPolicy;
use cutover_core::fleet::{self, FleetFlags, FleetJob, FleetReport, OpenFn};
use cutover_core::plan::FleetMember;
use cutover_core::runner::{Event, Reporter, Target};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::fleet_output::print_report;
use super::{batch_options, runner_options};
use crate::cli::{FleetOpts, StatusArgs, UpArgs};
use crate::exit::ExitCode;
use crate::project::Project;

/// The databases a fleet run covers.
pub(super) fn members(project: &Project, opts: &FleetOpts) -> Result<Vec<FleetMember>> {
    let members = match &opts.group {
        Some(name) => project.config.group_members(name)?,
        None => project.config.all_members()?,
    };
    if members.is_empty() {
        bail!(
            "the fleet is empty: the group lists no database (check its targets, file or command)"
        );
    }
    for m in &members {
        cutover_core::url::dialect_of(&m.url)
            .map_err(|e| anyhow::anyhow!("target {}: {e}", m.name))?;
    }
    Ok(members)
}

pub(super) fn open_fn() -> Arc<OpenFn> {
    Arc::new(crate::connect::open_url)
}

/// `up` on every database of the fleet.
pub(crate) async fn up(project: &Project, args: &UpArgs, json: bool) -> Result<ExitCode> {
    let options = args.fleet.options();
    options.validate(&flags("up", &args.batch))?;
    let plan = Arc::new(project.load_plan()?);
    let members = members(project, &args.fleet)?;
    // Lint once per dialect of the fleet, over the whole plan: what one target applies, a
    // newer target of the same dialect applies too.
    for d in fleet::dialects_of(&members)? {
        if let Some(code) = super::lint::gate(&plan, d, |_| true, args.allow_lint_errors, json)? {
            return Ok(code);
        }
    }
    let mut options = runner_options(project, &args.connect);
    options.backfill = batch_options(&args.batch);
    options.allow_out_of_order = args.allow_out_of_order;
    options.ignore_foreign_history = args.ignore_foreign_history;
    options.phase = args.phase;
    options.ignore_min_age = args.ignore_min_age.clone();
    options.backup = if args.no_backup {
        BackupPolicy::Skip
    } else {
        BackupPolicy::Auto {
            dir: project.backup_dir(args.backup_dir.as_deref()),
        }
    };
    let target = match &args.to {
        Some(v) => Target::Version(
            cutover_core::plan::Version::parse(v)
                .ok_or_else(|| anyhow::anyhow!("--to {v}: not a version number"))?,
        ),
        None => Target::Latest,
    };
    let job = fleet_job(plan, options, target, args.create_database);
    let report = run_lines(
        &job,
        members,
        &args.fleet,
        json,
        |job, member, line| async move { fleet::up_one(&job, &member, &*line).await },
    )
    .await;
    print_report(&report, "up", json, false)?;
    Ok(exit_code(&report))
}

/// `status` on every database of the fleet: which one is behind.
pub(crate) async fn status(project: &Project, args: &StatusArgs, json: bool) -> Result<ExitCode> {
    args.fleet.options().validate(&FleetFlags {
        command: "status",
        ..FleetFlags::default()
    })?;
    let plan = Arc::new(project.load_plan()?);
    let members = members(project, &args.fleet)?;
    let job = fleet_job(
        plan,
        runner_options(project, &args.connect),
        Target::Latest,
        false,
    );
    let report = run_lines(
        &job,
        members,
        &args.fleet,
        json,
        |job, member, _| async move { fleet::status_one(&job, &member).await },
    )
    .await;
    print_report(&report, "status", json, true)?;
    Ok(status_exit_code(&report, args.exit_code))
}

/// `status --group`: 130 interrupted, 11 a database could not be read; then, with
/// `--exit-code`, 3 when any database has pending or failed migrations (the question
/// `--exit-code` asks, so it wins over 12); then 12 when versions differ; else 0.
fn status_exit_code(report: &FleetReport, pending_code: bool) -> ExitCode {
    let code = exit_code(report);
    let readable = matches!(code, ExitCode::Success | ExitCode::FleetDiverged);
    if readable && pending_code && !report.behind.is_empty() {
        return ExitCode::Pending;
    }
    code
}

/// The flags of a fleet command that core's [`FleetOptions::validate`](cutover_core::fleet::FleetOptions::validate) checks.
pub(super) fn flags<'a>(command: &'a str, batch: &crate::cli::BatchOpts) -> FleetFlags<'a> {
    FleetFlags {
        command,
        max_replica_lag: batch
            .max_replica_lag
            .map(|s| std::time::Duration::from_secs_f64(s.max(0.0))),
        replicas: batch.replica.len(),
        workers: Some(batch.workers),
        replica_lag_per_target: false,
    }
}

/// What every target of one fleet command shares.
pub(super) fn fleet_job(
    plan: Arc<cutover_core::plan::Plan>,
    options: cutover_core::runner::RunnerOptions,
    target: Target,
    create: bool,
) -> Arc<FleetJob> {
    Arc::new(FleetJob {
        plan,
        options,
        open: open_fn(),
        target,
        create,
    })
}

/// Runs `op` on every member with one live line each, as `opts` schedules; Ctrl-C stops
/// new starts (the running databases finish, see [`ctrl_c`]).
pub(super) async fn run_lines<F, Fut>(
    job: &Arc<FleetJob>,
    members: Vec<FleetMember>,
    opts: &FleetOpts,
    json: bool,
    op: F,
) -> FleetReport
where
    F: Fn(Arc<FleetJob>, FleetMember, Arc<Line>) -> Fut,
    Fut: std::future::Future<Output = cutover_core::Result<fleet::Outcome>> + Send + 'static,
{
    let lines = Lines::new(json);
    fleet::run_until(
        members,
        opts.options(),
        |member| {
            let line = Arc::new(lines.start(&member.name));
            let work = op(job.clone(), member, line.clone());
            async move {
                let result = work.await;
                line.finish(&result);
                result.map_err(|e| e.to_string())
            }
        },
        ctrl_c(),
    )
    .await
}

/// Turns true at the first Ctrl-C (SIGINT); a second one ends the process at once (exit 130).
fn ctrl_c() -> tokio::sync::watch::Receiver<bool> {
    let (tx, rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_err() {
            return;
        }
        eprintln!(
            "interrupted: no new database starts; waiting for the running ones to finish (Ctrl-C again to abort them)"
        );
        let _ = tx.send(true);
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!(
                "aborted: the running databases were cut off; re-run the command to see where each stands"
            );
            std::process::exit(ExitCode::FleetInterrupted as i32);
        }
    });
    rx
}

/// 130: stopped by Ctrl-C; 0: all succeeded and are at one version; 11: a database failed
/// or was not started; 12: all succeeded but at different versions.
pub(super) fn exit_code(report: &FleetReport) -> ExitCode {
    if report.interrupted {
        ExitCode::FleetInterrupted
    } else if !report.all_ok() {
        ExitCode::FleetFailed
    } else if !report.converged() {
        ExitCode::FleetDiverged
    } else {
        ExitCode::Success
    }
}

/// The live lines: one per running database on a terminal (indicatif), else one line on
/// stderr per finished database (text mode only).
pub(super) struct Lines {
    multi: Option<MultiProgress>,
    json: bool,
}

impl Lines {
    pub(super) fn new(json: bool) -> Lines {
        let multi = (!json && std::io::stderr().is_terminal())
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Lines { multi, json }
    }

    pub(super) fn start(&self, name: &str) -> Line {
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            let style = ProgressStyle::with_template("{spinner} {prefix:30} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner());
            bar.set_style(style);
            bar.set_prefix(name.to_string());
            bar.set_message("connecting");
            bar.enable_steady_tick(std::time::Duration::from_millis(200));
            bar
        });
        Line {
            name: name.to_string(),
            bar,
            quiet: self.json,
        }
    }
}

/// One database's live line.
pub(super) struct Line {
    name: String,
    bar: Option<ProgressBar>,
    quiet: bool,
}

impl Line {
    pub(super) fn finish(&self, result: &cutover_core::Result<fleet::Outcome>) {
        let text = match result {
            Ok(fleet::Outcome {
                failed: Some(e),
                version,
                ..
            }) => format!(
                "FAILED at {}: {}",
                version.as_deref().unwrap_or("none"),
                first_line(e)
            ),
            Ok(o) if !o.drift.is_empty() => format!("DRIFT: {} difference(s)", o.drift.len()),
            Ok(o) => format!(
                "ok at {} (+{} applied, {} rows)",
                o.version.as_deref().unwrap_or("none"),
                o.applied,
                o.rows_changed
            ),
            Err(e) => format!("FAILED: {}", first_line(&e.to_string())),
        };
        match &self.bar {
            Some(bar) => bar.finish_with_message(text),
            None if !self.quiet => eprintln!("{}: {text}", self.name),
            None => {}
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

impl Reporter for Line {
    fn event(&self, event: &Event<'_>) {
        let Some(bar) = &self.bar else { return };
        match event {
            Event::MigrationStarted {
                label, direction, ..
            } => bar.set_message(format!("{direction} {label}")),
            Event::BackfillProgress {
                id,
                changed,
                fraction,
                ..
            } => bar.set_message(match fraction {
                Some(f) => format!("backfill {id}: {changed} rows, {:.0}%", f * 100.0),
                None => format!("backfill {id}: {changed} rows"),
            }),
            Event::Retry { message, .. } => bar.set_message(format!("retrying: {message}")),
            _ => {}
        }
    }
}
