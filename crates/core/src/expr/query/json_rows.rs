//! `json_each(json) AS a`: the elements of a JSON array as rows of a portable query, with the
//! same vocabulary as an insert backfill's `explode`: `a.value` (the element as JSON),
//! `a.text` (a scalar element as text) and `a.position` (1-based).
//!
//! Parsing and the column kinds live here; the table function each dialect renders is
//! [`SqlDialect::json_rows_relation`](crate::dialect::SqlDialect::json_rows_relation), and its
//! columns are the ones `explode` reads
//! ([`SqlDialect::explode_column_sql`](crate::dialect::SqlDialect::explode_column_sql)).

use sea_query::{Alias, IntoIden, TableRef};
use sqlparser::ast::{FunctionArg, FunctionArgExpr, ObjectName, TableAlias};

use super::super::kinds::{Lookup, ValueKind};
use super::super::parse::Cx;
use super::super::render::Renderer;
use super::ast::Relation;
use crate::error::Result;

/// The name of the table function.
pub(crate) const JSON_EACH: &str = "json_each";

/// The columns of a `json_each` relation and their kinds.
const COLUMNS: [(&str, ValueKind); 3] = [
    ("value", ValueKind::Json),
    ("text", ValueKind::Text),
    ("position", ValueKind::Integer),
];

impl Cx<'_> {
    /// `json_each(json) AS alias` in FROM or a join.
    pub(super) fn json_rows(
        &self,
        name: &ObjectName,
        args: Vec<FunctionArg>,
        alias: Option<TableAlias>,
    ) -> Result<Relation> {
        if !name.to_string().eq_ignore_ascii_case(JSON_EACH) {
            return Err(self.err(format!(
                "`{name}(..)`: the only table function of a portable query is \
                 `json_each(json) AS alias` (the elements of a JSON array as rows)"
            )));
        }
        let mut args = args.into_iter();
        let json = match (args.next(), args.next()) {
            (Some(FunctionArg::Unnamed(FunctionArgExpr::Expr(e))), None) => self.node(e)?,
            _ => {
                return Err(self.err(
                    "json_each takes one argument, the JSON array: `json_each(m.attachments) AS a`",
                ));
            }
        };
        let Some(alias) = alias.filter(|a| a.columns.is_empty()) else {
            return Err(self.err(
                "json_each(..) needs an alias and no column list: `JOIN json_each(m.attachments) AS a`, \
                 then read a.value, a.text and a.position",
            ));
        };
        Ok(Relation::JsonRows {
            json: Box::new(json),
            alias: alias.name.value,
        })
    }
}

/// The kind of column `column` of a `json_each` relation named `alias`.
pub(super) fn column_kind(alias: &str, column: &str) -> Lookup {
    match COLUMNS.iter().find(|(c, _)| *c == column) {
        Some((_, k)) => Lookup::Found(*k),
        None => Lookup::Missing(format!(
            "`{alias}.{column}`: the rows of json_each have the columns value (the element as \
             json), text (a scalar element as text) and position (1-based)"
        )),
    }
}

/// Checks the kind of `json_each`'s argument.
pub(super) fn check_argument(alias: &str, kind: ValueKind) -> std::result::Result<(), String> {
    if kind == ValueKind::Json || kind.loose() {
        Ok(())
    } else {
        Err(format!(
            "json_each(..) AS {alias} needs a JSON array, not {kind}: pass a json column"
        ))
    }
}

impl Renderer<'_> {
    /// The dialect's table function for `json_each(json) AS alias`.
    pub(super) fn json_rows(
        &self,
        json: &super::super::ast::Node,
        alias: &str,
    ) -> Result<TableRef> {
        let call = self.d.json_rows_relation(self.node(json)?);
        Ok(TableRef::FunctionCall(call, Alias::new(alias).into_iden()))
    }

    /// The SQL of column `column` of the `json_each` relation `alias`.
    pub(super) fn json_rows_column(&self, alias: &str, column: &str) -> Option<sea_query::Expr> {
        self.d
            .explode_column_sql(alias, column)
            .map(sea_query::Expr::cust)
    }
}
