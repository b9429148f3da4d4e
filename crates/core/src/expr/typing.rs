//! The load-time type check of an expression against the plan's schema model.
//!
//! Every column reference is looked up (a column the model proves missing is an error with a
//! "did you mean"), every operator and function is checked against the kinds of values it
//! gets (arithmetic on text, comparing a number with text, ... are errors), and the tree is
//! resolved where the databases would otherwise disagree: a division of two integers becomes
//! [`BinaryOp::IntDiv`] and the operands of a text equality are wrapped in [`Node::Exact`].

mod calls;
mod operators;

use super::ast::{Literal, Node, UnaryOp};
use super::functions::Function;
use super::kinds::{Lookup, Scope, ValueKind};
use super::kinds::{comparable, enum_literal_problem, unify};
use super::narrow;
use super::query::{AggFunc, Catalog, check_select};

/// Type-checks `node`, rewriting it where the dialects need help to agree; returns its kind.
/// Subqueries resolve their tables in `catalog`; aggregates are refused.
pub(crate) fn check(
    node: &mut Node,
    scope: Scope<'_>,
    catalog: Catalog<'_>,
) -> Result<ValueKind, String> {
    check_node(node, scope, catalog, false)
}

/// Like [`check`]; `aggregates` allows aggregates (a query's select list and HAVING).
pub(crate) fn check_node(
    node: &mut Node,
    scope: Scope<'_>,
    catalog: Catalog<'_>,
    aggregates: bool,
) -> Result<ValueKind, String> {
    Checker {
        scope,
        catalog,
        aggregates,
    }
    .node(node)
}

#[derive(Clone, Copy)]
struct Checker<'a> {
    scope: Scope<'a>,
    catalog: Catalog<'a>,
    aggregates: bool,
}

