//! Batch boundaries counted ahead ("ticks"): every [`TICK`]-th key after the cursor, listed by
//! one query per window of keys, so that a batch does not count its keys itself.
//!
//! Counting a batch's keys (`ORDER BY key LIMIT 1 OFFSET n-1`, [`super::sql::boundary_sql`])
//! reads only the key index, but on PostgreSQL an index-only scan fetches the heap tuple of
//! every key on a page the backfill has already updated (the page lost its all-visible bit).
//! Random keys (UUIDs) are spread over every page, so after the first batches each boundary
//! query fetched a heap tuple per key it counted. The ticks are counted once, at the start of
//! a part, while the visibility map is still clean: a 1M-row table in one query.
//!
//! Ticks live in memory only: the checkpoint is the cursor, written in each batch's
//! transaction as before, and the queue is valid only while it starts at the current cursor
//! (after a restart, a reconnect that moved the cursor, or an exactly counted batch, it is
//! listed again from the cursor). Rows inserted or deleted by others between two ticks change a
//! batch's real size a little, nothing else: batches are ranges of key bounds, as before.

use std::collections::VecDeque;

use sea_query::{Expr, Order, Query, WindowStatement};

use super::engine::PartContext;
use super::spec::{BackfillSpec, KeyKind};
use super::sql::{boundary_sql, key_select};
use super::state::Checkpoint;
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::render::ident;

/// Keys between two ticks. A batch is a whole number of ticks, so a `--batch-size` that is a
/// multiple of 100 (500, 1000, 5000) is kept exactly and the sizer's sizes are met within 1%
/// from 5,000 rows on; the list of ticks stays short (40,000 keys per 4M rows).
pub const TICK: u64 = 100;

/// Ticks per window query: 40,000 ticks cover 4M keys, so a table of a few million rows is
/// counted by one query at the start of its part, before any batch has touched its pages.
pub const WINDOW: u64 = 40_000;

/// Where the next batch ends and how many keys it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Boundary {
    /// The last key of the batch (inclusive); `None`: the rest of the range is the last batch.
    pub upper: Option<Vec<String>>,
    /// Keys in the batch as counted (its `rows_scanned`); meaningless for the last batch,
    /// whose rows are counted in its transaction.
    pub rows: u64,
}

/// The ticks ahead of one part's cursor.
#[derive(Debug)]
pub(crate) struct Ticks {
    tick: u64,
    window: u64,
    /// The cursor the queue counts from; `None`: no queue yet (or dropped).
    from: Option<Option<Vec<String>>>,
    queue: VecDeque<Vec<String>>,
    /// The last window returned fewer than `window` ticks: no tick lies beyond the queue.
    exhausted: bool,
    /// Ticks the boundary last handed out takes, dropped when its batch commits.
    taking: usize,
}

impl Ticks {
    /// Ticks every `tick` keys, listed `window` ticks per query.
    pub fn new(tick: u64, window: u64) -> Ticks {
        Ticks {
            tick: tick.max(1),
            window: window.max(1),
            from: None,
            queue: VecDeque::new(),
            exhausted: false,
            taking: 0,
        }
    }

