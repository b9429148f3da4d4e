//! Where subqueries may appear: refused in schema expressions (databases evaluate a CHECK,
//! a partial index's WHERE and a column default per row, without reading other tables), and
//! in an update backfill that reads its own table on a dialect that forbids it.

use super::model::Step;
use crate::dialect::Dialect;
use crate::error::Error;

type Invalid = (Option<String>, String);

/// Validates the subqueries of one step for the target dialects.
pub(crate) fn check_step(step: &Step, dialects: &[Dialect]) -> Result<(), Invalid> {
    if let Step::DeleteRows(d) = step {
        return own_table(("a DELETE FROM", "DELETE FROM"), &d.table, step, dialects);
    }
    let Step::Backfill(b) = step else {
        for (field, e) in step.expressions() {
            if e.has_subquery() {
                return Err((
                    Some(field.clone()),
                    format!(
                        "`{e}`: subqueries are not allowed in {}: the database evaluates it for \
                         one row without reading other tables; check the rule with a migration \
                         check (`query = \"SELECT COUNT(*) FROM ..\"`) or keep it in a backfill",
                        what(&field)
                    ),
                ));
            }
        }
        return Ok(());
    };
    if b.insert_into.is_some() {
        return Ok(());
    }
    own_table(("an UPDATE of", "UPDATE"), &b.table, step, dialects)
}

/// Refuses a subquery of `step` that reads `table`, the table the statement changes, where
/// a target dialect forbids it.
/// `statement` is how the message and the hint name the statement.
fn own_table(
    (statement, verb): (&str, &str),
    table: &str,
    step: &Step,
    dialects: &[Dialect],
) -> Result<(), Invalid> {
    for (field, e) in step.expressions() {
        if !e.reads_table(table) {
            continue;
        }
        if let Some(&d) = dialects.iter().find(|d| !d.sql().update_reads_own_table()) {
            let err = Error::unsupported(
                d,
                format!("{statement} `{table}` whose `{field}` reads `{table}` in a subquery"),
                format!(
                    "MySQL/MariaDB cannot {verb} a table that a subquery of the same statement \
                     reads (error 1093): compute the value in an earlier step into another \
                     table, or limit this step to the other databases with a per-dialect step"
                ),
            );
            return Err((Some(field), err.to_string()));
        }
    }
    Ok(())
}

/// What a schema expression field is, for messages.
fn what(field: &str) -> &'static str {
    if field.ends_with("default_expr") {
        "a column default"
    } else if field == "where" {
        "an index's `where`"
    } else {
        "a check constraint"
    }
}
