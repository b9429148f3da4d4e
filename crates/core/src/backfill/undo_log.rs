//! The undo log of a backfill: what each batch overwrote, written in the batch's transaction.
//!
//! One side table per backfill, `cutover_undo_<hash of the id>`, created with
//! `CREATE TABLE .. AS SELECT .. WHERE 1 = 0` from the backfilled table itself, so that
//! every logged value has the column's own type and is copied by the database, never
//! converted by a driver: `k_<key>` (the row's key), `o_<col>` (the value before the
//! backfill, update form only), `n_<col>` (the value the backfill wrote) and `cutover_mark`
//! (1 while a batch is logging the row, 0 when logged, 2 when undo left it alone).
//!
//! Update form, per batch, around the batch's UPDATE: mark the logged rows the batch writes
//! again (a re-run or `--force` keeps the oldest old value), insert the rows not logged
//! yet (old values = new values for now), then after the UPDATE copy the new values, drop
//! the rows the batch did not really change, and unmark. Insert-select form: the keys of
//! the rows the batch inserts (by the target's conflict key) and their inserted values.

use sea_query::{Alias, Expr, ExprTrait, Query, SelectStatement};

use super::spec::{BackfillSpec, KeyKind};
use super::sql::{base_select, range_condition};
use crate::dialect::Dialect;
use crate::error::Result;
use crate::render::ident;

/// The mark column.
pub(crate) const MARK: &str = "cutover_mark";

/// What a backfill's undo log records, and where.
#[derive(Debug, Clone)]
pub(crate) struct UndoLog {
    /// The backfill's id (for messages).
    pub id: String,
    /// The log table.
    pub table: String,
    /// The table whose rows the backfill changes (the insert target for insert-select).
    pub target: String,
    /// The key columns of `target`.
    pub key: Vec<String>,
    /// The columns the backfill writes (besides the key).
    pub cols: Vec<String>,
    /// Insert-select form (no old values: undo deletes the rows).
    pub insert: bool,
    /// Written columns the log table holds besides `cols` (an older definition's).
    pub held: Vec<String>,
}

pub(crate) fn k(c: &str) -> String {
    format!("k_{c}")
}
pub(crate) fn o(c: &str) -> String {
    format!("o_{c}")
}
pub(crate) fn n(c: &str) -> String {
    format!("n_{c}")
}

/// The columns of table `table` as it is in the database, in order.
pub(super) async fn live_columns(
    b: &mut dyn crate::backend::Backend,
    table: &str,
) -> Result<Vec<String>> {
    let sql = format!("SELECT * FROM {} WHERE 1 = 0", b.dialect().quote(table));
    Ok(b.query(&sql).await?.columns)
}

/// The written columns a log table with `columns` holds: every `c` with both `o_c` and
/// `n_c` (update form).
pub(crate) fn written_in(columns: &[String]) -> Vec<String> {
    columns
        .iter()
        .filter_map(|c| c.strip_prefix("o_"))
        .filter(|c| columns.contains(&n(c)))
        .map(str::to_string)
        .collect()
}

impl UndoLog {
    /// The log of `spec` (its key resolved), or `None` when it keeps none: `undo_log = false`,
    /// the reverse run of `undo` expressions, or an insert-select backfill without a known
    /// conflict key on its target.
    pub fn of(spec: &BackfillSpec) -> Option<UndoLog> {
        let step = &spec.step;
        if step.undo_log == Some(false) || spec.key.is_empty() {
            return None;
        }
        let table = spec.scope.undo_log_table(&spec.id);
        if let Some(target) = &step.insert_into {
            if spec.target_key.is_empty() {
                return None;
            }
            let key = spec.target_key.clone();
            // The inserted values, then the target's other columns (defaults, columns the
            // application fills): a row edited in any of them since is left alone.
            let mut cols: Vec<String> = Vec::new();
            for c in step
                .values
                .iter()
                .map(|(c, _)| c)
                .chain(&spec.target_columns)
            {
                if !key.contains(c) && !cols.contains(c) {
                    cols.push(c.clone());
                }
            }
            return Some(UndoLog {
                id: spec.id.clone(),
                table,
                target: target.clone(),
                key,
                cols,
                insert: true,
                held: Vec::new(),
            });
        }
        let cols: Vec<String> = step
            .set
            .iter()
            .map(|(c, _)| c.clone())
            .filter(|c| !spec.key.contains(c))
            .collect();
        (!cols.is_empty()).then(|| UndoLog {
            id: spec.id.clone(),
            table,
            target: step.table.clone(),
            key: spec.key.clone(),
            held: spec
                .undo_log_held
                .iter()
                .filter(|c| !cols.contains(c))
                .cloned()
                .collect(),
            cols,
            insert: false,
        })
    }

    pub(super) fn t(&self) -> Alias {
        ident(&self.target)
    }

