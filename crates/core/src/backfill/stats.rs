//! Refreshing stale optimizer statistics before a backfill's first batch.
//!
//! A table created and filled earlier in the same run has no statistics yet (MariaDB's
//! InnoDB reports 0 rows until its background recalculation runs; PostgreSQL has never
//! analyzed it). A batch that joins such a table can get a join order that scans every
//! pending row per batch. Before the first batch, each table the batch reads is checked:
//! when the planner's estimate is below half of a bounded count of its rows (at most
//! [`PROBE_ROWS`] index entries read), its statistics are refreshed (`ANALYZE`). On MySQL the
//! estimate is the largest index cardinality, which the join optimizer uses.

use sea_query::{Expr, Query};

use super::spec::BackfillSpec;
use crate::backend::Backend;
use crate::error::Result;
use crate::render::ident;

/// At most this many rows are counted to tell stale statistics.
pub const PROBE_ROWS: u64 = 10_000;

/// The tables a batch of `spec` reads: its table, the joined table, the insert target and
/// every table a subquery of its expressions reads.
fn tables_read(spec: &BackfillSpec) -> Vec<String> {
    let mut out = vec![spec.step.table.clone()];
    out.extend(spec.step.from.as_ref().map(|j| j.table.clone()));
    out.extend(spec.step.insert_into.clone());
    let step = crate::plan::Step::Backfill(spec.step.clone());
    for (_, e) in step.expressions() {
        out.extend(e.tables());
    }
    let mut seen = std::collections::BTreeSet::new();
    out.retain(|t| seen.insert(t.clone()));
    out
}

/// Refreshes the statistics of every table a batch of `spec` reads whose estimate is stale
/// (see the module docs) and returns their names. Does nothing on a database without such a
/// statement (SQLite: its planner assumes indexes are selective without statistics, and its
/// `ANALYZE` reads every index in full). A failed refresh (no privilege) is not an error:
/// statistics are a hint, and the batches are correct without them.
pub async fn refresh_stale_stats(b: &mut dyn Backend, spec: &BackfillSpec) -> Result<Vec<String>> {
    let dialect = b.dialect();
    let mut refreshed = Vec::new();
    for table in tables_read(spec) {
        let analyze = dialect.sql().analyze_sql(&table);
        if analyze.is_empty() {
            continue;
        }
        let estimate = match b.query(&dialect.sql().stats_rows_sql(&table)).await {
            Ok(r) => r
                .scalar()
                .and_then(|v| v.parse::<f64>().ok())
                .unwrap_or(0.0),
            Err(_) => continue,
        };
        let inner = dialect.query(
            &Query::select()
                .expr(Expr::cust("1"))
                .from(ident(&table))
                .limit(PROBE_ROWS)
                .to_owned(),
        );
        let probe = format!("SELECT COUNT(*) FROM ({inner}) AS cutover_probe");
        let present: f64 = match b.query(&probe).await {
            Ok(r) => r.scalar().and_then(|v| v.parse().ok()).unwrap_or(0.0),
            Err(_) => continue,
        };
        if estimate * 2.0 >= present {
            continue;
        }
        let mut ok = true;
        for sql in &analyze {
            // ANALYZE TABLE answers with a result set on MySQL: read it as a query.
            ok &= b.query(sql).await.is_ok();
        }
        if ok {
            refreshed.push(table);
        }
    }
    Ok(refreshed)
}
