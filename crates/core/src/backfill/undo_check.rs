//! Before an exact undo writes anything: the undo log, not the plan as it reads now, says
//! which columns are restored, and the columns whose type changed since they were logged
//! are compared by value in their type now (see
//! [`ExprDialect::expr_same_converted`](crate::dialect::ExprDialect::expr_same_converted)).

use std::collections::BTreeMap;

use sea_query::{Expr, ExprTrait, Query};

use super::undo_log::{UndoLog, n, o};
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::render::ident;

/// An undo log checked against the database.
#[derive(Debug, Clone)]
pub(super) struct CheckedLog {
    /// The log, its columns as the log table holds them.
    pub log: UndoLog,
    /// Written columns whose type changed since they were logged: their type now.
    pub converted: BTreeMap<String, String>,
    /// Why what is restored differs from what the plan's step writes now, when it does.
    pub note: Option<String>,
    /// Insert-select: the foreign keys referencing the target (their rows are kept).
    pub refs: Vec<super::undo_fk::IncomingFk>,
}

/// Whether the undo log of `spec` can be read against the table as it is now, checked as
/// an exact undo checks it before writing ([`check_log`]), nothing written or counted:
/// `Ok` also when `spec` keeps no log.
pub async fn check_undo_log(b: &mut dyn Backend, spec: &super::BackfillSpec) -> Result<()> {
    let (key, _) = super::keys::resolve(b, spec).await?;
    let mut spec = spec.clone();
    spec.key = key;
    if let Some(log) = UndoLog::of(&spec) {
        check_log(b, &spec.id, log).await?;
    }
    Ok(())
}

/// Reads the log table's columns: refuses a log written for another key, restores the
/// columns the log holds (also when the step's `set` changed since), and finds the columns
/// whose type changed.
pub(super) async fn check_log(b: &mut dyn Backend, id: &str, log: UndoLog) -> Result<CheckedLog> {
    let dialect = b.dialect();
    let mut q = Query::select();
    q.from(ident(&log.table))
        .expr(Expr::cust("*"))
        .and_where(Expr::cust("1 = 0"));
    let columns = b.query(&dialect.query(&q)).await?.columns;
    let strip = |p: &str| -> Vec<String> {
        columns
            .iter()
            .filter_map(|c| c.strip_prefix(p).map(str::to_string))
            .collect()
    };
    let keys = strip("k_");
    let logged = if log.insert { strip("n_") } else { strip("o_") };
    let mut sorted = keys.clone();
    sorted.sort();
    let mut want = log.key.clone();
    want.sort();
    if sorted != want {
        return Err(Error::Other(format!(
            "the undo log {} of backfill `{id}` was written for rows keyed by ({}), but the plan's backfill now keys its rows by ({}): nothing was restored; restore the step as it was when it ran and run `cutover backfill undo {id} --yes` again, or drop table {} (on PostgreSQL first the table of its packed batches, the same name ending in `_b`) to discard the log",
            log.table,
            keys.join(", "),
            log.key.join(", "),
            log.table
        )));
    }
    let mut note = None;
    let mut log = log;
    // Insert-select: undo deletes rows, it restores no column; a log written before it
    // kept the target's other columns compares the columns it holds.
    if log.insert && logged != log.cols {
        log.cols = logged;
    } else if logged != log.cols {
        note = Some(format!(
            "the backfill's step now writes {}, its undo log holds {}: restored the columns the log holds",
            list(&log.cols),
            list(&logged)
        ));
        log.cols = logged;
    }
    missing_columns(b, id, &log).await?;
    let converted = changed_types(b, &log).await?;
    let refs = if log.insert {
        super::undo_fk::incoming(b, &log.target).await?
    } else {
        Vec::new()
    };
    if let Some(fk) = super::undo_fk::note(&refs) {
        note = Some(match note {
            Some(n) => format!("{n}; {fk}"),
            None => fk,
        });
    }
    Ok(CheckedLog {
        log,
        converted,
        note,
        refs,
    })
}

fn list(cols: &[String]) -> String {
    cols.iter()
        .map(|c| format!("`{c}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Refuses when a column the log restores is gone from the table (renamed or dropped by a
/// later migration).
async fn missing_columns(b: &mut dyn Backend, id: &str, log: &UndoLog) -> Result<()> {
    let dialect = b.dialect();
    let mut gone = Vec::new();
    for c in log.key.iter().chain(&log.cols) {
        let mut q = Query::select();
        q.from(ident(&log.target))
            .column(ident(c))
            .and_where(Expr::cust("1 = 0"));
        if b.query(&dialect.query(&q)).await.is_err() {
            gone.push(c.clone());
        }
    }
    if gone.is_empty() {
        return Ok(());
    }
    Err(Error::Other(format!(
        "backfill `{id}` cannot be undone: its undo log restores {} of table `{}`, which the table no longer has (renamed or dropped since the backfill); nothing was restored",
        list(&gone),
        log.target
    )))
}

/// The written columns whose type in the table differs from their copy's in the log.
async fn changed_types(b: &mut dyn Backend, log: &UndoLog) -> Result<BTreeMap<String, String>> {
    let sql = b.dialect().sql();
    let mut out = BTreeMap::new();
    for c in &log.cols {
        let (Some(now), Some(then)) = (
            sql.live_column_type_sql(&log.target, c),
            sql.live_column_type_sql(&log.table, &n(c)),
        ) else {
            continue;
        };
        let now = b.query(&now).await?.scalar().map(str::to_string);
        let then = b.query(&then).await?.scalar().map(str::to_string);
        if let (Some(now), Some(then)) = (now, then)
            && now != then
        {
            tracing::info!(column = %c, %then, %now, "compared by value in its type now");
            out.insert(c.clone(), now);
        }
    }
    Ok(out)
}

impl CheckedLog {
    /// `same(target.c, log.<prefix>c) AND ...` over the written columns, converted ones
    /// compared in their type now.
    pub(super) fn same_as(&self, dialect: Dialect, prefix: fn(&str) -> String) -> Expr {
        let sql = dialect.sql();
        let (t, l) = (ident(&self.log.target), ident(&self.log.table));
        self.log
            .cols
            .iter()
            .map(|c| {
                let a = Expr::col((t.clone(), ident(c)));
                let b = Expr::col((l.clone(), ident(&prefix(c))));
                match self.converted.get(c) {
                    Some(ty) => sql.expr_same_converted(a, b, ty),
                    None => sql.expr_same_value(a, b),
                }
            })
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| Expr::cust("1 = 1"))
    }

    /// The row still holds what the backfill wrote.
    pub(super) fn as_written(&self, dialect: Dialect) -> Expr {
        if self.converted.is_empty() {
            return self.log.as_written(dialect);
        }
        self.same_as(dialect, n)
    }

    /// Insert-select: the row still holds what the backfill wrote and no row references it
    /// through a foreign key (the rows undo may delete).
    pub(super) fn deletable(&self, dialect: Dialect) -> Expr {
        let written = self.as_written(dialect);
        match super::undo_fk::not_referenced(dialect, &self.log.target, &self.refs) {
            Some(free) => written.and(free),
            None => written,
        }
    }

    /// The row holds its value from before the backfill.
    pub(super) fn as_before(&self, dialect: Dialect) -> Expr {
        if self.converted.is_empty() {
            return self.log.as_before(dialect);
        }
        self.same_as(dialect, o)
    }
}
