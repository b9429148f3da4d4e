//! The text report of `cutover backfill undo`.

use cutover_core::backfill::{UndoPreview, UndoReport};

/// The lines printed for an undo: what was restored, how, and the rows left alone.
pub(crate) fn undo_lines(report: &UndoReport) -> Vec<String> {
    let mut out = Vec::new();
    let how = if report.method == "log" {
        "exactly, from its undo log"
    } else {
        "with the plan's `undo` expressions"
    };
    out.push(format!(
        "undid backfill {} {how}: {} restored in {}, {} ms",
        report.id,
        plural(report.rows_restored, "row", "rows"),
        plural(report.batches, "batch", "batches"),
        report.duration_ms
    ));
    if let Some(note) = &report.note {
        out.push(format!("note: {note}"));
    }
    if report.rows_left_alone > 0 {
        let keys: Vec<String> = report
            .left_alone_keys
            .iter()
            .map(|k| format!("({})", k.join(", ")))
            .collect();
        let more = if report.rows_left_alone as usize > keys.len() {
            ", ..."
        } else {
            ""
        };
        out.push(format!(
            "left alone {} changed after the backfill wrote them (their current values are kept, including the columns the backfill wrote): keys {}{more}",
            plural(report.rows_left_alone, "row", "rows"),
            keys.join(", ")
        ));
    }
    out
}

/// The lines printed for `backfill undo --dry-run`.
pub(crate) fn preview_lines(p: &UndoPreview) -> Vec<String> {
    let mut out = Vec::new();
    if p.method == "log" {
        out.push(format!(
            "dry run, nothing written: undo of backfill {} would restore {} exactly from its undo log and leave alone {} changed or deleted since ({} logged)",
            p.id,
            plural(p.would_restore, "row", "rows"),
            plural(p.would_leave_alone, "row", "rows"),
            p.logged
        ));
    } else {
        let rows = match &p.selects {
            Some(selects) => format!("{} ({selects})", plural(p.would_restore, "row", "rows")),
            None => "the rows `undo_where` selects".to_string(),
        };
        out.push(format!(
            "dry run, nothing written: backfill {} has no undo log here, so undo would apply the plan's `undo` expressions to {rows}, overwriting changes made since the backfill",
            p.id
        ));
    }
    if let Some(note) = &p.note {
        out.push(format!("note: {note}"));
    }
    out
}

/// `1 row`, `2 rows`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
