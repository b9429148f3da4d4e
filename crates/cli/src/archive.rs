//! Verifying a backup file: its manifest's size and hash (core), then the database's own
//! reader (the adapter the manifest's dialect names).

use std::path::Path;

use cutover_core::Dialect;
use cutover_core::backup::{Manifest, verify_hash};

/// A backup that passed [`verify_backup`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct Verified {
    /// Its manifest.
    pub manifest: Manifest,
    /// What the database's reader found, e.g. `pg_restore --list reads 12 entries`.
    pub reader: String,
}

/// Checks `path` against its manifest (size and SHA-256), then that the database's tools
/// read it: `pg_restore --list` for Postgres, the closing `-- Dump completed` line for
/// MySQL/MariaDB, `PRAGMA integrity_check` for SQLite.
pub async fn verify_backup(path: &Path) -> cutover_core::Result<Verified> {
    let manifest = verify_hash(path).await?;
    let reader = match manifest.dialect {
        Dialect::Postgres => {
            let n = cutover_postgres::verify_archive(path).await?;
            format!("pg_restore --list reads {n} entries")
        }
        Dialect::Mysql => {
            cutover_mysql::verify_dump(path)?;
            "the dump ends with `-- Dump completed`".to_string()
        }
        Dialect::Sqlite => {
            let file = path.to_path_buf();
            let tables =
                tokio::task::spawn_blocking(move || cutover_sqlite::verify_backup_file(&file))
                    .await
                    .map_err(|e| {
                        cutover_core::Error::Other(format!("integrity check failed: {e}"))
                    })??;
            format!("integrity check ok, {tables} tables")
        }
    };
    Ok(Verified { manifest, reader })
}
