//! Rendering: IR -> `sea_query::Expr` for one dialect.
//!
//! Operators and the functions that are spelled the same everywhere are built here; every
//! function whose spelling differs is delegated to a [`SqlDialect`] method.

use sea_query::{Alias, BinOper, Expr, ExprTrait};

use super::ast::{BinaryOp, Literal, Node, UnaryOp};
use super::functions::Function;
use super::sql;
use crate::dialect::SqlDialect;
use crate::error::{Error, Result};

/// Renders `node` for `dialect`; `src` names the expression in `Unsupported` errors.
pub(crate) fn render(node: &Node, dialect: &dyn SqlDialect, src: &str) -> Result<Expr> {
    render_with(node, dialect, src, None)
}

/// Replaces some column references with other SQL while rendering.
pub(crate) type ColumnOverride<'a> = &'a dyn Fn(&super::ast::ColumnRef) -> Option<Expr>;

/// Like [`render`], with column references looked up in `columns` first.
pub(crate) fn render_with(
    node: &Node,
    dialect: &dyn SqlDialect,
    src: &str,
    columns: Option<ColumnOverride<'_>>,
) -> Result<Expr> {
    Renderer {
        d: dialect,
        columns,
    }
    .node(node)
    .map_err(|e| match e {
        Error::Unsupported {
            dialect,
            operation,
            hint,
        } => Error::Unsupported {
            dialect,
            operation: format!("{operation} (in expression `{src}`)"),
            hint,
        },
        other => other,
    })
}

pub(super) struct Renderer<'a> {
    pub(super) d: &'a dyn SqlDialect,
    pub(super) columns: Option<ColumnOverride<'a>>,
}

