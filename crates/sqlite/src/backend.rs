//! [`SqliteBackend`]: one `rusqlite` connection implementing [`Backend`].

use std::collections::HashSet;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::{Dialect, Result};
use rusqlite::Connection;

use crate::errors::{driver_error, other};
use crate::{backup, begin, exec, lock, table_backup};

/// Busy timeout set on open, until [`Backend::set_timeouts`] changes it.
const DEFAULT_BUSY: Duration = Duration::from_secs(5);

/// How often [`Backend::try_lock`] asks again while another process holds the lock; also
/// the longest one attempt waits for a busy database.
const LOCK_POLL: Duration = Duration::from_millis(100);

/// A SQLite database file (or an in-memory database).
///
/// The connection sits behind a mutex and every call runs on Tokio's blocking pool.
#[derive(Debug)]
pub struct SqliteBackend {
    conn: Arc<Mutex<Connection>>,
    /// The file, `None` for an in-memory database.
    path: Option<String>,
    /// `?journal_mode=..` from the URL: set on every connection; `None` leaves the file's
    /// own journal mode alone.
    journal: Option<&'static str>,
    /// The busy timeout in force (the lock timeout).
    busy: Duration,
    /// This backend's lock owner id, `<hostname>:<pid>:<random>`.
    owner: String,
    /// Locks this backend holds.
    held: HashSet<String>,
}

impl SqliteBackend {
    /// Opens `sqlite://path`, `sqlite:path`, `sqlite:///abs/path` (the file is created if
    /// missing) or `sqlite::memory:`.
    ///
    /// On open: `PRAGMA foreign_keys = ON` and a busy timeout of 5 s. The file's journal mode
    /// is left as it is (it persists in the file, and the application chose it), unless the
    /// URL asks for one: `sqlite://app.db?journal_mode=wal`.
    pub async fn open(url: &str) -> Result<SqliteBackend> {
        let path = cutover_core::url::sqlite_path(url);
        let journal = journal_mode(url)?;
        let conn = open_blocking(path.clone(), DEFAULT_BUSY, journal).await?;
        Ok(SqliteBackend {
            conn: Arc::new(Mutex::new(conn)),
            path,
            journal,
            busy: DEFAULT_BUSY,
            owner: lock::new_owner(),
            held: HashSet::new(),
        })
    }

    /// Runs `f` with the connection on the blocking pool.
    async fn run<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let busy = self.busy;
        tokio::task::spawn_blocking(move || {
            begin::set_limit(busy);
            // A panic in an earlier call does not leave the connection itself inconsistent.
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|e| other(format!("sqlite worker failed: {e}")))?
        .map_err(|e| driver_error(&e))
    }
}

/// Opens the database on the blocking pool.
/// The `journal_mode` query parameter of a SQLite URL, checked against SQLite's modes.
fn journal_mode(url: &str) -> Result<Option<&'static str>> {
    const MODES: [&str; 6] = ["delete", "truncate", "persist", "memory", "wal", "off"];
    let Some((_, query)) = url.split_once('?') else {
        return Ok(None);
    };
    for pair in query.split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        if key != "journal_mode" {
            continue;
        }
        let value = value.to_ascii_lowercase();
        return match MODES.iter().find(|m| **m == value) {
            Some(mode) => Ok(Some(mode)),
            None => Err(other(format!(
                "journal_mode={value} in the sqlite URL is not a SQLite journal mode; use one of {}",
                MODES.join(", ")
            ))),
        };
    }
    Ok(None)
}

async fn open_blocking(
    path: Option<String>,
    busy: Duration,
    journal: Option<&'static str>,
) -> Result<Connection> {
    let name = path.clone().unwrap_or_else(|| ":memory:".to_string());
    tokio::task::spawn_blocking(move || exec::open(path.as_deref(), busy, journal))
        .await
        .map_err(|e| other(format!("sqlite worker failed: {e}")))?
        .map_err(|e| match driver_error(&e) {
            cutover_core::Error::Driver { message, kind, .. } => cutover_core::Error::Driver {
                dialect: Dialect::Sqlite,
                message: format!("cannot open sqlite database {name}: {message}"),
                kind,
            },
            err => err,
        })
}

