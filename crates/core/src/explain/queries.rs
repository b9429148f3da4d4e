//! The planner's plans of checks and backfill batches, with the full-scan warning.

use super::{LARGE_TABLE_ROWS, QueryPlan, RowCount};
use crate::backend::{Backend, Timeouts};
use crate::backfill::BackfillSpec;
use crate::backfill::keys;
use crate::backfill::sql::{batch_update_sql, boundary_sql};
use crate::error::Result;

/// Asks the planner for the plan of `sql` (EXPLAIN, never ANALYZE). A query that cannot be
/// planned yet (it names what a pending step creates) is reported, not an error.
pub(super) async fn plan(
    b: &mut dyn Backend,
    what: String,
    sql: String,
    expected_index: &str,
    rows_of: &dyn Fn(&str) -> Option<RowCount>,
    timeouts: Timeouts,
) -> QueryPlan {
    let explainer = b.dialect().explainer();
    let mut out = QueryPlan {
        what,
        sql,
        plan: Vec::new(),
        full_scans: Vec::new(),
        warning: None,
        error: None,
    };
    match b.query(&explainer.explain_sql(&out.sql)).await {
        Ok(rows) => {
            out.plan = explainer.plan_lines(&rows);
            out.full_scans = explainer.full_scans(&rows);
        }
        Err(e) if e.is_timeout() => {
            out.error = Some(format!(
                "no plan: a table it reads is busy ({}); run explain again later",
                super::analyse::busy_text(timeouts)
            ));
            return out;
        }
        Err(e) => {
            out.error = Some(format!("no plan before the steps before it ran: {e}"));
            return out;
        }
    }
    let large: Vec<String> = out
        .full_scans
        .iter()
        .filter_map(|t| {
            let n = rows_of(t)?.rows;
            (n >= LARGE_TABLE_ROWS).then(|| format!("`{t}` ({n} rows)"))
        })
        .collect();
    if !large.is_empty() {
        out.warning = Some(format!(
            "{} reads {} in full where an index was expected ({expected_index})",
            out.what,
            large.join(", ")
        ));
    }
    out
}

/// The SQL of the first batch of `spec` as the engine would run it: the key range up to the
/// boundary of the first `batch` keys (a SELECT on the key index), or the whole key space
/// when fewer rows are left.
pub(super) async fn first_batch_sql(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    batch: u64,
) -> Result<String> {
    let (key, kinds) = keys::resolve(b, spec).await?;
    let mut spec = spec.clone();
    spec.key = key;
    let dialect = b.dialect();
    let upper: Option<Vec<String>> = b
        .query(&boundary_sql(&spec, dialect, &kinds, None, None, batch))
        .await?
        .rows
        .into_iter()
        .next()
        .map(|r| r.into_iter().map(Option::unwrap_or_default).collect());
    batch_update_sql(&spec, dialect, &kinds, None, upper.as_deref(), None, true)
}
