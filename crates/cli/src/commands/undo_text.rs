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
        "undid backfill {} {how}: {} rows restored in {} batches, {} ms",
        report.id, report.rows_restored, report.batches, report.duration_ms
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
            "left alone {} rows changed after the backfill wrote them (their current values are kept): keys {}{more}",
            report.rows_left_alone,
            keys.join(", ")
        ));
    }
    out
}
