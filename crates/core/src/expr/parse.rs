//! Parsing: source text -> sqlparser AST -> validated IR.

use sqlparser::ast::{
    self as sql, BinaryOperator, CastKind, FunctionArg, FunctionArgExpr, FunctionArguments,
    ObjectNamePart, UnaryOperator,
};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::Token;

use super::ast::{BinaryOp, ColumnRef, Literal, Node, UnaryOp};
use super::functions::{Function, supported_list};
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
    cx.node(ast)
}

/// Conversion context: the source text, for error messages.
struct Cx<'a> {
    src: &'a str,
}

impl Cx<'_> {
    fn err(&self, message: impl Into<String>) -> Error {
        Error::Expr {
            expr: self.src.to_string(),
            message: message.into(),
        }
    }

    fn syntax(&self, e: ParserError) -> Error {
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

    fn unsupported(&self, what: impl std::fmt::Display, hint: &str) -> Error {
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

    fn boxed(&self, e: sql::Expr) -> Result<Box<Node>> {
        self.node(e).map(Box::new)
    }

    fn node(&self, e: sql::Expr) -> Result<Node> {
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
                    list: list.into_iter().map(|n| self.node(n)).collect::<Result<_>>()?,
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
                return Err(self.err(
                    "only `trim(text)` (removing leading and trailing spaces) is supported",
                ));
            }
            E::Function(f) => self.function(f)?,
            E::Subquery(_) | E::InSubquery { .. } | E::Exists { .. } => {
                return Err(self.err(
                    "subqueries are not supported in portable expressions; \
                     an expression may only use the columns of the row being written",
                ));
            }
            E::Wildcard(_) | E::QualifiedWildcard(..) => {
                return Err(self.err("`*` is not allowed in an expression; name the columns"));
            }
            other => return Err(self.unsupported(other, "")),
        })
    }

    fn literal(&self, v: sql::Value) -> Result<Literal> {
        use sql::Value as V;
        Ok(match v {
            V::Null => Literal::Null,
            V::Boolean(b) => Literal::Bool(b),
            V::SingleQuotedString(s) => Literal::Str(s),
            V::Number(n, false) => number(&n).ok_or_else(|| {
                self.err(format!("`{n}` is not a valid number; write e.g. 42, 1.5 or 2e3"))
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

    fn unary(&self, op: UnaryOperator, expr: sql::Expr) -> Result<Node> {
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

    fn binary(&self, left: sql::Expr, op: BinaryOperator, right: sql::Expr) -> Result<Node> {
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
        Ok(Node::Binary(
            self.boxed(left)?,
            op,
            self.boxed(right)?,
        ))
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

    fn function(&self, f: sql::Function) -> Result<Node> {
        let name = match f.name.0.as_slice() {
            [ObjectNamePart::Identifier(id)] => id.value.clone(),
            _ => return Err(self.err(format!("unknown function `{}`", f.name))),
        };
        if f.over.is_some() {
            return Err(self.err(format!("`{name}(...) OVER`: window functions are not supported")));
        }
        if f.filter.is_some()
            || !f.within_group.is_empty()
            || f.null_treatment.is_some()
            || f.uses_odbc_syntax
            || !matches!(f.parameters, FunctionArguments::None)
        {
            return Err(self.err(format!(
                "`{name}`: FILTER, WITHIN GROUP and other call clauses are not supported"
            )));
        }
        let spec = Function::lookup(&name).ok_or_else(|| {
            self.err(format!(
                "unknown function `{name}`; supported functions: {}",
                supported_list()
            ))
        })?;
        let args = match f.args {
            FunctionArguments::None => Vec::new(),
            FunctionArguments::Subquery(_) => {
                return Err(self.err("subqueries are not supported in portable expressions"));
            }
            FunctionArguments::List(list) => {
                if list.duplicate_treatment.is_some() || !list.clauses.is_empty() {
                    return Err(self.err(format!(
                        "`{name}`: DISTINCT, ORDER BY and other argument clauses are not supported; \
                         expected {}",
                        spec.signature
                    )));
                }
                list.args
                    .into_iter()
                    .map(|a| self.argument(&name, a))
                    .collect::<Result<Vec<_>>>()?
            }
        };
        if !spec.arity.accepts(args.len()) {
            return Err(self.err(format!(
                "`{}` takes {}, got {}; expected {}",
                spec.name,
                spec.arity.describe(),
                args.len(),
                spec.signature
            )));
        }
        if matches!(spec.function, Function::JsonText | Function::JsonGet) {
            self.check_json_key(spec.name, spec.signature, &args[1])?;
        }
        Ok(Node::Call {
            function: spec.function,
            args,
        })
    }

    fn argument(&self, function: &str, arg: FunctionArg) -> Result<Node> {
        match arg {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => self.node(e),
            FunctionArg::Unnamed(_) => Err(self.err(format!(
                "`*` is not allowed as an argument of `{function}`; name the columns"
            ))),
            FunctionArg::Named { .. } | FunctionArg::ExprNamed { .. } => Err(self.err(format!(
                "named arguments are not supported in `{function}(...)`; pass values by position"
            ))),
        }
    }

    /// The key of `json_text` / `json_get` must be a plain string literal.
    fn check_json_key(&self, name: &str, signature: &str, key: &Node) -> Result<()> {
        let Some(key) = key.as_str_literal() else {
            return Err(self.err(format!(
                "the key argument of `{name}` must be a string literal, e.g. {name}(payload, 'title'); \
                 expected {signature}"
            )));
        };
        if key.is_empty() || key.chars().any(|c| c == '"' || c == '\\' || c.is_control()) {
            return Err(self.err(format!(
                "the key '{key}' of `{name}` must be non-empty and contain no `\"`, `\\` \
                 or control characters"
            )));
        }
        Ok(())
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
