//! Splitting any orderable key (UUID, text, composite) into parts by sampling quantiles.
//!
//! Integer keys split arithmetically between `MIN` and `MAX` (see `parallel.rs`). Every
//! other key is split at keys taken from the table itself, ordered by the database: the
//! sample is sorted with `ORDER BY` on the key columns, so the split points follow the key
//! index's collation on each database (a case-insensitive MariaDB collation included), and
//! no key is ever compared in Rust.
//!
//! Part `i` covers `(point[i-1], point[i]]`: its cursor starts at the previous point
//! (exclusive) and its end is its own point, inclusive. The first part is open below and
//! the last part open above, so rows inserted outside the sampled keys are covered.

use sea_query::{Expr, Query};

use super::spec::{BackfillSpec, KeyKind};
use super::sql::boundary_sql;
use crate::backend::Backend;
use crate::error::Result;
use crate::render::ident;

/// The last element of a `range_end` that is inclusive (`key <= end`), after the key values.
/// It holds a NUL, which no key value written by PostgreSQL can hold, so it never collides.
pub(crate) const THROUGH: &str = "\u{0}through";

/// From this row estimate on, the walk takes the estimate as the row count (no `COUNT(*)`).
const TRUST_ESTIMATE_ABOVE: u64 = 10_000;

/// Above this row estimate, a database with a block sample (PostgreSQL) samples pages
/// instead of walking the key index.
const SAMPLE_ABOVE: u64 = 100_000;

/// About this many keys are read by a block sample.
const SAMPLE_ROWS: f64 = 20_000.0;

/// Splits an inclusive end off its marker: the key values and whether `key <= end`.
pub(crate) fn end_bound(end: &[String]) -> (&[String], bool) {
    match end.split_last() {
        Some((last, values)) if last == THROUGH => (values, true),
        _ => (end, false),
    }
}

/// Up to `n - 1` split points (each one key, ascending in the database's order, distinct).
/// Fewer when the table has fewer rows; none for an empty table.
pub(crate) async fn split_points(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    kinds: &[KeyKind],
    n: usize,
) -> Result<Vec<Vec<String>>> {
    if n < 2 {
        return Ok(Vec::new());
    }
    let dialect = b.dialect();
    let table = &spec.step.table;
    let estimate = match b.query(&dialect.sql().row_estimate_sql(table)).await {
        Ok(r) => r
            .scalar()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0) as u64,
        Err(_) => 0,
    };
    if estimate > SAMPLE_ABOVE {
        let percent = (SAMPLE_ROWS / estimate as f64 * 100.0).clamp(0.000_1, 100.0);
        if let Some(sample) = dialect.sql().block_sample_sql(percent) {
            let cols: Vec<String> = spec.key.iter().map(|k| dialect.quote(k)).collect();
            // Binary keys as the walk reads them (see `KeyKindDialect::bytes_key_text`).
            let read: Vec<String> = cols
                .iter()
                .zip(kinds)
                .map(|(c, kind)| match kind {
                    KeyKind::Bytes => dialect.key_kinds().bytes_key_text(c),
                    _ => c.clone(),
                })
                .collect();
            let sql = format!(
                "SELECT {read} FROM {t} {sample} ORDER BY {list}",
                read = read.join(", "),
                list = cols.join(", "),
                t = dialect.quote(table),
            );
            let keys = rows_as_keys(b.query(&sql).await?.rows);
            // A sample too small to place n parts (a table much smaller than its estimate):
            // walk the index instead.
            if keys.len() >= 10 * n {
                return Ok(quantiles(keys, n));
            }
        }
    }
    walked_points(b, spec, kinds, n, estimate).await
}

/// Quantiles from the key index: each point is the key `count / n` rows after the previous
/// one (`WHERE key > previous ORDER BY key LIMIT 1 OFFSET step - 1`), so the walk reads the
/// index once, up to the last point. `count` is the estimate when there is one worth using
/// (the split only needs parts of about equal size), else `COUNT(*)`.
async fn walked_points(
    b: &mut dyn Backend,
    spec: &BackfillSpec,
    kinds: &[KeyKind],
    n: usize,
    estimate: u64,
) -> Result<Vec<Vec<String>>> {
    let dialect = b.dialect();
    let count = if estimate >= TRUST_ESTIMATE_ABOVE {
        estimate
    } else {
        let count_sql = dialect.query(
            &Query::select()
                .expr(Expr::cust("COUNT(*)"))
                .from(ident(&spec.step.table))
                .to_owned(),
        );
        b.query(&count_sql)
            .await?
            .scalar()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    let step = count / n as u64;
    let mut points: Vec<Vec<String>> = Vec::new();
    if step == 0 {
        return Ok(points);
    }
    for _ in 1..n {
        let sql = boundary_sql(
            spec,
            dialect,
            kinds,
            points.last().map(|p| p.as_slice()),
            None,
            step,
        );
        match rows_as_keys(b.query(&sql).await?.rows).into_iter().next() {
            Some(key) => points.push(key),
            // Fewer rows than estimated: the last part takes the rest.
            None => break,
        }
    }
    Ok(points)
}

fn rows_as_keys(rows: Vec<Vec<Option<String>>>) -> Vec<Vec<String>> {
    rows.into_iter()
        .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect())
        .collect()
}

/// `n - 1` evenly spaced keys of a sorted sample, repeated keys dropped.
fn quantiles(sorted: Vec<Vec<String>>, n: usize) -> Vec<Vec<String>> {
    let len = sorted.len();
    let mut points: Vec<Vec<String>> = Vec::new();
    for i in 1..n {
        let at = (len * i / n).saturating_sub(1);
        if let Some(k) = sorted.get(at)
            && points.last() != Some(k)
        {
            points.push(k.clone());
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(v: &[&str]) -> Vec<Vec<String>> {
        v.iter().map(|s| vec![s.to_string()]).collect()
    }

    #[test]
    fn quantiles_are_evenly_spaced_and_distinct() {
        let sample = keys(&["a", "b", "c", "d", "e", "f", "g", "h"]);
        assert_eq!(quantiles(sample.clone(), 2), keys(&["d"]));
        assert_eq!(quantiles(sample.clone(), 4), keys(&["b", "d", "f"]));
        // More parts than keys: each point once.
        assert_eq!(quantiles(keys(&["a", "b"]), 4), keys(&["a"]));
        assert!(quantiles(Vec::new(), 4).is_empty());
    }

    #[test]
    fn an_inclusive_end_is_told_by_its_marker() {
        let end = vec!["k".to_string(), THROUGH.to_string()];
        assert_eq!(end_bound(&end), (&end[..1], true));
        let plain = vec!["k".to_string()];
        assert_eq!(end_bound(&plain), (&plain[..], false));
    }
}
