//! `cutover baseline --generate` and `cutover init --from-database`: write a baseline
//! migration from the live schema and record it as applied. The generation lives in core
//! ([`cutover_core::generate`]).
//!
//! Nothing is written until the database has been read, the baseline generated and the
//! generated file loaded (in a scratch directory): a refusal leaves no file behind. The file
//! is written before it is recorded as applied, because a recorded version without its file
//! is worse than a file without its record, which `cutover baseline VERSION` fixes.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use cutover_core::backend::Backend;
use cutover_core::generate::{GeneratedBaseline, baseline_version, generate_baseline};
use cutover_core::plan::scaffold::{existing_versions, migration_file_name};
use cutover_core::plan::{Config, LoadOptions, Plan, Version};
use cutover_core::runner::{Runner, Silent};

use super::output::Printer;
use super::{open, runner_options};
use crate::cli::{BaselineArgs, ConnectOpts, GlobalOpts, InitArgs};
use crate::exit::ExitCode;
use crate::project::Project;

/// A generated baseline that loads, with the connection it was read from.
struct Prepared {
    backend: Box<dyn Backend>,
    generated: GeneratedBaseline,
    version: Version,
    file_name: String,
}

/// A scratch directory that is removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> Result<Scratch> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir =
            std::env::temp_dir().join(format!("cutover-baseline-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create the scratch directory {}", dir.display()))?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Connects, refuses a database with history, reads the schema, generates the baseline and
/// loads it in a scratch directory. Writes nothing in the project.
async fn prepare(
    project: &Project,
    args: &BaselineArgs,
    existing: &[Version],
    plan: &Plan,
) -> Result<Prepared> {
    let version = baseline_version(existing, args.version.as_deref())?;
    let file_name = migration_file_name(&version.text, "baseline")?;
    let mut backend = open(project, &args.connect).await?;
    let done = Runner::new(
        backend.as_mut(),
        plan,
        runner_options(project, &args.connect),
        &Silent,
    )
    .done_versions()
    .await;
    if !done.is_empty() {
        let _ = backend.close().await;
        bail!(
            "baseline --generate refused: the database's history already records {} migration{}; a baseline is generated only from a database cutover has never migrated (use `cutover drift` to compare it with the plan)",
            done.len(),
            if done.len() == 1 { "" } else { "s" }
        );
    }
    let dialect = backend.dialect();
    let read = async {
        let mut shape = backend.introspect().await?;
        shape.tables.remove(&project.history_table(&args.connect));
        let details = backend.introspect_details().await?;
        generate_baseline(
            dialect,
            &shape,
            &details,
            "baseline generated from the live schema",
        )
    };
    let generated = match read.await {
        Ok(g) => g,
        Err(e) => {
            let _ = backend.close().await;
            return Err(anyhow::Error::from(e).context("nothing was written"));
        }
    };
    if let Err(e) = loads(project, &file_name, &generated.toml) {
        let _ = backend.close().await;
        return Err(e);
    }
    Ok(Prepared {
        backend,
        generated,
        version,
        file_name,
    })
}

/// Whether the generated file loads as a plan of the project's dialects, on its own.
fn loads(project: &Project, file_name: &str, toml: &str) -> Result<()> {
    let scratch = Scratch::new()?;
    std::fs::write(scratch.0.join(file_name), toml)
        .with_context(|| format!("cannot write to {}", scratch.0.display()))?;
    let options = LoadOptions {
        dialects: project.config.dialects.clone(),
    };
    if let Err(e) = Plan::load_with(&scratch.0, &options) {
        bail!(
            "the generated baseline does not load, so nothing was written: {e}; write the step for that object by hand (a raw `sql` step), or rename the object"
        );
    }
    Ok(())
}

/// An empty plan (for the history check before a project has one).
fn empty_plan(project: &Project) -> Result<Plan> {
    let scratch = Scratch::new()?;
    let options = LoadOptions {
        dialects: project.config.dialects.clone(),
    };
    Ok(Plan::load_with(&scratch.0, &options)?)
}

