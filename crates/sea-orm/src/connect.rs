//! The entry points: a [`Backend`] over a sea-orm connection, and `up` through it.

use cutover_core::app::{Migrator, MigratorOptions};
use cutover_core::backend::Backend;
use cutover_core::embed::EmbeddedPlan;
use cutover_core::plan::Plan;
use cutover_core::runner::{RunReport, RunnerOptions, Silent, Target};
use cutover_core::{Dialect, Error, Result};
use sea_orm::{DatabaseConnection, DatabaseConnectionType, DbBackend};

use crate::session::{MysqlSession, PgSession, SqliteSession};

/// A cutover [`Backend`] on one connection taken from `db`'s pool and detached from it.
///
/// The migration lock, session timeouts and transactions need one session for the whole run,
/// so the backend owns a dedicated connection: it does not count against the pool's
/// `max_connections` while it lives (the pool may open a replacement), and settings it makes
/// never reach the application's other connections. [`Backend::close`] closes it.
///
/// An in-memory SQLite database lives only as long as its connection: for one, the backend
/// keeps the pooled connection (the application's queries wait for it while the run lasts) and
/// [`Backend::close`] gives it back to the pool, so the application sees the migrated schema.
///
/// Fails with [`Error::Unsupported`] for a connection that has no sqlx pool (sea-orm's mock,
/// proxy or rusqlite connections), and with [`Error::Other`] for a disconnected one (sea-orm's
/// `DatabaseConnection::default()`).
pub async fn backend(db: &DatabaseConnection) -> Result<Box<dyn Backend>> {
    match &db.inner {
        DatabaseConnectionType::SqlxPostgresPoolConnection(_) => Ok(Box::new(
            PgSession::open(db.get_postgres_connection_pool()).await?,
        )),
        DatabaseConnectionType::SqlxMySqlPoolConnection(_) => Ok(Box::new(
            MysqlSession::open(db.get_mysql_connection_pool()).await?,
        )),
        DatabaseConnectionType::SqlxSqlitePoolConnection(_) => Ok(Box::new(
            SqliteSession::open(db.get_sqlite_connection_pool()).await?,
        )),
        DatabaseConnectionType::Disconnected => Err(Error::Other(
            "the sea-orm connection is disconnected: connect it with `sea_orm::Database::connect(url)` first"
                .into(),
        )),
        // Mock, proxy and rusqlite connections exist when the application turns on those
        // sea-orm features (features unify), so this arm is reachable in some builds only.
        #[allow(unreachable_patterns)]
        _ => Err(Error::unsupported(
            dialect_of(db.get_database_backend()),
            "running a plan on a sea-orm connection without an sqlx pool (mock, proxy or rusqlite)",
            "connect with `sea_orm::Database::connect(url)` using a postgres://, mysql:// or sqlite: URL, \
             or run `cutover up` with the database URL",
        )),
    }
}

/// A core [`Migrator`] for `plan` on a dedicated connection taken from `db` (see [`backend`]):
/// the same lint gate, migration lock, history, checks, contract gate and backfills as
/// `cutover up`, `status` and `backfill run`. Close it with [`Migrator::close`].
pub async fn migrator(db: &DatabaseConnection, plan: Plan) -> Result<Migrator> {
    Ok(Migrator::new(plan, backend(db).await?))
}

/// [`migrator`] for a plan compiled into the application with
/// [`include_plan!`](cutover_core::include_plan): uses the history table of its embedded
/// `cutover.toml`, so the application and the CLI share one history.
pub async fn embedded_migrator(db: &DatabaseConnection, plan: &EmbeddedPlan) -> Result<Migrator> {
    Migrator::embedded(plan, backend(db).await?)
}

/// Applies every pending migration of `plan` on `db` with the default options (history table
/// `cutover_history`, 30 s lock wait, lint gate on) and no progress output.
///
/// A contract or destructive migration asks for a backup first, which a sea-orm connection
/// cannot take: the run stops before it with [`Error::Unsupported`]. Run such migrations with
/// `cutover up`, or pass `BackupPolicy::Skip` through [`run_up_with`] to run them without one.
pub async fn run_up(db: &DatabaseConnection, plan: &Plan) -> Result<RunReport> {
    run_up_with(db, plan, RunnerOptions::default(), Target::Latest).await
}

/// [`run_up`] with explicit runner options and target. The connection is closed afterwards,
/// whether the run succeeded or not.
pub async fn run_up_with(
    db: &DatabaseConnection,
    plan: &Plan,
    options: RunnerOptions,
    target: Target,
) -> Result<RunReport> {
    let options = MigratorOptions {
        runner: options,
        ..MigratorOptions::default()
    };
    let mut migrator = migrator(db, plan.clone())
        .await?
        .with_options(options)
        .with_reporter(Box::new(Silent));
    let report = migrator.up_to(target).await;
    let closed = migrator.close().await;
    let report = report?;
    closed?;
    Ok(report)
}

/// The cutover dialect of a sea-orm database backend.
pub fn dialect_of(backend: DbBackend) -> Dialect {
    match backend {
        DbBackend::Postgres => Dialect::Postgres,
        DbBackend::MySql => Dialect::Mysql,
        // sea-orm 2.0 has three backends (the enum is non-exhaustive): this is Sqlite.
        _ => Dialect::Sqlite,
    }
}
