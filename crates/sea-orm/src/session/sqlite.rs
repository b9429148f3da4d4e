//! [`SqliteSession`]: SQLite over a connection detached from a sea-orm `SqlitePool`, or held
//! from it for an in-memory database.

use std::collections::HashSet;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::schema::SchemaShape;
use cutover_core::{Dialect, Result};
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{Connection, Decode, Row, Sqlite, TypeInfo, ValueRef};

use super::errors::{driver_error, is_sqlite_busy, other};
use super::{lock_sqlite, no_backup, raw};

/// How often [`Backend::try_lock`] asks again; also the longest one attempt waits.
const LOCK_POLL: Duration = Duration::from_millis(100);

/// Busy timeout until [`Backend::set_timeouts`] changes it (as `cutover-sqlite`).
const DEFAULT_BUSY: Duration = Duration::from_secs(5);

const LITE: Dialect = Dialect::Sqlite;

/// One SQLite connection taken from the application's pool. It takes the same lock row in
/// `cutover_lock` as `cutover-sqlite` (owner `<host>:<pid>@<start>:<random>`, same expiry and
/// takeover rules), so a CLI run and an application run exclude each other.
pub(crate) struct SqliteSession {
    pool: SqlitePool,
    conn: Held,
    busy: Duration,
    owner: String,
    held: HashSet<String>,
}

impl SqliteSession {
    /// Takes a connection from `pool`, detaches it (keeps it, for an in-memory database: see
    /// [`Held`]), and sets what `cutover-sqlite` sets on its own connections where SQL can:
    /// foreign keys on, case-sensitive `LIKE`, a busy timeout of 5 s.
    pub(crate) async fn open(pool: &SqlitePool) -> Result<SqliteSession> {
        let mut session = SqliteSession {
            pool: pool.clone(),
            conn: acquire(pool).await?,
            busy: DEFAULT_BUSY,
            owner: cutover_sqlite::new_lock_owner(),
            held: HashSet::new(),
        };
        session.prepare().await?;
        Ok(session)
    }

    async fn prepare(&mut self) -> Result<()> {
        let busy = self.busy;
        self.execute("PRAGMA foreign_keys = ON; PRAGMA case_sensitive_like = ON")
            .await?;
        self.set_busy(busy).await
    }

    async fn set_busy(&mut self, busy: Duration) -> Result<()> {
        // An integer, not a user value.
        self.execute(&format!("PRAGMA busy_timeout = {}", busy.as_millis()))
            .await
            .map(drop)
    }

    /// One attempt in a `BEGIN IMMEDIATE` transaction; a busy database counts as "not yet".
    async fn attempt(&mut self, key: &str, wait: Duration) -> Result<bool> {
        let busy = self.busy;
        self.set_busy(wait.min(LOCK_POLL)).await?;
        let got = lock_sqlite::attempt(&mut self.conn, key, &self.owner).await;
        self.set_busy(busy).await?;
        match got {
            Ok(got) => Ok(got),
            Err(e) if is_sqlite_busy(&e) => Ok(false),
            Err(e) => Err(driver_error(LITE, &e)),
        }
    }
}

/// The session's connection. A file database gets a connection detached from the pool (see
/// the module docs of `session`). An in-memory database lives only as long as a connection to
/// it: sea-orm's SQLite pool has one connection, and detaching then closing it would destroy
/// the database the application migrates. So the session keeps that connection as a
/// [`PoolConnection`] and gives it back to the pool when it closes.
enum Held {
    Detached(SqliteConnection),
    Pooled(PoolConnection<Sqlite>),
}

impl Deref for Held {
    type Target = SqliteConnection;

    fn deref(&self) -> &SqliteConnection {
        match self {
            Held::Detached(conn) => conn,
            Held::Pooled(conn) => conn,
        }
    }
}

impl DerefMut for Held {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        match self {
            Held::Detached(conn) => conn,
            Held::Pooled(conn) => conn,
        }
    }
}

/// Whether `conn` is to an in-memory database: SQLite reports an empty file name for the
/// `main` database then (`sqlite::memory:`, `mode=memory`, `:memory:`).
async fn in_memory(conn: &mut SqliteConnection) -> Result<bool> {
    let file: Option<String> =
        sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
            .fetch_optional(conn)
            .await
            .map_err(|e| driver_error(LITE, &e))?;
    Ok(file.is_some_and(|f| f.is_empty()))
}

async fn acquire(pool: &SqlitePool) -> Result<Held> {
    let mut conn = pool.acquire().await.map_err(|e| driver_error(LITE, &e))?;
    Ok(if in_memory(&mut conn).await? {
        Held::Pooled(conn)
    } else {
        Held::Detached(conn.detach())
    })
}