/// Writes the prepared file into the plan directory and records it as applied.
async fn commit(
    project: &Project,
    connect: &ConnectOpts,
    prepared: Prepared,
    json: bool,
) -> Result<ExitCode> {
    let Prepared {
        mut backend,
        generated,
        version,
        file_name,
    } = prepared;
    let file = project.plan_dir.join(&file_name);
    if let Err(e) = super::scaffold::create_new(
        &file,
        &generated.toml,
        "baseline --generate never overwrites a migration; move it away or pass another VERSION",
    ) {
        let _ = backend.close().await;
        return Err(e);
    }
    let plan = match project.load_plan() {
        Ok(p) => p,
        Err(e) => {
            let _ = backend.close().await;
            bail!(
                "{} was written but the plan does not load with it: {e:#}; fix or remove it",
                file.display()
            );
        }
    };
    let printer = Printer::new(json);
    let marked = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, connect),
        &printer,
    )
    .baseline(version.clone())
    .await;
    let _ = backend.close().await;
    let marked = match marked {
        Ok(m) => m,
        Err(e) => bail!(
            "{} was written but not recorded as applied: {e}. The database already has this schema: record it with `cutover baseline {version} --database URL`, run as a user allowed to create and write the history table {}; never run `cutover up` on this database before that (it would try to create everything again)",
            file.display(),
            project.history_table(connect)
        ),
    };
    for w in &generated.warnings {
        eprintln!("warning: {w}");
    }
    if json {
        let doc = serde_json::json!({
            "ok": true,
            "file": file,
            "version": version.text,
            "typed_tables": generated.typed_tables,
            "raw_steps": generated.raw_steps,
            "warnings": generated.warnings,
            "baselined": marked,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        crate::outln!(
            "wrote {} ({} typed tables, {} raw sql steps) and recorded {} as applied",
            file.display(),
            generated.typed_tables,
            generated.raw_steps,
            version
        );
        crate::outln!("next: cutover drift (should report nothing), then commit the file");
    }
    Ok(ExitCode::Success)
}

/// `cutover baseline --generate`: introspects the database, writes `<version>_baseline.toml`
/// (never over a file) and baselines it.
pub(crate) async fn baseline_generate(
    project: &Project,
    args: &BaselineArgs,
    json: bool,
) -> Result<ExitCode> {
    let dir = &project.plan_dir;
    if !dir.is_dir() {
        bail!(
            "plan directory {} not found: run `cutover init`, or pass --plan DIR",
            dir.display()
        );
    }
    let plan = project.load_plan()?;
    let prepared = prepare(project, args, &existing_versions(dir)?, &plan).await?;
    commit(project, &args.connect, prepared, json).await
}

/// `cutover init --from-database URL`: reads and generates first, then makes the project
/// (cutover.toml for the source's dialect only, the plan directory) and the baseline.
pub(crate) async fn init_from_database(
    global: &GlobalOpts,
    init: &InitArgs,
    url: &str,
    json: bool,
) -> Result<ExitCode> {
    let dialect = cutover_core::url::dialect_of(url)?;
    let (config_path, plan_text) = super::scaffold::init_paths(global)?;
    let text = super::scaffold::config_text(&plan_text, init, Some(dialect));
    let config = Config::parse(&config_path, &text)?;
    let project = Project {
        plan_dir: config.plan_dir.clone(),
        config,
    };
    let args = BaselineArgs {
        version: None,
        generate: true,
        from_history: None,
        dry_run: false,
        connect: ConnectOpts {
            database: Some(url.to_string()),
            target: None,
            history_table: None,
            lock_timeout: 30.0,
            ddl_lock_timeout: 5.0,
        },
    };
    let plan = empty_plan(&project)?;
    let prepared = prepare(&project, &args, &[], &plan).await?;
    if let Err(e) = super::scaffold::init(global, init, json, Some(dialect)) {
        let backend = prepared.backend;
        let _ = backend.close().await;
        return Err(e);
    }
    commit(&project, &args.connect, prepared, json).await
}
