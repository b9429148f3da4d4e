//! Shared harness for the cross-dialect integration tests.
//!
//! The tests run against **real** database servers. `scripts/test.sh` installs,
//! starts and configures them; this crate only connects to them:
//!
//! | variable                    | default                                      |
//! |-----------------------------|----------------------------------------------|
//! | `CUTOVER_TEST_BACKENDS`     | `postgres,mysql,sqlite`                      |
//! | `CUTOVER_TEST_POSTGRES_URL` | `postgres://postgres@127.0.0.1:5432/postgres` |
//! | `CUTOVER_TEST_MYSQL_URL`    | `mysql://root@127.0.0.1:3306/mysql`          |
//!
//! The server URLs name an existing database the harness connects to in
//! order to create and drop the per-test databases (`CREATE DATABASE` rights
//! are needed). Only the URL form is supported (not `key=value` strings).
//!
//! A backend that is selected but unreachable is a test **failure** with a
//! message saying how to start it or exclude it, never a silent skip.
//!
//! # Cleanup
//!
//! [`TestDb`] deliberately has no `Drop` impl: dropping a database is async
//! and async drop does not exist. Use [`for_each_backend`], which drops the
//! database after the scenario whether it returns or panics, or call
//! [`TestDb::drop_db`] yourself.
//!
//! All async functions need a Tokio runtime with the time and IO drivers
//! enabled, which is what `#[tokio::test]` provides.
//!
//! ```no_run
//! use cutover_tests::{for_each_backend, Backend};
//!
//! async fn scenario() {
//!     for_each_backend(|db| async move {
//!         // `db.url()` is e.g. postgres://postgres@127.0.0.1:5432/cutover_t_…
//!         // or sqlite:///tmp/cutover_t_…/test.db
//!         assert!(!db.url().is_empty());
//!         if db.backend() == Backend::Sqlite {
//!             assert!(db.url().starts_with("sqlite:///"));
//!         }
//!     })
//!     .await;
//! }
//! ```

pub mod corpus;
pub mod crash;
pub mod faults;
pub mod marker;
pub mod plans;
pub mod replicas;
pub mod require;
pub mod seed;
pub mod snapshot;

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures_util::FutureExt;
use mysql_async::prelude::Queryable;

const BACKENDS_ENV: &str = "CUTOVER_TEST_BACKENDS";
const POSTGRES_URL_ENV: &str = "CUTOVER_TEST_POSTGRES_URL";
const MYSQL_URL_ENV: &str = "CUTOVER_TEST_MYSQL_URL";
const DEFAULT_POSTGRES_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_MYSQL_URL: &str = "mysql://root@127.0.0.1:3306/mysql";

/// Upper bound for connecting to a server (and for one admin statement).
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// A database engine the integration tests can run against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL, reached through `CUTOVER_TEST_POSTGRES_URL`.
    Postgres,
    /// MySQL or MariaDB, reached through `CUTOVER_TEST_MYSQL_URL`.
    Mysql,
    /// SQLite, a fresh file in a temporary directory.
    Sqlite,
}

impl Backend {
    /// All backends, in the default order.
    const ALL: [Backend; 3] = [Backend::Postgres, Backend::Mysql, Backend::Sqlite];

    /// The backend's name as used in `CUTOVER_TEST_BACKENDS`:
    /// `postgres`, `mysql` or `sqlite`.
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
            Backend::Sqlite => "sqlite",
        }
    }

    fn from_name(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The URL of the server this backend's test databases are created on (for SQLite a
    /// file URL in the temp directory; the file need not exist).
    pub fn server_url(&self) -> String {
        match self.server_env() {
            Some((env, default)) => server_url(env, default),
            None => format!(
                "sqlite://{}",
                std::env::temp_dir()
                    .join(format!("cutover_srv_{}.db", std::process::id()))
                    .display()
            ),
        }
    }

    /// Env var holding the server URL and its default (servers only).
    fn server_env(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Backend::Postgres => Some((POSTGRES_URL_ENV, DEFAULT_POSTGRES_URL)),
            Backend::Mysql => Some((MYSQL_URL_ENV, DEFAULT_MYSQL_URL)),
            Backend::Sqlite => None,
        }
    }
}

