//! Raw SQL steps and check queries.

use sea_query::{Expr, Query};

use super::split::{split_sql, words};
use super::{StatementKind, ident};
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::plan::{Check, SqlStep};

/// The statements of a raw step for `dialect`, one per SQL statement it holds, each with
/// its kind; empty when the step is limited to other dialects.
pub(crate) fn sql_step(s: &SqlStep, dialect: Dialect) -> Result<Vec<(String, StatementKind)>> {
    if !s.applies_to(dialect) {
        return Ok(Vec::new());
    }
    match s.up().for_dialect(dialect) {
        Some(sql) => split_sql(sql, dialect.sql().lexis())
            .into_iter()
            .enumerate()
            .map(|(i, stmt)| {
                let kind = statement_kind(&stmt, dialect)
                    .map_err(|e| e.context(format!("statement {} of the step", i + 1)))?;
                Ok((stmt, kind))
            })
            .collect(),
        None => Err(Error::unsupported(
            dialect,
            "sql step",
            format!(
                "the step has no SQL for {dialect}: add `{dialect} = \"...\"` or a shared `sql`, or limit it with `dialects = [...]`"
            ),
        )),
    }
}

/// How one statement of a raw step runs, judged by its leading keywords: data changes (and
/// queries, `DO`) are
/// [`StatementKind::Dml`], statements PostgreSQL or SQLite refuse inside a transaction
/// (`... CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`, `ALTER SYSTEM`) are [`StatementKind::NoTransaction`], everything else
/// is DDL. Transaction control is refused: the runner owns the transactions.
fn statement_kind(sql: &str, dialect: Dialect) -> Result<StatementKind> {
    let w = words(sql, dialect.sql().lexis(), 5);
    let first = w.first().map(String::as_str).unwrap_or_default();
    let second = w.get(1).map(String::as_str).unwrap_or_default();
    let control = matches!(
        first,
        "BEGIN" | "COMMIT" | "ROLLBACK" | "END" | "SAVEPOINT" | "RELEASE"
    ) || (first == "START" && second == "TRANSACTION");
    if control {
        return Err(Error::unsupported(
            dialect,
            format!("`{first}` in a sql step"),
            "cutover owns the transactions: a migration runs in one transaction where the database allows it, otherwise each statement commits together with its progress; remove the transaction control statements (and set `transaction = false` at the top of the file if the statements must not share one transaction)",
        ));
    }
    Ok(match first {
        "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "MERGE" | "WITH" | "SELECT" | "VALUES"
        | "DO" => StatementKind::Dml,
        "VACUUM" => StatementKind::NoTransaction,
        "CREATE" | "DROP" | "ALTER" if matches!(second, "DATABASE" | "TABLESPACE" | "SYSTEM") => {
            StatementKind::NoTransaction
        }
        "REFRESH" => StatementKind::Ddl,
        _ if w.iter().any(|x| x == "CONCURRENTLY") => StatementKind::NoTransaction,
        _ => StatementKind::Ddl,
    })
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
    if let Some(q) = &check.query {
        return q.to_sql(dialect);
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
