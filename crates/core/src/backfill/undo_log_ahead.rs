//! Logging a batch ahead of its UPDATE, in one statement (dialects where that is cheaper,
//! see [`UndoLogDialect::logs_undo_ahead`](crate::dialect::UndoLogDialect::logs_undo_ahead)):
//! `INSERT INTO log (k_*, o_*, n_*, mark) SELECT key, col, <set expression>, 0 FROM t WHERE
//! <batch range> AND <pending/where>`, upserting only the new values of a key logged already
//! (a re-run or `--force` keeps the oldest old value), then the batch's UPDATE, then the
//! removal of the rows the batch did not really change. The same expressions evaluated on
//! the same rows in the same transaction give the values the UPDATE writes, so this is used
//! only when they are repeatable: no `uuid()`, no subquery, `now()` only with the session's
//! clock pinned for the batch; no `from` join (a row joined twice may be written with either
//! match) and no `set` expression reading a column set before it (MySQL assigns left to
//! right, so it would read the new value). Otherwise the batch copies the written values back after the UPDATE.

use sea_query::{Expr, ExprTrait, LockType, Query};

use super::spec::{BackfillSpec, KeyKind};
use super::sql::{base_select, range_condition};
use super::undo_log::{MARK, UndoLog, k, n, o};
use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::render::ident;

/// A batch's statements before and after its UPDATE.
pub(crate) type AroundUpdate = (Vec<String>, Vec<String>);

impl UndoLog {
    /// The statements around the batch's UPDATE when it can log ahead, `None` otherwise.
    #[allow(clippy::too_many_arguments)]
    pub fn ahead_sql(
        &self,
        spec: &BackfillSpec,
        dialect: Dialect,
        kinds: &[KeyKind],
        cursor: Option<&[String]>,
        upper: Option<&[String]>,
        end: Option<&[String]>,
        with_pending: bool,
    ) -> Result<Option<AroundUpdate>> {
        let undo = dialect.undo_log();
        let step = &spec.step;
        // A `set` of a key column changes the row's identity: the general path handles it.
        if self.insert || !undo.logs_undo_ahead() || step.from.is_some() {
            return Ok(None);
        }
        if step.set.len() != self.cols.len() {
            return Ok(None);
        }
        let mut read = step.set.iter().map(|(_, e)| e).collect::<Vec<_>>();
        read.extend(step.r#where.iter());
        if with_pending {
            read.extend(step.pending.iter());
        }
        let pin = undo.pin_clock_sql();
        if !read.iter().all(|e| e.is_repeatable(pin.is_some())) {
            return Ok(None);
        }
        let pin = pin.filter(|_| !read.iter().all(|e| e.is_repeatable(false)));
        let sets_read = step.set.iter().enumerate().any(|(i, (_, e))| {
            let earlier = &step.set[..i];
            e.columns()
                .iter()
                .any(|r| earlier.iter().any(|(c, _)| *c == r.column))
        });
        if sets_read {
            return Ok(None);
        }
        let mut rows = base_select(spec, dialect, with_pending)?;
        let mut columns = Vec::new();
        for c in &self.key {
            rows.expr(Expr::col((self.t(), ident(c))));
            columns.push(ident(&k(c)));
        }
        for (c, e) in &step.set {
            rows.expr(Expr::col((self.t(), ident(c))));
            rows.expr(e.render(dialect)?);
            columns.push(ident(&o(c)));
            columns.push(ident(&n(c)));
        }
        // An older definition's columns: this run leaves them as they are.
        for c in &self.held {
            rows.expr(Expr::col((self.t(), ident(c))));
            rows.expr(Expr::col((self.t(), ident(c))));
            columns.push(ident(&o(c)));
            columns.push(ident(&n(c)));
        }
        rows.expr(Expr::val(0));
        columns.push(ident(MARK));
        // Always a WHERE: SQLite parses `SELECT .. FROM t ON CONFLICT` as a join otherwise.
        let range = range_condition(spec, dialect, kinds, cursor, upper, end);
        rows.and_where(range.unwrap_or_else(|| Expr::cust("1 = 1")));
        // Exclusive row locks now, not shared ones upgraded by the UPDATE: a writer waiting
        // for one of these rows in between would deadlock with the upgrade.
        rows.lock(LockType::Update);
        let insert = self.insert_rows(columns, rows)?;
        let q = |c: &str| dialect.quote(c);
        let keys: Vec<String> = self.log_key().iter().map(|c| q(c)).collect();
        // A row logged before gets this run's written values, and this run's old values
        // too when someone changed it since (see `merge_set`).
        let all: Vec<String> = self.cols.iter().chain(&self.held).cloned().collect();
        let mut set = crate::dialect::merge_set(dialect, &self.table, &all, &self.cols);
        set.push(format!("{} = {}", q(MARK), undo.incoming(&q(MARK))));
        let insert = format!("{}{}", dialect.query(&insert), undo.upsert_set(&keys, &set));
        let mut forget = Query::delete();
        forget
            .from_table(self.l())
            .and_where(self.unchanged(dialect));
        if let Some(r) = self.log_range(spec, dialect, kinds, cursor, upper, end) {
            forget.and_where(r);
        }
        let mut before = Vec::new();
        let mut after = vec![dialect.query(&forget)];
        if let Some((fix, release)) = pin {
            before.push(fix.to_string());
            after.push(release.to_string());
        }
        before.push(insert);
        Ok(Some((before, after)))
    }

    /// `same(log.o_c, log.n_c) AND ..`: a log row the batch did not really change, in any
    /// written column the log holds (also those an older definition wrote).
    pub fn unchanged(&self, dialect: Dialect) -> Expr {
        self.cols
            .iter()
            .chain(&self.held)
            .map(|c| {
                dialect.sql().expr_same_value(
                    Expr::col((self.l(), ident(&o(c)))),
                    Expr::col((self.l(), ident(&n(c)))),
                )
            })
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| Expr::cust("1 = 1"))
    }
}

/// After a failed batch (rolled back): releases a clock the batch may have pinned, so the
/// session's `now()` runs again for whatever the connection does next.
pub(crate) async fn release_clock(b: &mut dyn Backend) {
    if let Some((_, release)) = b.dialect().undo_log().pin_clock_sql() {
        let _ = b.execute(release).await;
    }
}