#[async_trait]
impl Backend for SqliteBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    /// The version of the bundled SQLite library, e.g. `3.51.1`.
    async fn server_version(&mut self) -> Result<String> {
        Ok(rusqlite::version().to_string())
    }

    /// One statement (returns the rows it changed) or a batch (returns 0).
    async fn execute(&mut self, sql: &str) -> Result<u64> {
        let sql = sql.to_string();
        self.run(move |c| exec::execute(c, &sql)).await
    }

    async fn query(&mut self, sql: &str) -> Result<Rows> {
        let sql = sql.to_string();
        self.run(move |c| exec::query(c, &sql)).await
    }

    /// `BEGIN IMMEDIATE`: takes the write lock now, asking every millisecond up to the busy
    /// timeout (see [`begin`]).
    async fn begin(&mut self) -> Result<()> {
        self.run(|c| c.execute_batch("BEGIN IMMEDIATE")).await
    }

    async fn commit(&mut self) -> Result<()> {
        self.run(|c| c.execute_batch("COMMIT")).await
    }

    /// `ROLLBACK` when a transaction is open, nothing otherwise.
    async fn rollback(&mut self) -> Result<()> {
        self.run(|c| {
            if c.is_autocommit() {
                Ok(())
            } else {
                c.execute_batch("ROLLBACK")
            }
        })
        .await
    }

    /// Sets the busy timeout (how long a statement waits for another connection's lock) to
    /// the lock timeout. SQLite has no statement timeout: `statement` is not enforced.
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        let busy = timeouts.lock;
        self.run(move |_| {
            begin::set_limit(busy);
            Ok(())
        })
        .await?;
        self.busy = busy;
        Ok(())
    }

    /// Takes the row `key` in `cutover_lock` (see [`LOCK_TTL`](crate::LOCK_TTL) for when an
    /// old row is taken over), asking every 100 ms until `wait` elapses (once when `wait` is
    /// zero). A busy database counts as "not yet". Taking a key this backend holds renews it.
    /// Fails inside an open transaction (the attempt needs its own `BEGIN IMMEDIATE`).
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        let deadline = Instant::now() + wait;
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let (name, owner, busy) = (key.to_string(), self.owner.clone(), self.busy);
            let outcome = self
                .run(move |c| {
                    if !c.is_autocommit() {
                        return Ok(None);
                    }
                    begin::set_limit(remaining.min(LOCK_POLL));
                    let got = lock::attempt(c, &name, &owner);
                    begin::set_limit(busy);
                    got.map(Some)
                })
                .await?;
            let Some(got) = outcome else {
                return Err(other(format!(
                    "cannot take lock `{key}` inside an open transaction"
                )));
            };
            if got {
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

    /// Deletes the lock row if this backend owns it.
    async fn unlock(&mut self, key: &str) -> Result<()> {
        if !self.held.contains(key) {
            return Ok(());
        }
        let (name, owner) = (key.to_string(), self.owner.clone());
        self.run(move |c| lock::release(c, &name, &owner)).await?;
        self.held.remove(key);
        Ok(())
    }

    /// SQLite's online backup API from the live connection into `path` (created here with
    /// mode 0600): every page in one step, so the copy is a consistent snapshot. The copy is
    /// a single file (rollback journal) without cutover's lock rows. Works for in-memory
    /// databases too.
    async fn backup(&mut self, path: &Path) -> Result<BackupInfo> {
        drop(cutover_core::backup::create_private_file(path)?);
        let (target, busy) = (path.to_path_buf(), self.busy);
        if let Err(e) = self.run(move |c| backup::write(c, &target, busy)).await {
            remove_database_files(path);
            return Err(e);
        }
        Ok(BackupInfo {
            tool: format!("sqlite3 online backup API (SQLite {})", rusqlite::version()),
            server_version: rusqlite::version().to_string(),
        })
    }

    /// The online backup API from `path` into the live connection: the database's contents
    /// are replaced, tables created after the backup included. Locks this backend held are
    /// taken again afterwards. Fails inside an open transaction.
    /// A new database file holding copies of `tables` (definitions, indexes, triggers and
    /// rows), made through the live connection.
    async fn backup_tables(&mut self, path: &Path, tables: &[String]) -> Result<BackupInfo> {
        drop(cutover_core::backup::create_private_file(path)?);
        let (target, tables) = (path.to_path_buf(), tables.to_vec());
        if let Err(e) = self
            .run(move |c| table_backup::write_tables(c, &target, &tables))
            .await
        {
            remove_database_files(path);
            return Err(e);
        }
        Ok(BackupInfo {
            tool: format!("cutover table copy (SQLite {})", rusqlite::version()),
            server_version: rusqlite::version().to_string(),
        })
    }

    /// Drops, recreates and refills `tables` from the backup in one transaction; nothing
    /// else changes.
    async fn restore_tables(&mut self, path: &Path, tables: &[String]) -> Result<()> {
        let (source, tables) = (path.to_path_buf(), tables.to_vec());
        self.run(move |c| table_backup::restore_tables(c, &source, &tables))
            .await
    }

    async fn schema_dump(&mut self, path: &Path) -> Result<String> {
        let rows = self
            .query(
                "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL \
                 AND name NOT LIKE 'sqlite_%' ORDER BY type <> 'table', name",
            )
            .await?;
        let mut text = String::new();
        for sql in rows
            .rows
            .iter()
            .filter_map(|r| r.first().cloned().flatten())
        {
            text.push_str(&sql);
            text.push_str(";\n");
        }
        let mut file = cutover_core::backup::create_private_file(path)?;
        std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|source| {
            cutover_core::Error::Io {
                path: path.to_path_buf(),
                source,
            }
        })?;
        Ok(format!("sqlite_master (SQLite {})", rusqlite::version()))
    }

    async fn restore(&mut self, path: &Path) -> Result<()> {
        let source = path.to_path_buf();
        let (busy, owner) = (self.busy, self.owner.clone());
        let held: Vec<String> = self.held.iter().cloned().collect();
        let in_transaction = self.run(|c| Ok(!c.is_autocommit())).await?;
        if in_transaction {
            return Err(other("cannot restore inside an open transaction"));
        }
        self.run(move |c| backup::restore(c, &source, busy, &held, &owner))
            .await
    }

    /// Reopens the file with the current busy timeout. Lock rows survive (they live in the
    /// file); an open transaction is rolled back. An in-memory database cannot be reopened:
    /// its contents went with the connection, so this is an error.
    async fn reconnect(&mut self) -> Result<()> {
        let Some(path) = self.path.clone() else {
            return Err(other(
                "cannot reconnect to an in-memory sqlite database: its contents are lost with the connection",
            ));
        };
        let fresh = open_blocking(Some(path), self.busy, self.journal).await?;
        let old = std::mem::replace(&mut self.conn, Arc::new(Mutex::new(fresh)));
        // Close the old connection off the async runtime.
        let _ = tokio::task::spawn_blocking(move || drop(old)).await;
        Ok(())
    }

    /// Closes the connection (checkpointing the WAL when it is the last one).
    async fn introspect(&mut self) -> Result<cutover_core::schema::SchemaShape> {
        crate::introspect::introspect(self).await
    }

    async fn introspect_details(&mut self) -> Result<cutover_core::schema::LiveDetails> {
        crate::details::details(self).await
    }

    async fn close(self: Box<Self>) -> Result<()> {
        let Ok(mutex) = Arc::try_unwrap(self.conn) else {
            return Ok(());
        };
        let conn = mutex.into_inner().unwrap_or_else(PoisonError::into_inner);
        tokio::task::spawn_blocking(move || conn.close().map_err(|(_, e)| driver_error(&e)))
            .await
            .map_err(|e| other(format!("sqlite worker failed: {e}")))?
    }
}

/// Removes a database file that could not be written, with the journal, WAL and shared-memory
/// files SQLite may have left beside it (a backup that failed on a full disk leaves a
/// `-journal`).
fn remove_database_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(std::path::PathBuf::from(side));
    }
}
