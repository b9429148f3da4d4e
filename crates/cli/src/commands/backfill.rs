//! `cutover backfill run | undo | status` (`retire` is in retire.rs).

use anyhow::{Result, bail};
use cutover_core::backfill::{BackfillScope, BackfillSpec, dry_run};
use cutover_core::runner::Runner;

use super::output::Printer;
use super::{batch_options, connector, open, runner_options};
use crate::cli::{BackfillCommand, BackfillRunArgs, BackfillUndoArgs, ConnectOpts};
use crate::exit::ExitCode;
use crate::project::Project;

/// Dispatches the backfill subcommands.
pub(crate) async fn run(project: &Project, cmd: BackfillCommand, json: bool) -> Result<ExitCode> {
    match cmd {
        BackfillCommand::Run(args) => run_backfills(project, &args, json).await,
        BackfillCommand::Undo(args) => undo(project, &args, json).await,
        BackfillCommand::Status(args) => status(project, &args.connect, json).await,
        BackfillCommand::Retire(args) => super::retire::retire(project, &args, json).await,
    }
}

async fn run_backfills(project: &Project, args: &BackfillRunArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    if args.ids.is_empty()
        && BackfillSpec::all(&plan, &scope_of(project, &args.connect))?.is_empty()
    {
        bail!("the plan has no backfill steps");
    }
    let url = project.database_url(&args.connect)?;
    let mut backend = open(project, &args.connect).await?;
    let mut docs = Vec::new();
    let printer = Printer::new(json);
    // Without ids: every backfill that is not retired. Named: a retired one is refused.
    let ids: Vec<String> = {
        let mut runner = Runner::new(
            backend.as_mut(),
            &plan,
            runner_options(project, &args.connect),
            &printer,
        );
        if args.ids.is_empty() {
            let mut ids = Vec::new();
            for st in runner.backfill_status().await? {
                if st.retired.is_none() {
                    // A backfill whose earlier migrations are not applied waits for `up`.
                    let missing = runner.backfill_blockers(&st.id).await?;
                    if missing.is_empty() {
                        ids.push(st.id);
                    } else {
                        if !json {
                            crate::outln!(
                                "backfill {}: skipped, {} not applied yet (run `cutover up` first)",
                                st.id,
                                missing.join(", ")
                            );
                        }
                        docs.push(serde_json::json!({ "id": st.id, "skipped": { "not_applied": missing } }));
                    }
                    continue;
                }
                if !json {
                    crate::outln!("{}", super::retire::skipped_line(&st));
                }
                docs.push(serde_json::json!({ "id": st.id, "skipped": st.retired }));
            }
            ids
        } else {
            for id in &args.ids {
                runner.ensure_not_retired(id, args.restart).await?;
                runner.ensure_backfill_ready(id).await?;
            }
            args.ids.clone()
        }
    };
    if args.dry_run {
        for id in &ids {
            let spec = BackfillSpec::find_on(
                &plan,
                id,
                Some(backend.dialect()),
                &scope_of(project, &args.connect),
            )?;
            let preview = dry_run(backend.as_mut(), &spec, args.sample).await?;
            if !json {
                crate::outln!("backfill {id}: {} rows pending", preview.pending);
                crate::outln!("  {}", preview.columns.join(" | "));
                for row in &preview.samples {
                    let cells: Vec<String> = row
                        .iter()
                        .map(|v| v.clone().unwrap_or_else(|| "NULL".into()))
                        .collect();
                    crate::outln!("  {}", cells.join(" | "));
                }
            }
            docs.push(serde_json::to_value(&preview)?);
        }
        if json {
            crate::outln!("{}", serde_json::json!({ "ok": true, "dry_run": docs }));
        }
        backend.close().await?;
        return Ok(ExitCode::Success);
    }
    let mut options = runner_options(project, &args.connect);
    options.backfill = batch_options(&args.batch);
    super::replicas::apply(project, &args.connect, &args.batch, &mut options.backfill)?;
    options.backfill.force = args.force;
    options.backfill.restart = args.restart;
    let connect = connector(url);
    let mut incomplete = false;
    {
        let mut runner = Runner::new(backend.as_mut(), &plan, options, &printer)
            .with_connector(connect.as_ref());
        for id in &ids {
            let outcome = runner.backfill(id).await?;
            let r = &outcome.report;
            if !json {
                crate::outln!(
                    "backfill {id}: {} - {} rows scanned, {} changed, {} batches, {} retries, {} parts, {} ms ({} ms/row), {}",
                    r.outcome,
                    r.rows_scanned,
                    r.rows_changed,
                    r.batches,
                    r.retries,
                    r.parts,
                    r.duration_ms,
                    super::output::per_row(r.ms_per_row),
                    if outcome.complete {
                        "verified: complete".to_string()
                    } else if !outcome.waiting_for.is_empty() {
                        format!(
                            "verification waits for backfill {} of the same migration",
                            outcome.waiting_for.join(", ")
                        )
                    } else {
                        "verification FAILED".to_string()
                    }
                );
            }
            incomplete |= !outcome.complete && outcome.waiting_for.is_empty();
            docs.push(serde_json::to_value(&outcome)?);
        }
    }
    backend.close().await?;
    if json {
        crate::outln!(
            "{}",
            serde_json::json!({ "ok": !incomplete, "backfills": docs })
        );
    }
    Ok(if incomplete {
        ExitCode::CheckFailed
    } else {
        ExitCode::Success
    })
}

