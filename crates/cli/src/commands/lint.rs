//! `cutover lint`, and the lint gate that `cutover up` passes first.

use anyhow::Result;
use cutover_core::Dialect;
use cutover_core::lint::{Finding, Severity, Summary, has_errors, lint_plan, to_sarif};
use cutover_core::plan::Plan;

use crate::cli::LintArgs;
use crate::exit::ExitCode;
use crate::project::Project;

/// Lints the plan and prints the findings as text, JSON or SARIF; exit code 7 on errors.
pub fn run(project: &Project, args: &LintArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let dialects = if args.dialect.is_empty() {
        project.config.dialects.clone()
    } else {
        args.dialect.clone()
    };
    let findings = lint_plan(&plan, &dialects);
    if args.sarif {
        let cwd = std::env::current_dir().ok();
        let log = to_sarif(&findings, cwd.as_deref());
        crate::outln!("{}", serde_json::to_string_pretty(&log)?);
    } else if json {
        let doc = serde_json::json!({
            "ok": !has_errors(&findings),
            "dialects": dialects,
            "summary": Summary::of(&findings),
            "findings": findings,
        });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else {
        for f in &findings {
            crate::outln!("{f}\n");
        }
        crate::outln!("{}", summary_line(&findings, &dialects));
    }
    Ok(if has_errors(&findings) {
        ExitCode::LintFailed
    } else {
        ExitCode::Success
    })
}

/// The gate of `cutover up`: lints for the database's dialect and returns
/// `Some(ExitCode::LintFailed)`, after printing the errors, when the plan must not be
/// applied; `None` when it may (with `allow_errors`, after a warning).
pub(crate) fn gate(
    plan: &Plan,
    dialect: Dialect,
    allow_errors: bool,
    json: bool,
) -> Result<Option<ExitCode>> {
    let findings = lint_plan(plan, &[dialect]);
    let errors: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
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
        }
        return Ok(None);
    }
    let message = format!(
        "the plan has {} lint error{} for {dialect}: fix them, suppress each with `allow = [{{ rule = \"...\", reason = \"...\" }}]`, or pass --allow-lint-errors",
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
