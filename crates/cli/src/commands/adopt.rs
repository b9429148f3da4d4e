//! Adopting a project another migration tool built: `cutover import` (its SQL folder as
//! plan files) and `cutover baseline --from-history` (its history table as baselined
//! entries).

use anyhow::{Result, bail};
use cutover_core::Dialect;
use cutover_core::adopt::{Adoption, Tool};
use cutover_core::import::{Import, dialect_hint, read_sql_dir, write_plan_files};
use cutover_core::plan::Version;
use cutover_core::runner::Runner;
use cutover_core::url::dialect_of;

use super::output::Printer;
use super::{open, open_existing, runner_options};
use crate::cli::{BaselineArgs, ImportArgs};
use crate::exit::ExitCode;
use crate::project::Project;

/// `cutover import --from TOOL DIR`: writes one plan file per migration into the plan
/// directory, refusing to overwrite anything.
pub(crate) fn import(project: &Project, args: &ImportArgs, json: bool) -> Result<ExitCode> {
    let dialect = import_dialect(project, args)?;
    let read = read_sql_dir(&args.dir, args.from.0, dialect)?;
    let Import { files, skipped } = read.to_plan_files(dialect)?;
    let written = write_plan_files(&project.plan_dir, &files)?;
    if json {
        let files: Vec<serde_json::Value> = files
            .iter()
            .zip(&written)
            .map(|(f, path)| {
                serde_json::json!({
                    "file": path,
                    "version": f.version.text,
                    "name": f.name,
                    "source": f.source,
                    "down_source": f.down_source,
                    "checksum": {
                        "algorithm": f.checksum.algorithm,
                        "value": f.checksum.value,
                        "tools_own": f.checksum.tools_own,
                    },
                    "steps": f.steps,
                    "down_steps": f.down_steps,
                })
            })
            .collect();
        let skipped: Vec<serde_json::Value> = skipped
            .iter()
            .map(|s| serde_json::json!({ "source": s.source, "reason": s.reason }))
            .collect();
        let doc = serde_json::json!({
            "ok": true,
            "layout": read.layout,
            "dialect": dialect,
            "written": files,
            "skipped": skipped,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::Success);
    }
    for (f, path) in files.iter().zip(&written) {
        let down = match f.down_steps {
            Some(n) => format!(", down: {n} step{}", plural(n)),
            None => ", no down".into(),
        };
        crate::outln!(
            "wrote {}: {} step{}{down} ({} {})",
            path.display(),
            f.steps,
            plural(f.steps),
            f.checksum.algorithm,
            f.checksum.value
        );
    }
    for s in &skipped {
        crate::outln!("skipped {}: {}", s.source.display(), s.reason);
    }
    crate::outln!(
        "imported {} {} migrations for {dialect} into {}; on a database {} already migrated, run `cutover baseline --from-history {}` before `cutover up`",
        files.len(),
        read.layout,
        project.plan_dir.display(),
        read.layout,
        read.layout
    );
    Ok(ExitCode::Success)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `--dialect`, else the one the folder names (Prisma's `migration_lock.toml`), else the
/// only dialect of cutover.toml, else the one dialect its targets' URLs agree on.
fn import_dialect(project: &Project, args: &ImportArgs) -> Result<Dialect> {
    if let Some(d) = args.dialect.or_else(|| dialect_hint(&args.dir)) {
        return Ok(d);
    }
    if let [one] = project.config.dialects.as_slice() {
        return Ok(*one);
    }
    let mut found: Vec<Dialect> = Vec::new();
    for name in project.config.targets.keys() {
        let Ok(url) = project.config.target_url(name) else {
            continue;
        };
        if let Ok(d) = dialect_of(&url)
            && !found.contains(&d)
        {
            found.push(d);
        }
    }
    match found.as_slice() {
        [one] => Ok(*one),
        _ => bail!(
            "pass --dialect postgres, mysql or sqlite: the database the SQL files are written for ({})",
            if found.is_empty() {
                "cutover.toml names neither one dialect nor a target whose URL says one".to_string()
            } else {
                let names: Vec<&str> = found.iter().map(|d| d.name()).collect();
                format!("cutover.toml has targets on {}", names.join(" and "))
            }
        ),
    }
}

/// `cutover baseline --from-history [TOOL] [--dry-run]`.
pub(crate) async fn baseline_from_history(
    project: &Project,
    args: &BaselineArgs,
    tool: Option<Tool>,
    json: bool,
) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = match args.dry_run {
        true => open_existing(project, &args.connect).await?,
        false => open(project, &args.connect).await?,
    };
    let printer = Printer::new(json);
    let mut runner = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    );
    let adoption = match args.dry_run {
        true => runner.adoption(tool).await,
        false => runner.baseline_from_history(tool).await,
    };
    let _ = backend.close().await;
    print_adoption(&adoption?, args.dry_run, json)?;
    Ok(ExitCode::Success)
}

fn print_adoption(a: &Adoption, dry_run: bool, json: bool) -> Result<()> {
    if json {
        let doc = serde_json::json!({
            "ok": true,
            "dry_run": dry_run,
            "tool": a.tool,
            "table": a.table,
            "baselined": a.mark,
            "already": a.already,
            "pending": a.pending,
            "ignored": a.ignored,
            "changed": a.changed,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    // Long lists show their ends (`--json` has them all).
    let list = |v: &[Version]| -> String {
        let texts: Vec<&str> = v.iter().map(|v| v.text.as_str()).collect();
        match texts.len() {
            0 => "none".into(),
            n if n > 12 => format!(
                "{}, … {} more …, {}",
                texts[..5].join(", "),
                n - 10,
                texts[n - 5..].join(", ")
            ),
            _ => texts.join(", "),
        }
    };
    let verb = if dry_run {
        "would baseline"
    } else {
        "baselined"
    };
    crate::outln!(
        "{} history (`{}`): {verb} {} migration{}: {}",
        a.tool,
        a.table,
        a.mark.len(),
        plural(a.mark.len()),
        list(&a.mark)
    );
    if !a.already.is_empty() {
        crate::outln!("already recorded by cutover: {}", list(&a.already));
    }
    crate::outln!(
        "pending (not in the {} history; `cutover up` runs them): {}",
        a.tool,
        list(&a.pending)
    );
    for i in &a.ignored {
        crate::outln!("left out: {i}");
    }
    for c in &a.changed {
        crate::outln!("warning: {c}");
    }
    Ok(())
}
