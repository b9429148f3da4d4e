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
        let stale = |e: Option<&Expression>| {
            let e = e?;
            // A subquery may read the table under an alias (`items AS x`): `x.status` is the
            // set column too.
            let names = e.names_of_table(&self.table);
            e.columns().into_iter().find(|c| {
                c.table
                    .as_deref()
                    .is_none_or(|t| t == self.table || names.iter().any(|n| n == t))
                    && self.set.iter().any(|(s, _)| *s == c.column)
            })
        };
        let stale_where = stale(self.r#where.as_ref());
        let stale_on = stale(self.from.as_ref().map(|j| &j.on));
        let first = stale_where
            .as_ref()
            .map(|c| ("where", c))
            .or(stale_on.as_ref().map(|c| ("from.on", c)));
        match (first, &self.undo_where) {
            (None, _) => Ok(UndoScope {
                r#where: self.r#where.clone(),
                from: self.from.clone(),
            }),
            (Some(_), Some(_)) => {
                // Only the stale part is dropped: a join that still selects the rows the
                // backfill wrote stays, so `undo` and `undo_where` may read its table.
                let from = if stale_on.is_some() {
                    None
                } else {
                    self.from.clone()
                };
                if let (None, Some(j)) = (&from, &self.from) {
                    let reads = |e: &Expression| {
                        e.columns()
                            .iter()
                            .any(|c| c.table.as_deref() == Some(j.table.as_str()))
                    };
                    if let Some((field, _)) = self
                        .undo
                        .iter()
                        .map(|(c, e)| (format!("undo.{c}"), e))
                        .chain(
                            self.undo_where
                                .iter()
                                .map(|e| ("undo_where".to_string(), e)),
                        )
                        .find(|(_, e)| reads(e))
                    {
                        return Err(format!(
                            "its `from.on` reads a column the backfill sets, so the undo cannot keep the join, but its `{field}` reads the joined table `{}`: make `{field}` read only `{}`",
                            j.table, self.table
                        ));
                    }
                }
                Ok(UndoScope {
                    r#where: if stale_where.is_some() {
                        None
                    } else {
                        self.r#where.clone()
                    },
                    from,
                })
            }
            (Some((name, col)), None) => Err(format!(
                "its `{name}` reads `{col}`, which the backfill sets, so after the backfill it no longer selects the rows the backfill changed and its `undo` expressions could rewrite rows it never touched: add `undo_where = \"...\"` to the step, selecting exactly the rows to undo (e.g. the values `set` wrote)"
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Backfill;

    fn step(r#where: &str) -> Backfill {
        toml::from_str(&format!(
            "table = \"items\"\nwhere = \"{where}\"\nset.status = \"'migrated'\"\nundo.status = \"'new'\"\nundo_log = false\n"
        ))
        .expect("step")
    }

    #[test]
    fn a_set_column_read_through_an_alias_in_a_subquery_is_refused() {
        let e =
            step("EXISTS (SELECT 1 FROM items AS x WHERE x.id = items.id AND x.status = 'new')")
                .undo_scope()
                .expect_err("refused");
        assert!(e.contains("`where`") && e.contains("x.status"), "{e}");
    }

    #[test]
    fn another_table_under_an_alias_is_no_set_column() {
        let s = step(
            "EXISTS (SELECT 1 FROM tags AS x WHERE x.item_id = items.id AND x.status = 'new')",
        );
        assert!(s.undo_scope().is_ok());
    }
}
