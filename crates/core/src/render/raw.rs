//! Raw SQL steps and check queries.

use sea_query::{Expr, Query};

use super::{StatementKind, ident};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::{Check, SqlStep};

/// The SQL of a raw step for `dialect`; empty when the step is limited to other dialects.
pub(crate) fn sql_step(s: &SqlStep, dialect: Dialect) -> Result<Vec<(String, StatementKind)>> {
    if !s.applies_to(dialect) {
        return Ok(Vec::new());
    }
    match s.up().for_dialect(dialect) {
        Some(sql) => Ok(vec![(sql.trim().to_string(), StatementKind::Ddl)]),
        None => Err(Error::unsupported(
            dialect,
            "sql step",
            format!(
                "the step has no SQL for {dialect}: add `{dialect} = \"...\"` or a shared `sql`, or limit it with `dialects = [...]`"
            ),
        )),
    }
}

/// The query a check runs on `dialect`; it returns one number.
pub fn check_query(check: &Check, dialect: Dialect) -> Result<String> {
    if let Some(table) = &check.table {
        let mut q = Query::select();
        q.expr(Expr::cust("COUNT(*)")).from(ident(table));
        if let Some(w) = &check.r#where {
            q.and_where(w.render(dialect)?);
        }
        return Ok(dialect.query(&q));
    }
    let own = match dialect {
        Dialect::Postgres => &check.postgres,
        Dialect::Mysql => &check.mysql,
        Dialect::Sqlite => &check.sqlite,
    };
    own.as_deref()
        .or(check.sql.as_deref())
        .map(|s| s.trim().to_string())
        .ok_or_else(|| {
            Error::unsupported(
                dialect,
                format!("check `{}`", check.name),
                format!("the check has no query for {dialect}: add `{dialect} = \"...\"` or a shared `sql`"),
            )
        })
}
