//! Parsing: source text -> sqlparser AST -> validated IR.

use sqlparser::ast::{self as sql, CastKind};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::ast::{ColumnRef, Node};
use super::functions::{Function, supported_list};
use super::query::Place;
use crate::error::{Error, Result};
use crate::types::ColumnType;

/// A short description of the whole vocabulary, appended to "not supported" errors.
pub(crate) const VOCABULARY: &str = "column references (col, table.col), literals ('text', 42, \
1.5, TRUE, FALSE, NULL), + - * / %, = <> != < <= > >=, AND OR NOT, ||, IS [NOT] NULL, \
[NOT] LIKE, [NOT] IN (...), [NOT] BETWEEN, CASE, CAST(x AS type) and the functions";

/// Parses `src` into the IR, rejecting anything outside the portable vocabulary.
pub(crate) fn parse(src: &str) -> Result<Node> {
    let cx = Cx { src };
    if src.trim().is_empty() {
        return Err(cx.err("the expression is empty; write e.g. `media_url IS NOT NULL`"));
    }
    if let Some(msg) = super::limits::too_large(src) {
        return Err(cx.err(msg));
    }
    let dialect = GenericDialect {};
    let mut parser = Parser::new(&dialect)
        .try_with_sql(src)
        .map_err(|e| cx.syntax(e))?;
    let ast = parser.parse_expr().map_err(|e| cx.syntax(e))?;
    let next = parser.peek_token();
    if next.token != Token::EOF {
        return Err(cx.err(format!(
            "unexpected `{}` after the end of the expression (line {}, column {}); \
             an expression is a single value or condition, without `;` or a second clause",
            next.token, next.span.start.line, next.span.start.column
        )));
    }
    let node = cx.node(ast)?;
    if let Some(a) = node.find_aggregate() {
        return Err(cx.err(format!(
            "`{}` is an aggregate: aggregates are only allowed in a query's select list or HAVING; \
             use a scalar subquery, e.g. `(SELECT {}(..) FROM t WHERE ..)`",
            a.sql(),
            a.sql()
        )));
    }
    Ok(node)
}

/// Conversion context: the source text, for error messages.
pub(super) struct Cx<'a> {
    pub(super) src: &'a str,
}

