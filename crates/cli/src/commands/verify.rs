//! `cutover verify`.

use anyhow::Result;
use cutover_core::runner::{Runner, VerifyReport};

use super::output::Printer;
use super::runner_options;
use crate::cli::VerifyArgs;
use crate::exit::ExitCode;
use crate::project::Project;

fn print(report: &VerifyReport, json: bool) -> Result<()> {
    if json {
        let doc = serde_json::json!({ "ok": report.passed, "verify": report });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    for m in &report.migrations {
        let verdict = if m.passed { "passed" } else { "FAILED" };
        crate::outln!(
            "{} ({}): {verdict} ({} checks, {} backfills)",
            m.version,
            m.name,
            m.checks.len(),
            m.backfills.len()
        );
        for f in &m.failures {
            crate::outln!("  failed: {f}");
        }
        for w in &m.warnings {
            crate::outln!("  warning: {w}");
        }
    }
    if !report.unverified_backfills.is_empty() {
        crate::outln!(
            "no longer complete: {} (the contract gate refuses until `cutover backfill run {}` verifies them again)",
            report.unverified_backfills.join(", "),
            report.unverified_backfills.join(" ")
        );
    }
    for w in &report.warnings {
        crate::outln!("warning: {w}");
    }
    let failed = report.migrations.iter().filter(|m| !m.passed).count();
    crate::outln!(
        "\n{} migrations verified, {failed} failed ({})",
        report.migrations.len(),
        report.verified_at
    );
    Ok(())
}

/// `cutover verify`: exit 5 when any migration fails (a check on a table that stays locked
/// past the lock timeout fails), 0 when all pass, also when the result could not be
/// recorded (a read-only user: the report warns).
pub(crate) async fn run(project: &Project, args: &VerifyArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = super::open_existing(project, &args.connect).await?;
    let printer = Printer::new(json);
    let report = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    )
    .verify(&args.versions)
    .await;
    backend.close().await?;
    let report = report?;
    print(&report, json)?;
    Ok(if report.passed {
        ExitCode::Success
    } else {
        ExitCode::CheckFailed
    })
}
