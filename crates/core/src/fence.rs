//! Fencing tokens for the migration lock: proof, inside a transaction, that no other run
//! took the lock since this run did.
//!
//! The databases' own locks (a Postgres advisory lock, MySQL `GET_LOCK`, the SQLite lock row)
//! say who may start work, but they belong to one session: when that session is lost, the
//! lock is gone and another run may take it while this run's other connections (parallel
//! backfill workers) or a reconnected session still have work in flight. So every
//! acquisition of a lock also increments an epoch in the `cutover_fence` row of that lock,
//! and every commit that must only happen under the lock (a history write, a backfill batch)
//! first reads the row with a share lock (`FOR SHARE` / `LOCK IN SHARE MODE`; SQLite's
//! `BEGIN IMMEDIATE` already serialises writers) inside its own transaction and refuses when
//! the epoch moved. The increment needs an exclusive row lock, so a new owner waits until
//! every transaction that checked the old epoch has committed or rolled back: no commit of
//! the old owner can land after the new owner started.

use sea_query::{ColumnDef, Expr, ExprTrait, OnConflict, Query, Table};

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::{DriverErrorKind, Error, Result};
use crate::render::ident;

/// The table holding one row per lock name.
pub const FENCE_TABLE: &str = "cutover_fence";

/// The fencing token of a lock this run took: the lock name and the epoch its acquisition
/// wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fence {
    key: String,
    epoch: i64,
}

impl Fence {
    /// Records a new acquisition of lock `key`, which the caller has just taken through
    /// [`Backend::try_lock`]: creates the table if needed and increments the lock's epoch in
    /// a transaction of its own (tried again after a deadlock). Waits for transactions that
    /// checked the previous epoch.
    pub async fn acquire(b: &mut dyn Backend, key: &str, taken_by: &str) -> Result<Fence> {
        let dialect = b.dialect();
        ensure_table(b, dialect).await?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            b.begin().await?;
            let bumped = match bump(b, dialect, key, taken_by).await {
                Ok(epoch) => b.commit().await.map(|()| epoch),
                Err(e) => Err(e),
            };
            match bumped {
                Ok(epoch) => {
                    return Ok(Fence {
                        key: key.to_string(),
                        epoch,
                    });
                }
                // A deadlock (not expected: see `bump`) is retried.
                Err(e) if is_conflict(&e) && attempt < ACQUIRE_ATTEMPTS => {
                    let _ = b.rollback().await;
                    tokio::time::sleep(std::time::Duration::from_millis(20 * u64::from(attempt)))
                        .await;
                }
                Err(e) => {
                    let _ = b.rollback().await;
                    return Err(e.context(format!("recording the acquisition of lock `{key}`")));
                }
            }
        }
    }

    /// The lock name.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The epoch this acquisition wrote.
    pub fn epoch(&self) -> i64 {
        self.epoch
    }

    /// Checks, inside the caller's open transaction, that nobody took the lock since this
    /// fence was acquired; the share lock it takes keeps a new owner waiting until that
    /// transaction ends. `what` names the commit being guarded, for the error.
    pub async fn check(&self, b: &mut dyn Backend, what: &str) -> Result<()> {
        let dialect = b.dialect();
        let q = Query::select()
            .column(ident("epoch"))
            .column(ident("taken_by"))
            .from(ident(FENCE_TABLE))
            .and_where(Expr::col(ident("name")).eq(self.key.as_str()))
            .lock_shared()
            .to_owned();
        let rows = b.query(&dialect.query(&q)).await?;
        let row = rows.rows.first();
        let epoch = row
            .and_then(|r| r.first().cloned().flatten())
            .and_then(|v| v.parse::<i64>().ok());
        if epoch == Some(self.epoch) {
            return Ok(());
        }
        let holder = row
            .and_then(|r| r.get(1).cloned().flatten())
            .unwrap_or_else(|| "unknown".into());
        Err(Error::LockLost {
            key: self.key.clone(),
            detail: match epoch {
                Some(now) => format!(
                    "before {what}: this run took it as epoch {}, `{FENCE_TABLE}` now says epoch {now}, taken by {holder}",
                    self.epoch
                ),
                None => format!("before {what}: its row in `{FENCE_TABLE}` is gone"),
            },
        })
    }
}

/// How often [`Fence::acquire`] tries after a deadlock, or to create the table.
const ACQUIRE_ATTEMPTS: u32 = 5;

fn is_conflict(e: &Error) -> bool {
    matches!(
        e.root(),
        Error::Driver {
            kind: DriverErrorKind::Conflict,
            ..
        }
    )
}