/// The backends selected for this test run.
///
/// Read from `CUTOVER_TEST_BACKENDS`, a comma-separated list of `postgres`,
/// `mysql` and `sqlite` (case and surrounding blanks ignored, duplicates
/// removed, order kept). Unset or empty means all three.
///
/// # Panics
///
/// On an unknown backend name, on a list that selects nothing (e.g. `","`)
/// and on a value that is not UTF-8.
pub fn backends() -> Vec<Backend> {
    match std::env::var(BACKENDS_ENV) {
        Ok(list) if !list.trim().is_empty() => parse_backends(&list),
        Ok(_) | Err(std::env::VarError::NotPresent) => Backend::ALL.to_vec(),
        Err(std::env::VarError::NotUnicode(raw)) => {
            panic!("{BACKENDS_ENV} is not valid UTF-8: {raw:?}")
        }
    }
}

fn parse_backends(list: &str) -> Vec<Backend> {
    let mut selected = Vec::new();
    for part in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let backend = Backend::from_name(&part.to_ascii_lowercase()).unwrap_or_else(|| {
            panic!(
                "{BACKENDS_ENV}: unknown backend `{part}` in `{list}`; \
                 expected a comma-separated list of postgres, mysql, sqlite"
            )
        });
        if !selected.contains(&backend) {
            selected.push(backend);
        }
    }
    assert!(
        !selected.is_empty(),
        "{BACKENDS_ENV}=`{list}` selects no backend; \
         expected a comma-separated list of postgres, mysql, sqlite"
    );
    selected
}

/// A freshly created, uniquely named, empty database for one test.
///
/// There is no `Drop` impl (async drop is impossible): call
/// [`TestDb::drop_db`], or better run the scenario through
/// [`for_each_backend`], which always cleans up.
#[derive(Debug)]
pub struct TestDb {
    backend: Backend,
    /// URL of the test database itself.
    url: String,
    /// Database name (servers) or temp directory name (sqlite).
    name: String,
    /// URL of the server's admin database the test database was created from.
    server_url: Option<String>,
    /// Temporary directory holding the sqlite file.
    dir: Option<PathBuf>,
}

impl TestDb {
    /// Creates a uniquely named database (`cutover_t_<pid>_<counter>_<nanos>`).
    ///
    /// For Postgres and MySQL the database is created on the server named by
    /// `CUTOVER_TEST_POSTGRES_URL` / `CUTOVER_TEST_MYSQL_URL` (defaults
    /// `postgres://postgres@127.0.0.1:5432/postgres` and
    /// `mysql://root@127.0.0.1:3306/mysql`); for SQLite it is an empty file
    /// `test.db` in a new directory under the system temp dir.
    ///
    /// # Panics
    ///
    /// If the server is unreachable (the message names the backend, the URL
    /// with its password masked, and says to start it with `scripts/test.sh`
    /// or to set `CUTOVER_TEST_BACKENDS` to exclude it), or if the database
    /// or file cannot be created.
    pub async fn create(backend: Backend) -> TestDb {
        let name = unique_name();
        match backend.server_env() {
            Some((env, default)) => {
                let server_url = server_url(env, default);
                let result = match backend {
                    Backend::Postgres => pg_create(&server_url, &name).await,
                    _ => mysql_create(&server_url, &name).await,
                };
                if let Err(err) = result {
                    match err {
                        AdminError::Connect(e) => panic!(
                            "[{b}] cannot reach the {b} test server at {url} ({env}): {e}\n\
                             start it with scripts/test.sh or set CUTOVER_TEST_BACKENDS to exclude it \
                             (e.g. CUTOVER_TEST_BACKENDS=sqlite)",
                            b = backend.name(),
                            url = redact_password(&server_url),
                        ),
                        AdminError::Statement(e) => panic!(
                            "[{}] could not create test database {name} on {}: {e}",
                            backend.name(),
                            redact_password(&server_url),
                        ),
                    }
                }
                TestDb {
                    backend,
                    url: with_database(&server_url, &name),
                    name,
                    server_url: Some(server_url),
                    dir: None,
                }
            }
            None => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).unwrap_or_else(|e| {
                    panic!("[sqlite] cannot create temp dir {}: {e}", dir.display())
                });
                let dir = dir.canonicalize().unwrap_or_else(|e| {
                    panic!("[sqlite] cannot resolve temp dir {}: {e}", dir.display())
                });
                let path = dir.join("test.db");
                // A zero-length file is a valid, empty SQLite database.
                std::fs::File::create(&path).unwrap_or_else(|e| {
                    panic!(
                        "[sqlite] cannot create database file {}: {e}",
                        path.display()
                    )
                });
                TestDb {
                    backend,
                    url: format!("sqlite://{}", path.display()),
                    name,
                    server_url: None,
                    dir: Some(dir),
                }
            }
        }
    }

    /// URL of the test database: `postgres://postgres@127.0.0.1:5432/<name>`,
    /// `mysql://root@127.0.0.1:3306/<name>` (user, host, port and query
    /// string come from the server URL) or `sqlite:///abs/path/test.db`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The backend this database lives on.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The unique name: the database name on a server, the temp directory
    /// name for SQLite.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database: `DROP DATABASE IF EXISTS … WITH (FORCE)` on
    /// Postgres (terminating leftover connections), `DROP DATABASE IF EXISTS`
    /// on MySQL, removal of the temp directory for SQLite. Dropping an
    /// already dropped database is not an error.
    ///
    /// # Panics
    ///
    /// If the server is unreachable or the drop fails.
    pub async fn drop_db(self) {
        if let Err(e) = self.try_drop().await {
            panic!(
                "[{}] could not drop test database {}: {e}",
                self.backend.name(),
                self.name
            );
        }
    }

    async fn try_drop(&self) -> Result<(), String> {
        match (&self.server_url, &self.dir) {
            (Some(server_url), _) => {
                let result = match self.backend {
                    Backend::Postgres => pg_drop(server_url, &self.name).await,
                    _ => mysql_drop(server_url, &self.name).await,
                };
                result.map_err(|e| match e {
                    AdminError::Connect(e) | AdminError::Statement(e) => {
                        format!("{e} (server {})", redact_password(server_url))
                    }
                })
            }
            (None, Some(dir)) => match std::fs::remove_dir_all(dir) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(e) => Err(format!("cannot remove {}: {e}", dir.display())),
            },
            (None, None) => Ok(()),
        }
    }

    /// A second handle on the same database, kept by [`for_each_backend`]
    /// for cleanup after the scenario consumed the original.
    fn cleanup_handle(&self) -> TestDb {
        TestDb {
            backend: self.backend,
            url: self.url.clone(),
            name: self.name.clone(),
            server_url: self.server_url.clone(),
            dir: self.dir.clone(),
        }
    }
}

