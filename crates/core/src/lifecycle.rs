//! The database itself: create it when missing, drop it, wait until the server answers
//! (`cutover database create|drop`, `cutover up --create-database`, `cutover wait`).
//!
//! A server database is created from the server's maintenance database
//! ([`BackupDialect::maintenance_database`](crate::dialect::BackupDialect::maintenance_database));
//! a SQLite database is a file, created by opening it and dropped by removing it with its
//! journal files.

use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;

use crate::backend::Backend;
use crate::error::{Error, Result};
use crate::url::{dialect_of, redact, sqlite_path, with_database};

/// A connection attempt in progress.
pub type Opening = BoxFuture<'static, Result<Box<dyn Backend>>>;

/// Opens a backend for a URL (the CLI's `connect`).
pub type Open<'a> = dyn Fn(String) -> Opening + Sync + 'a;

/// The database a server URL names: the first path segment, without the query.
pub fn database_of(url: &str) -> Option<String> {
    let base = url.split('?').next().unwrap_or(url);
    let rest = base.split_once("://")?.1;
    let path = rest.split_once('/')?.1;
    let name = path.split('/').next().unwrap_or_default();
    (!name.is_empty()).then(|| name.to_string())
}

/// Creates the database `url` names unless it exists. Returns whether it was created.
pub async fn create_database(url: &str, open: &Open<'_>) -> Result<bool> {
    let sql = dialect_of(url)?.sql();
    let Some(admin_db) = sql.maintenance_database() else {
        return create_file(url, open).await;
    };
    let name = named(url)?;
    let mut admin = open(with_database(
        &crate::search_path::without_schema_settings(url),
        admin_db,
    ))
    .await?;
    let result = async {
        if exists(admin.as_mut(), &name).await? {
            return Ok(false);
        }
        if let Some(create) = sql.create_database_sql(&name)
            && let Err(e) = admin.execute(&create).await
        {
            // Another run (a parallel fleet) may have created it meanwhile.
            if exists(admin.as_mut(), &name).await.unwrap_or(false) {
                return Ok(false);
            }
            return Err(e.context(format!("creating database {name} on {}", redact(url))));
        }
        Ok(true)
    }
    .await;
    let _ = admin.close().await;
    result
}

/// Drops the database `url` names if it exists. Returns whether it existed.
pub async fn drop_database(url: &str, open: &Open<'_>) -> Result<bool> {
    let sql = dialect_of(url)?.sql();
    let Some(admin_db) = sql.maintenance_database() else {
        return drop_file(url);
    };
    let name = named(url)?;
    let mut admin = open(with_database(
        &crate::search_path::without_schema_settings(url),
        admin_db,
    ))
    .await?;
    let result = async {
        if !exists(admin.as_mut(), &name).await? {
            return Ok(false);
        }
        if let Some(drop) = sql.drop_database_sql(&name) {
            admin
                .execute(&drop)
                .await
                .map_err(|e| e.context(format!("dropping database {name} on {}", redact(url))))?;
        }
        Ok(true)
    }
    .await;
    let _ = admin.close().await;
    result
}

/// Tries to connect to `url` until it works or `timeout` has passed, every `every`. Returns
/// how many attempts it took; the last error when the time ran out.
pub async fn wait_for(
    url: &str,
    open: &Open<'_>,
    timeout: Duration,
    every: Duration,
) -> Result<u32> {
    let start = Instant::now();
    let mut attempts = 0;
    loop {
        attempts += 1;
        let error = match open(url.to_string()).await {
            Ok(b) => {
                let _ = b.close().await;
                return Ok(attempts);
            }
            Err(e) => e,
        };
        if start.elapsed() + every > timeout {
            return Err(error.context(format!(
                "{} did not accept a connection within {:.1} s ({attempts} attempts)",
                redact(url),
                timeout.as_secs_f64()
            )));
        }
        tokio::time::sleep(every).await;
    }
}

fn named(url: &str) -> Result<String> {
    database_of(url).ok_or_else(|| {
        Error::Other(format!(
            "{} names no database: add it to the URL's path, e.g. postgres://host:5432/app",
            redact(url)
        ))
    })
}

async fn exists(admin: &mut dyn Backend, name: &str) -> Result<bool> {
    let sql = admin.dialect().sql();
    match sql.database_exists_sql(name) {
        Some(q) => Ok(!admin.query(&q).await?.rows.is_empty()),
        None => Ok(false),
    }
}

/// A SQLite file: opening creates it.
async fn create_file(url: &str, open: &Open<'_>) -> Result<bool> {
    let Some(path) = sqlite_path(url) else {
        return Ok(false); // in memory: nothing to create
    };
    let existed = std::path::Path::new(&path).exists();
    let b = open(url.to_string()).await?;
    b.close().await?;
    Ok(!existed)
}

/// A SQLite file and its journal files, removed.
fn drop_file(url: &str) -> Result<bool> {
    let Some(path) = sqlite_path(url) else {
        return Ok(false);
    };
    let existed = std::path::Path::new(&path).exists();
    for suffix in ["", "-journal", "-wal", "-shm"] {
        let file = format!("{path}{suffix}");
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(Error::Io {
                    path: file.into(),
                    source,
                });
            }
        }
    }
    Ok(existed)
}

/// Creates the schema a PostgreSQL URL's `?search_path=NAME` names (schema-per-tenant)
/// unless it exists; `false` when it existed or the URL names none. The database must exist.
pub async fn create_schema(url: &str, open: &Open<'_>) -> Result<bool> {
    // The target schema is the first of the list (`?search_path=` or `options=`).
    let Some(schema) = crate::search_path::target_schema(url) else {
        return Ok(false);
    };
    if schema == "$user" || schema == "public" {
        return Ok(false);
    }
    crate::url::check_schema_name(&schema).map_err(|message| crate::Error::Url {
        url: redact(url),
        message,
    })?;
    let mut db = open(crate::search_path::without_schema_settings(url)).await?;
    let result = async {
        let exists = format!("SELECT 1 FROM pg_namespace WHERE nspname = '{schema}'");
        let found = db.query(&exists).await?;
        if !found.rows.is_empty() {
            return Ok(false);
        }
        if let Err(e) = db
            .execute(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
            .await
        {
            // Two concurrent `IF NOT EXISTS` can still collide: fine if it exists now.
            if !db
                .query(&exists)
                .await
                .map(|r| r.rows.is_empty())
                .unwrap_or(true)
            {
                return Ok(false);
            }
            return Err(e.context(format!("creating schema {schema} in {}", redact(url))));
        }
        Ok(true)
    }
    .await;
    let _ = db.close().await;
    result
}

#[cfg(test)]
mod tests {
    use super::database_of;

    #[test]
    fn the_database_comes_from_the_path() {
        assert_eq!(
            database_of("postgres://u@h:5432/app?sslmode=disable").as_deref(),
            Some("app")
        );
        assert_eq!(
            database_of("mysql://root@h:3306/shop").as_deref(),
            Some("shop")
        );
        assert_eq!(database_of("postgres://u@h:5432"), None);
        assert_eq!(database_of("postgres://u@h:5432/"), None);
    }
}
