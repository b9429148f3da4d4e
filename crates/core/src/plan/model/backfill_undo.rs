//! Which rows the expression undo of an update-form backfill may write: never more than the
//! backfill's own `where` (and join) selected.

use crate::expr::Expression;

use super::backfill::{Backfill, Join};

/// The row scope of an expression undo: the `where` and `from` it keeps from the backfill
/// (its `undo_where` is applied within them as the rows still to undo).
#[derive(Debug, Clone, PartialEq)]
pub struct UndoScope {
    /// The backfill's `where`, kept so the undo never writes rows the backfill skipped.
    pub r#where: Option<Expression>,
    /// The backfill's join, kept for the same reason (rows without a match were not written).
    pub from: Option<Join>,
}

impl Backfill {
    /// The rows the `undo` expressions of this update-form backfill may write. `where` and
    /// `from.on` are kept unless one reads a column the backfill `set`s (then they no longer
    /// select the rows it changed): the undo then runs over `undo_where` alone, and without
    /// `undo_where` it is refused. `Err` holds why, naming the column, and what to add.
    pub fn undo_scope(&self) -> std::result::Result<UndoScope, String> {
        let stale = [
            ("where", self.r#where.as_ref()),
            ("from.on", self.from.as_ref().map(|j| &j.on)),
        ]
        .into_iter()
        .find_map(|(name, e)| {
            e?.columns()
                .into_iter()
                .find(|c| {
                    c.table.as_deref().is_none_or(|t| t == self.table)
                        && self.set.iter().any(|(s, _)| *s == c.column)
                })
                .map(|c| (name, c))
        });
        match (stale, &self.undo_where) {
            (None, _) => Ok(UndoScope {
                r#where: self.r#where.clone(),
                from: self.from.clone(),
            }),
            (Some(_), Some(_)) => Ok(UndoScope {
                r#where: None,
                from: None,
            }),
            (Some((name, col)), None) => Err(format!(
                "its `{name}` reads `{col}`, which the backfill sets, so after the backfill it no longer selects the rows the backfill changed and its `undo` expressions could rewrite rows it never touched: add `undo_where = \"...\"` to the step, selecting exactly the rows to undo (e.g. the values `set` wrote)"
            )),
        }
    }
}