/// Runs `scenario` once per selected backend (see [`backends`]), each time
/// on a fresh [`TestDb`], and drops that database afterwards.
///
/// Backends run one after the other and the first failure stops the run.
/// The database is dropped whether the scenario returns or panics; a panic
/// is then re-raised with the backend name prepended (`[mysql] …`), so the
/// test output says which backend failed.
///
/// This is the way to get cleanup: [`TestDb`] has no `Drop` impl.
///
/// # Panics
///
/// If the scenario panics, if a database cannot be created (e.g. the server
/// is down) or dropped.
pub async fn for_each_backend<F, Fut>(scenario: F)
where
    F: Fn(TestDb) -> Fut,
    Fut: Future<Output = ()>,
{
    for backend in backends() {
        let db = TestDb::create(backend).await;
        let cleanup = db.cleanup_handle();
        // The async block also catches a panic raised while building the future.
        let outcome = AssertUnwindSafe(async { scenario(db).await })
            .catch_unwind()
            .await;
        match outcome {
            Ok(()) => cleanup.drop_db().await,
            Err(payload) => {
                if let Err(e) = cleanup.try_drop().await {
                    eprintln!(
                        "[{}] additionally, dropping test database {} failed: {e}",
                        backend.name(),
                        cleanup.name
                    );
                }
                panic!("[{}] {}", backend.name(), panic_message(payload.as_ref()));
            }
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&'static str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "scenario panicked with a non-string payload"
    }
}

/// Failure of an admin operation on a server.
enum AdminError {
    /// The server could not be reached (or the URL is invalid).
    Connect(String),
    /// Connected, but the statement failed.
    Statement(String),
}

fn server_url(env: &str, default: &str) -> String {
    match std::env::var(env) {
        Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
        _ => default.to_owned(),
    }
}

fn unique_name() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let counter = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("cutover_t_{}_{counter}_{nanos}", std::process::id())
}

/// Index where the authority (`user:pass@host:port`) of `url` starts and ends.
fn authority_bounds(url: &str) -> (usize, usize) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    (start, end)
}

/// `url` with its path replaced by `/<db>`, keeping any query string.
fn with_database(url: &str, db: &str) -> String {
    let (_, auth_end) = authority_bounds(url);
    let tail = url[auth_end..]
        .find(['?', '#'])
        .map_or("", |i| &url[auth_end + i..]);
    format!("{}/{db}{tail}", &url[..auth_end])
}

/// `url` with a password in the user info replaced by `***`.
fn redact_password(url: &str) -> String {
    let (start, end) = authority_bounds(url);
    let authority = &url[start..end];
    if let Some(at) = authority.rfind('@')
        && let Some(colon) = authority[..at].find(':')
    {
        return format!("{}:***{}", &url[..start + colon], &url[start + at..]);
    }
    url.to_owned()
}

