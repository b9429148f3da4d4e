//! `cutover up`, `down`, `baseline` and `repair`.

use std::collections::BTreeSet;

use anyhow::{Result, anyhow, bail};
use cutover_core::backup::{BackupPolicy, BackupScope};
use cutover_core::plan::{Migration, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_core::url::{dialect_of, is_missing_file};

use super::output::{Printer, print_run};
use super::{batch_options, connector, open, runner_options};
use crate::cli::{BaselineArgs, ConnectOpts, DownArgs, UpArgs};
use crate::exit::ExitCode;
use crate::project::Project;

fn parse_version(s: &str, flag: &str) -> Result<Version> {
    Version::parse(s).ok_or_else(|| anyhow!("{flag} {s}: not a version number"))
}

/// `cutover up`: lints the migrations it will run (the pending ones, with the applied ones
/// as context) for the database's dialect first and applies nothing when they have errors
/// (unless `--allow-lint-errors`). Reading the history creates nothing; a SQLite file that
/// does not exist yet is not even opened before the lint passes.
pub(crate) async fn up(project: &Project, args: &UpArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let url = project.database_url(&args.connect)?;
    let dialect = dialect_of(&url)?;
    let target = match &args.to {
        Some(v) => Target::Version(parse_version(v, "--to")?),
        None => Target::Latest,
    };
    // A database `--create-database` may create, or a SQLite file not made yet, has nothing
    // applied: lint everything, and create or open nothing before the lint passes.
    let (backend, done) = if args.create_database || is_missing_file(&url) {
        (None, BTreeSet::new())
    } else {
        let mut backend = open(project, &args.connect).await?;
        let done = Runner::new(
            backend.as_mut(),
            &plan,
            runner_options(project, &args.connect),
            &Silent,
        )
        .done_versions()
        .await;
        (Some(backend), done)
    };
    // `--to V` runs nothing after V: only the migrations this run applies can stop it.
    let limit = match &target {
        Target::Version(v) => v.number,
        Target::Latest => u64::MAX,
    };
    let pending = |m: &Migration| !done.contains(&m.version.number) && m.version.number <= limit;
    if !json {
        let later = |m: &Migration| !done.contains(&m.version.number) && m.version.number > limit;
        super::lint::note_later(&plan, dialect, later);
    }
    if let Some(code) = super::lint::gate(&plan, dialect, pending, args.allow_lint_errors, json)? {
        if let Some(b) = backend {
            let _ = b.close().await;
        }
        return Ok(code);
    }
    if args.create_database {
        super::database::ensure(&url, json).await?;
    }
    let mut backend = match backend {
        Some(b) => b,
        None => open(project, &args.connect).await?,
    };
    let mut options = runner_options(project, &args.connect);
    // Backfill steps of `up` run with the same batch and throttle settings as `backfill run`.
    options.backfill = batch_options(&args.batch);
    super::replicas::apply(project, &args.connect, &args.batch, &mut options.backfill)?;
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
    if args.backup_whole_database {
        options.backup_scope = BackupScope::WholeDatabase;
    }
    let printer = Printer::new(json);
    let connect = connector(url);
    let report = Runner::new(backend.as_mut(), &plan, options, &printer)
        .with_connector(connect.as_ref())
        .up(target)
        .await;
    let _ = backend.close().await;
    print_run(&report?, "apply", json)?;
    Ok(ExitCode::Success)
}

/// `cutover down`.
pub(crate) async fn down(project: &Project, args: &DownArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let target = match (&args.to, args.steps) {
        (Some(v), _) => DownTarget::Version(parse_version(v, "--to")?),
        (None, Some(0)) => bail!("--steps must be at least 1"),
        (None, Some(n)) => DownTarget::Steps(n),
        (None, None) => DownTarget::Steps(1),
    };
    let mut backend = open(project, &args.connect).await?;
    let printer = Printer::new(json);
    let options = RunnerOptions {
        revert_data_loss: args.allow_data_loss,
        ..runner_options(project, &args.connect)
    };
    let report = Runner::new(backend.as_mut(), &plan, options, &printer)
        .down(target)
        .await;
    let _ = backend.close().await;
    print_run(&report?, "revert", json)?;
    Ok(ExitCode::Success)
}

/// `cutover baseline VERSION`.
pub(crate) async fn baseline(
    project: &Project,
    args: &BaselineArgs,
    json: bool,
) -> Result<ExitCode> {
    if args.dry_run {
        bail!(
            "--dry-run previews `baseline --from-history` only; `baseline VERSION` marks every migration up to VERSION (see them with `cutover status`)"
        );
    }
    if args.generate {
        return super::generate::baseline_generate(project, args, json).await;
    }
    let plan = project.load_plan()?;
    let Some(version) = &args.version else {
        bail!("baseline needs a VERSION (or --from-history, or --generate)");
    };
    let version = parse_version(version, "baseline")?;
    let mut backend = open(project, &args.connect).await?;
    let printer = Printer::new(json);
    let marked = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    )
    .baseline(version)
    .await;
    let _ = backend.close().await;
    let marked = marked?;
    if json {
        let doc = serde_json::json!({ "ok": true, "baselined": marked });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let list: Vec<String> = marked.iter().map(|v| v.to_string()).collect();
        crate::outln!("baselined {} migrations: {}", marked.len(), list.join(", "));
    }
    Ok(ExitCode::Success)
}

/// `cutover repair`.
pub(crate) async fn repair(project: &Project, opts: &ConnectOpts, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = open(project, opts).await?;
    let printer = Printer::new(json);
    let changes = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, opts),
        &printer,
    )
    .repair()
    .await;
    let _ = backend.close().await;
    let changes = changes?;
    if json {
        let doc = serde_json::json!({ "ok": true, "changes": changes });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else if changes.is_empty() {
        crate::outln!("nothing to repair");
    } else {
        for c in &changes {
            crate::outln!("{c}");
        }
    }
    Ok(ExitCode::Success)
}
