//! Opening a [`Backend`] from a database URL: the scheme picks the adapter.

use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::url::dialect_of;

/// Connects to `url` with the adapter its scheme names.
pub async fn connect(url: &str) -> cutover_core::Result<Box<dyn Backend>> {
    Ok(match dialect_of(url)? {
        Dialect::Postgres => Box::new(cutover_postgres::PostgresBackend::connect(url).await?),
        Dialect::Mysql => Box::new(cutover_mysql::MysqlBackend::connect(url).await?),
        Dialect::Sqlite => Box::new(cutover_sqlite::SqliteBackend::open(url).await?),
    })
}

/// [`connect`] for an owned URL, boxed: the opener that `cutover_core::lifecycle` takes, and
/// the body of every reconnecting connector.
pub fn open_url(url: String) -> cutover_core::lifecycle::Opening {
    Box::pin(async move { connect(&url).await })
}
