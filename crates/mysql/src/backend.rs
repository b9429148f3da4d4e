//! [`MysqlBackend`]: one `mysql_async` connection implementing [`Backend`].

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::{Dialect, Error, Result};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, OptsBuilder, Params, Row};

use crate::errors::{connect_error, driver_error, other};
use crate::lock::scoped_lock_name;
use crate::value::{to_display_text, to_text};

/// Upper bound for opening a connection when the URL sets no `connect_timeout` (seconds).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// A MySQL or MariaDB session.
///
/// SQL runs through the text protocol with `CLIENT_MULTI_STATEMENTS` (mysql_async's
/// default), so batches work and values come back as text. The parsed URL is kept (never
/// printed unredacted) so that [`reconnect`](Backend::reconnect) can open a new session.
pub struct MysqlBackend {
    conn: Conn,
    pub(crate) opts: Opts,
    url: String,
    /// Whether the server is MariaDB, once asked.
    mariadb: Option<bool>,
    /// Timeouts last applied, re-applied after a reconnect.
    timeouts: Option<Timeouts>,
    /// `GET_LOCK` keys this session holds (a key is locked at most once per session).
    held: HashSet<String>,
}

impl std::fmt::Debug for MysqlBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MysqlBackend")
            .field("url", &cutover_core::url::redact(&self.url))
            .field("held", &self.held)
            .finish_non_exhaustive()
    }
}

impl MysqlBackend {
    /// Connects to the `mysql://` or `mariadb://` URL `url` (any query parameters
    /// mysql_async understands are honoured).
    ///
    /// A connection failure is an [`Error::Driver`] whose message reads
    /// `cannot connect to <url with password masked>: <reason>`; a malformed URL is an
    /// [`Error::Url`].
    pub async fn connect(url: &str) -> Result<MysqlBackend> {
        let opts = parse_url(url)?;
        Ok(MysqlBackend {
            conn: open(url, &opts).await?,
            opts,
            url: url.to_string(),
            mariadb: None,
            timeouts: None,
            held: HashSet::new(),
        })
    }

    /// Whether the server is MariaDB (`SELECT VERSION()` contains `MariaDB`), cached.
    async fn is_mariadb(&mut self) -> Result<bool> {
        if let Some(known) = self.mariadb {
            return Ok(known);
        }
        let known = self.server_version().await?.contains("MariaDB");
        self.mariadb = Some(known);
        Ok(known)
    }

    /// The `GET_LOCK` name of `key` in the connected database (the URL's, else
    /// `DATABASE()`), so that locks of different databases never collide.
    async fn lock_name(&mut self, key: &str) -> Result<String> {
        let database = match self.opts.db_name() {
            Some(db) => db.to_string(),
            None => self
                .scalar("SELECT DATABASE()", ())
                .await?
                .unwrap_or_default(),
        };
        Ok(scoped_lock_name(key, &database))
    }

    /// Runs `sql` with `params` bound (binary protocol) and returns the first value.
    async fn scalar<P>(&mut self, sql: &str, params: P) -> Result<Option<String>>
    where
        P: Into<Params> + Send,
    {
        let row: Option<Row> = self
            .conn
            .exec_first(sql, params)
            .await
            .map_err(|e| driver_error(&e))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let column = row
            .columns_ref()
            .first()
            .map(|c| c.name_str().into_owned())
            .unwrap_or_default();
        match row.unwrap_raw().into_iter().next().flatten() {
            Some(v) => to_text(v, &column),
            None => Ok(None),
        }
    }