impl Checker<'_> {
    fn node(&self, node: &mut Node) -> Result<ValueKind, String> {
        use ValueKind::*;
        Ok(match node {
            Node::Column(c) => match (self.scope)(c) {
                Lookup::Found(k) | Lookup::Stored(k) => k,
                Lookup::Unknown => Unknown,
                Lookup::Missing(msg) => return Err(msg),
            },
            Node::Literal(Literal::Null) => Null,
            Node::Literal(Literal::Bool(_)) => Boolean,
            Node::Literal(Literal::Int(_)) => Integer,
            Node::Literal(Literal::Number(_)) => Number,
            Node::Literal(Literal::Str(_)) => StringLiteral,
            Node::Exact(x) => self.node(x)?,
            Node::Narrowed { plain, .. } => self.node(plain)?,
            Node::TextEq { left, right, .. } => {
                self.node(left)?;
                self.node(right)?;
                Boolean
            }
            Node::Unary(UnaryOp::Not, x) => {
                self.condition(x, "NOT")?;
                Boolean
            }
            Node::Unary(UnaryOp::Neg, x) => {
                let k = self.node(x)?;
                self.number(k, "unary minus")?;
                k
            }
            Node::Binary(..) => self.binary(node)?,
            Node::IsNull { expr, .. } => {
                self.node(expr)?;
                Boolean
            }
            Node::Like { expr, pattern, .. } => {
                for x in [expr, pattern] {
                    let k = self.node(x)?;
                    if !(k.textual() || k.loose()) {
                        return Err(format!("LIKE needs text, not {k}: CAST it to text first"));
                    }
                }
                Boolean
            }
            Node::InList { expr, list, .. } => {
                let k = self.node(expr)?;
                let mut all_text = k.textual();
                let mut kinds = Vec::with_capacity(list.len());
                for item in list.iter_mut() {
                    let ik = self.node(item)?;
                    self.compare(k, expr, ik, item, "IN")?;
                    all_text &= ik.textual() || ik == Null;
                    kinds.push(ik);
                }
                let stored = all_text && self.stored_text(expr) && list.iter().all(is_literal);
                if stored || narrow::loose_list(k, &kinds) {
                    narrow::in_list(node, k == Unknown);
                } else if all_text {
                    if list.iter().all(is_literal) {
                        exact(expr);
                    } else {
                        exact(expr);
                        list.iter_mut().filter(|n| !is_literal(n)).for_each(exact);
                    }
                }
                Boolean
            }
            Node::Between {
                expr, low, high, ..
            } => {
                let k = self.node(expr)?;
                for bound in [low, high] {
                    let bk = self.node(bound)?;
                    self.compare(k, expr, bk, bound, "BETWEEN")?;
                }
                Boolean
            }
            Node::Case {
                operand,
                whens,
                otherwise,
            } => {
                if let Some(Node::Column(c)) = operand.as_deref()
                    && matches!(
                        (self.scope)(c),
                        Lookup::Unknown | Lookup::Stored(ValueKind::Text)
                    )
                {
                    narrow::case_operand(operand, whens);
                }
                let operand_kind = match operand {
                    Some(o) => Some(self.node(o)?),
                    None => None,
                };
                let mut result = Null;
                for (when, then) in whens.iter_mut() {
                    match (operand.as_deref_mut(), operand_kind) {
                        (Some(o), Some(ok)) => {
                            let wk = self.node(when)?;
                            self.compare(ok, o, wk, when, "CASE")?;
                            if ok.textual() && wk.textual() && !is_literal(when) {
                                exact(when);
                            }
                        }
                        _ => self.condition(when, "CASE WHEN")?,
                    }
                    let tk = self.node(then)?;
                    result = unify(result, tk)?;
                }
                if let (Some(o), Some(ok)) = (operand.as_deref_mut(), operand_kind)
                    && ok.textual()
                    && whens.iter().any(|(w, _)| w.as_str_literal().is_some())
                {
                    exact(o);
                }
                if let Some(e) = otherwise {
                    result = unify(result, self.node(e)?)?;
                }
                result
            }
            Node::Cast { expr, ty } => {
                let from = self.node(expr)?;
                let from_text = from.textual() || from.loose() || matches!(from, Enum(_));
                let to_enum = matches!(ty, crate::types::ColumnType::Enum(_));
                if matches!(ty, crate::types::ColumnType::Array(_)) || (to_enum && !from_text) {
                    return Err(format!(
                        "CAST to {ty} is not portable (native on PostgreSQL, JSON or text elsewhere): write arrays with array(..); only text converts to an enum"
                    ));
                }
                let to_integer = matches!(
                    ty,
                    crate::types::ColumnType::Integer | crate::types::ColumnType::BigInt
                );
                if to_integer && from == Number {
                    round_before_cast(expr);
                }
                ValueKind::of(*ty)
            }
            Node::Call { function, args } => self.call(*function, args)?,
            Node::Aggregate(a) => {
                if !self.aggregates {
                    return Err(format!(
                        "`{}` is an aggregate: only allowed in a query's select list or HAVING",
                        a.func.sql()
                    ));
                }
                let inner = Checker {
                    aggregates: false,
                    ..*self
                };
                let k = match a.arg.as_deref_mut() {
                    Some(x) => inner.node(x)?,
                    None => Integer,
                };
                match a.func {
                    AggFunc::Count => Integer,
                    AggFunc::Min | AggFunc::Max => k,
                    // An integer sum is an integer everywhere (MySQL's is DECIMAL), so that
                    // dividing it is integer division as for a column.
                    AggFunc::Sum | AggFunc::IntegerSum if k == Integer => {
                        a.func = AggFunc::IntegerSum;
                        Integer
                    }
                    AggFunc::Sum | AggFunc::IntegerSum | AggFunc::Avg => {
                        self.number(k, a.func.sql())?;
                        if k.loose() { Unknown } else { Number }
                    }
                }
            }
            Node::Exists { query, .. } => {
                check_select(query, self.scope, self.catalog)?;
                Boolean
            }
            Node::Row(items) => {
                for item in items {
                    self.node(item)?;
                }
                Unknown
            }
            Node::Scalar(query) => one(check_select(query, self.scope, self.catalog)?),
            Node::InQuery { expr, query, .. } => {
                let k = self.node(expr)?;
                let qk = one(check_select(query, self.scope, self.catalog)?);
                if let Some(item) = query.items.first_mut().map(|i| &mut i.expr) {
                    self.compare(k, expr, qk, item, "IN")?;
                    if k.textual() && qk.textual() {
                        exact_pair(expr, item);
                    } else if narrow::loose(k, qk) {
                        narrow::in_query(node, k == Unknown);
                    }
                }
                Boolean
            }
        })
    }

    /// Whether `node` is a text column of a table the plan created (binary collation on
    /// MySQL), which an equality can leave bare for its index.
    fn stored_text(&self, node: &Node) -> bool {
        match node {
            Node::Column(c) => (self.scope)(c) == Lookup::Stored(ValueKind::Text),
            _ => false,
        }
    }

    /// Checks that `node` is a condition.
    fn condition(&self, node: &mut Node, what: &str) -> Result<(), String> {
        let k = self.node(node)?;
        if k == ValueKind::Boolean || k.loose() {
            Ok(())
        } else {
            Err(format!(
                "{what} needs a condition, not {k}: compare it with something (e.g. `x <> 0`)"
            ))
        }
    }

    fn number(&self, k: ValueKind, what: &str) -> Result<(), String> {
        if k.numeric() || k.loose() {
            Ok(())
        } else {
            Err(format!(
                "{what} on {k}: the databases disagree on its meaning (PostgreSQL refuses it, SQLite and MySQL convert the text to 0); CAST(x AS bigint) or CAST(x AS decimal(p,s)) first if that is meant"
            ))
        }
    }

    fn compare(
        &self,
        a: ValueKind,
        an: &Node,
        b: ValueKind,
        bn: &Node,
        what: &str,
    ) -> Result<(), String> {
        let problem = match (a, b) {
            (ValueKind::Enum(v), _) => enum_literal_problem(v, bn),
            (_, ValueKind::Enum(v)) => enum_literal_problem(v, an),
            _ => None,
        };
        if let Some(p) = problem {
            return Err(format!("{what}: {p}"));
        }
        if comparable(a, an, b, bn) {
            Ok(())
        } else {
            Err(format!(
                "{what} of {a} with {b}: the databases disagree on its meaning; CAST one side so both have the same type"
            ))
        }
    }
}

