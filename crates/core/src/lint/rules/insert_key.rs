//! `plan/insert-backfill-without-key`: an insert-select backfill that cannot tell the rows it
//! inserted from the ones still to insert.

use crate::backfill::target_key;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::{PlanView, StepView};
use crate::plan::{Backfill, Step};

/// `plan/insert-backfill-without-key`.
pub(crate) const INSERT_BACKFILL_WITHOUT_KEY: RuleInfo = RuleInfo {
    id: "plan/insert-backfill-without-key",
    severity: Severity::Warning,
    dialect: None,
    origin: "cutover",
    summary: "An insert backfill has no `pending` and its target no unique key over the inserted columns",
    explanation: "Such a backfill's only memory is its checkpoint: once it finished, source rows written later are never inserted (`backfill run` says \"already done\" and the verification fails), `backfill run --restart` or `--force` inserts every row a second time, and `on_conflict = \"ignore\"` has no key to conflict on.",
    fix: "Give the target a unique key over inserted columns (e.g. `unique = [{ columns = [\"profile_id\", \"position\"] }]`) and set `on_conflict = \"ignore\"`, or add a `pending` that skips source rows already inserted, e.g. `pending = \"NOT EXISTS (SELECT 1 FROM profile_media pm WHERE pm.profile_id = profiles.id)\"`.",
};

/// Runs the rule over every insert backfill whose target the plan defines.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        let Step::Backfill(b) = s.step() else {
            continue;
        };
        if let Some(message) = unkeyed_insert(s, b) {
            out.push(s.finding(&INSERT_BACKFILL_WITHOUT_KEY, message));
        }
    }
}

/// The finding's message when `b` inserts rows with neither `pending` nor a unique key of
/// its target made of inserted columns (primary key, unique constraint, full unique index or
/// unique column). Silent when the plan does not define the target
/// (its keys are unknown).
fn unkeyed_insert(s: &StepView<'_>, b: &Backfill) -> Option<String> {
    let target = b.insert_into.as_deref()?;
    if b.pending.is_some() {
        return None;
    }
    s.before.table(target)?;
    // The same key the engine derives for its default anti-join (see `target_key`).
    if !target_key(b, &s.before).is_empty() {
        return None;
    }
    let inserted: Vec<&str> = b.values.iter().map(|(c, _)| c.as_str()).collect();
    let id = b.id.as_deref().unwrap_or(b.table.as_str());
    Some(format!(
        "insert backfill `{id}` has no `pending` and `{target}` has no unique key over the columns it inserts ({}): new rows of `{}` are never picked up, and `--restart` inserts every row again",
        inserted.join(", "),
        b.table
    ))
}
