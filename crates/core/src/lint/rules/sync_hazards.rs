//! Hazards of `sync = true` backfills, whose expressions run inside a trigger on every write
//! the old application makes: a transform that can raise fails that write
//! (`plan/sync-transform-can-fail`), and on MySQL/MariaDB the trigger runs with its
//! definer's rights (`mysql/sync-trigger-definer`).

use crate::dialect::Dialect;
use crate::lint::finding::{Finding, RuleInfo, Severity};
use crate::lint::walk::PlanView;
use crate::plan::Step;

/// `plan/sync-transform-can-fail`.
pub(crate) const SYNC_TRANSFORM_CAN_FAIL: RuleInfo = RuleInfo {
    id: "plan/sync-transform-can-fail",
    severity: Severity::Warning,
    dialect: None,
    origin: "cutover",
    summary: "A `sync = true` backfill computes a value that can raise an error (a cast, a division, NULL into a NOT NULL column)",
    explanation: "The sync trigger evaluates `set` inside the application's own INSERT or UPDATE: when the cast of a text value fails (`CAST(code AS integer)` with code = 'n/a') or a divisor is 0, the database raises and the application's write fails, not just the backfill; so does a NULL (a nullable source column, a CASE without ELSE) written into a NOT NULL column. A batch of the backfill stops on the same row.",
    fix: "Make the expression total: guard it with CASE (e.g. `CASE WHEN qty <> 0 THEN total / qty END`, `CASE WHEN code LIKE '[0-9]%' ...`), give a CASE an ELSE, wrap a value that can be NULL in coalesce(.., <default>) or limit the backfill with `where = \"col IS NOT NULL\"`, or clean the source values first; then test a write with a bad value on a copy.",
};

/// `mysql/sync-trigger-definer`.
pub(crate) const SYNC_TRIGGER_DEFINER: RuleInfo = RuleInfo {
    id: "mysql/sync-trigger-definer",
    severity: Severity::Warning,
    dialect: Some(Dialect::Mysql),
    origin: "cutover",
    summary: "A `sync = true` trigger on MySQL/MariaDB runs as the user that ran the migration",
    explanation: "MySQL and MariaDB triggers always run with their DEFINER's rights (there is no SQL SECURITY INVOKER for triggers), and the definer is the account `cutover up` connected as. If that account is dropped, renamed or loses UPDATE/SELECT on the table, every write of the application to the table fails (error 1449 \"The user specified as a definer does not exist\" or a privilege error) until the trigger is removed.",
    fix: "Run `cutover up` with a long-lived deployment account that owns the schema (not a personal one), keep it until `backfill retire` removed the trigger, and check `SHOW TRIGGERS` (column Definer) before dropping or changing accounts.",
};

/// Runs both rules over every `sync = true` backfill.
pub(crate) fn check(view: &PlanView<'_>, dialects: &[Dialect], out: &mut Vec<Finding>) {
    for s in &view.steps {
        let Step::Backfill(b) = s.step() else {
            continue;
        };
        if !b.sync {
            continue;
        }
        let id = b.id_in(&s.migration.version);
        let table = s.before.table(&b.table);
        // The trigger writes only rows its `where` holds for.
        let guarded: Vec<String> = b
            .r#where
            .iter()
            .flat_map(|w| w.required_not_null())
            .map(|c| c.column)
            .collect();
        let nullable = |c: &crate::expr::ColumnRef| {
            let own = c.table.as_deref().is_none_or(|t| t == b.table);
            own && !guarded.contains(&c.column)
                && table
                    .and_then(|t| t.column(&c.column))
                    .is_some_and(|col| col.is_nullable())
        };
        for (column, e) in &b.set {
            let not_null = table
                .and_then(|t| t.column(column))
                .is_some_and(|c| !c.is_nullable());
            if not_null && let Some(part) = e.null_source(&nullable) {
                out.push(s.finding(
                    &SYNC_TRANSFORM_CAN_FAIL,
                    format!(
                        "backfill `{}`: `set.{column}` can be NULL ({part}) and `{column}` is NOT NULL; in the sync trigger on `{}` that fails the application's write (wrap it in coalesce(.., <default>) or give the CASE an ELSE)",
                        id, b.table
                    ),
                ));
            }
            let parts = e.can_raise();
            if let Some(first) = parts.first() {
                out.push(s.finding(
                    &SYNC_TRANSFORM_CAN_FAIL,
                    format!(
                        "backfill `{}`: `set.{column}` has {first}; in the sync trigger on `{}` an error there fails the application's write",
                        id, b.table
                    ),
                ));
            }
        }
        let on_mysql = dialects.contains(&Dialect::Mysql) && s.located.runs_on(Dialect::Mysql);
        if on_mysql {
            out.push(s.finding(
                &SYNC_TRIGGER_DEFINER,
                format!(
                    "backfill `{}`: the sync trigger on `{}` runs as the account that runs `cutover up` (its DEFINER); keep that account and its rights until the backfill is retired",
                    id, b.table
                ),
            ));
        }
    }
}

#[cfg(test)]
#[path = "sync_hazards_tests.rs"]
mod tests;
