//! Semantic checks of migration-level checks after parsing: one form (`table`, `query` or
//! `sql`), a query for every target dialect, and `on_fail` that fits `when`.

use super::model::{Check, CheckWhen, OnFail};
use super::validate::{Invalid, invalid};
use crate::dialect::Dialect;

/// Validates one migration-level check.
pub(crate) fn validate_check(check: &Check, dialects: &[Dialect]) -> Result<(), Invalid> {
    super::identifiers::check_check(check, dialects)?;
    let has_sql = check.sql.is_some()
        || check.postgres.is_some()
        || check.mysql.is_some()
        || check.sqlite.is_some();
    let forms = usize::from(check.table.is_some())
        + usize::from(has_sql)
        + usize::from(check.query.is_some());
    if forms > 1 {
        let field = if check.query.is_some() {
            "query"
        } else {
            "table"
        };
        return Err(invalid(
            field,
            "a check has one of `table` (with `where`), `query` (portable) or `sql`, not several",
        ));
    }
    if forms == 0 {
        return Err(invalid(
            "table",
            "a check needs `table` (and optionally `where`) to count rows, or `sql` returning one \
             number, or a portable `query` such as `SELECT COUNT(*) FROM t WHERE ..`",
        ));
    }
    if check.table.is_none() && check.r#where.is_some() {
        let home = if check.query.is_some() {
            "`query`"
        } else {
            "`sql`"
        };
        return Err(invalid(
            "where",
            format!("`where` goes with `table`; put the condition inside {home}"),
        ));
    }
    if has_sql && check.sql.is_none() {
        let missing = dialects.iter().find(|d| match d {
            Dialect::Postgres => check.postgres.is_none(),
            Dialect::Mysql => check.mysql.is_none(),
            Dialect::Sqlite => check.sqlite.is_none(),
        });
        if let Some(d) = missing {
            return Err(invalid(
                "sql",
                format!("no query for {d}: add `{d} = \"...\"` or a shared `sql`"),
            ));
        }
    }
    if let Some(q) = &check.query {
        for &d in dialects {
            if let Err(e) = q.to_sql(d) {
                return Err(invalid("query", e.to_string()));
            }
        }
    }
    if let Some(w) = &check.r#where {
        for &d in dialects {
            if let Err(e) = w.check(d) {
                return Err(invalid("where", e.to_string()));
            }
        }
    }
    if check.on_fail == OnFail::Skip && check.when == CheckWhen::After {
        return Err(invalid(
            "on_fail",
            "`on_fail = \"skip\"` only makes sense for `when = \"before\"`: an applied migration cannot be skipped",
        ));
    }
    Ok(())
}
