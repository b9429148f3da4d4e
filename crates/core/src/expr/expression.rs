//! [`Expression`]: a parsed, validated portable expression and its public API.

use std::fmt;

use sea_query::Query;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::ast::{BinaryOp, ColumnRef, Node};
use super::kinds::{self, Lookup, Scope, ValueKind};
use super::query::Catalog;
use super::typing;
use super::{parse, render};
use crate::dialect::Dialect;
use crate::error::Result;

/// A portable SQL expression, written once in a plan and rendered for each dialect.
///
/// The language is a small SQL subset (see `docs/expressions.md`): column references,
/// literals, arithmetic, comparisons, boolean logic, `IS [NOT] NULL`, `[NOT] LIKE`,
/// `[NOT] IN (...)`, `[NOT] BETWEEN`, `CASE`, `CAST(x AS <portable type>)`, `||` and a fixed
/// set of functions. Anything else is rejected by [`Expression::parse`].
///
/// ```
/// use cutover_core::{Dialect, expr::Expression};
///
/// let e = Expression::parse("substring_after_last(media_url, '/')").unwrap();
/// assert_eq!(e.to_sql(Dialect::Mysql).unwrap(), "SUBSTRING_INDEX(`media_url`, '/', -1)");
/// assert_eq!(e.columns()[0].column, "media_url");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    source: String,
    node: Node,
}

impl Expression {
    /// Parses and validates `src`.
    ///
    /// # Errors
    ///
    /// [`Error::Expr`](crate::Error::Expr) naming the expression and what is wrong: syntax
    /// errors, trailing input, an empty expression, unknown functions (with the list of
    /// supported ones), wrong argument counts (with the expected signature), subqueries,
    /// window functions, `*`, placeholders and any other construct outside the vocabulary.
    pub fn parse(src: &str) -> Result<Expression> {
        Ok(Expression {
            source: src.to_string(),
            node: parse::parse(src)?,
        })
    }

    /// `self AND other`, each keeping the meaning its type check resolved.
    pub(crate) fn and(self, other: Expression) -> Expression {
        Expression {
            source: format!("({}) AND ({})", self.source, other.source),
            node: Node::Binary(Box::new(self.node), BinaryOp::And, Box::new(other.node)),
        }
    }

    /// The expression exactly as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Every table the expression's subqueries read, deduplicated, in order of appearance.
    pub fn tables(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.node.collect_tables(&mut out);
        out
    }

    /// Every column the expression references (subqueries included), deduplicated, in order
    /// of first appearance.
    pub fn columns(&self) -> Vec<ColumnRef> {
        let mut out = Vec::new();
        self.node.collect_columns(&mut out);
        out
    }

    /// Renders the expression for `dialect`, ready to embed in a sea-query statement.
    ///
    /// Literals are kept as values; render statements with `to_string` (values inlined), as
    /// some Postgres functions cannot infer the type of a bound parameter.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`](crate::Error::Unsupported) when the dialect cannot express a
    /// construct (e.g. `substring_after_last` with a multi-character separator on SQLite).
    pub fn render(&self, dialect: Dialect) -> Result<sea_query::Expr> {
        render::render(&self.node, dialect.sql(), &self.source)
    }

    /// Like [`render`](Expression::render), with some column references replaced by other
    /// expressions (e.g. the element columns of an exploded JSON array).
    pub fn render_with(
        &self,
        dialect: Dialect,
        columns: &dyn Fn(&ColumnRef) -> Option<sea_query::Expr>,
    ) -> Result<sea_query::Expr> {
        render::render_with(&self.node, dialect.sql(), &self.source, Some(columns))
    }

    /// The rendered expression as standalone SQL text for `dialect`, values inlined.
    ///
    /// # Errors
    ///
    /// As [`Expression::render`].
    pub fn to_sql(&self, dialect: Dialect) -> Result<String> {
        let mut select = Query::select();
        select.expr(self.render(dialect)?);
        let sql = dialect.query(&select);
        Ok(sql
            .strip_prefix("SELECT ")
            .map(str::to_string)
            .unwrap_or(sql))
    }

    /// Type-checks the expression against a schema model (`scope` resolves its column
    /// references) and resolves the constructs whose meaning would otherwise differ between
    /// dialects (integer division, exact text equality). Returns the kind of value it yields.
    ///
    /// # Errors
    ///
    /// A message naming the problem: a column the model proves missing, arithmetic on text,
    /// a comparison of a number with text, a non-condition where a condition is needed, ...
    pub fn typecheck(&mut self, scope: Scope<'_>) -> std::result::Result<ValueKind, String> {
        typing::check(&mut self.node, scope, &|_, _| Lookup::Unknown)
    }

