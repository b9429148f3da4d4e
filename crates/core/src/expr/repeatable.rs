//! Whether an expression gives the same value each time it is evaluated on the same row
//! within one transaction (the undo log evaluates a backfill's `set` expressions once to log
//! them and once more in the batch's UPDATE, and both must agree).

use super::ast::Node;
use super::functions::Function;

impl Node {
    /// No `uuid()`, no aggregate or subquery, and `now()` only when `clock_pinned` (the
    /// session's clock is fixed for the batch).
    pub(crate) fn is_repeatable(&self, clock_pinned: bool) -> bool {
        let all =
            |mut nodes: std::slice::Iter<'_, &Node>| nodes.all(|n| n.is_repeatable(clock_pinned));
        match self {
            Node::Column(_) | Node::Literal(_) => true,
            Node::Unary(_, x)
            | Node::IsNull { expr: x, .. }
            | Node::Cast { expr: x, .. }
            | Node::Exact(x)
            | Node::Narrowed { plain: x, .. } => x.is_repeatable(clock_pinned),
            Node::Binary(l, _, r)
            | Node::TextEq {
                left: l, right: r, ..
            }
            | Node::Like {
                expr: l,
                pattern: r,
                ..
            } => all([&**l, &**r].iter()),
            Node::InList { expr, list, .. } => {
                expr.is_repeatable(clock_pinned)
                    && list.iter().all(|n| n.is_repeatable(clock_pinned))
            }
            Node::Between {
                expr, low, high, ..
            } => all([&**expr, &**low, &**high].iter()),
            Node::Case {
                operand,
                whens,
                otherwise,
            } => {
                operand.iter().all(|o| o.is_repeatable(clock_pinned))
                    && whens.iter().all(|(w, t)| {
                        w.is_repeatable(clock_pinned) && t.is_repeatable(clock_pinned)
                    })
                    && otherwise.iter().all(|o| o.is_repeatable(clock_pinned))
            }
            Node::Call { function, args } => {
                let own = match function {
                    Function::Uuid => false,
                    Function::Now => clock_pinned,
                    _ => true,
                };
                own && args.iter().all(|n| n.is_repeatable(clock_pinned))
            }
            Node::Row(items) => items.iter().all(|n| n.is_repeatable(clock_pinned)),
            // A subquery reads other rows, which the two evaluations may see differently.
            Node::Aggregate(_) | Node::Exists { .. } | Node::InQuery { .. } | Node::Scalar(_) => {
                false
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::expr::Expression;

    fn repeatable(src: &str, pinned: bool) -> bool {
        Expression::parse(src)
            .map(|e| e.is_repeatable(pinned))
            .unwrap_or(true)
    }

    #[test]
    fn clock_and_uuid_calls_are_not_repeatable() {
        assert!(repeatable("concat(coalesce(label, ''), '!')", false));
        assert!(repeatable(
            "CASE WHEN a LIKE '%x' THEN 1 ELSE abs(b) END",
            false
        ));
        assert!(!repeatable("now()", false));
        assert!(repeatable("now()", true));
        assert!(!repeatable("coalesce(x, uuid())", true));
        assert!(!repeatable("CASE WHEN a IS NULL THEN now() END", false));
        assert!(!repeatable("(SELECT max(v) FROM other)", true));
    }
}
