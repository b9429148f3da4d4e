//! Parsing of literals and operators (part of [`super::parse`]).

use sqlparser::ast::{self as sql, BinaryOperator, UnaryOperator};

use super::ast::{BinaryOp, Literal, Node, UnaryOp};
use super::functions::Function;
use super::parse::Cx;
use crate::error::Result;

impl Cx<'_> {
    pub(super) fn literal(&self, v: sql::Value) -> Result<Literal> {
        use sql::Value as V;
        Ok(match v {
            V::Null => Literal::Null,
            V::Boolean(b) => Literal::Bool(b),
            V::SingleQuotedString(s) => Literal::Str(s),
            V::Number(n, false) => number(&n).ok_or_else(|| {
                self.err(format!(
                    "`{n}` is not a valid number; write e.g. 42, 1.5 or 2e3"
                ))
            })?,
            V::Placeholder(p) => {
                return Err(self.err(format!(
                    "placeholder `{p}` is not allowed: write the value inline as a literal"
                )));
            }
            other => {
                return Err(self.err(format!(
                    "literal `{other}` is not supported; write strings in single quotes \
                     ('it''s'), numbers (42, 1.5), TRUE, FALSE or NULL"
                )));
            }
        })
    }

    pub(super) fn unary(&self, op: UnaryOperator, expr: sql::Expr) -> Result<Node> {
        let inner = self.node(expr)?;
        Ok(match op {
            UnaryOperator::Not => Node::Unary(UnaryOp::Not, Box::new(inner)),
            UnaryOperator::Plus => inner,
            UnaryOperator::Minus => match inner {
                Node::Literal(Literal::Int(i)) => Node::Literal(Literal::Int(-i)),
                Node::Literal(Literal::Number(n)) => Node::Literal(negate_number(&n)),
                other => Node::Unary(UnaryOp::Neg, Box::new(other)),
            },
            other => {
                return Err(self.unsupported(other, "the unary operators are NOT and -"));
            }
        })
    }

    pub(super) fn binary(
        &self,
        left: sql::Expr,
        op: BinaryOperator,
        right: sql::Expr,
    ) -> Result<Node> {
        use BinaryOperator as B;
        let op = match op {
            B::Plus => BinaryOp::Add,
            B::Minus => BinaryOp::Sub,
            B::Multiply => BinaryOp::Mul,
            B::Divide => BinaryOp::Div,
            B::Modulo => BinaryOp::Mod,
            B::Eq => BinaryOp::Eq,
            B::NotEq => BinaryOp::NotEq,
            B::Lt => BinaryOp::Lt,
            B::LtEq => BinaryOp::LtEq,
            B::Gt => BinaryOp::Gt,
            B::GtEq => BinaryOp::GtEq,
            B::And => BinaryOp::And,
            B::Or => BinaryOp::Or,
            B::StringConcat => return self.concat(left, right),
            other => {
                return Err(self.err(format!(
                    "operator `{other}` is not supported; the operators are \
                     + - * / % = <> != < <= > >= AND OR || (for JSON use json_get/json_text)"
                )));
            }
        };
        Ok(Node::Binary(self.boxed(left)?, op, self.boxed(right)?))
    }

    /// `a || b` is the `concat` function; chains are flattened into one call.
    fn concat(&self, left: sql::Expr, right: sql::Expr) -> Result<Node> {
        let mut args = match self.node(left)? {
            Node::Call {
                function: Function::Concat,
                args,
            } => args,
            other => vec![other],
        };
        args.push(self.node(right)?);
        Ok(Node::Call {
            function: Function::Concat,
            args,
        })
    }
}

/// Parses a numeric literal: an `i64` when it fits, otherwise the validated text.
fn number(text: &str) -> Option<Literal> {
    if let Ok(i) = text.parse::<i64>() {
        return Some(Literal::Int(i));
    }
    let valid_chars = text
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    let starts_ok = text.starts_with(|c: char| c.is_ascii_digit() || c == '.');
    (valid_chars && starts_ok && text.parse::<f64>().is_ok()).then(|| Literal::Number(text.into()))
}

/// `-<number>`, folding the sign into the literal.
fn negate_number(text: &str) -> Literal {
    let negated = match text.strip_prefix('-') {
        Some(positive) => positive.to_string(),
        None => format!("-{text}"),
    };
    match negated.parse::<i64>() {
        Ok(i) => Literal::Int(i),
        Err(_) => Literal::Number(negated),
    }
}
