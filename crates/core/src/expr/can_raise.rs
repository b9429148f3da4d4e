//! The parts of an expression that can raise an error at run time on some rows: a cast to
//! a non-text type of a value that is not a literal (`CAST(code AS integer)` with `code` =
//! `'n/a'`), and a division or remainder by something other than a non-zero literal. In a
//! backfill batch such an error stops the batch; in a `sync = true` trigger it fails the
//! application's own write.

use super::ast::{BinaryOp, Literal, Node};
use crate::types::ColumnType;

impl Node {
    /// Appends a short description of each part that can raise to `out`.
    pub(crate) fn raising_parts(&self, out: &mut Vec<String>) {
        match self {
            Node::Cast { expr, ty } => {
                let safe_target = matches!(ty, ColumnType::Text | ColumnType::Varchar(_));
                if !safe_target && !matches!(**expr, Node::Literal(_)) {
                    out.push(format!("a cast to {ty}"));
                }
                expr.raising_parts(out);
            }
            Node::Binary(l, op, r) => {
                if matches!(op, BinaryOp::Div | BinaryOp::IntDiv | BinaryOp::Mod)
                    && !is_nonzero_literal(r)
                {
                    let what = if matches!(op, BinaryOp::Mod) {
                        "a remainder (%)"
                    } else {
                        "a division"
                    };
                    out.push(format!("{what} by a value that may be 0"));
                }
                l.raising_parts(out);
                r.raising_parts(out);
            }
            Node::Unary(_, x)
            | Node::IsNull { expr: x, .. }
            | Node::Exact(x)
            | Node::Narrowed { plain: x, .. } => x.raising_parts(out),
            Node::Like { expr, pattern, .. } => {
                expr.raising_parts(out);
                pattern.raising_parts(out);
            }
            Node::TextEq { left, right, .. } => {
                left.raising_parts(out);
                right.raising_parts(out);
            }
            Node::InList { expr, list, .. } => {
                expr.raising_parts(out);
                list.iter().for_each(|n| n.raising_parts(out));
            }
            Node::Between {
                expr, low, high, ..
            } => {
                for n in [expr, low, high] {
                    n.raising_parts(out);
                }
            }
            Node::Case {
                operand,
                whens,
                otherwise,
            } => {
                operand.iter().for_each(|o| o.raising_parts(out));
                for (w, t) in whens {
                    w.raising_parts(out);
                    t.raising_parts(out);
                }
                otherwise.iter().for_each(|o| o.raising_parts(out));
            }
            Node::Call { args, .. } | Node::Row(args) => {
                args.iter().for_each(|n| n.raising_parts(out))
            }
            Node::Column(_)
            | Node::Literal(_)
            | Node::Aggregate(_)
            | Node::Exists { .. }
            | Node::InQuery { .. }
            | Node::Scalar(_) => {}
        }
    }
}

fn is_nonzero_literal(n: &Node) -> bool {
    match n {
        Node::Literal(Literal::Int(i)) => *i != 0,
        Node::Literal(Literal::Number(s)) => s.parse::<f64>().is_ok_and(|f| f != 0.0),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::Expression;

    fn parts(src: &str) -> Vec<String> {
        Expression::parse(src).expect("parses").can_raise()
    }

    #[test]
    fn casts_of_values_and_divisions_by_values_can_raise() {
        assert_eq!(parts("CAST(code AS integer)"), ["a cast to integer"]);
        assert_eq!(
            parts("total / qty"),
            ["a division by a value that may be 0"]
        );
        assert_eq!(parts("n % k"), ["a remainder (%) by a value that may be 0"]);
        assert_eq!(
            parts("CASE WHEN a > 0 THEN CAST(b AS date) END"),
            ["a cast to date"]
        );
    }

    #[test]
    fn text_casts_literals_and_constant_divisors_cannot() {
        assert!(parts("CAST(id AS text)").is_empty());
        assert!(parts("CAST('5' AS integer)").is_empty());
        assert!(parts("total / 100").is_empty());
        assert!(parts("lower(email) || '@x'").is_empty());
        assert_eq!(parts("total / 0"), ["a division by a value that may be 0"]);
    }
}
