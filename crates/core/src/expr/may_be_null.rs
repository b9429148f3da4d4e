//! Whether an expression can evaluate to NULL, for `plan/sync-transform-can-fail`: a sync
//! trigger writing NULL into a NOT NULL column fails the application's write.
//!
//! Conservative in one direction only, to keep the lint quiet on sound plans: a part is
//! named only when it clearly can be NULL (the NULL literal, a CASE without ELSE, `nullif`, a
//! scalar subquery, a column the caller says may hold NULL) and nothing around it takes the
//! NULL away (`coalesce` with an argument that cannot be NULL, IS [NOT] NULL, EXISTS).

use super::ast::{Literal, Node};
use super::functions::Function;

impl Node {
    /// The first part that can make this node NULL, described for a message; `nullable`
    /// says whether a column reference may hold NULL.
    pub(crate) fn null_source(
        &self,
        nullable: &dyn Fn(&super::ColumnRef) -> bool,
    ) -> Option<String> {
        match self {
            Node::Literal(Literal::Null) => Some("NULL".to_string()),
            Node::Literal(_) => None,
            Node::Column(c) => nullable(c).then(|| format!("`{}`, which may be NULL", c.column)),
            Node::IsNull { .. } | Node::Exists { .. } => None,
            Node::Case {
                whens, otherwise, ..
            } => match otherwise {
                None => Some("a CASE without ELSE".to_string()),
                Some(o) => first(nullable, whens.iter().map(|(_, t)| t).chain([&**o])),
            },
            Node::Call { function, args } => match function {
                Function::Coalesce => {
                    let all: Vec<String> = args
                        .iter()
                        .filter_map(|a| a.null_source(nullable))
                        .collect();
                    (all.len() == args.len()).then(|| all.join(", "))
                }
                Function::NullIf => Some("nullif(..)".to_string()),
                _ => first(nullable, args.iter()),
            },
            Node::Scalar(_) | Node::Aggregate(_) => Some("a subquery".to_string()),
            Node::Unary(_, x) | Node::Exact(x) | Node::Cast { expr: x, .. } => {
                x.null_source(nullable)
            }
            Node::Narrowed { plain, .. } => plain.null_source(nullable),
            Node::Binary(l, _, r) => first(nullable, [&**l, &**r]),
            Node::TextEq { left, right, .. } => first(nullable, [&**left, &**right]),
            Node::Like { expr, pattern, .. } => first(nullable, [&**expr, &**pattern]),
            Node::InList { expr, list, .. } => {
                first(nullable, std::iter::once(&**expr).chain(list))
            }
            Node::Between {
                expr, low, high, ..
            } => first(nullable, [&**expr, &**low, &**high]),
            Node::InQuery { expr, .. } => expr.null_source(nullable),
            Node::Row(args) => first(nullable, args.iter()),
        }
    }
}

impl Node {
    /// The columns this condition requires to be NOT NULL: `c IS NOT NULL` among the terms
    /// joined by AND at its top (a sync trigger writes only rows its `where` holds for).
    pub(crate) fn required_not_null(&self, out: &mut Vec<super::ColumnRef>) {
        match self {
            Node::Binary(l, super::ast::BinaryOp::And, r) => {
                l.required_not_null(out);
                r.required_not_null(out);
            }
            Node::IsNull {
                expr,
                negated: true,
            } => {
                if let Node::Column(c) = &**expr {
                    out.push(c.clone());
                }
            }
            _ => {}
        }
    }
}

/// The first of `nodes` that can be NULL.
fn first<'a>(
    nullable: &dyn Fn(&super::ColumnRef) -> bool,
    nodes: impl IntoIterator<Item = &'a Node>,
) -> Option<String> {
    nodes.into_iter().find_map(|n| n.null_source(nullable))
}

#[cfg(test)]
mod tests {
    use crate::expr::Expression;

    fn source(src: &str) -> Option<String> {
        let e = Expression::parse(src).expect("parses");
        e.null_source(&|c| c.column == "note")
    }

    #[test]
    fn null_parts_are_named() {
        assert_eq!(
            source("upper(note)").as_deref(),
            Some("`note`, which may be NULL")
        );
        assert_eq!(
            source("CASE WHEN code = 'a' THEN 'x' END").as_deref(),
            Some("a CASE without ELSE")
        );
        assert_eq!(source("nullif(code, '')").as_deref(), Some("nullif(..)"));
        assert_eq!(source("NULL").as_deref(), Some("NULL"));
    }

    #[test]
    fn guarded_parts_are_not() {
        assert_eq!(source("coalesce(upper(note), '-')"), None);
        assert_eq!(source("CASE WHEN code = 'a' THEN 'x' ELSE 'y' END"), None);
        assert_eq!(source("upper(code) || '!'"), None);
        assert_eq!(source("note IS NULL"), None);
    }
}
