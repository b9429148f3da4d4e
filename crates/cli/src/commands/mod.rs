//! One module per command; [`dispatch`] picks it.

mod adopt;
mod backfill;
mod backup;
mod database;
mod explain;
mod fleet;
mod fleet_checks;
mod fleet_output;
mod fleet_replicas;
mod generate;
mod lint;
mod migrate;
mod output;
mod progress;
mod replicas;
mod restore;
mod retire;
mod scaffold;
mod sql;
mod status;
mod test;
mod undo_text;
mod verify;

use std::time::Duration;

use anyhow::Result;
use cutover_core::backend::{Backend, Timeouts};
use cutover_core::runner::RunnerOptions;

use crate::cli::{Cli, Command, ConnectOpts};
use crate::exit::ExitCode;
use crate::project::Project;

/// Runs the parsed command line.
pub async fn dispatch(cli: Cli) -> Result<ExitCode> {
    let json = cli.global.json;
    let command = match cli.command {
        // `init` makes the project, so it must not need one (nor trip over a parent's).
        Command::Init(args) => {
            return match &args.from_database {
                Some(url) => generate::init_from_database(&cli.global, &args, url, json).await,
                None => scaffold::init(&cli.global, &args, json, None),
            };
        }
        // Describes the file formats: no project, database or valid cutover.toml needed.
        Command::Schema(crate::cli::SchemaCommand::PlanFormat(args)) => {
            return Ok(scaffold::plan_format(&args));
        }
        other => other,
    };
    let project = Project::resolve(&cli.global)?;
    match command {
        Command::Init(args) => scaffold::init(&cli.global, &args, json, None),
        Command::New(args) => scaffold::new(&project, &args, json),
        Command::Database(cmd) => database::run(&project, cmd, json).await,
        Command::Wait(args) => database::wait(&project, &args, json).await,
        Command::Schema(crate::cli::SchemaCommand::Dump(args)) => {
            database::schema_dump(&project, &args, json).await
        }
        Command::Schema(crate::cli::SchemaCommand::PlanFormat(args)) => {
            Ok(scaffold::plan_format(&args))
        }
        Command::Sql(args) => sql::run(&project, &args, json),
        Command::Lint(args) => lint::run(&project, &args, json),
        Command::Status(args) if args.fleet.is_fleet() => {
            fleet::status(&project, &args, json).await
        }
        Command::Status(args) => status::status(&project, &args, json).await,
        Command::Validate(args) => status::validate(&project, &args.connect, json).await,
        Command::Verify(args) => verify::run(&project, &args, json).await,
        Command::Explain(args) => explain::run(&project, &args, json).await,
        Command::Up(args) if args.fleet.is_fleet() => fleet::up(&project, &args, json).await,
        Command::Up(args) => migrate::up(&project, &args, json).await,
        Command::Down(args) => migrate::down(&project, &args, json).await,
        Command::Baseline(args) => match args.from_history {
            Some(tool) => adopt::baseline_from_history(&project, &args, tool, json).await,
            None => migrate::baseline(&project, &args, json).await,
        },
        Command::Import(args) => adopt::import(&project, &args, json),
        Command::Repair(args) => migrate::repair(&project, &args.connect, json).await,
        Command::Backfill(crate::cli::BackfillCommand::Run(args)) if args.fleet.is_fleet() => {
            fleet_checks::backfill(&project, &args, json).await
        }
        Command::Backfill(cmd) => backfill::run(&project, cmd, json).await,
        Command::Drift(args) if args.fleet.is_fleet() => {
            fleet_checks::drift(&project, &args, json).await
        }
        Command::Drift(args) => status::drift(&project, &args.connect, json).await,
        Command::Test(args) => test::run(&project, &args, json).await,
        Command::Backup(args) => backup::run(&project, &args, json).await,
        Command::Restore(args) => restore::run(&project, &args, json).await,
    }
}

/// Connects to the database the options name, for a command that only reads: a SQLite file
/// that does not exist is an error (opening would create an empty one, and a mistyped path
/// would then report every migration pending).
pub(crate) async fn open_existing(
    project: &Project,
    opts: &ConnectOpts,
) -> Result<Box<dyn Backend>> {
    let url = project.database_url(opts)?;
    cutover_core::url::dialect_of(&url)?;
    if cutover_core::url::is_missing_file(&url) {
        let path = cutover_core::url::sqlite_path(&url).unwrap_or_default();
        anyhow::bail!(
            "no SQLite database at {path}: this command only reads and creates none; check the path, or create it with `cutover up` or `cutover database create`"
        );
    }
    open(project, opts).await
}

/// Connects to the database the options name. A database that does not exist gets the
/// commands that create it as context.
pub(crate) async fn open(project: &Project, opts: &ConnectOpts) -> Result<Box<dyn Backend>> {
    let url = project.database_url(opts)?;
    crate::connect::connect(&url).await.map_err(|e| {
        if matches!(
            e.root(),
            cutover_core::Error::Driver {
                kind: cutover_core::error::DriverErrorKind::MissingDatabase,
                ..
            }
        ) {
            anyhow::Error::new(e).context(
                "the database does not exist yet; create it with `cutover database create`, or run `cutover up --create-database`",
            )
        } else {
            e.into()
        }
    })
}

/// Opens more connections to the same database, for parallel backfill workers.
pub(crate) fn connector(url: String) -> Box<cutover_core::backfill::Connector> {
    Box::new(move || crate::connect::open_url(url.clone()))
}

/// Backfill settings from the options.
pub(crate) fn batch_options(b: &crate::cli::BatchOpts) -> cutover_core::backfill::BackfillOptions {
    let mut o = cutover_core::backfill::BackfillOptions {
        workers: b.workers.max(1),
        batch_size: b.batch_size,
        target_batch: b.target_batch_ms.map(|ms| Duration::from_millis(ms.max(1))),
        adaptive: !b.no_adapt,
        max_rows_per_second: b.max_rows_per_second,
        pause: Duration::from_millis(b.pause_ms.unwrap_or(0)),
        yield_to_writers: b.pause_ms.is_none(),
        throttle_query: b.throttle_query.clone(),
        ..Default::default()
    };
    o.timeouts.lock = Duration::from_secs_f64(b.batch_lock_timeout.max(0.001));
    o.retries = b.retries;
    o
}

/// Runner settings from the options.
pub(crate) fn runner_options(project: &Project, opts: &ConnectOpts) -> RunnerOptions {
    let defaults = RunnerOptions::default();
    // No OS user known (a container without $USER): the database user ran the statements.
    let db_user = project
        .database_url(opts)
        .ok()
        .and_then(|u| cutover_core::url::user_of(&u));
    let applied_by =
        cutover_core::runner::with_database_user(&defaults.applied_by, db_user.as_deref());
    RunnerOptions {
        applied_by,
        history_table: project.history_table(opts),
        lock_wait: Duration::from_secs_f64(opts.lock_timeout.max(0.0)),
        timeouts: Timeouts {
            lock: Duration::from_secs_f64(opts.ddl_lock_timeout.max(0.001)),
            statement: None,
        },
        ..defaults
    }
}
