//! Small builders of sea-query expressions shared by the renderer and the dialect methods.
//!
//! Everything here builds structured `sea_query::Expr` values (function calls and binary
//! operators), never text templates with placeholders, so sea-query decides where
//! parentheses are needed and values are escaped by the dialect's query builder.

use sea_query::{Alias, BinOper, Expr, ExprTrait, Func};

/// `name(arg, ...)`. The name is written as given.
pub(crate) fn call(name: &'static str, args: impl IntoIterator<Item = Expr>) -> Expr {
    Func::cust(name).args(args).into()
}

/// Folds two or more operands with the same binary operator, left-associatively.
pub(crate) fn fold(args: Vec<Expr>, op: BinOper) -> Expr {
    let mut iter = args.into_iter();
    let first = iter.next().unwrap_or_else(Expr::null);
    iter.fold(first, |acc, next| acc.binary(op, next))
}

/// An atom written verbatim and never parenthesized (validated numbers, keywords).
pub(crate) fn atom(text: impl Into<String>) -> Expr {
    Expr::custom_keyword(Alias::new(text.into()))
}

/// A SQL fragment written verbatim; sea-query parenthesizes it when it is an operand.
pub(crate) fn fragment(text: &'static str) -> Expr {
    Expr::cust(text)
}

/// `CAST(expr AS <ty>)` with `ty` written verbatim.
pub(crate) fn cast(expr: Expr, ty: String) -> Expr {
    call("CAST", [expr.binary(BinOper::As, Expr::cust(ty))])
}

/// Unary minus: `-(expr)`.
pub(crate) fn neg(expr: Expr) -> Expr {
    // A function call named `-` renders as `-(expr)`, which is atomic for sea-query's
    // precedence rules and valid SQL in every dialect.
    call("-", [expr])
}

/// The JSON path selecting member `key` of an object: `$."key"` (MySQL, MariaDB, SQLite).
///
/// Keys are validated at parse time to contain no `"` or `\`, so no escaping is needed.
pub(crate) fn json_member_path(key: &str) -> String {
    format!("$.\"{key}\"")
}

/// A string literal.
pub(crate) fn string(s: &str) -> Expr {
    Expr::val(s.to_string())
}
