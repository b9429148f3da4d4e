//! `cutover backfill run|drift|lint --group NAME` (or `--all-targets`): the core fleet runner
//! with the same live lines, summary matrix and exit codes as `up --group`.

use std::sync::Arc;

use anyhow::{Result, bail};
use cutover_core::Dialect;
use cutover_core::backfill::{BackfillScope, BackfillSpec};
use cutover_core::fleet::{self, FleetFlags, FleetReport};
use cutover_core::runner::Target;

use super::fleet::{flags, fleet_job, members, run_lines};
use super::fleet_output::print_report;
use super::{batch_options, runner_options};
use crate::cli::{BackfillRunArgs, DriftArgs, FleetOpts, LintArgs};
use crate::exit::ExitCode;
use crate::project::Project;

/// `backfill run` on every database of the fleet: each runs its backfills to the end and
/// verifies them; a failed verification fails that database (exit 11).
pub(crate) async fn backfill(
    project: &Project,
    args: &BackfillRunArgs,
    json: bool,
) -> Result<ExitCode> {
    if args.dry_run {
        bail!(
            "`backfill run --dry-run` shows sample rows of one database: run it with --target NAME (or --database URL) for one member of the group"
        );
    }
    args.fleet.options().validate(&FleetFlags {
        replica_lag_per_target: true,
        ..flags("backfill run", &args.batch)
    })?;
    let plan = Arc::new(project.load_plan()?);
    if args.ids.is_empty()
        && BackfillSpec::all(&plan, &BackfillScope::of(&project.config.history_table))?.is_empty()
    {
        bail!("the plan has no backfill steps");
    }
    let members = members(project, &args.fleet)?;
    let mut options = runner_options(project, &args.connect);
    options.backfill = batch_options(&args.batch);
    options.backfill.force = args.force;
    options.backfill.restart = args.restart;
    let job = fleet_job(plan, options, Target::Latest, false);
    // --max-replica-lag: every target watches its own replicas (settled before any runs).
    let jobs = Arc::new(super::fleet_replicas::jobs(
        project,
        &members,
        &args.batch,
        &job,
    )?);
    let ids = Arc::new(args.ids.clone());
    let report = run_lines(&job, members, &args.fleet, json, |job, member, line| {
        let job = super::fleet_replicas::job_of(&jobs, &member, &job);
        let ids = ids.clone();
        async move { fleet::backfill_one(&job, &member, &ids, &*line).await }
    })
    .await;
    print_report(&report, "backfill run", json, false)?;
    print_notes(&report, json);
    // Backfills do not move versions: only failures count.
    Ok(if report.interrupted {
        ExitCode::FleetInterrupted
    } else if report.all_ok() {
        ExitCode::Success
    } else {
        ExitCode::FleetFailed
    })
}

/// `drift` on every database of the fleet. Exit code: 11 when a database failed or was not
/// checked, else 8 (the single-database drift code) when any database drifted, else 0.
pub(crate) async fn drift(project: &Project, args: &DriftArgs, json: bool) -> Result<ExitCode> {
    args.fleet.options().validate(&FleetFlags {
        command: "drift",
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
        |job, member, _| async move { fleet::drift_one(&job, &member).await },
    )
    .await;
    print_report(&report, "drift", json, false)?;
    if !json {
        for t in &report.targets {
            for d in &t.drift {
                crate::outln!("drift {}: {d}", t.target);
            }
        }
        if report.drifted.is_empty() {
            crate::outln!("no drift on any database that was checked");
        } else {
            crate::outln!(
                "{} database(s) drifted: {}",
                report.drifted.len(),
                report.drifted.join(", ")
            );
        }
    }
    Ok(drift_exit(&report))
}

fn drift_exit(report: &FleetReport) -> ExitCode {
    if report.interrupted {
        ExitCode::FleetInterrupted
    } else if !report.all_ok() {
        ExitCode::FleetFailed
    } else if !report.drifted.is_empty() {
        ExitCode::Drift
    } else {
        ExitCode::Success
    }
}

/// `lint --group`/`--all-targets`: the dialects of the fleet (each linted once) and, for the
/// output, which databases each dialect covers. `None` without those options.
pub(crate) fn lint_dialects(
    project: &Project,
    args: &LintArgs,
) -> Result<Option<(Vec<Dialect>, serde_json::Value)>> {
    if args.group.is_none() && !args.all_targets {
        return Ok(None);
    }
    let opts = FleetOpts {
        group: args.group.clone(),
        all_targets: args.all_targets,
        ..FleetOpts::default()
    };
    let members = members(project, &opts)?;
    let dialects = fleet::dialects_of(&members)?;
    let mut by_dialect = serde_json::Map::new();
    for d in &dialects {
        let names: Vec<&str> = members
            .iter()
            .filter(|m| cutover_core::url::dialect_of(&m.url).ok() == Some(*d))
            .map(|m| m.name.as_str())
            .collect();
        by_dialect.insert(d.to_string(), serde_json::json!(names));
    }
    Ok(Some((dialects, serde_json::Value::Object(by_dialect))))
}

/// The text line naming the dialects a fleet lint covered and their databases.
pub(crate) fn lint_line(by_dialect: &serde_json::Value) -> String {
    let parts: Vec<String> = by_dialect
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(d, names)| {
                    let n = names.as_array().map(|a| a.len()).unwrap_or_default();
                    format!("{d} ({n} database{})", if n == 1 { "" } else { "s" })
                })
                .collect()
        })
        .unwrap_or_default();
    format!("linted once per dialect of the fleet: {}", parts.join(", "))
}

fn print_notes(report: &FleetReport, json: bool) {
    if json {
        return;
    }
    for t in &report.targets {
        for n in &t.notes {
            crate::outln!("{}: {n}", t.target);
        }
    }
}
