//! The text report of `cutover backfill undo`.

use cutover_core::backfill::UndoReport;

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

/// `1 row`, `2 rows`.
fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}
