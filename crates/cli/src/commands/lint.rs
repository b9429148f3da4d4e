//! `cutover lint`, and the lint gate that `cutover up` passes first.

use std::path::Path;

use anyhow::{Result, bail};
use cutover_core::Dialect;
use cutover_core::import::{Layout, read_sql_dir};
use cutover_core::lint::{Finding, Summary, has_errors, lint_plan, to_sarif, up_gate};
use cutover_core::plan::{Migration, Plan};

use crate::cli::LintArgs;
use crate::exit::ExitCode;
use crate::project::Project;

/// Lints the plan and prints the findings as text, JSON or SARIF; exit code 7 on errors.
pub fn run(project: &Project, args: &LintArgs, json: bool) -> Result<ExitCode> {
    let fleet = super::fleet_checks::lint_dialects(project, args)?;
    let dialects = if let Some((dialects, _)) = &fleet {
        dialects.clone()
    } else if args.dialect.is_empty() {
        project.config.dialects.clone()
    } else {
        args.dialect.clone()
    };
    let (findings, layout) = match &args.sql_dir {
        Some(dir) => {
            let (findings, layout) = lint_sql_dir(dir, args, &dialects)?;
            (findings, Some(layout))
        }
        None => match project.load_plan() {
            Ok(plan) => (lint_plan(&plan, &dialects), None),
            Err(e) if args.sarif => return Err(sarif_failure(e)),
            Err(e) => return Err(e),
        },
    };
    if args.sarif {
        let cwd = std::env::current_dir().ok();
        let log = to_sarif(&findings, cwd.as_deref());
        crate::outln!("{}", serde_json::to_string_pretty(&log)?);
    } else if json {
        let mut doc = serde_json::json!({
            "ok": !has_errors(&findings),
            "dialects": dialects,
            "summary": Summary::of(&findings),
            "findings": findings,
        });
        if let Some(layout) = layout {
            doc["layout"] = serde_json::json!(layout);
        }
        if let Some((_, by_dialect)) = &fleet {
            doc["fleet"] = by_dialect.clone();
        }
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for f in &findings {
            crate::outln!("{f}\n");
        }
        if let (Some(dir), Some(layout)) = (&args.sql_dir, layout) {
            crate::outln!("{}: {layout} layout", dir.display());
        }
        if let Some((_, by_dialect)) = &fleet {
            crate::outln!("{}", super::fleet_checks::lint_line(by_dialect));
        }
        crate::outln!("{}", summary_line(&findings, &dialects));
    }
    Ok(if has_errors(&findings) {
        ExitCode::LintFailed
    } else {
        ExitCode::Success
    })
}

/// Lints the SQL folder of `--sql-dir` for the one dialect it is written for; returns the
/// findings and the layout it was read with.
fn lint_sql_dir(
    dir: &Path,
    args: &LintArgs,
    dialects: &[Dialect],
) -> Result<(Vec<Finding>, Layout)> {
    let [dialect] = dialects else {
        bail!(
            "--sql-dir needs exactly one --dialect (postgres, mysql or sqlite): the database the SQL files are written for"
        );
    };
    let read = read_sql_dir(dir, args.layout.0, *dialect)?;
    Ok((read.lint(*dialect), read.layout))
}

/// With `--sarif`, a plan that does not load still yields a SARIF log on stdout (a failed
/// invocation naming the error and its file:line) before the error itself.
fn sarif_failure(e: anyhow::Error) -> anyhow::Error {
    let (file, line) = match e.downcast_ref::<cutover_core::Error>() {
        Some(cutover_core::Error::Plan { location, .. }) => {
            (Some(location.file.clone()), location.line)
        }
        _ => (None, None),
    };
    let cwd = std::env::current_dir().ok();
    let log = cutover_core::lint::to_sarif_failure(
        &format!("{e:#}"),
        file.as_deref(),
        line,
        cwd.as_deref(),
    );
    match serde_json::to_string_pretty(&log) {
        Ok(text) => crate::outln!("{text}"),
        Err(json) => return e.context(format!("cannot write the SARIF log: {json}")),
    }
    e
}

/// The gate of `cutover up`: lints the migrations `pending` selects (with the others as
/// context) for the database's dialect and returns `Some(ExitCode::LintFailed)`, after
/// printing the errors, when they must not be applied; `None` when they may (with
/// `allow_errors`, after a warning). Applied migrations are not linted again.
/// Prints, as warnings, the lint errors of pending migrations that this run does not apply
/// (after `up --to`): they stop the `up` that reaches them, not this one.
pub(crate) fn note_later(plan: &Plan, dialect: Dialect, later: impl Fn(&Migration) -> bool) {
    let errors = up_gate(plan, dialect, later);
    if errors.is_empty() {
        return;
    }
    eprintln!(
        "warning: {} lint error{} in migrations after --to, which this run does not apply (the `up` that reaches them refuses them):",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    for f in &errors {
        eprintln!(
            "  {}:{}: {} migration {}: {}",
            f.file.display(),
            f.line,
            f.rule,
            f.migration,
            f.message
        );
    }
}

pub(crate) fn gate(
    plan: &Plan,
    dialect: Dialect,
    pending: impl Fn(&Migration) -> bool,
    allow_errors: bool,
    json: bool,
) -> Result<Option<ExitCode>> {
    let errors = up_gate(plan, dialect, pending);
    if errors.is_empty() {
        return Ok(None);
    }
    if allow_errors {
        if !json {
            eprintln!(
                "warning: applying despite {} lint error{} (--allow-lint-errors); see `cutover lint --dialect {dialect}`",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            for f in &errors {
                eprintln!(
                    "  {}:{}: {} migration {}: {}",
                    f.file.display(),
                    f.line,
                    f.rule,
                    f.migration,
                    f.message
                );
            }
        }
        return Ok(None);
    }
    let message = format!(
        "the pending migrations have {} lint error{} for {dialect}: fix them, suppress each with `allow = [{{ rule = \"...\", reason = \"...\" }}]`, or pass --allow-lint-errors",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    if json {
        let doc = serde_json::json!({
            "ok": false,
            "error": message,
            "exit_code": ExitCode::LintFailed as u8,
            "findings": errors,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for f in &errors {
            eprintln!("{f}\n");
        }
        eprintln!("error: {message}");
    }
    Ok(Some(ExitCode::LintFailed))
}

fn summary_line(findings: &[Finding], dialects: &[Dialect]) -> String {
    let names: Vec<&str> = dialects.iter().map(|d| d.name()).collect();
    if findings.is_empty() {
        format!("lint: no findings ({})", names.join(", "))
    } else {
        format!("lint: {} ({})", Summary::of(findings), names.join(", "))
    }
}
