//! Plan-wide rules about changing rows: backfills that are not idempotent and raw SQL that
//! changes a whole table in one statement.

use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::sql_facts::Fact;
use crate::lint::walk::PlanView;
use crate::plan::Step;

/// `plan/backfill-without-pending`.
pub(crate) const BACKFILL_WITHOUT_PENDING: RuleInfo = RuleInfo {
    id: "plan/backfill-without-pending",
    severity: Severity::Warning,
    dialect: None,
    origin: "cutover",
    summary: "A backfill has no `pending` predicate (not idempotent)",
    explanation: "Without `pending`, a backfill cannot tell rows already done from rows still to do: a re-run from the start (`backfill run --restart`, needed after the definition changes) rewrites every row again, holding row locks and generating replication traffic for nothing, and a `set` that reads the column it writes (`n = n + 1`) changes rows twice.",
    fix: "Add `pending = \"<condition true only for rows not yet done>\"`, e.g. `pending = \"attachments IS NULL\"`; an insert-select backfill can use `on_conflict = \"ignore\"` instead, with a unique key on the target over the inserted columns.",
};

/// `plan/unbatched-data-change`.
pub(crate) const UNBATCHED_DATA_CHANGE: RuleInfo = RuleInfo {
    id: "plan/unbatched-data-change",
    severity: Severity::Error,
    dialect: None,
    origin: "cutover",
    summary: "Raw SQL updates or deletes every row of an existing table in one statement",
    explanation: "One UPDATE/DELETE over a whole table locks every row it touches until the migration commits: writers queue behind it, replicas fall behind by the whole change, and on MySQL the undo log grows with the table. On a large table this is an outage.",
    fix: "Use a `backfill` step: it changes rows in small batches with checkpoints, throttling and resume; or give the statement a WHERE that limits it to a few rows.",
};

/// Runs the rules of this file.
pub(crate) fn check(view: &PlanView<'_>, out: &mut Vec<Finding>) {
    for s in &view.steps {
        match s.step() {
            Step::Backfill(b) => {
                let idempotent_insert = b.insert_into.is_some() && b.on_conflict.is_some();
                if b.pending.is_none() && !idempotent_insert {
                    let id = b.id.as_deref().unwrap_or(b.table.as_str());
                    out.push(s.finding(
                        &BACKFILL_WITHOUT_PENDING,
                        format!("backfill `{id}` has no `pending` predicate"),
                    ));
                }
            }
            Step::Sql(_) => {
                for fact in s.all_facts() {
                    let (verb, table) = match fact {
                        Fact::Update { table, whole: true } => ("UPDATE", table),
                        Fact::Delete { table, whole: true } => ("DELETE FROM", table),
                        _ => continue,
                    };
                    if s.existing(table) {
                        out.push(s.finding(
                            &UNBATCHED_DATA_CHANGE,
                            format!(
                                "`{verb} {table}` without a WHERE changes every row of an existing table in one statement"
                            ),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
}