    /// Runs `sql` with the text protocol, each value made text by `text`. For a batch, the
    /// rows of the first statement that returns rows (the other result sets are read and
    /// dropped).
    async fn query_as(
        &mut self,
        sql: &str,
        text: fn(mysql_async::Value, &str) -> Result<Option<String>>,
    ) -> Result<Rows> {
        let mut result = self
            .conn
            .query_iter(sql)
            .await
            .map_err(|e| driver_error(&e))?;
        while result.columns_ref().is_empty() && !result.is_empty() {
            result
                .collect::<Row>()
                .await
                .map_err(|e| driver_error(&e))?;
        }
        let columns: Vec<String> = result
            .columns_ref()
            .iter()
            .map(|c| c.name_str().into_owned())
            .collect();
        let rows = result
            .collect::<Row>()
            .await
            .map_err(|e| driver_error(&e))?;
        result.drop_result().await.map_err(|e| driver_error(&e))?;
        let rows = rows
            .into_iter()
            .map(|row| {
                row.unwrap_raw()
                    .into_iter()
                    .zip(&columns)
                    .map(|(v, column)| match v {
                        Some(v) => text(v, column),
                        None => Ok(None),
                    })
                    .collect::<Result<Vec<_>>>()
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Rows { columns, rows })
    }
}

/// Parses `url`, accepting `mariadb://` as a synonym of `mysql://`.
fn parse_url(url: &str) -> Result<Opts> {
    let rewritten = match url.split_once("://") {
        Some((scheme, rest))
            if scheme.eq_ignore_ascii_case("mariadb") || scheme.eq_ignore_ascii_case("mysql") =>
        {
            format!("mysql://{rest}")
        }
        _ => url.to_string(),
    };
    let (rewritten, _) = take_connect_timeout(&rewritten)?;
    let opts = Opts::from_url(&rewritten).map_err(|e| Error::Url {
        url: cutover_core::url::redact(url),
        message: e.to_string(),
    })?;
    let mut init = opts.init().to_vec();
    init.extend(SESSION_INIT.iter().map(|s| s.to_string()));
    Ok(OptsBuilder::from_opts(opts).init(init).into())
}

/// Run on every new connection (also after a reconnect), after any `init` of the URL: the
/// rendered SQL escapes string literals with backslashes and quotes identifiers with
/// backticks, so a server-wide `NO_BACKSLASH_ESCAPES` or `ANSI_QUOTES` must not change what
/// it means; strict mode makes bad data an error as on PostgreSQL; text is UTF-8.
pub(crate) const SESSION_INIT: &[&str] = &[
    "SET SESSION sql_mode = 'STRICT_TRANS_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    "SET NAMES utf8mb4",
];

/// Opens one connection (not a pool).
async fn open(url: &str, opts: &Opts) -> Result<Conn> {
    let limit = take_connect_timeout(url)?.1.unwrap_or(CONNECT_TIMEOUT);
    match tokio::time::timeout(limit, Conn::new(opts.clone())).await {
        Ok(Ok(conn)) => Ok(conn),
        Ok(Err(e)) => Err(connect_error(url, &e)),
        Err(_) => Err(Error::Driver {
            dialect: Dialect::Mysql,
            message: format!(
                "cannot connect to {}: no answer within {} s (set `connect_timeout=SECONDS` in the URL to wait longer)",
                cutover_core::url::redact(url),
                limit.as_secs_f64()
            ),
            kind: cutover_core::error::DriverErrorKind::Connection,
        }),
    }
}

#[async_trait]
impl Backend for MysqlBackend {
    fn dialect(&self) -> Dialect {
        Dialect::Mysql
    }

    /// `SELECT VERSION()`, e.g. `8.0.36` or `10.11.19-MariaDB`.
    async fn server_version(&mut self) -> Result<String> {
        let rows = self.query("SELECT VERSION()").await?;
        rows.scalar()
            .map(str::to_string)
            .ok_or_else(|| other("SELECT VERSION() returned no value"))
    }

    /// Runs `sql` (one statement or a batch), reads every result set and returns the sum of
    /// the affected-row counts of the statements that return no rows.
    async fn execute(&mut self, sql: &str) -> Result<u64> {
        let mut result = self
            .conn
            .query_iter(sql)
            .await
            .map_err(|e| driver_error(&e))?;
        let mut affected = 0;
        loop {
            match result.columns() {
                // A result set is pending; an empty column list means an OK packet.
                Some(columns) if columns.is_empty() => affected += result.affected_rows(),
                Some(_) => {}
                // Either every result set is read or the next statement failed: reading
                // once more returns that statement's error, or nothing.
                None => {
                    result
                        .collect::<Row>()
                        .await
                        .map_err(|e| driver_error(&e))?;
                    return Ok(affected);
                }
            }
            // Reads the current result set to its end and moves to the next one.
            result
                .collect::<Row>()
                .await
                .map_err(|e| driver_error(&e))?;
        }
    }

    /// Runs `sql` with the text protocol. For a batch, the rows of the first statement that
    /// returns rows (the other result sets are read and dropped).
    async fn query(&mut self, sql: &str) -> Result<Rows> {
        self.query_as(sql, to_text).await
    }

    /// Binary strings that are not UTF-8 as `0x` and hex.
    async fn query_for_display(&mut self, sql: &str) -> Result<Rows> {
        self.query_as(sql, to_display_text).await
    }

    async fn begin(&mut self) -> Result<()> {
        self.execute("START TRANSACTION").await.map(drop)
    }

    async fn commit(&mut self) -> Result<()> {
        self.execute("COMMIT").await.map(drop)
    }

    /// `ROLLBACK` (a no-op when no transaction is open).
    async fn rollback(&mut self) -> Result<()> {
        self.execute("ROLLBACK").await.map(drop)
    }

