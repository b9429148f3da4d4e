//! Creating, checking and dropping a backfill's undo log table (see [`super::undo_log`]).

use sea_query::{Expr, Query};

use super::scope::BackfillScope;
use super::undo_log::{MARK, UndoLog, k, n, o};
use crate::backend::Backend;
use crate::error::Result;
use crate::render::ident;

impl UndoLog {
    /// Creates the log table (and its unique key index) when it does not exist yet. Called
    /// before the first batch, outside any transaction. Returns the written columns an
    /// existing log holds besides this definition's (see `BackfillSpec::undo_log_held`).
    ///
    /// The table is built under a scratch name and renamed only once its key exists, so a run
    /// killed half-way (MySQL commits each DDL statement) never leaves a log without its key
    /// under the real name: the next run drops the scratch table and starts over.
    pub async fn ensure(&self, b: &mut dyn Backend) -> Result<Vec<String>> {
        let dialect = b.dialect();
        if b.table_exists(&self.table).await? {
            crate::internal_tables::protect(b, &self.table).await?;
            self.check_columns(b).await?;
            // A column whose type changed since the log was created, or an older
            // definition's column the table no longer has: an empty log is made again, one
            // with rows refused.
            if let Some(held) = self.usable(b).await? {
                return Ok(held);
            }
            Self::remove_capture_of(b, &self.table).await?;
            Self::drop_log(b, &self.table).await?;
        }
        // PostgreSQL cuts longer names to 63 bytes (MySQL refuses past 64 characters): the
        // log's `o_`/`n_`/`k_` copies of a 62- or 63-byte column name would not be found.
        let names = self.log_key().into_iter().chain(
            self.cols
                .iter()
                .flat_map(|c| [super::undo_log::o(c), super::undo_log::n(c)]),
        );
        if let Some(long) = names.into_iter().find(|c| c.len() > 63) {
            return Err(crate::Error::Other(format!(
                "backfill of table `{}`: its undo log would name a column `{long}`, longer than the 63 bytes a database keeps; rename the column (at most 61 bytes), or set `undo_log = false` on the backfill step and undo with `undo` expressions",
                self.target
            )));
        }
        let scratch = format!("{}_new", self.table);
        let drop_scratch = sea_query::Table::drop()
            .table(ident(&scratch))
            .if_exists()
            .to_owned();
        let create = self.create_sql(dialect, &scratch);
        let keys: Vec<String> = self.log_key().iter().map(|c| dialect.quote(c)).collect();
        let index = dialect.undo_log().log_key_sql(
            &dialect.quote(&scratch),
            &dialect.quote(&format!("{}_key", self.table)),
            &keys,
        );
        let mut ddl = vec![dialect.schema(&drop_scratch), create, index];
        if self.insert {
            // The insert form finds a batch's log rows by their mark (its log keys do not
            // follow the source's key order); the update form by key range.
            ddl.push(format!(
                "CREATE INDEX {} ON {} ({})",
                dialect.quote(&format!("{}_mark", self.table)),
                dialect.quote(&scratch),
                dialect.quote(MARK)
            ));
        }
        ddl.push(format!(
            "ALTER TABLE {} RENAME TO {}",
            dialect.quote(&scratch),
            dialect.quote(&self.table)
        ));
        for sql in ddl {
            b.execute(&sql).await.map_err(|e| {
                e.context(format!(
                    "creating the undo log {} of table `{}` from its columns {}: check that they exist; to run without an undo log, set `undo_log = false` on the backfill step",
                    self.table,
                    self.target,
                    self.key.iter().chain(&self.cols).map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                ))
            })?;
        }
        crate::internal_tables::protect(b, &self.table).await?;
        Ok(Vec::new())
    }

    /// `CREATE TABLE <name> AS SELECT ..`: an empty table with the log's columns, each
    /// with the type of the table column it copies.
    pub(super) fn create_sql(&self, dialect: crate::dialect::Dialect, name: &str) -> String {
        // The table's columns (their types), with a UNION ALL of NULLs: MySQL copies NOT
        // NULL into a table created from a plain SELECT, and the log holds NULLs for a while.
        // The key is made unique (MySQL: the primary key) right after.
        let mut q = Query::select();
        let mut nulls = Query::select();
        q.from(self.t());
        nulls.from(self.t());
        for c in &self.key {
            q.expr_as(Expr::col((self.t(), ident(c))), ident(&k(c)));
            nulls.expr(Expr::cust("NULL"));
        }
        for c in &self.cols {
            if !self.insert {
                q.expr_as(Expr::col((self.t(), ident(c))), ident(&o(c)));
                nulls.expr(Expr::cust("NULL"));
            }
            q.expr_as(Expr::col((self.t(), ident(c))), ident(&n(c)));
            nulls.expr(Expr::cust("NULL"));
        }
        q.expr_as(Expr::val(0), ident(MARK));
        nulls.expr(Expr::val(0));
        q.and_where(Expr::cust("1 = 0"));
        nulls.and_where(Expr::cust("1 = 0"));
        format!(
            "CREATE TABLE {} AS {} UNION ALL {}",
            dialect.quote(name),
            dialect.query(&q),
            dialect.query(&nulls)
        )
    }

    /// An existing log must have the columns this definition writes (a definition changed
    /// with `--restart` may write others).
    async fn check_columns(&self, b: &mut dyn Backend) -> Result<()> {
        let dialect = b.dialect();
        let mut q = Query::select();
        q.from(self.l());
        for c in self.log_key() {
            q.column(ident(&c));
        }
        for c in &self.cols {
            if !self.insert {
                q.column(ident(&o(c)));
            }
            q.column(ident(&n(c)));
        }
        q.and_where(Expr::cust("1 = 0"));
        b.query(&dialect.query(&q)).await.map(|_| ()).map_err(|e| {
            crate::Error::Other(format!(
                "the undo log {} was written for another definition of this backfill (other columns or key; {}): run `cutover backfill undo` with the plan as it was to restore those rows first, or drop table {} (on PostgreSQL first the table of its packed batches, the same name ending in `_b`) to discard that log",
                self.table,
                e.root(),
                self.table
            ))
        })
    }

    /// Deletes the log table of backfill `id` in `scope`, if there is one (the backfill was
    /// retired or reverted). `own_transaction`: the caller is in none, and a capture trigger
    /// left on the table is removed first in a transaction of its own that waits at most a
    /// second for the table's lock (three times); otherwise the caller's transaction bounds
    /// the wait (a revert's DDL lock timeout).
    pub async fn drop_table(
        b: &mut dyn Backend,
        scope: &BackfillScope,
        id: &str,
        own_transaction: bool,
    ) -> Result<()> {
        let table = scope.undo_log_table(id);
        if own_transaction {
            Self::remove_capture_of(b, &table).await?;
        }
        Self::drop_log(b, &table).await
    }

    /// Deletes log table `table` with its capture trigger and packed batches, if it exists.
    /// Outside a transaction, the trigger is gone already (or the lock wait is bounded).
    async fn drop_log(b: &mut dyn Backend, table: &str) -> Result<()> {
        // The capture trigger and its packed batches first: they depend on the log's type.
        UndoLog::drop_capture(b, table).await?;
        if !b.table_exists(table).await? {
            return Ok(());
        }
        let stmt = sea_query::Table::drop().table(ident(table)).to_owned();
        b.execute(&b.dialect().schema(&stmt)).await.map(|_| ())
    }
}
