//! Row counts from the catalog, bounded counts, and backfill rates from checkpoint history.

use sea_query::{Expr, ExprTrait, Query};

use super::{COUNT_LIMIT, RowCount, RowSource};
use crate::backend::Backend;
use crate::backfill::sql::count_pending_bounded_sql;
use crate::backfill::{BackfillScope, BackfillSpec};
use crate::error::Result;
use crate::render::ident;

fn number(v: Option<&str>) -> Option<u64> {
    let v = v?.trim();
    v.parse::<u64>()
        .ok()
        .or_else(|| v.parse::<f64>().ok().map(|f| f.max(0.0) as u64))
}

/// The rows of `table`: the catalog's estimate, else (no statistics, or 0) a bounded count.
pub(super) async fn table_rows(b: &mut dyn Backend, table: &str) -> Result<RowCount> {
    let sql = b.dialect().sql().row_estimate_sql(table);
    // No estimate is no error: SQLite's (the largest rowid) fails on a WITHOUT ROWID table.
    let estimate = match b.query(&sql).await {
        Ok(r) => number(r.scalar()).unwrap_or(0),
        Err(_) => 0,
    };
    if estimate > 0 {
        return Ok(RowCount {
            rows: estimate,
            source: RowSource::Catalog,
            at_least: false,
        });
    }
    let q = b.dialect().quote(table);
    let sql = format!("SELECT COUNT(*) FROM (SELECT 1 FROM {q} LIMIT {COUNT_LIMIT}) AS rows_");
    Ok(bounded(number(b.query(&sql).await?.scalar()).unwrap_or(0)))
}

fn bounded(n: u64) -> RowCount {
    RowCount {
        rows: n,
        source: RowSource::Count,
        at_least: n >= COUNT_LIMIT,
    }
}

/// The pending rows of a backfill, counted up to [`COUNT_LIMIT`].
pub(super) async fn pending_rows(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<RowCount> {
    let sql = count_pending_bounded_sql(spec, b.dialect(), COUNT_LIMIT)?;
    Ok(bounded(number(b.query(&sql).await?.scalar()).unwrap_or(0)))
}

/// Rows per second of earlier runs on this database: backfill `id`'s own checkpoints when it
/// ran before, else every backfill's. `None` without a state table or without history.
pub(super) async fn measured_rate(
    b: &mut dyn Backend,
    scope: &BackfillScope,
    id: &str,
) -> Result<Option<(f64, String)>> {
    let table = scope.state_table();
    if !b.table_exists(&table).await? {
        return Ok(None);
    }
    let q = Query::select()
        .columns(["id", "rows_changed", "started_at", "updated_at"].map(ident))
        .from(ident(&table))
        .and_where(Expr::col(ident("rows_changed")).gt(0))
        .to_owned();
    let rows = b.query(&b.dialect().query(&q)).await?;
    let parts: Vec<(String, f64, f64)> = rows
        .rows
        .iter()
        .filter_map(|r| {
            let s = |i: usize| r.get(i).cloned().flatten();
            let changed = number(s(1).as_deref())? as f64;
            let start = chrono::DateTime::parse_from_rfc3339(&s(2)?).ok()?;
            let end = chrono::DateTime::parse_from_rfc3339(&s(3)?).ok()?;
            let secs = (end - start).num_milliseconds() as f64 / 1000.0;
            (secs > 0.0).then_some((s(0)?, changed, secs))
        })
        .collect();
    let rate = |only: Option<&str>| {
        let (rows, secs) = parts
            .iter()
            .filter(|p| only.is_none_or(|id| p.0 == id))
            .fold((0.0, 0.0), |(r, s), p| (r + p.1, s + p.2));
        (secs > 0.0).then_some(rows / secs)
    };
    Ok(match rate(Some(id)) {
        Some(r) => Some((r, format!("earlier runs of `{id}` on this database"))),
        None => rate(None).map(|r| (r, "other backfills' runs on this database".to_string())),
    })
}