async fn undo(project: &Project, args: &BackfillUndoArgs, json: bool) -> Result<ExitCode> {
    if args.dry_run {
        return undo_dry_run(project, args, json).await;
    }
    if !args.yes {
        bail!(
            "`backfill undo` changes data: run it again with --yes (or with --dry-run to count what it would restore)"
        );
    }
    let plan = project.load_plan()?;
    let url = project.database_url(&args.connect)?;
    let mut backend = open(project, &args.connect).await?;
    let mut options = runner_options(project, &args.connect);
    options.backfill = batch_options(&args.batch);
    super::replicas::apply(project, &args.connect, &args.batch, &mut options.backfill)?;
    let printer = Printer::new(json);
    let connect = connector(url);
    let report = Runner::new(backend.as_mut(), &plan, options, &printer)
        .with_connector(connect.as_ref())
        .undo_backfill(&args.id)
        .await;
    backend.close().await?;
    let report = report?;
    if json {
        crate::outln!("{}", serde_json::json!({ "ok": true, "undo": report }));
    } else {
        for line in super::undo_text::undo_lines(&report) {
            crate::outln!("{line}");
        }
    }
    Ok(ExitCode::Success)
}

/// `backfill undo --dry-run`: counts, writes nothing.
async fn undo_dry_run(project: &Project, args: &BackfillUndoArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = super::open_existing(project, &args.connect).await?;
    let printer = Printer::new(json);
    let preview = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    )
    .preview_undo(&args.id)
    .await;
    backend.close().await?;
    let preview = preview?;
    if json {
        crate::outln!(
            "{}",
            serde_json::json!({ "ok": true, "undo_dry_run": preview })
        );
    } else {
        for line in super::undo_text::preview_lines(&preview) {
            crate::outln!("{line}");
        }
    }
    Ok(ExitCode::Success)
}

async fn status(project: &Project, opts: &ConnectOpts, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = super::open_existing(project, opts).await?;
    let printer = Printer::new(json);
    let list = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, opts),
        &printer,
    )
    .backfill_status()
    .await?;
    backend.close().await?;
    if json {
        crate::outln!("{}", serde_json::json!({ "ok": true, "backfills": list }));
    } else {
        crate::outln!(
            "{:<28} {:<12} {:>12} {:>8}  MIGRATION",
            "BACKFILL",
            "STATE",
            "ROWS",
            "BATCHES"
        );
        for b in &list {
            crate::outln!(
                "{:<28} {:<12} {:>12} {:>8}  {}",
                b.id,
                b.state,
                b.rows_changed,
                b.batches,
                b.migration
            );
            if let Some(r) = &b.retired {
                crate::outln!("{:<28} {r}", "");
            }
            if !matches!(b.state.as_str(), "complete" | "retired") {
                for part in &b.ranges {
                    crate::outln!("{:<28} {part}", "");
                }
            }
            if b.state == "undoing" {
                crate::outln!(
                    "{:<28} undo in progress (or interrupted): `cutover backfill undo {} --yes` finishes it",
                    "",
                    b.id
                );
            }
            let trigger = b.sync_trigger.as_deref().unwrap_or_default();
            if b.sync_active {
                crate::outln!("{:<28} sync trigger active ({trigger})", "");
            }
            if b.sync_missing {
                crate::outln!(
                    "{:<28} sync trigger MISSING ({trigger}): `cutover backfill run {id}` installs it again",
                    "",
                    id = b.id
                );
            }
            if b.sync_altered {
                crate::outln!(
                    "{:<28} sync trigger ALTERED ({trigger}): not the plan's definition; `cutover backfill run {id}` installs it again",
                    "",
                    id = b.id
                );
            }
            if let Some(n) = b.undo_log_rows {
                crate::outln!("{:<28} undo log: {n} rows", "");
            }
            if let Some(t) = &b.undo_capture_trigger {
                crate::outln!(
                    "{:<28} undo log trigger {t} on the table (a run in progress, or left by a stopped one; {} removes it)",
                    "",
                    super::status::trigger_remedy(b)
                );
            }
        }
    }
    Ok(ExitCode::Success)
}

/// The backfill scope of the history table `connect` selects (`--history-table`, else
/// cutover.toml's).
fn scope_of(project: &Project, connect: &ConnectOpts) -> BackfillScope {
    BackfillScope::of(&project.history_table(connect))
}
