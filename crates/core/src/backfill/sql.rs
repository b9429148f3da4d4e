//! The SQL of one backfill batch and of the queries around it, built with sea-query.
//!
//! A batch is keyset-paginated over the key: find the key of the n-th pending row after the
//! cursor (the boundary), then update the pending rows in `(cursor, boundary]`. Both
//! statements use the key index; no OFFSET over the table, no per-row statements.

use sea_query::{Expr, ExprTrait, Func, Order, Query, SelectStatement};

use super::spec::{BackfillSpec, KeyKind};
use crate::dialect::{Dialect, KeyCmp};
use crate::error::Result;
use crate::render::{ident, insert_select, update_statement};

/// One key column's value `v` of kind `kind` as written in SQL: a number for an integer
/// key, the dialect's byte literal for a binary one (`X'..'`), else a string literal.
pub(crate) fn key_value(dialect: Dialect, v: &str, kind: KeyKind) -> Expr {
    match (kind, v.parse::<i64>()) {
        (KeyKind::Integer, Ok(n)) => Expr::val(n),
        (KeyKind::Bytes, _) => match dialect.key_kinds().bytes_key_literal(v) {
            Some(sql) => Expr::cust(sql),
            None => Expr::val(v.to_string()),
        },
        _ => Expr::val(v.to_string()),
    }
}

/// A key value (one text per key column) as written in SQL (see [`key_value`]).
fn key_literal(dialect: Dialect, values: &[String], kinds: &[KeyKind]) -> Vec<Expr> {
    values
        .iter()
        .enumerate()
        .map(|(i, v)| key_value(dialect, v, kinds.get(i).copied().unwrap_or(KeyKind::Text)))
        .collect()
}

/// Adds key columns `key` of `table` to `q`'s select list, each under its own name, as the
/// walk reads them (see [`key_text`]).
pub(crate) fn select_keys(
    q: &mut SelectStatement,
    dialect: Dialect,
    table: &str,
    key: &[String],
    kinds: &[KeyKind],
) {
    for (i, k) in key.iter().enumerate() {
        match kinds.get(i) {
            Some(KeyKind::Bytes) => {
                q.expr_as(
                    key_text(dialect, Some(table), k, Some(KeyKind::Bytes)),
                    ident(k),
                );
            }
            _ => {
                q.column((ident(table), ident(k)));
            }
        }
    }
}

/// Key column `column` of `table` (or unqualified, for `None`) as the walk reads it: the
/// column itself, or for a binary key the dialect's text form of its bytes (MySQL
/// `LOWER(HEX(..))`), which [`key_literal`] writes back.
pub(crate) fn key_text(
    dialect: Dialect,
    table: Option<&str>,
    column: &str,
    kind: Option<KeyKind>,
) -> Expr {
    match kind {
        Some(KeyKind::Bytes) => {
            let col = match table {
                Some(t) => format!("{}.{}", dialect.quote(t), dialect.quote(column)),
                None => dialect.quote(column),
            };
            Expr::cust(dialect.key_kinds().bytes_key_text(&col))
        }
        _ => match table {
            Some(t) => Expr::col((ident(t), ident(column))),
            None => Expr::col(ident(column)),
        },
    }
}

/// The key columns, qualified with the table.
fn key_expr(spec: &BackfillSpec) -> Vec<Expr> {
    let t = &spec.step.table;
    spec.key
        .iter()
        .map(|k| Expr::col((ident(t), ident(k))))
        .collect()
}

/// Conditions selecting the batch's key range: `key > cursor [AND key <= upper] [AND key < end]`
/// (`key <= end` for an end marked inclusive, see [`super::split::THROUGH`]), each rendered by
/// the dialect's [`expr_key_compare`](crate::dialect::ExprDialect::expr_key_compare) so that
/// the key index serves a composite key too.
pub(crate) fn range_condition(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    upper: Option<&[String]>,
    end: Option<&[String]>,
) -> Option<Expr> {
    let cmp = |op: KeyCmp, v: &[String]| {
        dialect
            .sql()
            .expr_key_compare(key_expr(spec), op, key_literal(dialect, v, kinds))
    };
    let mut parts = Vec::new();
    if let Some(c) = cursor {
        parts.push(cmp(KeyCmp::Greater, c));
    }
    if let Some(u) = upper {
        parts.push(cmp(KeyCmp::LessOrEqual, u));
    }
    if let Some(e) = end {
        // A part split at sampled keys ends at its own last key, inclusive.
        match super::split::end_bound(e) {
            (e, true) => parts.push(cmp(KeyCmp::LessOrEqual, e)),
            (e, false) => parts.push(cmp(KeyCmp::Less, e)),
        }
    }
    parts.into_iter().reduce(|a, b| a.and(b))
}

