//! Comparing a (possibly composite) key with a key value, for keyset-paginated batches:
//! the row-constructor form `(a, b) > (x, y)` and the expanded form an index range scan can
//! serve on MySQL/MariaDB, which do not use an index for row-constructor comparisons.
//!
//! Keys are primary keys, so no column is NULL and both forms select the same rows.

use sea_query::{Expr, ExprTrait};

/// Which side of a key value a key range keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyCmp {
    /// `key > value`.
    Greater,
    /// `key <= value`.
    LessOrEqual,
    /// `key < value`.
    Less,
}

impl KeyCmp {
    /// `left <op> right` with this comparison.
    fn apply(self, left: Expr, right: Expr) -> Expr {
        match self {
            KeyCmp::Greater => left.gt(right),
            KeyCmp::LessOrEqual => left.lte(right),
            KeyCmp::Less => left.lt(right),
        }
    }

    /// The strict comparison in the same direction (`>` or `<`).
    fn strict(self) -> KeyCmp {
        match self {
            KeyCmp::Greater => KeyCmp::Greater,
            KeyCmp::LessOrEqual | KeyCmp::Less => KeyCmp::Less,
        }
    }

    /// The leading column's bound, inclusive (`>=` or `<=`).
    fn leading(self, left: Expr, right: Expr) -> Expr {
        match self {
            KeyCmp::Greater => left.gte(right),
            KeyCmp::LessOrEqual | KeyCmp::Less => left.lte(right),
        }
    }
}

/// `(a, b, ..) <op> (x, y, ..)` as a row constructor (`a <op> x` for one column).
pub fn row_compare(cols: Vec<Expr>, op: KeyCmp, values: Vec<Expr>) -> Expr {
    if cols.len() == 1 && values.len() == 1 {
        let (Some(c), Some(v)) = (cols.into_iter().next(), values.into_iter().next()) else {
            return Expr::cust("1 = 0");
        };
        return op.apply(c, v);
    }
    op.apply(Expr::tuple(cols), Expr::tuple(values))
}

/// The same comparison, expanded so that the leading column bounds an index range:
/// `a >= x AND (a > x OR (a = x AND (b > y OR (b = y AND c > z))))` for `(a, b, c) > (x, y, z)`.
pub fn expanded_compare(cols: Vec<Expr>, op: KeyCmp, values: Vec<Expr>) -> Expr {
    let pairs: Vec<(Expr, Expr)> = cols.into_iter().zip(values).collect();
    let Some((first_col, first_val)) = pairs.first().cloned() else {
        return Expr::cust("1 = 0");
    };
    if pairs.len() == 1 {
        return op.apply(first_col, first_val);
    }
    let mut rest = pairs.into_iter().rev();
    let Some((last_col, last_val)) = rest.next() else {
        return Expr::cust("1 = 0");
    };
    let mut tail = op.apply(last_col, last_val);
    for (c, v) in rest {
        tail = op
            .strict()
            .apply(c.clone(), v.clone())
            .or(c.eq(v).and(tail));
    }
    op.leading(first_col, first_val).and(tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_query::{MysqlQueryBuilder, Query};

    fn render(e: Expr) -> String {
        Query::select()
            .expr(Expr::cust("1"))
            .and_where(e)
            .to_string(MysqlQueryBuilder)
    }

    fn cols(n: &[&str]) -> Vec<Expr> {
        n.iter()
            .map(|c| Expr::col(sea_query::Alias::new(*c)))
            .collect()
    }

    fn vals(v: &[i64]) -> Vec<Expr> {
        v.iter().map(|v| Expr::val(*v)).collect()
    }

    #[test]
    fn expands_three_columns() {
        let sql = render(expanded_compare(
            cols(&["a", "b", "c"]),
            KeyCmp::Greater,
            vals(&[1, 2, 3]),
        ));
        assert!(
            sql.ends_with(
                "WHERE `a` >= 1 AND (`a` > 1 OR (`a` = 1 AND (`b` > 2 OR (`b` = 2 AND `c` > 3))))"
            ),
            "{sql}"
        );
        let sql = render(expanded_compare(
            cols(&["a", "b"]),
            KeyCmp::LessOrEqual,
            vals(&[5, 6]),
        ));
        assert!(
            sql.ends_with("WHERE `a` <= 5 AND (`a` < 5 OR (`a` = 5 AND `b` <= 6))"),
            "{sql}"
        );
    }

    #[test]
    fn one_column_is_a_plain_comparison() {
        let sql = render(expanded_compare(cols(&["a"]), KeyCmp::Less, vals(&[7])));
        assert!(sql.ends_with("WHERE `a` < 7"), "{sql}");
    }
}
