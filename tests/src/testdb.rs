//! [`TestDb`], one fresh uniquely named database per test, and [`for_each_backend`], which
//! runs a scenario on one per selected backend and always drops it.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;

use futures_util::FutureExt;

use crate::admin::{
    AdminError, mysql_create, mysql_drop, pg_create, pg_drop, redact_password, server_url,
    unique_name, with_database,
};
use crate::backend::{Backend, backends};

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
