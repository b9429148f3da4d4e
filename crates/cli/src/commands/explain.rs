//! `cutover explain`: a table, Markdown (pull-request comments) or JSON.

use anyhow::{Result, anyhow};
use cutover_core::explain::{ExplainReport, QueryPlan, RowCount, RowSource, Sample, StepExplain};
use cutover_core::plan::Version;
use cutover_core::runner::Runner;

use super::output::Printer;
use super::runner_options;
use crate::cli::{ExplainArgs, ExplainFormat};
use crate::exit::ExitCode;
use crate::project::Project;

fn rows(r: Option<RowCount>) -> String {
    match r {
        None => "-".into(),
        Some(r) => {
            let prefix = if r.at_least { ">= " } else { "" };
            let how = match r.source {
                RowSource::Catalog => "~",
                RowSource::Count => "",
                RowSource::Busy => return "busy".into(),
            };
            format!("{how}{prefix}{}", r.rows)
        }
    }
}

fn duration(secs: f64) -> String {
    match secs {
        s if s < 1.0 => "under a second".into(),
        s if s < 90.0 => format!("{s:.0}s"),
        s if s < 5400.0 => format!("{:.0}min", s / 60.0),
        s => format!("{:.1}h", s / 3600.0),
    }
}

fn backfill_line(s: &StepExplain) -> Option<String> {
    let b = s.backfill.as_ref()?;
    let pending = b
        .pending
        .map(|p| rows(Some(p)))
        .unwrap_or_else(|| "?".into());
    let eta = match (b.eta_seconds, b.rows_per_second, &b.rate_from) {
        (Some(eta), Some(rate), Some(from)) => {
            format!("ETA {} at {rate:.0} rows/s ({from})", duration(eta))
        }
        _ => "duration unknown: no run measured on this database yet (try --sample)".into(),
    };
    let eta = match b.sample {
        Some(s) => format!(
            "{eta}; sample batch: {} rows in {} ms, rolled back (no commit or checkpoint: a real run is slower)",
            s.rows, s.millis
        ),
        None => match &b.sample_error {
            Some(e) => format!("{eta}; sample batch failed and was rolled back: {e}"),
            None => eta,
        },
    };
    let how = b
        .pending_note
        .as_ref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    Some(format!(
        "backfill `{}`: {pending} rows pending{how}, {eta}",
        b.id
    ))
}

fn plans(report: &ExplainReport) -> Vec<(String, &QueryPlan)> {
    let mut out = Vec::new();
    for m in &report.migrations {
        for s in &m.steps {
            if let Some(b) = &s.backfill {
                out.push((m.version.text.clone(), &b.batch));
            }
        }
        for c in &m.checks {
            out.push((m.version.text.clone(), c));
        }
    }
    out
}

