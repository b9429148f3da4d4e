//! `op = "delete_rows"`: `DELETE FROM table WHERE <portable expression>`, one statement.
//!
//! One statement rather than keyset batches: a rollback delete must remove every row it
//! selects or none (it commits with its progress row), and its `where` may select rows
//! through subqueries that a batch cursor over the table's key could not follow.

use sea_query::Query;

use super::ident;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::DeleteRows;

/// Renders the DELETE for `dialect`.
pub(crate) fn delete_rows(d: &DeleteRows, dialect: Dialect) -> Result<String> {
    let Some(w) = &d.r#where else {
        // Loading refuses this; a step built in code without `where` deletes nothing.
        return Err(Error::Other(format!(
            "delete_rows on `{}` has no `where`; write `where = \"TRUE\"` to delete every row",
            d.table
        )));
    };
    let mut stmt = Query::delete();
    stmt.from_table(ident(&d.table))
        .and_where(w.render(dialect)?);
    Ok(dialect.query(&stmt))
}