impl Cx<'_> {
    pub(super) fn err(&self, message: impl Into<String>) -> Error {
        Error::Expr {
            expr: self.src.to_string(),
            message: message.into(),
        }
    }

    pub(super) fn syntax(&self, e: ParserError) -> Error {
        let msg = match e {
            ParserError::TokenizerError(m) | ParserError::ParserError(m) => m,
            ParserError::RecursionLimitExceeded => "the expression is nested too deeply".into(),
        };
        let hint = if msg.contains("found: *") {
            "; `*` is not allowed in an expression, name the columns"
        } else {
            ""
        };
        self.err(format!("syntax error: {msg}{hint}"))
    }

    pub(super) fn unsupported(&self, what: impl std::fmt::Display, hint: &str) -> Error {
        let hint = if hint.is_empty() {
            String::new()
        } else {
            format!("{hint}; ")
        };
        self.err(format!(
            "`{what}` is not supported in portable expressions; {hint}supported: {VOCABULARY}: {}",
            supported_list()
        ))
    }

    pub(super) fn boxed(&self, e: sql::Expr) -> Result<Box<Node>> {
        self.node(e).map(Box::new)
    }

    pub(super) fn node(&self, e: sql::Expr) -> Result<Node> {
        use sql::Expr as E;
        Ok(match e {
            E::Identifier(id) => Node::Column(ColumnRef {
                table: None,
                column: id.value,
            }),
            E::CompoundIdentifier(mut ids) if ids.len() == 2 => {
                let column = ids.pop().map(|i| i.value).unwrap_or_default();
                let table = ids.pop().map(|i| i.value);
                Node::Column(ColumnRef { table, column })
            }
            E::CompoundIdentifier(ids) => {
                let name = ids.iter().map(|i| i.value.as_str()).collect::<Vec<_>>();
                return Err(self.err(format!(
                    "`{}`: a column reference is `column` or `table.column`",
                    name.join(".")
                )));
            }
            E::Value(v) => Node::Literal(self.literal(v.value)?),
            E::Nested(x) => self.node(*x)?,
            E::UnaryOp { op, expr } => self.unary(op, *expr)?,
            E::BinaryOp { left, op, right } => self.binary(*left, op, *right)?,
            E::IsNull(x) => Node::IsNull {
                expr: self.boxed(*x)?,
                negated: false,
            },
            E::IsNotNull(x) => Node::IsNull {
                expr: self.boxed(*x)?,
                negated: true,
            },
            E::Like {
                negated,
                any: false,
                expr,
                pattern,
                escape_char: None,
            } => Node::Like {
                expr: self.boxed(*expr)?,
                pattern: self.boxed(*pattern)?,
                negated,
            },
            E::Like { .. } => {
                return Err(self.err(
                    "LIKE ... ESCAPE and LIKE ANY are not supported; write `x [NOT] LIKE 'pattern'`",
                ));
            }
            E::ILike { .. } => {
                return Err(self.err(
                    "ILIKE is not supported; write `lower(x) LIKE lower('pattern')` instead",
                ));
            }
            E::InList {
                expr,
                list,
                negated,
            } => {
                if list.is_empty() {
                    return Err(self.err("IN needs at least one value: `x IN ('a', 'b')`"));
                }
                Node::InList {
                    expr: self.boxed(*expr)?,
                    list: list
                        .into_iter()
                        .map(|n| self.node(n))
                        .collect::<Result<_>>()?,
                    negated,
                }
            }
            E::Between {
                expr,
                negated,
                low,
                high,
            } => Node::Between {
                expr: self.boxed(*expr)?,
                low: self.boxed(*low)?,
                high: self.boxed(*high)?,
                negated,
            },
            E::Case {
                operand,
                conditions,
                else_result,
                ..
            } => Node::Case {
                operand: operand.map(|o| self.boxed(*o)).transpose()?,
                whens: conditions
                    .into_iter()
                    .map(|w| Ok((self.node(w.condition)?, self.node(w.result)?)))
                    .collect::<Result<_>>()?,
                otherwise: else_result.map(|e| self.boxed(*e)).transpose()?,
            },
            E::Cast {
                kind: CastKind::Cast,
                expr,
                data_type,
                format: None,
            } => {
                let ty = data_type
                    .to_string()
                    .parse::<ColumnType>()
                    .map_err(|m| self.err(format!("in CAST: {m}")))?;
                Node::Cast {
                    expr: self.boxed(*expr)?,
                    ty,
                }
            }
            E::Cast { .. } => {
                return Err(self.err(
                    "only the form `CAST(x AS type)` is supported (not `x::type`, TRY_CAST or FORMAT)",
                ));
            }
            E::Trim {
                expr,
                trim_where: None,
                trim_what: None,
                trim_characters: None,
            } => Node::Call {
                function: Function::Trim,
                args: vec![self.node(*expr)?],
            },
            E::Trim { .. } => {
                return Err(self
                    .err("only `trim(text)` (removing leading and trailing spaces) is supported"));
            }
            E::Function(f) => self.function(f)?,
            E::Subquery(q) => Node::Scalar(Box::new(self.select(*q, Place::Scalar)?)),
            E::Exists { subquery, negated } => Node::Exists {
                query: Box::new(self.select(*subquery, Place::Exists)?),
                negated,
            },
            E::InSubquery {
                expr,
                subquery,
                negated,
            } => Node::InQuery {
                expr: self.boxed(*expr)?,
                query: Box::new(self.select(*subquery, Place::In)?),
                negated,
            },
            E::Wildcard(_) | E::QualifiedWildcard(..) => {
                return Err(self.err("`*` is not allowed in an expression; name the columns"));
            }
            other => return Err(self.unsupported(other, "")),
        })
    }
}
