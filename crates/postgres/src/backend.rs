//! [`PostgresBackend`]: one `tokio-postgres` session implementing [`Backend`].

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::{Dialect, Error, Result};
use tokio_postgres::{Client, Config, NoTls, SimpleQueryMessage};

use crate::errors::{connect_error, describe, driver_error, other};
use crate::lock::advisory_key;

/// How often [`Backend::try_lock`] asks again while another session holds the lock.
const LOCK_POLL: Duration = Duration::from_millis(100);

/// Connect timeout used when the URL does not set `connect_timeout` (seconds): it bounds the
/// whole handshake (TCP connect, startup, authentication), not only the TCP connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A PostgreSQL session (plain TCP or Unix socket, no TLS).
///
/// All SQL runs through the simple query protocol: batches are allowed and every value is
/// returned as text. The URL is kept (never printed unredacted) so that
/// [`reconnect`](Backend::reconnect) can open a new session with the same settings.
pub struct PostgresBackend {
    client: Client,
    pub(crate) url: String,
    /// Timeouts last applied, re-applied after a reconnect.
    timeouts: Option<Timeouts>,
    /// Advisory locks this session holds (a key is locked at most once per session).
    held: HashSet<String>,
    /// The schema the session really uses (`current_schema()` after connecting), `None` for
    /// `public`: it scopes the advisory locks and a tenant's backups.
    pub(crate) schema: Option<String>,
}

impl std::fmt::Debug for PostgresBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PostgresBackend")
            .field("url", &cutover_core::url::redact(&self.url))
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

impl PostgresBackend {
    /// Connects to the `postgres://` or `postgresql://` URL `url` without TLS.
    ///
    /// A connection failure is an [`Error::Driver`] whose message reads
    /// `cannot connect to <url with password masked>: <reason>`; a malformed URL is an
    /// [`Error::Url`].
    pub async fn connect(url: &str) -> Result<PostgresBackend> {
        let client = open(url).await?;
        let schema = crate::schema::effective_schema(&client).await?;
        Ok(PostgresBackend {
            client,
            url: url.to_string(),
            timeouts: None,
            held: HashSet::new(),
            schema,
        })
    }

    /// Runs `sql` and returns every message of every statement.
    async fn simple(&self, sql: &str) -> Result<Vec<SimpleQueryMessage>> {
        self.client
            .simple_query(sql)
            .await
            .map_err(|e| driver_error(&e))
    }

    /// Calls a boolean advisory-lock function with the lock id of `key` as a bound value.
    async fn lock_call(&self, function: &str, key: &str) -> Result<bool> {
        let sql = format!("SELECT {function}($1)");
        let row = self
            .client
            .query_one(
                &sql,
                &[&advisory_key(&crate::schema::lock_scope(
                    self.schema.as_deref(),
                    key,
                ))],
            )
            .await
            .map_err(|e| driver_error(&e))?;
        row.try_get::<_, bool>(0).map_err(|e| other(describe(&e)))
    }
}

/// Opens a session and spawns the task that drives its socket.
async fn open(full_url: &str) -> Result<Client> {
    // `search_path=` is cutover's own parameter (schema-per-tenant), not the driver's.
    let (url, schema) = crate::schema::split_search_path(full_url)?;
    let url = url.as_str();
    let mut config: Config = url.parse().map_err(|e| Error::Url {
        url: cutover_core::url::redact(url),
        message: describe(&e),
    })?;
    let limit = config
        .get_connect_timeout()
        .copied()
        .unwrap_or(CONNECT_TIMEOUT);
    config.connect_timeout(limit);
    // tokio-postgres bounds only the TCP connect: a server that accepts and never answers
    // would hang the startup forever, so the whole handshake gets the same limit.
    let (client, connection) = match tokio::time::timeout(limit, config.connect(NoTls)).await {
        Ok(connected) => connected.map_err(|e| connect_error(url, &e))?,
        Err(_) => {
            return Err(Error::Driver {
                dialect: cutover_core::Dialect::Postgres,
                message: format!(
                    "cannot connect to {}: no answer within {} s (set `connect_timeout=SECONDS` in the URL to wait longer)",
                    cutover_core::url::redact(url),
                    limit.as_secs_f64()
                ),
                kind: cutover_core::error::DriverErrorKind::Connection,
            });
        }
    };
    tokio::spawn(async move {
        // Ends when the client is dropped or the server goes away; the client then reports
        // the failure on its next call.
        if let Err(e) = connection.await {
            tracing::debug!("postgres connection ended: {}", describe(&e));
        }
    });
    client
        .batch_execute(crate::SESSION_SETUP)
        .await
        .map_err(|e| driver_error(&e))?;
    if let Some(schemas) = schema {
        crate::schema::enter(&client, full_url, &schemas).await?;
    } else if let Some(schemas) = cutover_core::search_path::requested_schemas(full_url) {
        // A libpq `options=-csearch_path=...`: the server set it; the target must be first.
        crate::schema::verify_target(&client, full_url, &schemas).await?;
    }
    Ok(client)
}

/// Rows of the first statement of a batch that returns rows (columns come from its
/// RowDescription, so a query with no rows still names its columns).
fn first_result_set(messages: Vec<SimpleQueryMessage>) -> Rows {
    let mut out = Rows::default();
    let mut started = false;
    for message in messages {
        match message {
            SimpleQueryMessage::RowDescription(columns) if !started => {
                out.columns = columns.iter().map(|c| c.name().to_string()).collect();
                started = true;
            }
            SimpleQueryMessage::Row(row) if started => {
                out.rows.push(
                    (0..row.len())
                        .map(|i| row.get(i).map(str::to_string))
                        .collect(),
                );
            }
            SimpleQueryMessage::CommandComplete(_) if started => break,
            _ => {}
        }
    }
    out
}

