//! The narrow interface every database adapter implements.
//!
//! Policy (history, checksums, locks, transactions, checks, batching) lives in core and is
//! written against this trait; an adapter only knows how to talk to its database.

use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;

use crate::dialect::Dialect;
use crate::error::Result;

/// Rows returned by [`Backend::query`]: every value in its text form (NULL is `None`),
/// as the databases' text protocols deliver them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// The rows.
    pub rows: Vec<Vec<Option<String>>>,
}

impl Rows {
    /// The first value of the first row, if any.
    pub fn scalar(&self) -> Option<&str> {
        self.rows
            .first()
            .and_then(|r| r.first())
            .and_then(|v| v.as_deref())
    }

    /// The non-NULL values of the first column, in row order (e.g. the names a catalog
    /// query lists).
    pub fn into_first_column(self) -> Vec<String> {
        self.rows
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect()
    }

    /// The index of column `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.eq_ignore_ascii_case(name))
    }
}

/// Timeouts applied to DDL and batches, so a blocked statement fails fast instead of
/// queueing behind (and blocking) application traffic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// How long a statement may wait for a lock.
    pub lock: Duration,
    /// How long one statement may run (`None`: unlimited).
    pub statement: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            lock: Duration::from_secs(5),
            statement: None,
        }
    }
}

/// What an adapter reports about a backup it wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackupInfo {
    /// The tool and its version, e.g. `pg_dump (PostgreSQL) 15.20` or
    /// `sqlite3 online backup API 3.51.1`.
    pub tool: String,
    /// The server's version string at backup time.
    pub server_version: String,
}

/// One open connection to a database.
///
/// Methods take `&mut self`: a backend is one session, used by one task at a time. All
/// errors are [`Error::Driver`](crate::Error::Driver) with a [`DriverErrorKind`](crate::error::DriverErrorKind)
/// so that core can decide whether to retry, and never contain a password.
#[async_trait]
pub trait Backend: Send {
    /// The dialect of this database.
    fn dialect(&self) -> Dialect;

    /// The server's version string (e.g. `15.19`, `10.11.19-MariaDB`, `3.51.1`).
    async fn server_version(&mut self) -> Result<String>;

    /// Runs SQL that returns no rows: one statement, or several separated by `;` (raw SQL
    /// steps may hold a batch). Returns the number of rows affected where the driver reports
    /// it (0 for batches). Runs in the current transaction if one is open.
    async fn execute(&mut self, sql: &str) -> Result<u64>;

    /// Runs one query and returns its rows as text.
    async fn query(&mut self, sql: &str) -> Result<Rows>;

    /// [`query`](Backend::query) for values that are only shown to a person (`--dry-run`
    /// samples), never written back: a value the text form cannot hold exactly (MySQL bytes
    /// that are not UTF-8) is printed in a display form (`0x00ff`) instead of failing.
    /// Default: [`query`](Backend::query), for drivers whose text form holds every value.
    async fn query_for_display(&mut self, sql: &str) -> Result<Rows> {
        self.query(sql).await
    }

    /// Whether table `name` exists in the default schema (read-only: lists tables).
    async fn table_exists(&mut self, name: &str) -> Result<bool> {
        let tables = self.query(&self.dialect().sql().list_tables_sql()).await?;
        Ok(tables
            .rows
            .iter()
            .any(|r| r.first().cloned().flatten().as_deref() == Some(name)))
    }

    /// Opens a transaction. For SQLite this is `BEGIN IMMEDIATE` (takes the write lock now).
    async fn begin(&mut self) -> Result<()>;

    /// Commits the open transaction.
    async fn commit(&mut self) -> Result<()>;

    /// Rolls back the open transaction; a no-op when none is open.
    async fn rollback(&mut self) -> Result<()>;

    /// Applies lock and statement timeouts to this session (Postgres `lock_timeout` /
    /// `statement_timeout`, MySQL `lock_wait_timeout` / `innodb_lock_wait_timeout` /
    /// `max_statement_time`, SQLite `busy_timeout`).
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()>;

    /// Tries to take the cross-process migration lock named `key`, waiting up to `wait`.
    /// Returns false when another session holds it. The lock is scoped to the connected
    /// database: runs on two databases of one server never wait for each other. Postgres
    /// uses a session-level advisory lock (advisory locks are per database), MySQL
    /// `GET_LOCK` with the database in the name (its names are server-wide), SQLite a lock
    /// row with an owner and an expiry in the file.
    ///
    /// The lock belongs to the session: after [`reconnect`](Backend::reconnect) it is gone
    /// (SQLite's row survives) and the caller must take it again before it runs anything.
    /// Core records every acquisition in a fencing table ([`crate::fence`]) and checks it
    /// before each commit that needs the lock.
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool>;

    /// Releases the lock taken by [`try_lock`](Backend::try_lock). Idempotent.
    async fn unlock(&mut self, key: &str) -> Result<()>;