    /// The boundary of a batch of about `size` keys after `cp`'s cursor: the k-th tick, k =
    /// max(1, round(size / tick)), or (below one tick, or when fewer than k ticks are left)
    /// the exact count of [`boundary_sql`], which also finds the last batch.
    pub async fn boundary(
        &mut self,
        b: &mut dyn Backend,
        ctx: &PartContext<'_>,
        cp: &Checkpoint,
        size: u64,
    ) -> Result<Boundary> {
        self.taking = 0;
        let cursor = cp.cursor.as_deref();
        let end = cp.range_end.as_deref();
        if size >= self.tick {
            if self.from.as_ref() != Some(&cp.cursor) {
                self.from = Some(cp.cursor.clone());
                self.queue.clear();
                self.exhausted = false;
            }
            let k = ((size as f64 / self.tick as f64).round() as usize).max(1);
            if self.queue.len() < k && !self.exhausted {
                let after = self.queue.back().cloned().or_else(|| cp.cursor.clone());
                let sql = ticks_sql(
                    (ctx.spec, b.dialect(), ctx.kinds),
                    after.as_deref(),
                    end,
                    self.tick,
                    self.window,
                );
                let rows = b.query(&sql).await?.rows;
                self.exhausted = (rows.len() as u64) < self.window;
                self.queue.extend(
                    rows.into_iter()
                        .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect()),
                );
            }
            if let Some(upper) = self.queue.get(k - 1) {
                self.taking = k;
                return Ok(Boundary {
                    upper: Some(upper.clone()),
                    rows: k as u64 * self.tick,
                });
            }
        }
        let q = boundary_sql(ctx.spec, b.dialect(), ctx.kinds, cursor, end, size);
        let upper = b
            .query(&q)
            .await?
            .rows
            .into_iter()
            .next()
            .map(|r| r.into_iter().map(|v| v.unwrap_or_default()).collect());
        Ok(Boundary { upper, rows: size })
    }

    /// The batch of the last [`boundary`](Ticks::boundary) committed and moved the cursor to
    /// `cursor`: its ticks leave the queue, which now counts from `cursor`. After an exactly
    /// counted batch the queue no longer starts at the cursor and is listed again when needed.
    pub fn committed(&mut self, cursor: &Option<Vec<String>>) {
        if self.taking > 0 && self.queue.get(self.taking - 1) == cursor.as_ref() {
            self.queue.drain(..self.taking);
            self.from = Some(cursor.clone());
        }
        self.taking = 0;
    }
}