/// Creates the table unless it exists. Two runs creating it at once (Postgres reports a
/// duplicate type even with `IF NOT EXISTS`): the loser finds it made by the winner.
async fn ensure_table(b: &mut dyn Backend, dialect: Dialect) -> Result<()> {
    let sql = dialect.schema(&create_table());
    let mut attempt = 0;
    loop {
        attempt += 1;
        match b.execute(&sql).await {
            Ok(_) => return crate::internal_tables::protect(b, FENCE_TABLE).await,
            Err(e) if attempt < ACQUIRE_ATTEMPTS && !is_connection(&e) => {
                tracing::debug!(error = %e, "creating {FENCE_TABLE} raced another run; again");
            }
            Err(e) => {
                return Err(e.context(format!("creating the lock table `{FENCE_TABLE}`")));
            }
        }
    }
}

fn is_connection(e: &Error) -> bool {
    matches!(
        e.root(),
        Error::Driver {
            kind: DriverErrorKind::Connection,
            ..
        }
    )
}

fn create_table() -> sea_query::TableCreateStatement {
    Table::create()
        .table(ident(FENCE_TABLE))
        .if_not_exists()
        .col(
            ColumnDef::new(ident("name"))
                .string_len(191)
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(ident("epoch")).big_integer().not_null())
        .col(ColumnDef::new(ident("taken_by")).string_len(255))
        .col(ColumnDef::new(ident("taken_at")).string_len(40))
        .to_owned()
}

/// Inside a transaction: creates the row of `key` if missing (epoch 0), increments its
/// epoch and returns it. No locking read of a missing row, so first acquisitions of
/// different locks take no gap locks that could deadlock on InnoDB.
async fn bump(b: &mut dyn Backend, dialect: Dialect, key: &str, taken_by: &str) -> Result<i64> {
    let stamp = crate::runner::now();
    let mut create = Query::insert();
    create
        .into_table(ident(FENCE_TABLE))
        .columns([
            ident("name"),
            ident("epoch"),
            ident("taken_by"),
            ident("taken_at"),
        ])
        .values([
            Expr::val(key),
            Expr::val(0i64),
            Expr::val(taken_by),
            Expr::val(stamp.clone()),
        ])
        .map_err(|e| Error::Other(format!("building the lock row insert: {e}")))?
        .on_conflict(
            OnConflict::column(ident("name"))
                .do_nothing_on([ident("name")])
                .to_owned(),
        );
    b.execute(&dialect.query(&create)).await?;
    let increment = Query::update()
        .table(ident(FENCE_TABLE))
        .value(ident("epoch"), Expr::col(ident("epoch")).add(1))
        .value(ident("taken_by"), taken_by)
        .value(ident("taken_at"), stamp)
        .and_where(Expr::col(ident("name")).eq(key))
        .to_owned();
    b.execute(&dialect.query(&increment)).await?;
    let read = Query::select()
        .column(ident("epoch"))
        .from(ident(FENCE_TABLE))
        .and_where(Expr::col(ident("name")).eq(key))
        .to_owned();
    b.query(&dialect.query(&read))
        .await?
        .scalar()
        .and_then(|v| v.parse::<i64>().ok())
        .ok_or_else(|| {
            Error::Other(format!(
                "the row of lock `{key}` in `{FENCE_TABLE}` is missing after its update"
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_row_is_created_without_a_locking_read() {
        let mut q = Query::insert();
        q.into_table(ident(FENCE_TABLE))
            .columns([ident("name"), ident("epoch")])
            .values([Expr::val("k"), Expr::val(0i64)])
            .expect("values")
            .on_conflict(
                OnConflict::column(ident("name"))
                    .do_nothing_on([ident("name")])
                    .to_owned(),
            );
        assert!(
            Dialect::Postgres
                .query(&q)
                .ends_with("ON CONFLICT (\"name\") DO NOTHING")
        );
        assert!(
            Dialect::Sqlite
                .query(&q)
                .ends_with("ON CONFLICT (\"name\") DO NOTHING")
        );
        assert!(
            Dialect::Mysql
                .query(&q)
                .ends_with("ON DUPLICATE KEY UPDATE `name` = `name`")
        );
    }

    #[test]
    fn the_check_takes_a_share_lock_where_the_database_has_one() {
        let q = Query::select()
            .column(ident("epoch"))
            .from(ident(FENCE_TABLE))
            .and_where(Expr::col(ident("name")).eq("k"))
            .lock_shared()
            .to_owned();
        assert!(Dialect::Postgres.query(&q).ends_with("FOR SHARE"));
        assert!(Dialect::Mysql.query(&q).ends_with("LOCK IN SHARE MODE"));
        assert!(!Dialect::Sqlite.query(&q).contains("SHARE"));
    }
}
