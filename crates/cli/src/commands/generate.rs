//! `cutover baseline --generate`: write a baseline migration from the live schema and
//! record it as applied. The generation lives in core ([`cutover_core::generate`]).

use anyhow::{Result, bail};
use cutover_core::generate::{baseline_version, generate_baseline};
use cutover_core::plan::scaffold::{existing_versions, migration_file_name};
use cutover_core::runner::{Runner, Silent};

use super::output::Printer;
use super::{open, runner_options};
use crate::cli::{BaselineArgs, ConnectOpts, GlobalOpts};
use crate::exit::ExitCode;
use crate::project::Project;

/// Introspects the database, writes `<version>_baseline.toml` (never over a file), and
/// baselines it. A failure after the file is written leaves the file for inspection and
/// says so.
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
    let version = baseline_version(&existing_versions(dir)?, args.version.as_deref())?;
    let plan = project.load_plan()?;
    let mut backend = open(project, &args.connect).await?;
    // Refuse before writing anything where `baseline` would refuse afterwards.
    let done = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &Silent,
    )
    .done_versions()
    .await;
    if !done.is_empty() {
        let _ = backend.close().await;
        bail!(
            "baseline --generate refused: the database's history already records {} migrations; a baseline is generated only from a database cutover has never migrated (use `cutover drift` to compare it with the plan)",
            done.len()
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
            return Err(e.into());
        }
    };
    let file = dir.join(migration_file_name(&version.text, "baseline")?);
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
                "{} was written but does not load: {e:#}; fix or remove it",
                file.display()
            );
        }
    };
    let printer = Printer::new(json);
    let marked = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    )
    .baseline(version.clone())
    .await;
    let _ = backend.close().await;
    let marked = match marked {
        Ok(m) => m,
        Err(e) => bail!(
            "{} was written but not recorded as applied: {e}",
            file.display()
        ),
    };
    if json {
        let doc = serde_json::json!({
            "ok": true,
            "file": file,
            "version": version.text,
            "typed_tables": generated.typed_tables,
            "raw_steps": generated.raw_steps,
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

/// `cutover init --from-database URL`, after `init` made the project: the baseline of
/// `baseline --generate` from that database.
pub(crate) async fn init_from_database(
    global: &GlobalOpts,
    url: &str,
    json: bool,
) -> Result<ExitCode> {
    let project = Project::resolve(global)?;
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
    baseline_generate(&project, &args, json).await
}