impl Renderer<'_> {
    fn all(&self, nodes: &[Node]) -> Result<Vec<Expr>> {
        nodes.iter().map(|n| self.node(n)).collect()
    }

    pub(super) fn node(&self, node: &Node) -> Result<Expr> {
        Ok(match node {
            Node::Column(c) if self.columns.and_then(|f| f(c)).is_some() => self
                .columns
                .and_then(|f| f(c))
                .unwrap_or_else(|| Expr::cust("NULL")),
            Node::Column(c) => match &c.table {
                Some(t) => Expr::col((Alias::new(t.clone()), Alias::new(c.column.clone()))),
                None => Expr::col(Alias::new(c.column.clone())),
            },
            Node::Literal(Literal::Str(text)) => self.d.expr_string(text),
            Node::Literal(lit) => literal(lit),
            Node::Unary(UnaryOp::Not, x) => self.node(x)?.not(),
            Node::Unary(UnaryOp::Neg, x) => sql::neg(self.node(x)?),
            Node::Binary(l, BinaryOp::IntDiv, r) => {
                self.d.expr_int_div(self.node(l)?, self.divisor(r)?)
            }
            Node::Binary(l, op @ (BinaryOp::Div | BinaryOp::Mod), r) => {
                self.node(l)?.binary(bin_oper(*op), self.divisor(r)?)
            }
            Node::Binary(l, op, r) => self.node(l)?.binary(bin_oper(*op), self.node(r)?),
            Node::Exact(x) => self.d.expr_exact_text(self.node(x)?),
            Node::Narrowed {
                plain,
                exact,
                probes,
                negated,
            } => self.d.expr_narrowed(
                self.node(plain)?,
                self.node(exact)?,
                self.all(probes)?,
                *negated,
            ),
            Node::TextEq {
                left,
                right,
                stored,
            } => self
                .d
                .expr_stored_text_eq(self.node(left)?, self.node(right)?, *stored),
            Node::IsNull { expr, negated } => {
                let x = self.node(expr)?;
                if *negated {
                    x.is_not_null()
                } else {
                    x.is_null()
                }
            }
            Node::Like {
                expr,
                pattern,
                negated,
            } => self
                .d
                .expr_like(self.node(expr)?, self.node(pattern)?, *negated),
            Node::InList {
                expr,
                list,
                negated,
            } => {
                let op = if *negated {
                    BinOper::NotIn
                } else {
                    BinOper::In
                };
                self.node(expr)?.binary(op, Expr::Tuple(self.all(list)?))
            }
            Node::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let op = if *negated {
                    BinOper::NotBetween
                } else {
                    BinOper::Between
                };
                let range = self.node(low)?.binary(BinOper::And, self.node(high)?);
                self.node(expr)?.binary(op, range)
            }
            Node::Case {
                operand,
                whens,
                otherwise,
            } => self.case(operand.as_deref(), whens, otherwise.as_deref())?,
            Node::Cast { expr, ty } => self.d.expr_cast(self.node(expr)?, *ty)?,
            Node::Call { function, args } => self.call(*function, args)?,
            Node::Aggregate(a) => self.aggregate(a)?,
            Node::Exists { query, negated } => {
                let q = self.subquery(query)?;
                if *negated {
                    Expr::not_exists(q)
                } else {
                    Expr::exists(q)
                }
            }
            Node::InQuery {
                expr,
                query,
                negated,
            } => {
                let x = self.node(expr)?;
                let q = self.subquery(query)?;
                if *negated {
                    x.not_in_subquery(q)
                } else {
                    x.in_subquery(q)
                }
            }
            Node::Row(items) => Expr::tuple(self.all(items)?),
            Node::Scalar(query) => Expr::SubQuery(None, Box::new(self.subquery(query)?.into())),
        })
    }

    /// The right operand of `/` or `%`: guarded so that a zero divisor gives NULL on every
    /// dialect ([`ExprDialect::expr_divisor`](crate::dialect::ExprDialect::expr_divisor)), except a non-zero number literal.
    fn divisor(&self, r: &Node) -> Result<Expr> {
        let nonzero = match r {
            Node::Literal(Literal::Int(i)) => *i != 0,
            Node::Literal(Literal::Number(n)) => n.parse::<f64>().is_ok_and(|f| f != 0.0),
            _ => false,
        };
        let x = self.node(r)?;
        Ok(if nonzero { x } else { self.d.expr_divisor(x) })
    }

    /// Searched CASE; the simple form `CASE x WHEN v ...` becomes `CASE WHEN x = v ...`.
    fn case(
        &self,
        operand: Option<&Node>,
        whens: &[(Node, Node)],
        otherwise: Option<&Node>,
    ) -> Result<Expr> {
        let operand = operand.map(|o| self.node(o)).transpose()?;
        let mut stmt = sea_query::CaseStatement::new();
        for (when, then) in whens {
            let when = self.node(when)?;
            let cond = match &operand {
                Some(o) => o.clone().eq(when),
                None => when,
            };
            stmt = stmt.case(cond, self.node(then)?);
        }
        if let Some(e) = otherwise {
            stmt = stmt.finally(self.node(e)?);
        }
        Ok(Expr::Case(Box::new(stmt)))
    }

    fn call(&self, function: Function, args: &[Node]) -> Result<Expr> {
        let d = self.d;
        let key = || {
            args.get(1)
                .and_then(Node::as_str_literal)
                .unwrap_or_default()
        };
        let mut rendered = self.all(args)?;
        let mut take = |i: usize| std::mem::replace(&mut rendered[i], Expr::null());
        Ok(match function {
            Function::Abs => sql::call("ABS", [take(0)]),
            Function::Coalesce => sql::call("COALESCE", rendered),
            Function::Concat => d.expr_concat(rendered),
            Function::JsonArray => d.expr_json_array(rendered),
            Function::Array => d.dialect().compound().expr_array(rendered),
            Function::ArrayLength => d.dialect().compound().expr_array_length(take(0)),
            Function::ArrayContains => d.dialect().compound().expr_array_contains(take(0), take(1)),
            Function::JsonObject => d.expr_json_object(rendered),
            Function::JsonGet => d.expr_json_get(take(0), key()),
            Function::JsonText => d.expr_json_text(take(0), key()),
            Function::JsonLength => d.expr_json_length(take(0)),
            Function::JsonType => d.expr_json_type(take(0)),
            Function::JsonValid => d.expr_json_valid(take(0))?,
            Function::Length => d.expr_char_length(take(0)),
            Function::Lower => sql::call("LOWER", rendered),
            Function::Upper => sql::call("UPPER", rendered),
            Function::Trim => sql::call("TRIM", rendered),
            Function::Replace => sql::call("REPLACE", rendered),
            Function::NullIf if args.len() == 3 => d.expr_null_if(take(0), take(1), take(2)),
            Function::NullIf => sql::call("NULLIF", rendered),
            Function::Now => d.expr_now(),
            Function::Uuid => d.expr_uuid(),
            Function::Round => {
                let digits = (args.len() > 1).then(|| take(1));
                d.expr_round(take(0), digits)
            }
            Function::SubstringAfterLast => {
                let literal_sep = args.get(1).and_then(Node::as_str_literal);
                d.expr_substring_after_last(take(0), take(1), literal_sep)?
            }
        })
    }
}

fn literal(lit: &Literal) -> Expr {
    match lit {
        Literal::Null => Expr::null(),
        Literal::Bool(b) => Expr::val(*b),
        Literal::Int(i) => Expr::val(*i),
        Literal::Number(text) => sql::atom(text.clone()),
        Literal::Str(s) => sql::string(s),
    }
}

fn bin_oper(op: BinaryOp) -> BinOper {
    match op {
        BinaryOp::Add => BinOper::Add,
        BinaryOp::Sub => BinOper::Sub,
        BinaryOp::Mul => BinOper::Mul,
        BinaryOp::Div | BinaryOp::IntDiv => BinOper::Div,
        BinaryOp::Mod => BinOper::Mod,
        BinaryOp::Eq => BinOper::Equal,
        BinaryOp::NotEq => BinOper::NotEqual,
        BinaryOp::Lt => BinOper::SmallerThan,
        BinaryOp::LtEq => BinOper::SmallerThanOrEqual,
        BinaryOp::Gt => BinOper::GreaterThan,
        BinaryOp::GtEq => BinOper::GreaterThanOrEqual,
        BinaryOp::And => BinOper::And,
        BinaryOp::Or => BinOper::Or,
    }
}