    /// Writes a consistent backup of the whole database to `path` with the database's own
    /// tools (`pg_dump` custom format, `mariadb-dump`/`mysqldump`, SQLite's online backup
    /// API). Called by [`crate::backup::take`], outside any transaction.
    ///
    /// The file is created here with mode 0600 and must not exist yet; on failure it is
    /// removed. Credentials reach external tools through their environment or a temporary
    /// option file with mode 0600, never through their arguments, and never appear in
    /// errors. A missing tool is an error that names the package to install.
    async fn backup(&mut self, path: &Path) -> Result<BackupInfo>;

    /// Writes the schema of the connected database (no rows) as SQL to `path`, created with
    /// mode 0600 and not existing yet, through the database's own tool where there is one
    /// (`pg_dump --schema-only`, `mariadb-dump --no-data`; SQLite: the `sqlite_master`
    /// statements). Returns the tool that wrote it. For `cutover schema dump`.
    async fn schema_dump(&mut self, path: &Path) -> Result<String> {
        let _ = path;
        Err(crate::error::Error::Other(format!(
            "this {} backend cannot dump its schema",
            self.dialect()
        )))
    }

    /// Restores a backup written by [`backup`](Backend::backup) into the connected
    /// database, replacing the objects the backup holds (Postgres: `pg_restore --clean
    /// --if-exists` in one transaction; MySQL: the dump streamed into the client; SQLite: the
    /// online backup API into the live file). Called by [`crate::backup::restore`] with the
    /// migration lock held and no transaction open, after the backup's hash was checked.
    /// Locks this session holds are still held afterwards.
    async fn restore(&mut self, path: &Path) -> Result<()>;

    /// Writes a backup of only `tables` (and what belongs to them: indexes, constraints,
    /// triggers) to `path`, with the same tools and guarantees as [`backup`](Backend::backup):
    /// Postgres `pg_dump --table`, MySQL `mariadb-dump db table..`, SQLite a new database file
    /// holding copies of the tables. Used by the contract gate, which backs up what a
    /// contract destroys. The default refuses (typed `Unsupported`).
    async fn backup_tables(&mut self, path: &Path, tables: &[String]) -> Result<BackupInfo> {
        let _ = (path, tables);
        Err(crate::Error::Unsupported {
            dialect: self.dialect(),
            operation: "a table-level backup".into(),
            hint: "back up the whole database instead".into(),
        })
    }

    /// Restores a backup written by [`backup_tables`](Backend::backup_tables): replaces
    /// exactly `tables` (dropped if they exist, recreated, refilled) and touches nothing
    /// else. The default is [`restore`](Backend::restore), right where the dump itself holds
    /// only those tables (Postgres `pg_restore --clean`, MySQL's dump).
    async fn restore_tables(&mut self, path: &Path, tables: &[String]) -> Result<()> {
        let _ = tables;
        self.restore(path).await
    }

    /// Checks that what [`restore`](Backend::restore) needs is installed (client tools), so
    /// that a restore fails before anything changes. The default needs nothing.
    fn check_restore_tools(&self) -> Result<()> {
        Ok(())
    }

    /// Drops the current session and connects again with the same settings (used after a
    /// lost connection). Any open transaction is gone, and with it (on Postgres and MySQL)
    /// every lock of [`try_lock`](Backend::try_lock); the runner takes the lock again
    /// before anything else.
    async fn reconnect(&mut self) -> Result<()>;

    /// Reads the live schema (the tables of the connected database or schema, without
    /// cutover's own `cutover_*` tables) into the dialect-neutral shape, native types mapped
    /// back to portable ones. Used by `drift` and `test`.
    async fn introspect(&mut self) -> Result<crate::schema::SchemaShape>;

    /// Reads what [`introspect`](Backend::introspect) leaves out and a generated baseline
    /// needs: default and check texts, index definitions, the SQL of views, functions and
    /// triggers (Postgres `pg_get_*def`, MySQL `information_schema`, SQLite `sqlite_schema`).
    /// Read-only. For `cutover baseline --generate`; the default refuses (typed
    /// `Unsupported`).
    async fn introspect_details(&mut self) -> Result<crate::schema::LiveDetails> {
        Err(crate::Error::Unsupported {
            dialect: self.dialect(),
            operation: "reading schema details for a generated baseline".into(),
            hint: "write the baseline migration by hand".into(),
        })
    }

    /// Closes the connection.
    async fn close(self: Box<Self>) -> Result<()>;

    /// The schema this session is confined to (PostgreSQL schema-per-tenant: the session's
    /// `current_schema()` when it is not `public`), `None` for the whole database. Backups
    /// record it in their manifest and restores compare it (see `backup::restore`).
    fn schema(&self) -> Option<String> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `Box<dyn Backend>` must stay possible: the CLI picks the adapter at run time.
    #[allow(dead_code)]
    fn object_safe(b: Box<dyn Backend>) -> Box<dyn Backend> {
        b
    }

    #[test]
    fn rows_helpers() {
        let rows = Rows {
            columns: vec!["Count".into()],
            rows: vec![vec![Some("3".into())]],
        };
        assert_eq!(rows.scalar(), Some("3"));
        assert_eq!(rows.index("count"), Some(0));
    }
}
