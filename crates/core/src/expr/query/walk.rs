//! Walking the expression IR: direct children, subqueries, misplaced aggregates.

use super::super::ast::Node;
use super::ast::AggFunc;

impl Node {
    /// The direct child expressions of this node (not the insides of subqueries).
    pub(crate) fn children(&self) -> Vec<&Node> {
        match self {
            Node::Column(_) | Node::Literal(_) | Node::Exists { .. } | Node::Scalar(_) => {
                Vec::new()
            }
            Node::Unary(_, x)
            | Node::IsNull { expr: x, .. }
            | Node::Cast { expr: x, .. }
            | Node::Exact(x)
            | Node::Narrowed { plain: x, .. }
            | Node::InQuery { expr: x, .. } => vec![x],
            Node::Binary(l, _, r)
            | Node::TextEq {
                left: l, right: r, ..
            }
            | Node::Like {
                expr: l,
                pattern: r,
                ..
            } => vec![l, r],
            Node::InList { expr, list, .. } => std::iter::once(&**expr).chain(list).collect(),
            Node::Between {
                expr, low, high, ..
            } => vec![expr, low, high],
            Node::Case {
                operand,
                whens,
                otherwise,
            } => operand
                .as_deref()
                .into_iter()
                .chain(whens.iter().flat_map(|(w, t)| [w, t]))
                .chain(otherwise.as_deref())
                .collect(),
            Node::Call { args, .. } | Node::Row(args) => args.iter().collect(),
            Node::Aggregate(a) => a.arg.as_deref().into_iter().collect(),
        }
    }

    /// Whether the expression contains a subquery.
    pub(crate) fn has_subquery(&self) -> bool {
        matches!(
            self,
            Node::Exists { .. } | Node::InQuery { .. } | Node::Scalar(_)
        ) || self.children().iter().any(|c| c.has_subquery())
    }

    /// Whether a subquery of the expression reads `table`.
    pub(crate) fn reads_table(&self, table: &str) -> bool {
        let own = match self {
            Node::Exists { query, .. } | Node::InQuery { query, .. } | Node::Scalar(query) => {
                query.reads_table(table)
            }
            _ => false,
        };
        own || self.children().iter().any(|c| c.reads_table(table))
    }

    /// Appends every table a subquery of the expression reads.
    pub(crate) fn collect_tables(&self, out: &mut Vec<String>) {
        if let Node::Exists { query, .. } | Node::InQuery { query, .. } | Node::Scalar(query) = self
        {
            query.collect_tables(out);
        }
        self.children().iter().for_each(|c| c.collect_tables(out));
    }

    /// Appends the names under which a subquery of the expression reads `table`.
    pub(crate) fn collect_aliases(&self, table: &str, out: &mut Vec<String>) {
        if let Node::Exists { query, .. } | Node::InQuery { query, .. } | Node::Scalar(query) = self
        {
            query.collect_aliases(table, out);
        }
        self.children()
            .iter()
            .for_each(|c| c.collect_aliases(table, out));
    }

    /// The first aggregate of this expression outside its subqueries.
    pub(crate) fn find_aggregate(&self) -> Option<AggFunc> {
        match self {
            Node::Aggregate(a) => Some(a.func),
            _ => self.children().iter().find_map(|c| c.find_aggregate()),
        }
    }
}
