//! [`SelectQuery`]: a parsed, validated portable SELECT and its public API.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sqlparser::dialect::GenericDialect;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use super::super::kinds::{Lookup, ValueKind};
use super::super::parse::Cx;
use super::super::render::Renderer;
use super::ast::Select;
use super::parse::Place;
use super::typing::{Catalog, check_select};
use crate::dialect::Dialect;
use crate::error::{Error, Result};

/// A portable query returning one value, e.g. a check's
/// `SELECT COUNT(*) FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id WHERE c.id IS NULL`.
///
/// ```
/// use cutover_core::{Dialect, expr::SelectQuery};
///
/// let q = SelectQuery::parse("SELECT SUM(json_length(attachments)) FROM messages").unwrap();
/// assert_eq!(
///     q.to_sql(Dialect::Postgres).unwrap(),
///     r#"SELECT SUM(jsonb_array_length("attachments")) FROM "messages""#
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SelectQuery {
    source: String,
    select: Select,
}

impl SelectQuery {
    /// Parses and validates `src`: one SELECT of exactly one value.
    ///
    /// # Errors
    ///
    /// [`Error::Expr`](crate::Error::Expr) naming the query and what is wrong (syntax, a
    /// construct outside the portable subset, `*`, a misplaced aggregate, more than one value).
    pub fn parse(src: &str) -> Result<SelectQuery> {
        let cx = Cx { src };
        if src.trim().is_empty() {
            return Err(cx.err("the query is empty; write e.g. `SELECT COUNT(*) FROM users`"));
        }
        if let Some(msg) = super::super::limits::too_large(src) {
            return Err(cx.err(msg));
        }
        let dialect = GenericDialect {};
        let mut parser = Parser::new(&dialect)
            .try_with_sql(src)
            .map_err(|e| cx.syntax(e))?;
        let query = parser.parse_query().map_err(|e| cx.syntax(e))?;
        let next = parser.peek_token();
        if next.token != Token::EOF {
            return Err(cx.err(format!(
                "unexpected `{}` after the end of the query (line {}, column {}); a check runs one SELECT, without `;`",
                next.token, next.span.start.line, next.span.start.column
            )));
        }
        Ok(SelectQuery {
            source: src.to_string(),
            select: cx.select(*query, Place::Check)?,
        })
    }

    /// The query exactly as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders the query for `dialect`, values inlined.
    ///
    /// # Errors
    ///
    /// [`Error::Unsupported`](crate::Error::Unsupported) when the dialect cannot express a
    /// construct (FULL JOIN on MySQL/MariaDB, a function a dialect lacks).
    pub fn to_sql(&self, dialect: Dialect) -> Result<String> {
        let stmt = Renderer {
            d: dialect.sql(),
            columns: None,
        }
        .select(&self.select)
        .map_err(|e| match e {
            Error::Unsupported {
                dialect,
                operation,
                hint,
            } => Error::Unsupported {
                dialect,
                operation: format!("{operation} (in query `{}`)", self.source),
                hint,
            },
            other => other,
        })?;
        Ok(dialect.query(&stmt))
    }

    /// Type-checks the query: tables and columns resolve through `catalog` (the plan's
    /// schema model), aliases are in scope, the grouped columns are grouped. Returns the
    /// kind of the value it selects.
    ///
    /// # Errors
    ///
    /// A message naming the problem (unknown column, type error, ungrouped column).
    pub fn typecheck(&mut self, catalog: Catalog<'_>) -> std::result::Result<ValueKind, String> {
        let no_outer = |c: &crate::expr::ColumnRef| {
            Lookup::Missing(match &c.table {
                Some(t) => format!("`{c}`: `{t}` is not a table or alias of the query"),
                None => format!("column `{c}` is not a column of any table of the query"),
            })
        };
        let kinds = check_select(&mut self.select, &no_outer, catalog)?;
        self.one_row()?;
        Ok(kinds.first().copied().unwrap_or(ValueKind::Unknown))
    }

    /// A check reads one value, so its query must return exactly one row: it aggregates,
    /// without GROUP BY or HAVING (which return any number of rows, and the databases then
    /// read different ones, or none).
    fn one_row(&self) -> std::result::Result<(), String> {
        let q = &self.select;
        let aggregates = q.items.iter().any(|i| i.expr.find_aggregate().is_some());
        let problem = if !q.group_by.is_empty() {
            "it has a top-level GROUP BY, so it returns one row per group (or none)"
        } else if q.having.is_some() {
            "it has a top-level HAVING, so it returns no row when the condition is false"
        } else if !aggregates {
            "it selects no aggregate, so it returns one row per matching row (or none)"
        } else {
            return Ok(());
        };
        Err(format!(
            "a check query must return exactly one row, but {problem}: aggregate at the top \
             level without GROUP BY, e.g. wrap it: `SELECT COUNT(*) FROM ({}) d`",
            self.source.trim()
        ))
    }
}

impl fmt::Display for SelectQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl std::str::FromStr for SelectQuery {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        SelectQuery::parse(s)
    }
}

impl Serialize for SelectQuery {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.source)
    }
}

impl<'de> Deserialize<'de> for SelectQuery {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let src = String::deserialize(deserializer)?;
        SelectQuery::parse(&src).map_err(|e| serde::de::Error::custom(e.to_string()))
    }
}
