//! `cutover restore PATH --yes` and `cutover restore --before VERSION --yes`.

use anyhow::{Result, anyhow, bail};
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::Runner;

use super::output::Printer;
use super::{open, runner_options};
use crate::cli::RestoreArgs;
use crate::exit::ExitCode;
use crate::project::Project;

/// Restores a backup with the migration lock held.
pub(crate) async fn run(project: &Project, args: &RestoreArgs, json: bool) -> Result<ExitCode> {
    if !args.yes {
        bail!(
            "restore replaces the contents of the database with the backup's; pass --yes to confirm"
        );
    }
    let before = match &args.before {
        Some(v) => {
            Some(Version::parse(v).ok_or_else(|| anyhow!("--before {v}: not a version number"))?)
        }
        None => None,
    };
    // The plan tells what the migration after a table-level backup changed; a restore of a
    // whole-database backup needs none, so a plan that does not load is not an error here.
    let plan = project.load_plan().unwrap_or_else(|_| Plan {
        dir: project.plan_dir.clone(),
        migrations: Vec::new(),
        test_only: Vec::new(),
    });
    let mut backend = open(project, &args.connect).await?;
    let printer = Printer::new(json);
    let result = {
        let mut runner = Runner::new(
            backend.as_mut(),
            &plan,
            runner_options(project, &args.connect),
            &printer,
        );
        match (&before, &args.path) {
            (Some(v), _) => runner.restore_before(v).await,
            (None, Some(path)) => runner.restore(path).await.map(|m| (path.clone(), m)),
            (None, None) => Err(cutover_core::Error::Other(
                "name the backup: cutover restore PATH --yes, or --before VERSION".into(),
            )),
        }
    };
    let target_schema = backend.schema();
    let _ = backend.close().await;
    let (path, manifest) = result?;
    // A tenant's dump (`pg_dump --schema`) always lands in its own schema: say where.
    let into = manifest.schema.as_ref().map(|schema| {
        let quoted = cutover_core::url::quote_schema(schema);
        match &target_schema {
            Some(t) if t == schema => format!(" into schema {quoted}"),
            _ => format!(
                " into schema {quoted} (the backup's own schema, not the target's default schema)"
            ),
        }
    });
    if json {
        let doc = serde_json::json!({
            "ok": true,
            "restored": path,
            "into_schema": manifest.schema,
            "manifest": manifest,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        let at = match &manifest.last_migration {
            Some(m) => format!("at migration {} ({})", m.version, m.name),
            None => "before any migration".to_string(),
        };
        crate::outln!(
            "restored {} (taken {}, {at}, from database {}){}",
            path.display(),
            manifest.created_at,
            manifest.database,
            into.unwrap_or_default()
        );
    }
    Ok(ExitCode::Success)
}