#[async_trait]
impl Backend for PostgresBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    /// `SHOW server_version`, e.g. `15.19` or `16.4 (Debian 16.4-1.pgdg120+1)`.
    async fn server_version(&mut self) -> Result<String> {
        let rows = first_result_set(self.simple("SHOW server_version").await?);
        rows.scalar()
            .map(str::to_string)
            .ok_or_else(|| other("SHOW server_version returned no value"))
    }

    /// Runs `sql` (one statement or a batch) with the simple query protocol and returns the
    /// sum of the counts in the statements' command tags (`INSERT 0 3` counts 3; a `SELECT`
    /// counts the rows it returned).
    async fn execute(&mut self, sql: &str) -> Result<u64> {
        let messages = self.simple(sql).await?;
        Ok(messages
            .iter()
            .map(|m| match m {
                SimpleQueryMessage::CommandComplete(n) => *n,
                _ => 0,
            })
            .sum())
    }

    /// Runs `sql` with the simple query protocol. For a batch, the rows of the first
    /// statement that returns rows.
    async fn query(&mut self, sql: &str) -> Result<Rows> {
        Ok(first_result_set(self.simple(sql).await?))
    }

    async fn begin(&mut self) -> Result<()> {
        self.simple("BEGIN").await.map(drop)
    }

    async fn commit(&mut self) -> Result<()> {
        self.simple("COMMIT").await.map(drop)
    }

    /// `ROLLBACK` (only a warning, not an error, when no transaction is open).
    async fn rollback(&mut self) -> Result<()> {
        self.simple("ROLLBACK").await.map(drop)
    }

    /// Sets `lock_timeout` (at least 1 ms: Postgres reads 0 as "no limit") and
    /// `statement_timeout` (0, unlimited, when `statement` is `None`) for this session.
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        let lock = format!("{}ms", timeouts.lock.as_millis().max(1));
        let statement = format!(
            "{}ms",
            timeouts.statement.map_or(0, |d| d.as_millis().max(1))
        );
        self.client
            .query(
                "SELECT set_config('lock_timeout', $1, false), \
                        set_config('statement_timeout', $2, false)",
                &[&lock, &statement],
            )
            .await
            .map_err(|e| driver_error(&e))?;
        self.timeouts = Some(timeouts);
        Ok(())
    }

    /// `pg_try_advisory_lock(advisory_key(key))`, asked every 100 ms until `wait` elapses
    /// (once when `wait` is zero). The lock belongs to the session, not to a transaction, and
    /// is released by [`unlock`](Backend::unlock) or when the session ends. Taking a key this
    /// session already holds returns true without stacking a second lock.
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        if self.held.contains(key) {
            return Ok(true);
        }
        let deadline = Instant::now() + wait;
        loop {
            if self.lock_call("pg_try_advisory_lock", key).await? {
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

    /// `pg_advisory_unlock(advisory_key(key))` when this session holds the lock.
    async fn unlock(&mut self, key: &str) -> Result<()> {
        if self.held.remove(key) {
            self.lock_call("pg_advisory_unlock", key).await?;
        }
        Ok(())
    }

    /// `pg_dump --format=custom` into `path` (see [`PostgresBackend::dump_command`]), after
    /// checking that `pg_dump` is at least the server's major version.
    async fn backup(&mut self, path: &Path) -> Result<BackupInfo> {
        self.dump_to(path, &[]).await
    }

    /// `pg_dump --format=custom --table="t"..` (see
    /// [`PostgresBackend::dump_tables_command`]); restored by `pg_restore --clean`, which
    /// replaces just these tables.
    async fn backup_tables(&mut self, path: &Path, tables: &[String]) -> Result<BackupInfo> {
        self.dump_to(path, tables).await
    }

    /// `pg_restore --clean --if-exists --single-transaction --no-owner` (see
    /// [`PostgresBackend::restore_command`]): all or nothing.
    async fn schema_dump(&mut self, path: &Path) -> Result<String> {
        self.schema_to(path).await
    }

    async fn restore(&mut self, path: &Path) -> Result<()> {
        self.restore_from(path).await
    }

    /// Like [`restore`](Backend::restore), with the foreign keys of other tables that
    /// reference `tables` taken off first and created again afterwards (see
    /// `dependents.rs`): `pg_restore --clean` cannot drop a referenced table.
    async fn restore_tables(&mut self, path: &Path, tables: &[String]) -> Result<()> {
        self.restore_tables_keeping_dependents(path, tables).await
    }

    /// `pg_restore` is on PATH.
    fn check_restore_tools(&self) -> Result<()> {
        crate::dump::check_restore_tool()
    }

    /// Opens a new session with the same URL and re-applies the last timeouts. Advisory locks
    /// and any open transaction of the old session are gone.
    async fn reconnect(&mut self) -> Result<()> {
        self.client = open(&self.url).await?;
        self.schema = crate::schema::effective_schema(&self.client).await?;
        self.held.clear();
        if let Some(timeouts) = self.timeouts {
            self.set_timeouts(timeouts).await?;
        }
        Ok(())
    }

    /// Drops the session; the server ends it (and releases its locks) when the socket closes.
    async fn introspect(&mut self) -> Result<cutover_core::schema::SchemaShape> {
        crate::introspect::introspect(self).await
    }

    async fn introspect_details(&mut self) -> Result<cutover_core::schema::LiveDetails> {
        crate::details::details(self).await
    }

    async fn close(self: Box<Self>) -> Result<()> {
        drop(self);
        Ok(())
    }

    /// The session's `current_schema()` when it is not `public` (schema-per-tenant).
    fn schema(&self) -> Option<String> {
        self.schema.clone()
    }
}