/// `SELECT .. FROM t [JOIN from] WHERE where [AND pending]`, without a select list.
pub(crate) fn base_select(
    spec: &BackfillSpec,
    dialect: Dialect,
    with_pending: bool,
) -> Result<SelectStatement> {
    let mut q = Query::select();
    q.from(ident(&spec.step.table));
    if let Some(j) = &spec.step.from {
        q.inner_join(ident(&j.table), j.on.render(dialect)?);
    }
    if let Some(w) = &spec.step.r#where {
        q.and_where(w.render(dialect)?);
    }
    if with_pending && let Some(p) = &spec.step.pending {
        q.and_where(p.render(dialect)?);
    }
    Ok(q)
}

/// `SELECT key FROM t WHERE key > cursor [AND key < end] ORDER BY key LIMIT 1 OFFSET n-1`:
/// the last key of the next batch of n rows, or no row when fewer remain. It reads only the
/// key index; the predicates are evaluated once, by the batch's UPDATE.
pub fn boundary_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    end: Option<&[String]>,
    batch: u64,
) -> String {
    let mut q = key_select(spec, dialect, kinds, cursor, end, Order::Asc);
    q.offset(batch.saturating_sub(1));
    dialect.query(&q)
}

/// The UPDATE of one batch: the pending rows with `cursor < key <= upper` (and `< end`).
pub fn batch_update_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    upper: Option<&[String]>,
    end: Option<&[String]>,
    with_pending: bool,
) -> Result<String> {
    let mut step = spec.step.clone();
    if !with_pending {
        step.pending = None;
    }
    let extra = range_condition(spec, dialect, kinds, cursor, upper, end);
    if step.insert_into.is_some() {
        let anti_join = spec.anti_join_key().filter(|_| with_pending);
        return insert_select(&step, dialect, extra, anti_join);
    }
    Ok(dialect.query(&update_statement(&step, dialect, extra)?))
}

/// `SELECT 1 ... WHERE pending [AND key > cursor AND key < end] LIMIT 1`: whether a pending
/// row is left in a key range.
pub fn pending_exists_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    end: Option<&[String]>,
) -> Result<String> {
    pending_rows_sql(spec, dialect, kinds, cursor, end, 1)
}

/// `SELECT COUNT(*)` over at most `limit` pending rows: a count whose cost is bounded
/// (`cutover explain`); `limit` back means "at least that many".
pub fn count_pending_bounded_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    limit: u64,
) -> Result<String> {
    let inner = pending_rows_sql(spec, dialect, &[], None, None, limit)?;
    Ok(format!("SELECT COUNT(*) FROM ({inner}) AS pending_rows"))
}

/// `SELECT 1 ... WHERE pending [AND key > cursor AND key < end] LIMIT limit`.
fn pending_rows_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    end: Option<&[String]>,
    limit: u64,
) -> Result<String> {
    let range = range_condition(spec, dialect, kinds, cursor, None, end);
    if spec.step.insert_into.is_some() {
        // The source rows as the insert reads them (explode included), with the default
        // anti-join when there is no `pending`.
        let (_, from, cond) =
            crate::render::insert_select_parts(&spec.step, dialect, range, spec.anti_join_key())?;
        let mut sql = format!("SELECT 1 FROM {from}");
        if let Some(c) = cond {
            sql.push_str(&format!(" WHERE {c}"));
        }
        return Ok(format!("{sql} LIMIT {limit}"));
    }
    let mut q = base_select(spec, dialect, true)?;
    q.expr(Expr::cust("1")).limit(limit);
    if let Some(c) = range {
        q.and_where(c);
    }
    Ok(dialect.query(&q))
}

