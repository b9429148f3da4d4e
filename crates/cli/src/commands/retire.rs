//! `cutover backfill retire`, and how retired backfills are shown.

use anyhow::{Result, bail};
use cutover_core::runner::{BackfillStatus, Runner};

use super::output::Printer;
use super::{open, runner_options};
use crate::cli::BackfillRetireArgs;
use crate::exit::ExitCode;
use crate::project::Project;

/// `cutover backfill retire ID --yes [--reason TEXT]`.
pub(crate) async fn retire(
    project: &Project,
    args: &BackfillRetireArgs,
    json: bool,
) -> Result<ExitCode> {
    if !args.yes {
        bail!(
            "`backfill retire` makes the contract gate stop waiting for and re-verifying backfill `{}`: run it again with --yes",
            args.id
        );
    }
    let plan = project.load_plan()?;
    let mut backend = open(project, &args.connect).await?;
    let printer = Printer::new(json);
    let outcome = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    )
    .retire_backfill(&args.id, args.reason.as_deref())
    .await;
    backend.close().await?;
    let outcome = outcome?;
    if json {
        crate::outln!("{}", serde_json::json!({ "ok": true, "retired": outcome }));
    } else if outcome.already {
        crate::outln!(
            "backfill {} was already retired ({})",
            outcome.id,
            outcome.retirement
        );
    } else {
        crate::outln!(
            "retired backfill {} of migration {} (it was {}): {}",
            outcome.id,
            outcome.migration,
            outcome.previous,
            outcome.retirement
        );
    }
    Ok(ExitCode::Success)
}

/// The line `backfill run` prints for a retired backfill it skips.
pub(crate) fn skipped_line(status: &BackfillStatus) -> String {
    format!(
        "backfill {}: retired, skipped ({})",
        status.id,
        status
            .retired
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    )
}