    pub(super) fn l(&self) -> Alias {
        ident(&self.table)
    }

    /// `target.k = log.k_k AND ...`.
    pub fn key_match(&self) -> Expr {
        self.key
            .iter()
            .map(|c| Expr::col((self.t(), ident(c))).eq(Expr::col((self.l(), ident(&k(c))))))
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| Expr::cust("1 = 0"))
    }

    /// `same(target.c, log.<prefix>c) AND ...` over the written columns.
    pub fn same_as(&self, dialect: Dialect, prefix: fn(&str) -> String) -> Expr {
        let sql = dialect.sql();
        self.cols
            .iter()
            .map(|c| {
                sql.expr_same_value(
                    Expr::col((self.t(), ident(c))),
                    Expr::col((self.l(), ident(&prefix(c)))),
                )
            })
            .reduce(|a, b| a.and(b))
            .unwrap_or_else(|| Expr::cust("1 = 1"))
    }

    /// `same(t.c, log.n_c)`: the row still holds what the backfill wrote.
    pub fn as_written(&self, dialect: Dialect) -> Expr {
        self.same_as(dialect, n)
    }

    /// `same(t.c, log.o_c)`: the row holds its value from before the backfill.
    pub fn as_before(&self, dialect: Dialect) -> Expr {
        self.same_as(dialect, o)
    }

    /// The columns of the log table as it is in the database, in order.
    pub(super) async fn table_columns(
        &self,
        b: &mut dyn crate::backend::Backend,
    ) -> Result<Vec<String>> {
        live_columns(b, &self.table).await
    }

    /// The columns of the backfilled table as it is in the database, in order.
    pub(super) async fn target_columns(
        &self,
        b: &mut dyn crate::backend::Backend,
    ) -> Result<Vec<String>> {
        live_columns(b, &self.target).await
    }

    /// Rows in log table `table`, those of packed batches not unpacked yet included
    /// (counted with repeats).
    pub(super) async fn rows_of(b: &mut dyn crate::backend::Backend, table: &str) -> Result<u64> {
        let sql = format!("SELECT COUNT(*) FROM {}", b.dialect().quote(table));
        let plain: u64 = b
            .query(&sql)
            .await?
            .scalar()
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        Ok(plain + Self::packed_rows_of(b, table).await?)
    }

    /// The key columns of the log (`k_<key>`).
    pub fn log_key(&self) -> Vec<String> {
        self.key.iter().map(|c| k(c)).collect()
    }

    /// A spec whose table and key are the log's, for keyset ranges over the log.
    pub fn walk_spec(&self, spec: &BackfillSpec) -> BackfillSpec {
        let mut s = spec.clone();
        s.step.table = self.table.clone();
        s.key = self.log_key();
        s
    }

    /// `log.mark = m`.
    pub fn mark_is(&self, m: i64) -> Expr {
        Expr::col((self.l(), ident(MARK))).eq(m)
    }

    /// The statements a batch runs before its UPDATE or INSERT.
    #[allow(clippy::too_many_arguments)]
    pub fn before_sql(
        &self,
        spec: &BackfillSpec,
        dialect: Dialect,
        kinds: &[KeyKind],
        cursor: Option<&[String]>,
        upper: Option<&[String]>,
        end: Option<&[String]>,
        with_pending: bool,
    ) -> Result<Vec<String>> {
        if self.insert {
            return self.insert_before_sql(spec, dialect, kinds, cursor, upper, end);
        }
        let range = range_condition(spec, dialect, kinds, cursor, upper, end);
        // The rows the batch writes, marked, with their current values copied by the
        // database as old and (for now) written values. A key logged already keeps its old
        // values unless someone changed the row since (see `merge_set`).
        let mut rows = base_select(spec, dialect, with_pending)?;
        if spec.step.from.is_some() {
            // A joined table can match a row more than once.
            rows.distinct();
        }
        let mut columns = Vec::new();
        for c in &self.key {
            rows.expr(Expr::col((self.t(), ident(c))));
            columns.push(ident(&k(c)));
        }
        // An older definition's columns (`held`) too: this run leaves them as they are.
        for c in self.cols.iter().chain(&self.held) {
            rows.expr(Expr::col((self.t(), ident(c))));
            rows.expr(Expr::col((self.t(), ident(c))));
            columns.push(ident(&o(c)));
            columns.push(ident(&n(c)));
        }
        rows.expr(Expr::val(1));
        columns.push(ident(MARK));
        // Always a WHERE: SQLite parses `SELECT .. FROM t ON CONFLICT` as a join otherwise.
        rows.and_where(range.unwrap_or_else(|| Expr::cust("1 = 1")));
        let insert = self.insert_rows(columns, rows)?;
        let q = |c: &str| dialect.quote(c);
        let keys: Vec<String> = self.log_key().iter().map(|c| q(c)).collect();
        let all: Vec<String> = self.cols.iter().chain(&self.held).cloned().collect();
        let mut set = crate::dialect::merge_set(dialect, &self.table, &all, &[]);
        set.push(format!("{} = 1", q(MARK)));
        let undo = dialect.undo_log();
        Ok(vec![format!(
            "{}{}",
            dialect.query(&insert),
            undo.upsert_set(&keys, &set)
        )])
    }

    pub(super) fn insert_rows(
        &self,
        columns: Vec<Alias>,
        rows: SelectStatement,
    ) -> Result<sea_query::InsertStatement> {
        let mut insert = Query::insert();
        insert
            .into_table(self.l())
            .columns(columns)
            .select_from(rows)
            .map_err(|e| crate::Error::Other(format!("building the undo log insert: {e}")))?;
        Ok(insert)
    }

    /// Insert-select form: the keys the INSERT is about to add (same source, same filter).
    fn insert_before_sql(
        &self,
        spec: &BackfillSpec,
        dialect: Dialect,
        kinds: &[KeyKind],
        cursor: Option<&[String]>,
        upper: Option<&[String]>,
        end: Option<&[String]>,
    ) -> Result<Vec<String>> {
        let range = range_condition(spec, dialect, kinds, cursor, upper, end);
        let (exprs, from, cond) =
            crate::render::insert_select_parts(&spec.step, dialect, range, spec.anti_join_key())?;
        let q = |c: &str| dialect.quote(c);
        let mut picked = Vec::new();
        for key in &self.key {
            let found = spec.step.values.iter().position(|(c, _)| c == key);
            let Some(e) = found.and_then(|i| exprs.get(i)) else {
                return Ok(Vec::new());
            };
            picked.push(e.clone());
        }
        let mut cols: Vec<String> = self.log_key().iter().map(|c| q(c)).collect();
        cols.push(q(MARK));
        let filter = cond.map(|c| format!(" WHERE {c}")).unwrap_or_default();
        // A key logged already (a re-run after its row was deleted) is skipped.
        let sql = format!(
            "INSERT INTO {} ({}) SELECT DISTINCT {}, 1 FROM {from}{filter}",
            q(&self.table),
            cols.join(", "),
            picked.join(", ")
        );
        Ok(vec![dialect.sql().insert_skipping_duplicates(&sql)])
    }

    /// The statements a batch runs after its UPDATE or INSERT.
    pub fn after_sql(
        &self,
        spec: &BackfillSpec,
        dialect: Dialect,
        kinds: &[KeyKind],
        cursor: Option<&[String]>,
        upper: Option<&[String]>,
        end: Option<&[String]>,
    ) -> Result<Vec<String>> {
        // The insert form's log keys do not follow the source's key order: its marked rows
        // are found by the mark index alone.
        let scope = |q: Expr| match self.insert {
            true => q,
            false => match self.log_range(spec, dialect, kinds, cursor, upper, end) {
                Some(r) => q.and(r),
                None => q,
            },
        };
        // The values now in the table: what the batch wrote (and, update form, unmarked in
        // the same statement).
        let mut copy = Query::update();
        copy.table(self.l()).from(self.t());
        for c in &self.cols {
            copy.value(ident(&n(c)), Expr::col((self.t(), ident(c))));
        }
        if !self.insert {
            copy.value(ident(MARK), 0);
        }
        copy.and_where(self.key_match().and(scope(self.mark_is(1))));
        let mut out = Vec::new();
        if !self.cols.is_empty() {
            out.push(dialect.query(&copy));
        }
        let mut forget = Query::delete();
        forget.from_table(self.l());
        if self.insert {
            // Rows the batch did not insert.
            let mut inserted = Query::select();
            inserted
                .from(self.t())
                .expr(Expr::cust("1"))
                .and_where(self.key_match());
            forget.and_where(self.mark_is(1).and(Expr::not_exists(inserted)));
            let mut unmark = Query::update();
            unmark
                .table(self.l())
                .value(ident(MARK), 0)
                .and_where(self.mark_is(1));
            out.push(dialect.query(&forget));
            out.push(dialect.query(&unmark));
        } else {
            // Rows the batch did not really change (every written column as before). Rows
            // logged by earlier batches never match: theirs were dropped then.
            forget.and_where(scope(self.unchanged(dialect)));
            out.push(dialect.query(&forget));
        }
        Ok(out)
    }

    /// The batch's key range over the log's key columns.
    pub(super) fn log_range(
        &self,
        spec: &BackfillSpec,
        dialect: Dialect,
        kinds: &[KeyKind],
        cursor: Option<&[String]>,
        upper: Option<&[String]>,
        end: Option<&[String]>,
    ) -> Option<Expr> {
        range_condition(&self.walk_spec(spec), dialect, kinds, cursor, upper, end)
    }
}
