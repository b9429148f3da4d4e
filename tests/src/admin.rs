//! Admin operations on the test servers: creating and dropping the per-test databases,
//! and the URL and identifier helpers they need.

use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use mysql_async::prelude::Queryable;

/// Upper bound for connecting to a server (and for one admin statement).
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);

/// Failure of an admin operation on a server.
pub(crate) enum AdminError {
    /// The server could not be reached (or the URL is invalid).
    Connect(String),
    /// Connected, but the statement failed.
    Statement(String),
}

pub(crate) fn server_url(env: &str, default: &str) -> String {
    match std::env::var(env) {
        Ok(url) if !url.trim().is_empty() => url.trim().to_owned(),
        _ => default.to_owned(),
    }
}

pub(crate) fn unique_name() -> String {
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
pub(crate) fn with_database(url: &str, db: &str) -> String {
    let (_, auth_end) = authority_bounds(url);
    let tail = url[auth_end..]
        .find(['?', '#'])
        .map_or("", |i| &url[auth_end + i..]);
    format!("{}/{db}{tail}", &url[..auth_end])
}

/// `url` with a password in the user info replaced by `***`.
pub(crate) fn redact_password(url: &str) -> String {
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

pub(crate) async fn pg_create(server_url: &str, name: &str) -> Result<(), AdminError> {
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

pub(crate) async fn pg_drop(server_url: &str, name: &str) -> Result<(), AdminError> {
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

pub(crate) async fn mysql_create(server_url: &str, name: &str) -> Result<(), AdminError> {
    mysql_admin(server_url, format!("CREATE DATABASE {}", quote_mysql(name))).await
}

pub(crate) async fn mysql_drop(server_url: &str, name: &str) -> Result<(), AdminError> {
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
