//! `cutover init` and `cutover new`: writing the project file and migration files. The texts
//! and the numbering live in core ([`cutover_core::plan::scaffold`]); this only writes them,
//! never over an existing file.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cutover_core::dialect::Dialect;
use cutover_core::plan::scaffold::{self, VersionScheme};

use crate::cli::{GlobalOpts, InitArgs, NewArgs, PlanFormatArgs, PlanFormatFile};
use crate::exit::ExitCode;
use crate::project::Project;

/// Where `cutover init` writes: the `cutover.toml` path (refused when it exists) and the plan
/// directory as the file names it.
pub(crate) fn init_paths(global: &GlobalOpts) -> Result<(PathBuf, String)> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let config = global
        .config
        .clone()
        .unwrap_or_else(|| cwd.join("cutover.toml"));
    if config.exists() {
        bail!(
            "{} already exists: cutover init never overwrites it; edit it, or pass --config FILE for another one",
            config.display()
        );
    }
    let plan = global
        .plan
        .clone()
        .unwrap_or_else(|| PathBuf::from("migrations"));
    Ok((config, plan.to_string_lossy().into_owned()))
}

/// The text of the new `cutover.toml`: for every dialect, or for the one a plan was
/// generated from.
pub(crate) fn config_text(plan: &str, args: &InitArgs, dialect: Option<Dialect>) -> String {
    let mut text = match dialect {
        Some(d) => scaffold::config_template_for(plan, d),
        None => scaffold::config_template(plan),
    };
    if args.versions == "timestamp" {
        text = text.replace("versions = \"sequence\"", "versions = \"timestamp\"");
    }
    text
}

/// `cutover init`: `cutover.toml` in the current directory (or `--config FILE`) and the plan
/// directory beside it (`--plan DIR`, default `migrations`); with `dialect`, a project for
/// that dialect only (`--from-database`).
pub fn init(
    global: &GlobalOpts,
    args: &InitArgs,
    json: bool,
    dialect: Option<Dialect>,
) -> Result<ExitCode> {
    let (config, plan_text) = init_paths(global)?;
    let text = config_text(&plan_text, args, dialect);
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let base = config.parent().map_or(cwd, Path::to_path_buf);
    // The plan directory first: if it cannot be made, no cutover.toml is left behind.
    let plan_dir = base.join(&plan_text);
    std::fs::create_dir_all(&plan_dir)
        .with_context(|| format!("cannot create the plan directory {}", plan_dir.display()))?;
    create_new(
        &config,
        &text,
        "cutover init never overwrites it; edit it, or pass --config FILE for another one",
    )?;
    if json && args.from_database.is_some() {
        // `--from-database` goes on to generate the baseline, which prints the one document.
    } else if json {
        let doc = serde_json::json!({ "ok": true, "config": config, "plan": plan_dir });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        crate::outln!("created {}", config.display());
        crate::outln!("plan directory {}", plan_dir.display());
        if args.from_database.is_none() {
            crate::outln!(
                "next: cutover new create_tables, then cutover sql / cutover up --target dev"
            );
        }
    }
    Ok(ExitCode::Success)
}

/// `cutover new NAME`: the next version's file in the plan directory.
pub fn new(project: &Project, args: &NewArgs, json: bool) -> Result<ExitCode> {
    let name = args.name.join(" ");
    let dir = &project.plan_dir;
    if !dir.is_dir() {
        bail!(
            "plan directory {} not found: run `cutover init`, or pass --plan DIR",
            dir.display()
        );
    }
    let existing = scaffold::existing_versions(dir)?;
    let scheme: VersionScheme = project.config.versions;
    let version = scaffold::next_version_now(&existing, scheme)?;
    let file = dir.join(scaffold::migration_file_name(&version, &name)?);
    let template = scaffold::migration_template(&name, args.phase);
    create_new(&file, &template, "pick another name")?;
    if json {
        let doc = serde_json::json!({ "ok": true, "version": version, "file": file });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        crate::outln!("created {}", file.display());
    }
    Ok(ExitCode::Success)
}

/// Writes `text` to a file that must not exist yet; `exists` says what to do if it does.
pub(crate) fn create_new(path: &Path, text: &str, exists: &str) -> Result<()> {
    let opened = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    let mut file = match opened {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("{} already exists: {exists}", path.display())
        }
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", path.display())),
    };
    file.write_all(text.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}

/// `cutover schema plan-format [migration|config]`: prints the JSON Schema of migration
/// files or of cutover.toml (the files in docs/schema/).
pub fn plan_format(args: &PlanFormatArgs) -> ExitCode {
    let file = match args.file {
        PlanFormatFile::Migration => cutover_core::plan::SchemaFile::Migration,
        PlanFormatFile::Config => cutover_core::plan::SchemaFile::Config,
    };
    crate::outln!("{}", file.to_json().trim_end());
    ExitCode::Success
}