/// The kind of a one-column subquery.
fn one(kinds: Vec<ValueKind>) -> ValueKind {
    kinds.first().copied().unwrap_or(ValueKind::Unknown)
}

/// Rounds a non-integer number before it is CAST to an integer: PostgreSQL and MySQL round
/// half away from zero where SQLite truncates; `round(x)` agrees everywhere.
fn round_before_cast(expr: &mut Node) {
    let inner = std::mem::replace(expr, Node::Literal(Literal::Null));
    *expr = Node::Call {
        function: Function::Round,
        args: vec![inner],
    };
}

/// Whether `node` is a literal (compared in the connection's character set as it is).
fn is_literal(node: &Node) -> bool {
    matches!(node, Node::Literal(_))
}

/// Makes a text equality exact: wrapping one side makes the comparison binary, but a
/// column in another character set must be converted too, so only literals stay unwrapped.
/// Casts `side` (an enum) to text when `other` is text that is not a bare string literal.
fn enum_as_text(side: &mut Node, kind: &mut ValueKind, other: &Node, other_kind: ValueKind) {
    if matches!(kind, ValueKind::Enum(_))
        && other_kind.textual()
        && other.as_str_literal().is_none()
    {
        let inner = std::mem::replace(side, Node::Literal(Literal::Null));
        *side = Node::Cast {
            expr: Box::new(inner),
            ty: crate::types::ColumnType::Text,
        };
        *kind = ValueKind::Text;
    }
}

pub(super) fn exact_pair(l: &mut Node, r: &mut Node) {
    match (is_literal(l), is_literal(r)) {
        (_, true) => exact(l),
        (true, false) => exact(r),
        (false, false) => {
            exact(l);
            exact(r);
        }
    }
}

/// Wraps a text operand so that it compares exactly (once).
pub(super) fn exact(node: &mut Node) {
    if !matches!(node, Node::Exact(_) | Node::Literal(Literal::Null)) {
        let inner = std::mem::replace(node, Node::Literal(Literal::Null));
        *node = Node::Exact(Box::new(inner));
    }
}
