//! `cutover status` and `cutover validate`.

use anyhow::Result;
use cutover_core::runner::{Runner, StatusReport};

use super::output::Printer;
use super::runner_options;
use crate::cli::{ConnectOpts, StatusArgs};
use crate::exit::ExitCode;
use crate::project::Project;

fn print(report: &StatusReport, json: bool) -> Result<()> {
    if json {
        let doc = serde_json::json!({ "ok": true, "status": report });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    // As wide as the longest version (timestamps have 14 digits).
    let width = report
        .migrations
        .iter()
        .map(|m| m.version.text.len())
        .max()
        .unwrap_or(0)
        .max(8);
    crate::outln!(
        "{:<width$} {:<10} {:<9} {:<24} NAME",
        "VERSION",
        "STATE",
        "PHASE",
        "APPLIED"
    );
    for m in &report.migrations {
        let mut state = m.state.clone();
        if let Some((done, total)) = m.progress {
            state = format!("{state} {done}/{total}");
        }
        let mut notes: Vec<String> = Vec::new();
        if m.checksum_ok == Some(false) {
            notes.push("checksum changed".into());
        }
        if m.out_of_order {
            notes.push("out of order".into());
        }
        if let Some(w) = &m.soak {
            notes.push(w.summary());
        }
        if let Some(s) = &m.soak_skipped {
            notes.push(s.clone());
        }
        if let Some(v) = &m.last_verified {
            let result = if v.passed { "passed" } else { "FAILED" };
            let at: String = v.at.chars().take(19).collect();
            notes.push(format!("verified {at}: {result}"));
        }
        let phase = m
            .phase
            .map(|p| format!("{p:?}").to_lowercase())
            .unwrap_or_else(|| "-".into());
        let applied = m.applied_at.clone().unwrap_or_else(|| "-".into());
        let applied: String = applied.chars().take(23).collect();
        let notes = if notes.is_empty() {
            String::new()
        } else {
            format!("  [{}]", notes.join(", "))
        };
        crate::outln!(
            "{:<width$} {:<10} {:<9} {:<24} {}{notes}",
            m.version.text,
            state,
            phase,
            applied,
            m.name
        );
    }
    if !report.backfills.is_empty() {
        crate::outln!();
        for b in &report.backfills {
            crate::outln!(
                "backfill {:<26} {:<12} {} rows changed, {} batches ({})",
                b.id,
                b.state,
                b.rows_changed,
                b.batches,
                b.migration
            );
            if let Some(r) = &b.retired {
                crate::outln!("         {r}");
            }
            let trigger = b.sync_trigger.as_deref().unwrap_or_default();
            if b.sync_active {
                crate::outln!(
                    "         sync trigger active ({trigger}): writes to the source columns reach the target"
                );
            }
            if b.sync_missing {
                crate::outln!(
                    "         sync trigger MISSING ({trigger}): writes of the old version no longer reach the target; `cutover backfill run {id}` installs it again",
                    id = b.id
                );
            }
            if b.sync_altered {
                crate::outln!(
                    "         sync trigger ALTERED ({trigger}): its definition is not the plan's (replaced by hand?); `cutover backfill run {id}` installs the plan's again",
                    id = b.id
                );
            }
            if let Some(n) = b.undo_log_rows {
                if b.state == "retired" {
                    crate::outln!(
                        "         undo log: {n} rows, left by the retirement (a lock?): `cutover backfill retire {} --yes` again drops it",
                        b.id
                    );
                } else {
                    crate::outln!(
                        "         undo log: {n} rows (`cutover backfill undo {} --dry-run` counts what undo would restore)",
                        b.id
                    );
                }
            }
            if let Some(t) = &b.undo_capture_trigger {
                crate::outln!(
                    "         undo log trigger {t} is on the table: a run is in progress, or one was stopped and left it (it costs the application's UPDATEs a little); {} removes it",
                    trigger_remedy(b)
                );
            }
        }
    }
    if let Some(note) = &report.foreign_history {
        crate::outln!("\nnote: {note}");
    }
    crate::outln!(
        "\n{} pending, {} failed or unfinished, {} checksum mismatches ({})",
        report.pending,
        report.failed,
        report.checksum_mismatches,
        report.dialect
    );
    Ok(())
}

/// `cutover status`.
pub(crate) async fn status(project: &Project, args: &StatusArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = super::open_existing(project, &args.connect).await?;
    let printer = Printer::new(json);
    let report = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    )
    .status()
    .await?;
    print(&report, json)?;
    backend.close().await?;
    Ok(if args.exit_code && report.pending > 0 {
        ExitCode::Pending
    } else {
        ExitCode::Success
    })
}

/// `cutover validate`.
pub(crate) async fn validate(
    project: &Project,
    opts: &ConnectOpts,
    json: bool,
) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = super::open_existing(project, opts).await?;
    let printer = Printer::new(json);
    let report = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, opts),
        &printer,
    )
    .validate()
    .await?;
    if json {
        print(&report, json)?;
    } else {
        crate::outln!(
            "valid: {} migrations in the plan, {} pending",
            plan.migrations.len(),
            report.pending
        );
    }
    backend.close().await?;
    Ok(ExitCode::Success)
}

/// `cutover drift`.
pub(crate) async fn drift(project: &Project, opts: &ConnectOpts, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let mut backend = super::open_existing(project, opts).await?;
    let printer = Printer::new(json);
    let report = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, opts),
        &printer,
    )
    .drift()
    .await;
    backend.close().await?;
    let report = report?;
    if json {
        let doc = serde_json::json!({ "ok": report.differences.is_empty(), "drift": report });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else if report.differences.is_empty() {
        if report.applied.is_empty() {
            crate::outln!(
                "no drift: no migration is applied and the schema has no table of the plan"
            );
        } else {
            crate::outln!(
                "no drift: the schema matches migrations {}",
                report.applied.join(", ")
            );
        }
    } else {
        for d in &report.differences {
            crate::outln!("{}: {}", d.object, d.detail);
        }
        crate::outln!(
            "\n{} difference(s) from the schema of the applied migrations",
            report.differences.len()
        );
    }
    Ok(if report.differences.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Drift
    })
}

/// What removes a backfill's leftover undo log trigger, given its state.
pub(crate) fn trigger_remedy(b: &cutover_core::runner::BackfillStatus) -> String {
    if b.state == "retired" {
        format!("`cutover backfill retire {} --yes` again", b.id)
    } else {
        format!(
            "the next `cutover backfill run {0}` or `cutover backfill undo {0} --yes`",
            b.id
        )
    }
}