    /// Sets `lock_wait_timeout` (metadata locks) and `innodb_lock_wait_timeout` (row locks)
    /// to the lock timeout in whole seconds, rounded up, at least 1 (the servers' minimum),
    /// and the statement limit: `max_statement_time` (seconds) on MariaDB,
    /// `max_execution_time` (milliseconds, read-only `SELECT`s only) on MySQL; 0, unlimited,
    /// when `statement` is `None`.
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        let sql = crate::session::timeouts_sql(timeouts, self.is_mariadb().await?);
        self.execute(&sql).await?;
        self.timeouts = Some(timeouts);
        Ok(())
    }

    /// `SELECT GET_LOCK(name, wait)`, the name being `key@database` (hashed past 64
    /// characters, see [`scoped_lock_name`]): the server waits up to `wait` (a zero wait
    /// tries once). The lock belongs to the session and is released by
    /// [`unlock`](Backend::unlock) or when the session ends. Taking a key this session
    /// already holds returns true without stacking a second lock.
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        if self.held.contains(key) {
            return Ok(true);
        }
        let name = self.lock_name(key).await?;
        let got = self
            .scalar("SELECT GET_LOCK(?, ?)", (name, wait.as_secs_f64()))
            .await?;
        match got.as_deref() {
            Some("1") => {
                self.held.insert(key.to_string());
                Ok(true)
            }
            Some(_) => Ok(false),
            None => Err(other(format!(
                "GET_LOCK for lock `{key}` failed (returned NULL)"
            ))),
        }
    }

    /// `SELECT RELEASE_LOCK(name)` when this session holds the lock.
    async fn unlock(&mut self, key: &str) -> Result<()> {
        if self.held.remove(key) {
            let name = self.lock_name(key).await?;
            self.scalar("SELECT RELEASE_LOCK(?)", (name,)).await?;
        }
        Ok(())
    }

    /// `mariadb-dump` (or `mysqldump`) `--single-transaction --routines --triggers --events`
    /// streamed into `path` (see [`MysqlBackend::dump_command`]).
    async fn backup(&mut self, path: &Path) -> Result<BackupInfo> {
        self.dump_to(path, &[]).await
    }

    /// `mariadb-dump .. db -- table..` (see [`MysqlBackend::dump_tables_command`]);
    /// restored by streaming it into the client, which replaces just these tables.
    async fn backup_tables(&mut self, path: &Path, tables: &[String]) -> Result<BackupInfo> {
        self.dump_to(path, tables).await
    }

    /// The dump streamed into the `mariadb` (or `mysql`) client. Not atomic: MySQL commits
    /// DDL implicitly, so a failure part way leaves the tables restored so far.
    async fn schema_dump(&mut self, path: &Path) -> Result<String> {
        self.schema_to(path).await
    }

    async fn restore(&mut self, path: &Path) -> Result<()> {
        self.restore_from(path).await
    }

    /// `mariadb` or `mysql` is on PATH.
    fn check_restore_tools(&self) -> Result<()> {
        crate::dump::check_restore_tool()
    }

    /// Opens a new session with the same options and re-applies the last timeouts. Named
    /// locks and any open transaction of the old session are gone.
    async fn reconnect(&mut self) -> Result<()> {
        let fresh = open(&self.url, &self.opts).await?;
        // Dropping a connection closes it in the background (a dead one just goes away).
        drop(std::mem::replace(&mut self.conn, fresh));
        self.held.clear();
        self.mariadb = None;
        if let Some(timeouts) = self.timeouts {
            self.set_timeouts(timeouts).await?;
        }
        Ok(())
    }

    /// Sends `COM_QUIT` and closes the socket.
    async fn introspect(&mut self) -> Result<cutover_core::schema::SchemaShape> {
        crate::introspect::introspect(self).await
    }

    async fn introspect_details(&mut self) -> Result<cutover_core::schema::LiveDetails> {
        crate::details::details(self).await
    }

    async fn close(self: Box<Self>) -> Result<()> {
        self.conn.disconnect().await.map_err(|e| driver_error(&e))
    }
}

/// Removes the `connect_timeout=SECONDS` query parameter (which mysql_async does not know)
/// from `url`, returning the rest of the URL and the timeout.
fn take_connect_timeout(url: &str) -> Result<(String, Option<Duration>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_string(), None));
    };
    let mut timeout = None;
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some(("connect_timeout", value)) => {
                let secs: f64 = value
                    .parse()
                    .ok()
                    .filter(|s: &f64| *s > 0.0 && *s < 1e9)
                    .ok_or_else(|| Error::Url {
                        url: cutover_core::url::redact(url),
                        message: format!(
                            "connect_timeout={value}: give a number of seconds greater than 0"
                        ),
                    })?;
                timeout = Some(Duration::from_secs_f64(secs));
            }
            _ => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, timeout))
}
