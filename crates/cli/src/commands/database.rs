//! `cutover database create|drop`, `cutover wait`, and `up --create-database`: thin wrappers
//! over [`cutover_core::lifecycle`].

use std::time::Duration;

use anyhow::{Result, bail};
use cutover_core::lifecycle;
use cutover_core::url::redact;

use crate::cli::{DatabaseCommand, SchemaDumpArgs, WaitArgs};
use crate::connect::open_url;
use crate::exit::ExitCode;
use crate::project::Project;

/// `cutover database create|drop`.
pub(crate) async fn run(project: &Project, cmd: DatabaseCommand, json: bool) -> Result<ExitCode> {
    match cmd {
        DatabaseCommand::Create(args) => {
            let url = project.database_url(&args.connect)?;
            let created = lifecycle::create_database(&url, &open_url).await?;
            report(json, "created", created, &url)?;
        }
        DatabaseCommand::Drop(args) => {
            let url = project.database_url(&args.connect)?;
            if !args.yes {
                bail!(
                    "dropping {} loses every table and row in it; pass --yes to confirm",
                    redact(&url)
                );
            }
            let existed = lifecycle::drop_database(&url, &open_url).await?;
            report(json, "dropped", existed, &url)?;
        }
    }
    Ok(ExitCode::Success)
}

/// `up --create-database`: creates the database `url` names unless it exists, and says so
/// in text mode (with `--json`, stdout carries only `up`'s own document).
pub(crate) async fn ensure(url: &str, json: bool) -> Result<()> {
    let created = lifecycle::create_database(url, &open_url).await?;
    if created && !json {
        crate::outln!("created {}", redact(url));
    }
    // `?search_path=NAME` (PostgreSQL schema-per-tenant): the schema too.
    if lifecycle::create_schema(url, &open_url).await? && !json {
        crate::outln!("created schema in {}", redact(url));
    }
    Ok(())
}

fn report(json: bool, verb: &str, changed: bool, url: &str) -> Result<()> {
    let shown = redact(url);
    if json {
        let doc = serde_json::json!({ "ok": true, "database": shown, verb: changed });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else if changed {
        crate::outln!("{verb} {shown}");
    } else if verb == "created" {
        crate::outln!("{shown} exists already");
    } else {
        crate::outln!("{shown} does not exist");
    }
    Ok(())
}

/// `cutover wait`: until the database accepts a connection, or `--timeout` seconds.
pub(crate) async fn wait(project: &Project, args: &WaitArgs, json: bool) -> Result<ExitCode> {
    let url = project.database_url(&args.connect)?;
    let timeout = Duration::from_secs_f64(args.timeout.max(0.0));
    let attempts =
        lifecycle::wait_for(&url, &open_url, timeout, Duration::from_millis(500)).await?;
    if json {
        let doc = serde_json::json!({ "ok": true, "database": redact(&url), "attempts": attempts });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        crate::outln!("{} accepts connections", redact(&url));
    }
    Ok(ExitCode::Success)
}

/// `cutover schema dump [FILE]`: written beside FILE first, then renamed over it, so a
/// failed dump never leaves a half-written schema file; without FILE, printed.
pub(crate) async fn schema_dump(
    project: &Project,
    args: &SchemaDumpArgs,
    json: bool,
) -> Result<ExitCode> {
    let mut backend = super::open_existing(project, &args.connect).await?;
    let target = args.file.clone();
    let scratch = match &target {
        Some(file) => {
            let mut name = file.file_name().unwrap_or_default().to_os_string();
            name.push(format!(".cutover-{}.tmp", std::process::id()));
            file.with_file_name(name)
        }
        None => std::env::temp_dir().join(format!("cutover-schema-{}.sql", std::process::id())),
    };
    let written = backend.schema_dump(&scratch).await;
    let _ = backend.close().await;
    let tool = match written {
        Ok(tool) => tool,
        Err(e) => {
            let _ = std::fs::remove_file(&scratch);
            return Err(e.into());
        }
    };
    match &target {
        Some(file) => {
            std::fs::rename(&scratch, file).map_err(|e| {
                let _ = std::fs::remove_file(&scratch);
                anyhow::anyhow!("cannot write {}: {e}", file.display())
            })?;
            if json {
                let doc = serde_json::json!({ "ok": true, "file": file, "tool": tool });
                crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                crate::outln!("wrote {} ({tool})", file.display());
            }
        }
        None => {
            let text = std::fs::read_to_string(&scratch);
            let _ = std::fs::remove_file(&scratch);
            let text = text?;
            if json {
                let doc = serde_json::json!({ "ok": true, "schema": text, "tool": tool });
                crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
            } else {
                crate::outln!("{}", text.trim_end());
            }
        }
    }
    Ok(ExitCode::Success)
}
