//! A tiny service that carries its cutover plan in its binary and applies it at startup:
//! SQLite locally (`sqlite://service.db`), PostgreSQL or MariaDB in production
//! (`DATABASE_URL`). `build.rs` embeds `migrations/`; [`migrate`] runs `cutover up` through
//! [`Migrator`], so `cutover status` shows what the service applied and the other way round.

/// docs/rust.md, the guide to using cutover from Rust: its examples compile (and the SQLite
/// one runs) as doctests of this crate, which depends on core and every adapter.
#[doc = include_str!("../../../docs/rust.md")]
pub mod guide {}

use cutover_core::app::Migrator;
use cutover_core::backend::Backend;
use cutover_core::embed::EmbeddedPlan;
use cutover_core::runner::RunReport;
use cutover_core::{Dialect, Result};

/// The plan in `migrations/`, compiled in by `build.rs`.
pub static PLAN: EmbeddedPlan = cutover_core::include_plan!();

/// The database when `DATABASE_URL` is not set: a SQLite file in the working directory.
pub const DEFAULT_URL: &str = "sqlite://service.db";

/// Opens a connection; the URL's scheme picks the adapter.
pub async fn connect(url: &str) -> Result<Box<dyn Backend>> {
    Ok(match cutover_core::url::dialect_of(url)? {
        Dialect::Postgres => Box::new(cutover_postgres::PostgresBackend::connect(url).await?),
        Dialect::Mysql => Box::new(cutover_mysql::MysqlBackend::connect(url).await?),
        Dialect::Sqlite => Box::new(cutover_sqlite::SqliteBackend::open(url).await?),
    })
}

/// Startup: connects and applies the pending migrations of the embedded plan (waiting for
/// the lock while another instance does). Returns the connection for the service's work and
/// what was applied.
pub async fn migrate(url: &str) -> Result<(Box<dyn Backend>, RunReport)> {
    let mut migrator = Migrator::embedded(&PLAN, connect(url).await?)?;
    let report = match migrator.up().await {
        Ok(report) => report,
        Err(e) => {
            let _ = migrator.close().await;
            return Err(e);
        }
    };
    Ok((migrator.into_backend(), report))
}

/// The service's work, once migrated: registers a visitor named after this process (the
/// email as typed and its normalized form) and returns how many users there are.
pub async fn visit(db: &mut dyn Backend) -> Result<u64> {
    // The values are made here, not taken from a user: a real service binds them with its
    // own driver or ORM.
    let id = std::process::id();
    db.execute(&format!(
        "INSERT INTO users (email, name, email_normalized) VALUES (' Visitor-{id}@Example.com', 'visitor {id}', 'visitor-{id}@example.com')"
    ))
    .await?;
    let rows = db.query("SELECT COUNT(*) FROM users").await?;
    Ok(rows.scalar().and_then(|n| n.parse().ok()).unwrap_or(0))
}
