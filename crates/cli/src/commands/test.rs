//! `cutover test`: the cross-dialect CI command.

use anyhow::{Result, bail};
use cutover_core::plantest::{Fixtures, Opener, test_plan_with};

use crate::cli::TestArgs;
use crate::exit::ExitCode;
use crate::project::Project;

/// Runs the plan test on every database and prints the report.
pub(crate) async fn run(project: &Project, args: &TestArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let urls: Vec<String> = if args.databases.is_empty() {
        let names: Vec<String> = project.config.targets.keys().cloned().collect();
        names
            .iter()
            .map(|n| project.config.target_url(n))
            .collect::<cutover_core::Result<_>>()?
    } else {
        args.databases.clone()
    };
    if urls.is_empty() {
        bail!(
            "no database to test on: pass --database URL (repeatable) or define targets in cutover.toml"
        );
    }
    let open: Box<Opener> =
        Box::new(|url: String| Box::pin(async move { crate::connect::connect(&url).await }));
    let fixture_files = if args.fixtures.is_empty() {
        project.config.test_fixtures.clone()
    } else {
        args.fixtures.clone()
    };
    let fixtures = Fixtures::load(&fixture_files)?;
    let report = test_plan_with(&plan, &urls, open.as_ref(), &fixtures).await?;
    if json {
        crate::outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({ "ok": report.ok, "test": report }))?
        );
    } else {
        for db in &report.databases {
            crate::outln!(
                "{} ({}) - {} in {} ms",
                db.dialect,
                db.url,
                if db.ok { "PASS" } else { "FAIL" },
                db.duration_ms
            );
            for s in &db.steps {
                let what = s
                    .migration
                    .clone()
                    .unwrap_or_else(|| "all migrations".into());
                crate::outln!(
                    "  {:<5} {:<40} {}",
                    s.phase,
                    what,
                    if s.ok { "ok" } else { "FAIL" }
                );
                for p in &s.problems {
                    crate::outln!("        {p}");
                }
            }
        }
        let failed = report.databases.iter().filter(|d| !d.ok).count();
        if report.cross_dialect.is_empty() && failed == 0 {
            crate::outln!(
                "schemas and rows agree across {} database(s)",
                report.databases.len()
            );
        } else if report.cross_dialect.is_empty() {
            crate::outln!(
                "FAIL: {failed} of {} database(s) failed (see above); no difference found between what they ran",
                report.databases.len()
            );
        } else {
            crate::outln!("schemas or rows differ across databases:");
            for c in &report.cross_dialect {
                crate::outln!("  {c}");
            }
        }
    }
    Ok(if report.ok {
        ExitCode::Success
    } else {
        ExitCode::TestFailed
    })
}