fn quote_pg(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

fn quote_mysql(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// `err` and its sources (tokio-postgres puts the interesting part, e.g.
/// "Connection refused" or the server's message, in the source).
fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    message
}

async fn timed<T, E: std::error::Error + 'static>(
    what: &str,
    fut: impl Future<Output = Result<T, E>>,
) -> Result<T, String> {
    match tokio::time::timeout(SERVER_TIMEOUT, fut).await {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(describe(&e)),
        Err(_) => Err(format!("{what} timed out after {SERVER_TIMEOUT:?}")),
    }
}

async fn pg_connect(url: &str) -> Result<tokio_postgres::Client, AdminError> {
    let config: tokio_postgres::Config = url
        .parse()
        .map_err(|e| AdminError::Connect(format!("invalid URL: {}", describe(&e))))?;
    let (client, connection) = timed("connecting", config.connect(tokio_postgres::NoTls))
        .await
        .map_err(AdminError::Connect)?;
    tokio::spawn(async move {
        // Ends when the client is dropped; errors surface on the client side.
        let _ = connection.await;
    });
    Ok(client)
}

async fn pg_create(server_url: &str, name: &str) -> Result<(), AdminError> {
    let client = pg_connect(server_url).await?;
    let sql = format!("CREATE DATABASE {}", quote_pg(name));
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = tokio::time::timeout(SERVER_TIMEOUT, client.batch_execute(&sql))
            .await
            .map_err(|_| {
                AdminError::Statement(format!(
                    "CREATE DATABASE timed out after {SERVER_TIMEOUT:?}"
                ))
            })?;
        match result {
            Ok(()) => return Ok(()),
            // "source database "template1" is being accessed by other users":
            // transient while another session sits on the template.
            Err(e)
                if attempt < 20
                    && e.code() == Some(&tokio_postgres::error::SqlState::OBJECT_IN_USE) =>
            {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) => return Err(AdminError::Statement(describe(&e))),
        }
    }
}

async fn pg_drop(server_url: &str, name: &str) -> Result<(), AdminError> {
    let client = pg_connect(server_url).await?;
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote_pg(name));
    timed("DROP DATABASE", client.batch_execute(&sql))
        .await
        .map_err(AdminError::Statement)
}

async fn mysql_connect(url: &str) -> Result<mysql_async::Conn, AdminError> {
    let opts = mysql_async::Opts::from_url(url)
        .map_err(|e| AdminError::Connect(format!("invalid URL: {e}")))?;
    timed("connecting", mysql_async::Conn::new(opts))
        .await
        .map_err(AdminError::Connect)
}

async fn mysql_admin(server_url: &str, sql: String) -> Result<(), AdminError> {
    let mut conn = mysql_connect(server_url).await?;
    let result = timed("statement", conn.query_drop(sql)).await;
    // Best effort: the statement's outcome is what matters.
    let _ = conn.disconnect().await;
    result.map_err(AdminError::Statement)
}

async fn mysql_create(server_url: &str, name: &str) -> Result<(), AdminError> {
    mysql_admin(server_url, format!("CREATE DATABASE {}", quote_mysql(name))).await
}

async fn mysql_drop(server_url: &str, name: &str) -> Result<(), AdminError> {
    mysql_admin(
        server_url,
        format!("DROP DATABASE IF EXISTS {}", quote_mysql(name)),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_backend_lists() {
        assert_eq!(
            parse_backends(" SQLite , postgres,sqlite"),
            vec![Backend::Sqlite, Backend::Postgres]
        );
        assert_eq!(parse_backends("mysql,"), vec![Backend::Mysql]);
    }

    #[test]
    #[should_panic(expected = "unknown backend `oracle`")]
    fn rejects_unknown_backend() {
        parse_backends("postgres,oracle");
    }

    #[test]
    fn replaces_database_in_url() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306", "x"),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert_eq!(
            with_database("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
    }

    #[test]
    fn masks_passwords() {
        assert_eq!(
            redact_password("mysql://root:s3cr%40t@127.0.0.1:3306/mysql"),
            "mysql://root:***@127.0.0.1:3306/mysql"
        );
        assert_eq!(
            redact_password("postgres://postgres@127.0.0.1:5432/postgres"),
            "postgres://postgres@127.0.0.1:5432/postgres"
        );
    }

    #[test]
    fn quotes_identifiers() {
        assert_eq!(quote_pg("a\"b"), "\"a\"\"b\"");
        assert_eq!(quote_mysql("a`b"), "`a``b`");
    }

    #[test]
    fn names_are_unique() {
        assert_ne!(unique_name(), unique_name());
        assert!(unique_name().len() <= 63, "Postgres identifier limit");
    }
}