/// Integers and reals as Rust prints them, text as is, blobs as lowercase hex: the forms
/// `cutover-sqlite` returns.
fn text(row: &SqliteRow, index: usize) -> std::result::Result<Option<String>, sqlx::Error> {
    let value = row.try_get_raw(index)?;
    if value.is_null() {
        return Ok(None);
    }
    let kind = value.type_info().name().to_string();
    let decoded = match kind.as_str() {
        "INTEGER" => <i64 as Decode<Sqlite>>::decode(value).map(|v| v.to_string()),
        "REAL" => <f64 as Decode<Sqlite>>::decode(value).map(|v| v.to_string()),
        "BLOB" => <Vec<u8> as Decode<Sqlite>>::decode(value)
            .map(|b| b.iter().map(|byte| format!("{byte:02x}")).collect()),
        _ => <String as Decode<Sqlite>>::decode(value),
    };
    decoded.map(Some).map_err(|e| raw::decode_error(index, e))
}

#[async_trait]
impl Backend for SqliteSession {
    fn dialect(&self) -> Dialect {
        LITE
    }

    async fn server_version(&mut self) -> Result<String> {
        let rows = self.query("SELECT sqlite_version()").await?;
        rows.scalar()
            .map(str::to_string)
            .ok_or_else(|| other(LITE, "sqlite_version() returned no value"))
    }

    async fn execute(&mut self, sql: &str) -> Result<u64> {
        raw::execute::<Sqlite>(&mut *self.conn, sql)
            .await
            .map(|r| r.rows_affected())
            .map_err(|e| driver_error(LITE, &e))
    }

    async fn query(&mut self, sql: &str) -> Result<Rows> {
        raw::query::<Sqlite>(&mut *self.conn, sql, text)
            .await
            .map_err(|e| driver_error(LITE, &e))
    }

    /// `BEGIN IMMEDIATE`, as `cutover-sqlite`.
    async fn begin(&mut self) -> Result<()> {
        self.execute("BEGIN IMMEDIATE").await.map(drop)
    }

    async fn commit(&mut self) -> Result<()> {
        self.execute("COMMIT").await.map(drop)
    }

    /// `ROLLBACK`; "no transaction is active" is not an error.
    async fn rollback(&mut self) -> Result<()> {
        match raw::execute::<Sqlite>(&mut *self.conn, "ROLLBACK").await {
            Ok(_) => Ok(()),
            Err(sqlx::Error::Database(db)) if db.message().contains("no transaction is active") => {
                Ok(())
            }
            Err(e) => Err(driver_error(LITE, &e)),
        }
    }

    /// The busy timeout; SQLite has no statement timeout.
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        self.set_busy(timeouts.lock).await?;
        self.busy = timeouts.lock;
        Ok(())
    }

    /// The `cutover_lock` row `key`, asked every 100 ms until `wait` elapses.
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        let deadline = Instant::now() + wait;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            if self.attempt(key, remaining).await? {
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
        if !self.held.contains(key) {
            return Ok(());
        }
        lock_sqlite::release(&mut self.conn, key, &self.owner)
            .await
            .map_err(|e| driver_error(LITE, &e))?;
        self.held.remove(key);
        Ok(())
    }

    /// Refused: `cutover backup` with the file's URL uses SQLite's online backup API.
    async fn backup(&mut self, _path: &Path) -> Result<BackupInfo> {
        Err(no_backup(LITE, "a backup"))
    }

    /// Refused, like [`backup`](Backend::backup).
    async fn restore(&mut self, _path: &Path) -> Result<()> {
        Err(no_backup(LITE, "a restore"))
    }

    /// Refused, like [`backup`](Backend::backup): the contract gate stops before a
    /// migration that destroys data.
    async fn backup_tables(&mut self, _path: &Path, _tables: &[String]) -> Result<BackupInfo> {
        Err(no_backup(LITE, "a table-level backup"))
    }

    /// Takes a new connection from the pool (lock rows survive: they live in the file). An
    /// in-memory database keeps its connection (closing it would destroy the database): the
    /// session only sets its settings again.
    async fn reconnect(&mut self) -> Result<()> {
        if matches!(self.conn, Held::Pooled(_)) {
            return self.prepare().await;
        }
        let fresh = acquire(&self.pool).await?;
        if let Held::Detached(old) = std::mem::replace(&mut self.conn, fresh) {
            let _ = old.close().await;
        }
        self.prepare().await
    }

    async fn introspect(&mut self) -> Result<SchemaShape> {
        cutover_sqlite::introspect::introspect(self).await
    }

    /// Closes a detached connection; gives an in-memory database's connection back to the
    /// pool with SQLite's default `LIKE` (foreign keys stay on, sqlx's default, and the busy
    /// timeout is 5 s, sqlx's default).
    async fn close(mut self: Box<Self>) -> Result<()> {
        if matches!(self.conn, Held::Pooled(_)) {
            self.execute("PRAGMA case_sensitive_like = OFF").await?;
            return self.set_busy(DEFAULT_BUSY).await;
        }
        let this = *self;
        match this.conn {
            Held::Detached(conn) => conn.close().await.map_err(|e| driver_error(LITE, &e)),
            Held::Pooled(_) => Ok(()),
        }
    }
}
