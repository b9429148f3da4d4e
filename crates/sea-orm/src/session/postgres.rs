//! [`PgSession`]: PostgreSQL over a connection detached from a sea-orm `PgPool`.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::schema::SchemaShape;
use cutover_core::{Dialect, Result};
use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::{Connection, Decode, Postgres, Row, ValueRef};

use super::errors::{driver_error, other};
use super::{no_backup, raw};

/// How often [`Backend::try_lock`] asks again while another session holds the lock.
const LOCK_POLL: Duration = Duration::from_millis(100);

const PG: Dialect = Dialect::Postgres;

/// One PostgreSQL session taken from the application's pool. Same lock (session-level
/// advisory lock on [`cutover_postgres::advisory_key`]) and timeouts as `cutover-postgres`.
pub(crate) struct PgSession {
    pool: PgPool,
    conn: PgConnection,
    timeouts: Option<Timeouts>,
    held: HashSet<String>,
}

impl PgSession {
    /// Takes a connection from `pool` and detaches it.
    pub(crate) async fn open(pool: &PgPool) -> Result<PgSession> {
        let conn = detached(pool).await?;
        Ok(PgSession {
            pool: pool.clone(),
            conn,
            timeouts: None,
            held: HashSet::new(),
        })
    }

    async fn lock_call(&mut self, sql: &'static str, key: &str) -> Result<bool> {
        sqlx::query_scalar::<_, bool>(sql)
            .bind(cutover_postgres::advisory_key(key))
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| driver_error(PG, &e))
    }
}

/// A connection taken from `pool` and detached from it (it never goes back, so its session
/// settings stay with cutover), with cutover's session setup
/// ([`cutover_postgres::SESSION_SETUP`]: `row_security = off`, `extra_float_digits = 1`).
async fn detached(pool: &PgPool) -> Result<PgConnection> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| driver_error(PG, &e))?
        .detach();
    sqlx::query(cutover_postgres::SESSION_SETUP)
        .execute(&mut conn)
        .await
        .map_err(|e| driver_error(PG, &e))?;
    Ok(conn)
}

/// Values arrive in the text format of the simple query protocol, as `cutover-postgres`
/// reads them.
fn text(row: &PgRow, index: usize) -> std::result::Result<Option<String>, sqlx::Error> {
    let value = row.try_get_raw(index)?;
    if value.is_null() {
        return Ok(None);
    }
    <&str as Decode<Postgres>>::decode(value)
        .map(|s| Some(s.to_string()))
        .map_err(|e| raw::decode_error(index, e))
}

#[async_trait]
impl Backend for PgSession {
    fn dialect(&self) -> Dialect {
        PG
    }

    async fn server_version(&mut self) -> Result<String> {
        let rows = self.query("SHOW server_version").await?;
        rows.scalar()
            .map(str::to_string)
            .ok_or_else(|| other(PG, "SHOW server_version returned no value"))
    }

    async fn execute(&mut self, sql: &str) -> Result<u64> {
        raw::execute::<Postgres>(&mut self.conn, sql)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| driver_error(PG, &e))
    }

    async fn query(&mut self, sql: &str) -> Result<Rows> {
        raw::query::<Postgres>(&mut self.conn, sql, text)
            .await
            .map_err(|e| driver_error(PG, &e))
    }

    async fn begin(&mut self) -> Result<()> {
        self.execute("BEGIN").await.map(drop)
    }

    async fn commit(&mut self) -> Result<()> {
        self.execute("COMMIT").await.map(drop)
    }

    async fn rollback(&mut self) -> Result<()> {
        self.execute("ROLLBACK").await.map(drop)
    }

    /// `lock_timeout` and `statement_timeout` of this session, as `cutover-postgres`.
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        let lock = format!("{}ms", timeouts.lock.as_millis().max(1));
        let statement = format!(
            "{}ms",
            timeouts.statement.map_or(0, |d| d.as_millis().max(1))
        );
        sqlx::query(
            "SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)",
        )
        .bind(lock)
        .bind(statement)
        .execute(&mut self.conn)
        .await
        .map_err(|e| driver_error(PG, &e))?;
        self.timeouts = Some(timeouts);
        Ok(())
    }

    /// `pg_try_advisory_lock(advisory_key(key))` every 100 ms until `wait` elapses: the
    /// same lock as the CLI's, so a CLI run and an application run exclude each other.
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        if self.held.contains(key) {
            return Ok(true);
        }
        let deadline = Instant::now() + wait;
        loop {
            if self
                .lock_call("SELECT pg_try_advisory_lock($1)", key)
                .await?
            {
                self.held.insert(key.to_string());
                return Ok(true);
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(false);
            }
            tokio::time::sleep(LOCK_POLL.min(deadline - now)).await;
        }
    }

    async fn unlock(&mut self, key: &str) -> Result<()> {
        if self.held.remove(key) {
            self.lock_call("SELECT pg_advisory_unlock($1)", key).await?;
        }
        Ok(())
    }

    /// Refused: `pg_dump` needs the database URL.
    async fn backup(&mut self, _path: &Path) -> Result<BackupInfo> {
        Err(no_backup(PG, "a backup"))
    }

    /// Refused: `pg_restore` needs the database URL.
    async fn restore(&mut self, _path: &Path) -> Result<()> {
        Err(no_backup(PG, "a restore"))
    }

    /// Refused, like [`backup`](Backend::backup): the contract gate stops before a
    /// migration that destroys data.
    async fn backup_tables(&mut self, _path: &Path, _tables: &[String]) -> Result<BackupInfo> {
        Err(no_backup(PG, "a table-level backup"))
    }

    /// Takes a new connection from the pool; locks of the old session are gone.
    async fn reconnect(&mut self) -> Result<()> {
        let fresh = detached(&self.pool).await?;
        let old = std::mem::replace(&mut self.conn, fresh);
        let _ = old.close().await;
        self.held.clear();
        if let Some(timeouts) = self.timeouts {
            self.set_timeouts(timeouts).await?;
        }
        Ok(())
    }

    async fn introspect(&mut self) -> Result<SchemaShape> {
        cutover_postgres::introspect::introspect(self).await
    }

    /// Closes the detached connection (the server releases its advisory locks).
    async fn close(self: Box<Self>) -> Result<()> {
        self.conn.close().await.map_err(|e| driver_error(PG, &e))
    }
}