/// `SELECT COUNT(*) ... WHERE pending` (for insert-select backfills, over the rows the insert
/// reads, with the default anti-join when there is no `pending`).
pub fn count_pending_sql(spec: &BackfillSpec, dialect: Dialect) -> Result<String> {
    if spec.step.insert_into.is_some() {
        let (_, from, cond) =
            crate::render::insert_select_parts(&spec.step, dialect, None, spec.anti_join_key())?;
        let mut sql = format!("SELECT COUNT(*) FROM {from}");
        if let Some(c) = cond {
            sql.push_str(&format!(" WHERE {c}"));
        }
        return Ok(sql);
    }
    let mut q = base_select(spec, dialect, true)?;
    q.expr(Expr::cust("COUNT(*)"));
    Ok(dialect.query(&q))
}

/// The first `n` pending rows with their key, the current value of every column the backfill
/// sets, and the value it would set (`<col>` and `new_<col>`).
pub fn sample_sql(spec: &BackfillSpec, dialect: Dialect, n: u64) -> Result<String> {
    if spec.step.insert_into.is_some() {
        // The rows it would insert.
        let (exprs, from, cond) =
            crate::render::insert_select_parts(&spec.step, dialect, None, spec.anti_join_key())?;
        let names: Vec<String> = spec
            .step
            .values
            .iter()
            .map(|(c, _)| dialect.quote(c))
            .collect();
        let list: Vec<String> = exprs
            .iter()
            .zip(&names)
            .map(|(e, n)| format!("{e} AS {n}"))
            .collect();
        let mut sql = format!("SELECT {} FROM {from}", list.join(", "));
        if let Some(c) = cond {
            sql.push_str(&format!(" WHERE {c}"));
        }
        return Ok(format!("{sql} LIMIT {n}"));
    }
    let mut q = base_select(spec, dialect, true)?;
    let t = &spec.step.table;
    let kinds = spec.key_kinds.as_deref().unwrap_or_default();
    select_keys(&mut q, dialect, t, &spec.key, kinds);
    for k in &spec.key {
        q.order_by((ident(t), ident(k)), Order::Asc);
    }
    for (col, e) in &spec.step.set {
        q.expr_as(Expr::col((ident(t), ident(col))), ident(col));
        q.expr_as(e.render(dialect)?, ident(&format!("new_{col}")));
    }
    q.limit(n);
    Ok(dialect.query(&q))
}

/// `SELECT MIN(k), MAX(k) FROM t` over the first key column, for splitting into ranges.
pub fn key_bounds_sql(spec: &BackfillSpec, dialect: Dialect) -> String {
    let k = Expr::col((ident(&spec.step.table), ident(&spec.key[0])));
    let q = Query::select()
        .expr(Func::min(k.clone()))
        .expr(Func::max(k))
        .from(ident(&spec.step.table))
        .to_owned();
    dialect.query(&q)
}

/// `SELECT COUNT(*)` of the rows in a final batch's range (no upper boundary).
pub fn range_count_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    end: Option<&[String]>,
) -> String {
    let mut q = Query::select();
    q.expr(Expr::cust("COUNT(*)")).from(ident(&spec.step.table));
    if let Some(c) = range_condition(spec, dialect, kinds, cursor, None, end) {
        q.and_where(c);
    }
    dialect.query(&q)
}

/// The largest key in `(cursor, end)`, pending or not: where a finished range's cursor ends.
pub fn last_key_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    end: Option<&[String]>,
) -> String {
    dialect.query(&key_select(spec, dialect, kinds, cursor, end, Order::Desc))
}

/// `SELECT key FROM t WHERE key > cursor [AND key < end] ORDER BY key <order> LIMIT 1`, on
/// the key index alone.
pub(crate) fn key_select(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    cursor: Option<&[String]>,
    end: Option<&[String]>,
    order: Order,
) -> SelectStatement {
    let t = &spec.step.table;
    let mut q = Query::select();
    q.from(ident(t));
    select_keys(&mut q, dialect, t, &spec.key, kinds);
    for k in &spec.key {
        q.order_by((ident(t), ident(k)), order.clone());
    }
    if let Some(c) = range_condition(spec, dialect, kinds, cursor, None, end) {
        q.and_where(c);
    }
    q.limit(1);
    q
}
