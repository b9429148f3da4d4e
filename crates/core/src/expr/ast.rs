//! cutover's own small expression IR: only the portable vocabulary can be represented.

use crate::types::ColumnType;

use super::functions::Function;
use super::query::{Aggregate, Select};

/// A reference to a column, optionally qualified by its table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ColumnRef {
    /// The table (or alias) qualifying the column, when written as `table.column`.
    pub table: Option<String>,
    /// The column name, exactly as written (identifiers are case-sensitive and always quoted
    /// when rendered).
    pub column: String,
}

impl std::fmt::Display for ColumnRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.table {
            Some(table) => write!(f, "{table}.{}", self.column),
            None => f.write_str(&self.column),
        }
    }
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Literal {
    /// `NULL`.
    Null,
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// An integer that fits in 64 bits.
    Int(i64),
    /// Any other number, kept as its validated source text (`1.50`, `1e3`, huge integers).
    Number(String),
    /// A string (quotes removed, `''` unescaped).
    Str(String),
}

/// Binary operators (concatenation is the `concat` function).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    /// Division of two integers, truncating toward zero on every dialect (resolved from `Div`
    /// by the load-time type check when both operands are integers).
    IntDiv,
    Mod,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    And,
    Or,
}

/// Unary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum UnaryOp {
    /// `NOT x`.
    Not,
    /// `-x`.
    Neg,
}

/// A node of the IR.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A column reference.
    Column(ColumnRef),
    /// A literal.
    Literal(Literal),
    /// `NOT x`, `-x`.
    Unary(UnaryOp, Box<Node>),
    /// `x <op> y`.
    Binary(Box<Node>, BinaryOp, Box<Node>),
    /// `x IS [NOT] NULL`.
    IsNull { expr: Box<Node>, negated: bool },
    /// `x [NOT] LIKE pattern`.
    Like {
        expr: Box<Node>,
        pattern: Box<Node>,
        negated: bool,
    },
    /// `x [NOT] IN (a, b, ...)`.
    InList {
        expr: Box<Node>,
        list: Vec<Node>,
        negated: bool,
    },
    /// `x [NOT] BETWEEN low AND high`.
    Between {
        expr: Box<Node>,
        low: Box<Node>,
        high: Box<Node>,
        negated: bool,
    },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`; with an operand, each `when` is a value
    /// compared with `=`.
    Case {
        operand: Option<Box<Node>>,
        whens: Vec<(Node, Node)>,
        otherwise: Option<Box<Node>>,
    },
    /// `CAST(x AS <portable type>)`.
    Cast { expr: Box<Node>, ty: ColumnType },
    /// A call of a portable function, arguments already checked against its arity.
    Call { function: Function, args: Vec<Node> },
    /// A text operand of an equality, compared exactly (code point by code point, no case
    /// folding, no trailing-space padding); inserted by the load-time type check.
    Exact(Box<Node>),
    /// `left = right` on text where at least one side is a column the plan created
    /// (`stored`: which sides), so it is kept in the binary collation on MySQL and an index
    /// on it can serve the equality; compared exactly like [`Node::Exact`] operands.
    TextEq {
        left: Box<Node>,
        right: Box<Node>,
        stored: [bool; 2],
    },
    /// An aggregate (`COUNT(*)`, `SUM(x)`, ..): only in a query's select list or HAVING.
    Aggregate(Aggregate),
    /// `[NOT] EXISTS (SELECT ..)`.
    Exists { query: Box<Select>, negated: bool },
    /// `x [NOT] IN (SELECT ..)`.
    InQuery {
        expr: Box<Node>,
        query: Box<Select>,
        negated: bool,
    },
    /// `(SELECT ..)` yielding one value.
    Scalar(Box<Select>),
    /// A row value `(a, b, ..)`: only the left operand of the exact part of a narrowed
    /// `IN (SELECT ..)`, whose query selects as many values (inserted by the load-time type
    /// check, never parsed).
    Row(Vec<Node>),
    /// A text comparison in two parts: `plain` as written (an index on the column can serve
    /// it) and `exact`, the same comparison of the exact operands, which decides. `probes`
    /// are the operands whose type the plan does not know: where the database says one is
    /// not text (MySQL: `COLLATION(x) = 'binary'`), `plain` alone decides. `negated`: the
    /// comparison is `<>` / `NOT IN` (`plain` is written so, `exact` is the positive form).
    /// Inserted by the load-time type check; PostgreSQL and SQLite render `plain` only.
    Narrowed {
        plain: Box<Node>,
        exact: Box<Node>,
        probes: Vec<Node>,
        negated: bool,
    },
}

impl Node {
    /// Appends every column referenced by this node, in order of appearance, without duplicates.
    pub(crate) fn collect_columns(&self, out: &mut Vec<ColumnRef>) {
        match self {
            Node::Column(c) => {
                if !out.contains(c) {
                    out.push(c.clone());
                }
            }
            Node::Literal(_) => {}
            Node::Unary(_, x)
            | Node::IsNull { expr: x, .. }
            | Node::Cast { expr: x, .. }
            | Node::Exact(x)
            | Node::Narrowed { plain: x, .. } => x.collect_columns(out),
            Node::Binary(l, _, r)
            | Node::TextEq {
                left: l, right: r, ..
            }
            | Node::Like {
                expr: l,
                pattern: r,
                ..
            } => {
                l.collect_columns(out);
                r.collect_columns(out);
            }
            Node::InList { expr, list, .. } => {
                expr.collect_columns(out);
                list.iter().for_each(|n| n.collect_columns(out));
            }
            Node::Between {
                expr, low, high, ..
            } => {
                for n in [expr, low, high] {
                    n.collect_columns(out);
                }
            }
            Node::Case {
                operand,
                whens,
                otherwise,
            } => {
                if let Some(op) = operand {
                    op.collect_columns(out);
                }
                for (when, then) in whens {
                    when.collect_columns(out);
                    then.collect_columns(out);
                }
                if let Some(e) = otherwise {
                    e.collect_columns(out);
                }
            }
            Node::Call { args, .. } | Node::Row(args) => {
                args.iter().for_each(|n| n.collect_columns(out))
            }
            // Subqueries' columns too: those of their own tables and the correlated ones.
            Node::InQuery { expr, query, .. } => {
                expr.collect_columns(out);
                query.collect_columns(out);
            }
            Node::Aggregate(a) => a.arg.iter().for_each(|n| n.collect_columns(out)),
            Node::Exists { query, .. } | Node::Scalar(query) => query.collect_columns(out),
        }
    }

    /// The string value when this node is a string literal.
    pub(crate) fn as_str_literal(&self) -> Option<&str> {
        match self {
            Node::Literal(Literal::Str(s)) => Some(s),
            _ => None,
        }
    }
}
