//! Locking a logged batch's rows before its UPDATE, once writers have conflicted with it.
//!
//! Where the undo log needs a stricter isolation than the dialect's default
//! ([`undo_batch_isolation_sql`](crate::dialect::SqlDialect::undo_batch_isolation_sql),
//! PostgreSQL's REPEATABLE READ), an application writing to a row of the batch at any time
//! between the batch's snapshot and its UPDATE fails the batch with a serialization error.
//! Under a busy application that is most batches: a batch of a few thousand rows runs for
//! tens of milliseconds, and each of its attempts fails the same way until the retries run out.
//!
//! After the first conflict, a batch locks its rows first (`SELECT 1 .. FOR NO KEY UPDATE
//! OF t`, the first statement of its transaction, so that it also takes the snapshot). Only a
//! writer already in flight at that instant can still conflict; every later one waits for the
//! batch's commit, as it would for the UPDATE's own row locks. The UPDATE then finds every row
//! it writes locked at the snapshot's version, so the log stays exact. Batches without a
//! conflict skip the lock: it costs an extra pass over the batch's index range and marks each
//! row's heap page once more.

use sea_query::{Expr, LockType};

use super::spec::{BackfillSpec, KeyKind};
use super::sql::{base_select, range_condition};
use super::undo_log_cte::BatchRange;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::render::ident;

/// `SELECT 1 FROM t [JOIN from] WHERE where [AND pending] AND <range> FOR NO KEY UPDATE OF t`:
/// the rows the batch's UPDATE will write, locked. `None` where the dialect's logged batches
/// need no stricter isolation (their UPDATE already reads the latest committed version) and
/// for insert-select backfills, whose conflicts are on the target's rows.
pub(crate) fn lock_sql(
    spec: &BackfillSpec,
    dialect: Dialect,
    kinds: &[KeyKind],
    (cursor, upper, end): BatchRange<'_>,
    with_pending: bool,
) -> Result<Option<String>> {
    if dialect.sql().undo_batch_isolation_sql().is_none() || spec.step.insert_into.is_some() {
        return Ok(None);
    }
    let mut q = base_select(spec, dialect, with_pending)?;
    q.expr(Expr::val(1));
    if let Some(range) = range_condition(spec, dialect, kinds, cursor, upper, end) {
        q.and_where(range);
    }
    q.lock_with_tables(LockType::NoKeyUpdate, [ident(&spec.step.table)]);
    Ok(Some(dialect.query(&q)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(toml_step: &str) -> BackfillSpec {
        crate::backfill::spec::test_spec(toml_step)
    }

    fn lock(toml_step: &str, dialect: Dialect, with_pending: bool) -> Option<String> {
        let (cursor, upper) = (["10".to_string()], ["20".to_string()]);
        let range = (Some(&cursor[..]), Some(&upper[..]), None);
        lock_sql(
            &spec(toml_step),
            dialect,
            &[KeyKind::Integer],
            range,
            with_pending,
        )
        .expect("renders")
    }

    #[test]
    fn postgres_locks_the_rows_the_update_writes() {
        let sql = lock(
            "pending = \"b IS NULL\"\nset.b = \"a\"\n",
            Dialect::Postgres,
            true,
        );
        assert_eq!(
            sql.as_deref(),
            Some(
                r#"SELECT 1 FROM "t" WHERE "b" IS NULL AND ("t"."id" > 10 AND "t"."id" <= 20) FOR NO KEY UPDATE OF "t""#
            )
        );
        let forced = lock(
            "pending = \"b IS NULL\"\nset.b = \"a\"\n",
            Dialect::Postgres,
            false,
        )
        .expect("a lock");
        assert!(!forced.contains("IS NULL"), "{forced}");
    }

    #[test]
    fn dialects_whose_update_reads_the_latest_version_lock_nothing() {
        for d in [Dialect::Mysql, Dialect::Sqlite] {
            assert_eq!(lock("set.b = \"a\"\n", d, true), None, "{d:?}");
        }
    }
}