    /// Like [`typecheck`](Expression::typecheck); the tables of subqueries resolve their
    /// columns in `catalog`, and a subquery's column not found in its own tables resolves in
    /// `scope` (the outer row).
    ///
    /// # Errors
    ///
    /// As [`typecheck`](Expression::typecheck).
    pub fn typecheck_in(
        &mut self,
        scope: Scope<'_>,
        catalog: Catalog<'_>,
    ) -> std::result::Result<ValueKind, String> {
        typing::check(&mut self.node, scope, catalog)
    }

    /// The parts that can raise an error on some rows (a cast of a value to a non-text type,
    /// a division or remainder by a value that may be 0), described in a few words each.
    pub fn can_raise(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.node.raising_parts(&mut out);
        out
    }

    /// The first part that can make the expression NULL (`a CASE without ELSE`, `` `note`,
    /// which may be NULL ``), or `None` when it clearly cannot; `nullable` says whether a
    /// column reference may hold NULL. Conservative: only clear cases are named.
    pub fn null_source(&self, nullable: &dyn Fn(&super::ColumnRef) -> bool) -> Option<String> {
        self.node.null_source(nullable)
    }

    /// The columns this condition requires to be NOT NULL (`c IS NOT NULL` among its
    /// top-level AND terms).
    pub fn required_not_null(&self) -> Vec<super::ColumnRef> {
        let mut out = Vec::new();
        self.node.required_not_null(&mut out);
        out
    }

    /// Whether the expression contains a subquery (`EXISTS`, `IN (SELECT ..)`, `(SELECT ..)`).
    pub fn has_subquery(&self) -> bool {
        self.node.has_subquery()
    }

    /// Whether evaluating the expression twice on the same row in one transaction gives the
    /// same value: no `uuid()`, no subquery or aggregate, and `now()` only when
    /// `clock_pinned` (the session's clock is fixed for the transaction).
    pub fn is_repeatable(&self, clock_pinned: bool) -> bool {
        self.node.is_repeatable(clock_pinned)
    }

    /// Whether a subquery of the expression reads `table`.
    pub fn reads_table(&self, table: &str) -> bool {
        self.node.reads_table(table)
    }

    /// The names (an alias, else the table's own name) under which the expression's
    /// subqueries read `table`, deduplicated.
    pub fn names_of_table(&self, table: &str) -> Vec<String> {
        let mut out = Vec::new();
        self.node.collect_aliases(table, &mut out);
        out
    }

    /// Whether a value of kind `kind` (this expression's, from
    /// [`typecheck`](Expression::typecheck)) stores into a column of type `ty` with the same
    /// result on every dialect.
    pub fn assignable_to(&self, ty: crate::types::ColumnType, kind: ValueKind) -> bool {
        kinds::assignable(ty, kind, &self.node)
    }

    /// Makes a value stored into a column of enum type `ty` arrive as that enum: anything but
    /// a bare string literal, NULL or a value of the same enum is converted through its text form
    /// (`CAST(CAST(x AS text) AS <enum>)`), since PostgreSQL converts neither text nor
    /// another enum to an enum implicitly. A value outside the list then fails on every
    /// database alike. `kind` is the expression's, from [`typecheck`](Expression::typecheck).
    pub fn convert_for_enum(&mut self, ty: crate::types::ColumnType, kind: ValueKind) {
        // Only a bare literal is typed by the column it is stored into: a CASE or COALESCE
        // of literals is text to PostgreSQL.
        let bare = matches!(
            self.node,
            super::ast::Node::Literal(super::ast::Literal::Str(_) | super::ast::Literal::Null)
        );
        let keep = bare || kind == ValueKind::Null || kind == ValueKind::of(ty);
        if !matches!(ty, crate::types::ColumnType::Enum(_)) || keep {
            return;
        }
        let inner = std::mem::replace(
            &mut self.node,
            super::ast::Node::Literal(super::ast::Literal::Null),
        );
        let text = super::ast::Node::Cast {
            expr: Box::new(inner),
            ty: crate::types::ColumnType::Text,
        };
        self.node = super::ast::Node::Cast {
            expr: Box::new(text),
            ty,
        };
    }

    /// Why this expression cannot be stored into a column of type `ty` when it is a string
    /// literal that is not one of an enum's values.
    pub fn enum_literal_problem(&self, ty: crate::types::ColumnType) -> Option<String> {
        match ty {
            crate::types::ColumnType::Enum(values) => {
                kinds::enum_literal_problem(values, &self.node)
            }
            _ => None,
        }
    }

    /// Checks that the expression can be rendered for `dialect` (used when loading plans).
    ///
    /// # Errors
    ///
    /// As [`Expression::render`].
    pub fn check(&self, dialect: Dialect) -> Result<()> {
        self.render(dialect).map(|_| ())
    }
}

impl fmt::Display for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for Expression {
    type Err = crate::Error;

    fn from_str(s: &str) -> Result<Self> {
        Expression::parse(s)
    }
}

impl Serialize for Expression {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for Expression {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let src = String::deserialize(deserializer)?;
        Expression::parse(&src).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}
