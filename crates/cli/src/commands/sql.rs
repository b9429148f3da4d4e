//! `cutover sql`: the offline preview of what a plan runs.

use anyhow::{Result, anyhow};
use cutover_core::backfill::BackfillScope;
use cutover_core::plan::{CheckWhen, Version};
use cutover_core::render::{Direction, RenderOptions, render_plan};

use crate::cli::SqlArgs;
use crate::exit::ExitCode;
use crate::project::Project;

fn version(v: &Option<String>, flag: &str) -> Result<Option<Version>> {
    v.as_deref()
        .map(|s| Version::parse(s).ok_or_else(|| anyhow!("{flag} {s}: not a version number")))
        .transpose()
}

/// Prints the SQL of the plan for one dialect.
pub fn run(project: &Project, args: &SqlArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let options = RenderOptions {
        from: version(&args.from, "--from")?,
        to: version(&args.to, "--to")?,
        direction: if args.down {
            Direction::Down
        } else {
            Direction::Up
        },
        // The sync triggers are named after the plan's history table.
        scope: BackfillScope::of(
            args.history_table
                .as_deref()
                .unwrap_or(&project.config.history_table),
        ),
    };
    let rendered = render_plan(&plan, args.dialect, &options)?;
    if json {
        let doc =
            serde_json::json!({ "ok": true, "dialect": args.dialect, "migrations": rendered });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(ExitCode::Success);
    }
    for m in &rendered {
        crate::outln!(
            "-- migration {} ({}){}",
            m.version,
            m.name,
            if args.down { " down" } else { "" }
        );
        if m.statements.is_empty() {
            crate::outln!("-- (nothing to run on {})", args.dialect);
        }
        // Skipped steps are listed where they stand among the rendered ones.
        if !args.down {
            checks(&plan, &m.version, args.dialect, CheckWhen::Before)?;
        }
        // Derived downs run in reverse step order, a written `[[down]]` in its own order.
        let descending = m.statements.first().map(|f| f.step) > m.statements.last().map(|l| l.step);
        let mut skipped = m.skipped.iter().peekable();
        for s in &m.statements {
            while let Some(k) = skipped.next_if(|k| comes_before(k.step, s.step, descending)) {
                skipped_line(k, args.dialect);
            }
            let note = match (&s.backfill, s.kind) {
                (Some(id), _) => format!(" backfill {id}, run in batches"),
                (None, cutover_core::render::StatementKind::NoTransaction) => {
                    " outside a transaction".into()
                }
                _ => String::new(),
            };
            crate::outln!("-- step {} ({}){note}", s.step, s.op);
            let sql = s.sql.trim_end();
            crate::outln!("{sql}{}", if sql.ends_with(';') { "" } else { ";" });
        }
        skipped.for_each(|k| skipped_line(k, args.dialect));
        if !args.down {
            checks(&plan, &m.version, args.dialect, CheckWhen::After)?;
        }
        crate::outln!();
    }
    Ok(ExitCode::Success)
}

/// Whether step `a` is printed before step `b`, statements being in `descending` step order
/// or not.
fn comes_before(a: usize, b: usize, descending: bool) -> bool {
    if descending { a > b } else { a < b }
}

/// The comment line of a step skipped on `dialect`.
fn skipped_line(k: &cutover_core::render::SkippedStep, dialect: cutover_core::Dialect) {
    let only: Vec<&str> = k.dialects.iter().map(|d| d.name()).collect();
    crate::outln!(
        "-- step {} ({}) skipped on {dialect}: dialects = [{}]",
        k.step,
        k.op,
        only.join(", ")
    );
}

/// Prints the checks of one migration that run `when` (before or after its steps) as comments: name, when, expectation and the query as
/// it runs on `dialect` (a portable `query` rendered, raw SQL as written). A check limited
/// with `dialects = [..]` to other dialects is listed as skipped, like a skipped step, and
/// is not rendered (it may use what `dialect` cannot express, e.g. FULL JOIN on MySQL).
fn checks(
    plan: &cutover_core::plan::Plan,
    version: &Version,
    dialect: cutover_core::Dialect,
    when: cutover_core::plan::CheckWhen,
) -> Result<()> {
    let Some(migration) = plan.migrations.iter().find(|m| &m.version == version) else {
        return Ok(());
    };
    for located in migration.checks.iter().filter(|c| c.item.when == when) {
        let c = &located.item;
        if !located.runs_on(dialect) {
            let only: Vec<&str> = located
                .dialects
                .iter()
                .flatten()
                .map(|d| d.name())
                .collect();
            crate::outln!(
                "-- check {} skipped on {dialect}: dialects = [{}]",
                c.name,
                only.join(", ")
            );
            continue;
        }
        let when = match c.when {
            CheckWhen::Before => "before",
            CheckWhen::After => "after",
        };
        let sql = cutover_core::render::check_query(c, dialect)?;
        crate::outln!("-- check {} ({when}, expect {}): {sql}", c.name, c.expect);
    }
    Ok(())
}