fn print_table(report: &ExplainReport) {
    let changed = if report.sampled() {
        "sample batches ran and were rolled back"
    } else {
        "nothing was changed"
    };
    crate::outln!("{} {} ({changed})\n", report.dialect, report.server);
    let mut lines = vec![[
        "VERSION".to_string(),
        "STEP".into(),
        "OP".into(),
        "TABLE".into(),
        "LOCK".into(),
        "ALGORITHM".into(),
        "WORK".into(),
        "ROWS".into(),
        "NOTE".into(),
    ]];
    let mut extra: Vec<(usize, String)> = Vec::new();
    for m in &report.migrations {
        for s in &m.steps {
            lines.push([
                m.version.text.clone(),
                s.step.to_string(),
                s.op.clone(),
                s.table.clone().unwrap_or_else(|| "-".into()),
                s.impact.lock.clone(),
                s.impact.algorithm.clone().unwrap_or_else(|| "-".into()),
                s.impact.work.as_str().into(),
                rows(s.rows),
                s.impact.note.clone(),
            ]);
            if let Some(line) = backfill_line(s) {
                extra.push((lines.len() - 1, line));
            }
        }
    }
    let mut width = [0usize; 9];
    for l in &lines {
        for (w, c) in width.iter_mut().zip(l.iter()) {
            *w = (*w).max(c.chars().count());
        }
    }
    for (i, l) in lines.iter().enumerate() {
        let cells: Vec<String> = l
            .iter()
            .zip(width.iter())
            .enumerate()
            .map(|(j, (c, w))| match j {
                8 => c.clone(),
                7 => format!("{c:>w$}"),
                _ => format!("{c:<w$}"),
            })
            .collect();
        crate::outln!("{}", cells.join("  "));
        for (_, e) in extra.iter().filter(|(at, _)| *at == i) {
            crate::outln!("{:indent$}{e}", "", indent = width[0] + 2);
        }
    }
    for (version, p) in plans(report) {
        crate::outln!("\n{version} {}:", p.what);
        if let Some(e) = &p.error {
            crate::outln!("  {e}");
        }
        for l in &p.plan {
            crate::outln!("  {l}");
        }
    }
    if !report.warnings.is_empty() {
        crate::outln!("\nwarnings:");
        for w in &report.warnings {
            crate::outln!("  {w}");
        }
    }
    crate::outln!("\nnotes:");
    for n in &report.notes {
        crate::outln!("  {n}");
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

fn print_markdown(report: &ExplainReport) {
    crate::outln!(
        "### cutover explain: {} {}\n",
        report.dialect,
        cell(&report.server)
    );
    crate::outln!("| Migration | Step | Op | Table | Lock | Algorithm | Work | Rows | Note |");
    crate::outln!("|---|---|---|---|---|---|---|---:|---|");
    for m in &report.migrations {
        for s in &m.steps {
            crate::outln!(
                "| {} | {} | `{}` | {} | {} | {} | {} | {} | {} |",
                cell(&format!("{} ({})", m.version, m.name)),
                s.step,
                s.op,
                cell(s.table.as_deref().unwrap_or("-")),
                cell(&s.impact.lock),
                s.impact.algorithm.as_deref().unwrap_or("-"),
                s.impact.work.as_str(),
                rows(s.rows),
                cell(&s.impact.note)
            );
        }
    }
    let backfills: Vec<String> = report
        .migrations
        .iter()
        .flat_map(|m| m.steps.iter().filter_map(backfill_line))
        .collect();
    if !backfills.is_empty() {
        crate::outln!();
        for b in backfills {
            crate::outln!("- {b}");
        }
    }
    if !report.warnings.is_empty() {
        crate::outln!("\n**Warnings**\n");
        for w in &report.warnings {
            crate::outln!("- :warning: {w}");
        }
    }
    crate::outln!("\n<details><summary>Query plans</summary>\n");
    for (version, p) in plans(report) {
        crate::outln!("{version} {}:\n", p.what);
        crate::outln!("```");
        if let Some(e) = &p.error {
            crate::outln!("{e}");
        }
        for l in &p.plan {
            crate::outln!("{l}");
        }
        crate::outln!("```\n");
    }
    crate::outln!("</details>\n");
    for n in &report.notes {
        crate::outln!("_{n}_  ");
    }
}

fn version(v: &Option<String>, flag: &str) -> Result<Option<Version>> {
    v.as_deref()
        .map(|t| Version::parse(t).ok_or_else(|| anyhow!("{flag} {t}: not a version")))
        .transpose()
}

/// `cutover explain`.
pub(crate) async fn run(project: &Project, args: &ExplainArgs, json: bool) -> Result<ExitCode> {
    let plan = project.load_plan()?;
    let (from, to) = (version(&args.from, "--from")?, version(&args.to, "--to")?);
    let sample = if args.sample {
        Sample::OneBatch
    } else {
        Sample::No
    };
    let mut backend = super::open_existing(project, &args.connect).await?;
    let printer = Printer::new(json);
    let report = Runner::new(
        backend.as_mut(),
        &plan,
        runner_options(project, &args.connect),
        &printer,
    )
    .explain(from, to, sample)
    .await;
    backend.close().await?;
    let report = report?;
    if json {
        let doc = serde_json::json!({ "ok": true, "explain": report });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
    } else if args.format == ExplainFormat::Markdown {
        print_markdown(&report);
    } else {
        print_table(&report);
    }
    Ok(ExitCode::Success)
}
