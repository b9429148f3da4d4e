//! Where subqueries may appear: refused in schema expressions (databases evaluate a CHECK,
//! a partial index's WHERE and a column default per row, without reading other tables), and
//! in an update backfill that reads its own table on a dialect that forbids it.

use super::model::Step;
use crate::dialect::Dialect;
use crate::error::Error;

type Invalid = (Option<String>, String);

/// Validates the subqueries of one step for the target dialects.
pub(crate) fn check_step(step: &Step, dialects: &[Dialect]) -> Result<(), Invalid> {
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
    for (field, e) in step.expressions() {
        if !e.reads_table(&b.table) {
            continue;
        }
        if let Some(&d) = dialects.iter().find(|d| !d.sql().update_reads_own_table()) {
            let err = Error::unsupported(
                d,
                format!(
                    "an UPDATE of `{}` whose `{field}` reads `{}` in a subquery",
                    b.table, b.table
                ),
                "MySQL/MariaDB cannot UPDATE a table that a subquery of the same statement reads \
                 (error 1093): compute the value in an earlier step into another table, or limit \
                 this step to the other databases with a per-dialect step",
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