/// Every `tick`-th key after `cursor` within the part's range, at most `window` of them:
/// `SELECT k FROM (SELECT k, ROW_NUMBER() OVER (ORDER BY k) AS rn FROM (SELECT k FROM t
/// WHERE range ORDER BY k LIMIT window * tick) keys) ticks WHERE rn % tick = 0 ORDER BY k`.
/// The innermost select is the boundary query's (key index only, no predicates) with a
/// larger limit; the row numbers are taken over the limited keys, so no database numbers
/// more keys than the window holds.
pub(crate) fn ticks_sql(
    (spec, dialect, kinds): (&BackfillSpec, Dialect, &[KeyKind]),
    cursor: Option<&[String]>,
    end: Option<&[String]>,
    tick: u64,
    window: u64,
) -> String {
    use sea_query::ExprTrait;
    let mut keys = key_select(spec, dialect, kinds, cursor, end, Order::Asc);
    keys.limit(window.saturating_mul(tick));
    let rn = "cutover_rn";
    let mut window = WindowStatement::new();
    let mut numbered = Query::select();
    for k in &spec.key {
        window.order_by(ident(k), Order::Asc);
        numbered.column(ident(k));
    }
    numbered
        .expr_window_as(Expr::cust("ROW_NUMBER()"), window, ident(rn))
        .from_subquery(keys, ident("cutover_keys"));
    let mut q = Query::select();
    for k in &spec.key {
        q.column(ident(k));
        q.order_by(ident(k), Order::Asc);
    }
    q.from_subquery(numbered, ident("cutover_ticks"))
        .and_where(Expr::col(ident(rn)).modulo(tick as i64).eq(0));
    dialect.query(&q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Backfill;

    fn spec(key: &[&str]) -> BackfillSpec {
        let step: Backfill = toml::from_str("table = \"t\"\nset.x = \"1\"\n").expect("step");
        BackfillSpec {
            id: "b".into(),
            step,
            key: key.iter().map(|k| k.to_string()).collect(),
            key_kinds: None,
            target_key: Vec::new(),
            target_columns: Vec::new(),
            checksum: "c".into(),
            migration: "0001 (m)".into(),
            version: "0001".into(),
            scope: crate::backfill::BackfillScope::default_history(),
            undoes: None,
            undo_log_held: Vec::new(),
        }
    }

    #[test]
    fn ticks_are_numbered_over_the_limited_keys() {
        let s = spec(&["id"]);
        let kinds = [KeyKind::Text];
        let cursor = ["a1".to_string()];
        let end = ["f0".to_string()];
        let sql = ticks_sql(
            (&s, Dialect::Postgres, &kinds),
            Some(&cursor),
            Some(&end),
            200,
            50,
        );
        assert_eq!(
            sql,
            r#"SELECT "id" FROM (SELECT "id", ROW_NUMBER() OVER (  ORDER BY "id" ASC ) AS "cutover_rn" FROM (SELECT "t"."id" FROM "t" WHERE "t"."id" > 'a1' AND "t"."id" < 'f0' ORDER BY "t"."id" ASC LIMIT 10000) AS "cutover_keys") AS "cutover_ticks" WHERE "cutover_rn" % 200 = 0 ORDER BY "id" ASC"#
        );
        let sql = ticks_sql((&s, Dialect::Mysql, &kinds), None, None, 200, 50);
        assert_eq!(
            sql,
            r#"SELECT `id` FROM (SELECT `id`, ROW_NUMBER() OVER (  ORDER BY `id` ASC ) AS `cutover_rn` FROM (SELECT `t`.`id` FROM `t` ORDER BY `t`.`id` ASC LIMIT 10000) AS `cutover_keys`) AS `cutover_ticks` WHERE `cutover_rn` % 200 = 0 ORDER BY `id` ASC"#
        );
        let c = spec(&["a", "b"]);
        let kinds = [KeyKind::Integer, KeyKind::Text];
        let cursor = ["1".to_string(), "x".to_string()];
        let sql = ticks_sql((&c, Dialect::Sqlite, &kinds), Some(&cursor), None, 3, 2);
        assert_eq!(
            sql,
            r#"SELECT "a", "b" FROM (SELECT "a", "b", ROW_NUMBER() OVER (  ORDER BY "a" ASC, "b" ASC ) AS "cutover_rn" FROM (SELECT "t"."a", "t"."b" FROM "t" WHERE ("t"."a", "t"."b") > (1, 'x') ORDER BY "t"."a" ASC, "t"."b" ASC LIMIT 6) AS "cutover_keys") AS "cutover_ticks" WHERE "cutover_rn" % 3 = 0 ORDER BY "a" ASC, "b" ASC"#
        );
    }

    #[test]
    fn binary_keys_are_read_as_hex_and_written_as_bytes_on_mysql() {
        let s = spec(&["id"]);
        let kinds = [KeyKind::Bytes];
        let cursor = ["41c0ff".to_string()];
        let sql = ticks_sql((&s, Dialect::Mysql, &kinds), Some(&cursor), None, 200, 50);
        assert_eq!(
            sql,
            r#"SELECT `id` FROM (SELECT `id`, ROW_NUMBER() OVER (  ORDER BY `id` ASC ) AS `cutover_rn` FROM (SELECT LOWER(HEX(`t`.`id`)) AS `id` FROM `t` WHERE `t`.`id` > (X'41c0ff') ORDER BY `t`.`id` ASC LIMIT 10000) AS `cutover_keys`) AS `cutover_ticks` WHERE `cutover_rn` % 200 = 0 ORDER BY `id` ASC"#
        );
        // Not hex (a cursor from before binary keys were read as hex): a string literal.
        let odd = ["A\u{fffd}".to_string()];
        let sql = ticks_sql((&s, Dialect::Mysql, &kinds), Some(&odd), None, 200, 50);
        assert!(sql.contains("`t`.`id` > 'A"), "{sql}");
        // PostgreSQL reads `bytea` as `\x..` text, which a string literal casts back.
        let pg = ["\\x41c0".to_string()];
        let sql = ticks_sql((&s, Dialect::Postgres, &kinds), Some(&pg), None, 200, 50);
        assert!(
            sql.contains(r#"(SELECT "t"."id" AS "id" FROM "t" WHERE "t"."id" > E'\\x41c0'"#),
            "{sql}"
        );
    }
}
