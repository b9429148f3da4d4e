//! `plan/backfill-without-undo-log`: a backfill that keeps no undo log, so its undo (and the
//! `down` of its migration) can only apply the plan's `undo` expressions.

use crate::backfill::target_key;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::{PlanView, StepView};
use crate::plan::{Backfill, Step};

/// `plan/backfill-without-undo-log`.
pub(crate) const BACKFILL_WITHOUT_UNDO_LOG: RuleInfo = RuleInfo {
    id: "plan/backfill-without-undo-log",
    severity: Severity::Info,
    dialect: None,
    origin: "cutover",
    summary: "A backfill keeps no undo log: its undo applies the `undo` expressions only",
    explanation: "With an undo log, `cutover backfill undo` (and `down` of the migration) gives each row exactly the values it had before the backfill and leaves alone the rows changed since. Without one (`undo_log = false`, or an insert-select whose target has no unique key over the inserted columns, or that sets `pending`), undo runs the plan's `undo` expressions over the rows `undo_where` selects (insert-select: deletes what `undo_where` selects), which also overwrites or deletes changes users made after the backfill.",
    fix: "Remove `undo_log = false` unless the log's cost was measured to matter; for an insert-select, give the target a unique key over inserted columns (e.g. `unique = [{ columns = [\"user_id\", \"url\"] }]`) instead of `pending`. Otherwise make sure `undo` and `undo_where` are safe to run after users edited the rows.",
};

/// Runs the rule over every backfill step.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        let Step::Backfill(b) = s.step() else {
            continue;
        };
        if let Some(message) = why_no_log(s, b) {
            out.push(s.finding(&BACKFILL_WITHOUT_UNDO_LOG, message));
        }
    }
}

/// Why `b` keeps no undo log (the same conditions as the engine's), if it keeps none.
fn why_no_log(s: &StepView<'_>, b: &Backfill) -> Option<String> {
    let id = b.id.as_deref().unwrap_or(b.table.as_str());
    if b.undo_log == Some(false) {
        return Some(format!(
            "backfill `{id}` sets `undo_log = false`: its undo applies the `undo` expressions, overwriting changes made since the backfill"
        ));
    }
    let target = b.insert_into.as_deref()?;
    if !target_key(b, &s.before).is_empty() {
        return None;
    }
    let why = if b.pending.is_some() {
        "it sets `pending`".to_string()
    } else if s.before.table(target).is_none() {
        format!("the plan does not define `{target}`, so its unique keys are unknown")
    } else {
        format!("`{target}` has no unique key over the columns it inserts")
    };
    Some(format!(
        "insert backfill `{id}` keeps no undo log ({why}): its undo can only delete the rows `undo_where` selects, including rows users edited since"
    ))
}
