//! Printing run progress and summaries.

use std::io::IsTerminal;

use cutover_core::runner::{Event, Reporter, RunReport};

use super::progress::Bar;

/// Prints events as lines on stderr (text mode), or nothing (JSON mode).
pub(crate) struct Printer {
    quiet: bool,
    bar: Bar,
    /// The last replica wait printed, without its numbers (a changing lag prints once).
    replica: std::sync::Mutex<String>,
}

impl Printer {
    /// A printer; `json` silences it so stdout holds only the JSON document.
    pub(crate) fn new(json: bool) -> Printer {
        Printer {
            quiet: json,
            bar: Bar::new(json),
            replica: std::sync::Mutex::new(String::new()),
        }
    }
}

impl Reporter for Printer {
    fn event(&self, event: &Event<'_>) {
        if self.quiet {
            return;
        }
        match event {
            Event::MigrationStarted {
                label,
                direction,
                statements,
            } => {
                eprintln!(
                    "{} {label} ({statements} statements)",
                    if *direction == "down" {
                        "reverting"
                    } else {
                        "applying"
                    }
                );
            }
            Event::Check(c) => {
                eprintln!(
                    "  check {} [{}]: {} (got {}, expected {})",
                    c.name,
                    if matches!(c.when, cutover_core::plan::CheckWhen::Before) {
                        "before"
                    } else {
                        "after"
                    },
                    if c.passed { "PASS" } else { "FAIL" },
                    c.value,
                    c.expected
                );
            }
            Event::StatementDone { index, total } if std::io::stderr().is_terminal() => {
                eprint!("\r  statement {index}/{total}");
                if index == total {
                    eprintln!();
                }
            }
            Event::Retry { message, attempt } => eprintln!("  retry {attempt} after: {message}"),
            Event::MigrationDone { label, duration_ms } => {
                eprintln!("  done {label} in {duration_ms} ms")
            }
            Event::Skipped { label, check } => {
                eprintln!("  skipped {label}: precondition `{check}` failed")
            }
            Event::Warning(w) => eprintln!("  warning: {w}"),
            Event::BackfillProgress {
                id,
                changed,
                batches,
                fraction,
                estimate,
                batch_ms,
            } => {
                if let Ok(mut last) = self.replica.lock() {
                    last.clear();
                }
                self.bar
                    .update(id, *changed, *batches, *fraction, *estimate, *batch_ms);
            }
            Event::BackfillReplica {
                id,
                replica,
                status,
                paused,
            } => {
                let line = if *paused {
                    format!("  {id}: paused: {status} ({replica})")
                } else {
                    format!("  {id}: {status} ({replica})")
                };
                let shape: String = line.chars().filter(|c| !c.is_ascii_digit()).collect();
                if let Ok(mut last) = self.replica.lock()
                    && *last != shape
                {
                    *last = shape;
                    eprintln!("{line}");
                }
                self.bar.note(&line);
            }
            Event::BackupTaken { path, before } => {
                eprintln!("backed up to {path} before {before}")
            }
            Event::BackfillDone(r) => {
                self.bar.finish();
                eprintln!(
                    "  backfill {}: {} ({} rows changed, {} batches, {} retries, {} ms)",
                    r.id, r.outcome, r.rows_changed, r.batches, r.retries, r.duration_ms
                );
            }
            _ => {}
        }
    }
}

/// Prints the summary of `up` / `down`.
pub(crate) fn print_run(report: &RunReport, verb: &str, json: bool) -> anyhow::Result<()> {
    if json {
        let doc = serde_json::json!({ "ok": true, "command": verb, "report": report });
        crate::outln!("{}", serde_json::to_string_pretty(&doc)?);
        return Ok(());
    }
    for w in &report.warnings {
        crate::outln!("warning: {w}");
    }
    if report.migrations.is_empty() && report.stopped_before.is_none() {
        crate::outln!("nothing to {verb}: the database is up to date");
        return Ok(());
    }
    for m in &report.migrations {
        crate::outln!(
            "{:<9} {} ({})  {} statements, {} ms",
            m.outcome,
            m.version,
            m.name,
            m.statements,
            m.duration_ms
        );
    }
    if let Some(path) = &report.backup {
        crate::outln!("backup    {path}");
    }
    if let Some(stop) = &report.stopped_before {
        crate::outln!("stopped before {stop} (--phase)");
    }
    Ok(())
}

/// A time per row for people: three significant digits (`173`, `2.41`, `0.0123`).
pub(crate) fn per_row(ms: f64) -> String {
    if !ms.is_finite() || ms <= 0.0 {
        return "0".into();
    }
    let digits = (2 - ms.log10().floor() as i32).clamp(0, 6) as usize;
    format!("{ms:.digits$}")
}

#[cfg(test)]
mod tests {
    use super::per_row;

    #[test]
    fn per_row_keeps_three_significant_digits() {
        assert_eq!(per_row(173.0), "173");
        assert_eq!(per_row(2.4123), "2.41");
        assert_eq!(per_row(0.012345), "0.0123");
        assert_eq!(per_row(0.0), "0");
        assert_eq!(per_row(12345.6), "12346");
    }
}
