//! [`MysqlSession`]: MySQL/MariaDB over a connection detached from a sea-orm `MySqlPool`.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::schema::SchemaShape;
use cutover_core::{Dialect, Result};
use sqlx::mysql::{MySqlConnection, MySqlPool, MySqlRow};
use sqlx::{Connection, Decode, MySql, Row, ValueRef};

use super::errors::{driver_error, other};
use super::{no_backup, raw};

const MY: Dialect = Dialect::Mysql;

/// One MySQL/MariaDB session taken from the application's pool. Same lock (`GET_LOCK` on
/// [`cutover_mysql::scoped_lock_name`]) and timeouts as `cutover-mysql`.
pub(crate) struct MysqlSession {
    pool: MySqlPool,
    conn: MySqlConnection,
    timeouts: Option<Timeouts>,
    held: HashSet<String>,
    mariadb: Option<bool>,
}

impl MysqlSession {
    /// Takes a connection from `pool` and detaches it.
    pub(crate) async fn open(pool: &MySqlPool) -> Result<MysqlSession> {
        let conn = pool
            .acquire()
            .await
            .map_err(|e| driver_error(MY, &e))?
            .detach();
        Ok(MysqlSession {
            pool: pool.clone(),
            conn,
            timeouts: None,
            held: HashSet::new(),
            mariadb: None,
        })
    }

    /// The `GET_LOCK` name of `key` in the connected database.
    async fn lock_name(&mut self, key: &str) -> Result<String> {
        let database = self.query("SELECT DATABASE()").await?;
        Ok(cutover_mysql::scoped_lock_name(
            key,
            database.scalar().unwrap_or_default(),
        ))
    }

    async fn is_mariadb(&mut self) -> Result<bool> {
        if let Some(known) = self.mariadb {
            return Ok(known);
        }
        let known = self.server_version().await?.contains("MariaDB");
        self.mariadb = Some(known);
        Ok(known)
    }
}

/// Values arrive in the text protocol's form; bytes that are not UTF-8 are replaced, as
/// `cutover-mysql` does.
fn text(row: &MySqlRow, index: usize) -> std::result::Result<Option<String>, sqlx::Error> {
    let value = row.try_get_raw(index)?;
    if value.is_null() {
        return Ok(None);
    }
    <&[u8] as Decode<MySql>>::decode(value)
        .map(|b| Some(String::from_utf8_lossy(b).into_owned()))
        .map_err(|e| raw::decode_error(index, e))
}

#[async_trait]
impl Backend for MysqlSession {
    fn dialect(&self) -> Dialect {
        MY
    }

    async fn server_version(&mut self) -> Result<String> {
        let rows = self.query("SELECT VERSION()").await?;
        rows.scalar()
            .map(str::to_string)
            .ok_or_else(|| other(MY, "SELECT VERSION() returned no value"))
    }

    async fn execute(&mut self, sql: &str) -> Result<u64> {
        raw::execute::<MySql>(&mut self.conn, sql)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| driver_error(MY, &e))
    }

    async fn query(&mut self, sql: &str) -> Result<Rows> {
        raw::query::<MySql>(&mut self.conn, sql, text)
            .await
            .map_err(|e| driver_error(MY, &e))
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

    /// `lock_wait_timeout`, `innodb_lock_wait_timeout` and `max_statement_time` (MariaDB) or
    /// `max_execution_time` (MySQL) of this session, as `cutover-mysql`.
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        let sql = cutover_mysql::timeouts_sql(timeouts, self.is_mariadb().await?);
        self.execute(&sql).await?;
        self.timeouts = Some(timeouts);
        Ok(())
    }

    /// `SELECT GET_LOCK(name, wait)` with the CLI's lock name, so a CLI run and an
    /// application run exclude each other.
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        if self.held.contains(key) {
            return Ok(true);
        }
        let name = self.lock_name(key).await?;
        let got = sqlx::query_scalar::<_, Option<i64>>("SELECT GET_LOCK(?, ?)")
            .bind(name)
            .bind(wait.as_secs_f64())
            .fetch_one(&mut self.conn)
            .await
            .map_err(|e| driver_error(MY, &e))?;
        match got {
            Some(1) => {
                self.held.insert(key.to_string());
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(other(
                MY,
                format!("GET_LOCK for lock `{key}` failed (returned NULL)"),
            )),
        }
    }

    async fn unlock(&mut self, key: &str) -> Result<()> {
        if self.held.remove(key) {
            let name = self.lock_name(key).await?;
            sqlx::query("SELECT RELEASE_LOCK(?)")
                .bind(name)
                .execute(&mut self.conn)
                .await
                .map_err(|e| driver_error(MY, &e))?;
        }
        Ok(())
    }

    /// Refused: `mariadb-dump` needs the database URL.
    async fn backup(&mut self, _path: &Path) -> Result<BackupInfo> {
        Err(no_backup(MY, "a backup"))
    }

    /// Refused: the `mariadb` client needs the database URL.
    async fn restore(&mut self, _path: &Path) -> Result<()> {
        Err(no_backup(MY, "a restore"))
    }

    /// Refused, like [`backup`](Backend::backup): the contract gate stops before a
    /// migration that destroys data.
    async fn backup_tables(&mut self, _path: &Path, _tables: &[String]) -> Result<BackupInfo> {
        Err(no_backup(MY, "a table-level backup"))
    }

    /// Takes a new connection from the pool; locks of the old session are gone.
    async fn reconnect(&mut self) -> Result<()> {
        let fresh = self
            .pool
            .acquire()
            .await
            .map_err(|e| driver_error(MY, &e))?
            .detach();
        let old = std::mem::replace(&mut self.conn, fresh);
        let _ = old.close().await;
        self.held.clear();
        if let Some(timeouts) = self.timeouts {
            self.set_timeouts(timeouts).await?;
        }
        Ok(())
    }

    async fn introspect(&mut self) -> Result<SchemaShape> {
        cutover_mysql::introspect::introspect(self).await
    }

    /// Closes the detached connection (the server releases its `GET_LOCK` locks).
    async fn close(self: Box<Self>) -> Result<()> {
        self.conn.close().await.map_err(|e| driver_error(MY, &e))
    }
}
