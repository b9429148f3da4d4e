//! The connection-fault harness: a TCP proxy between cutover and a PostgreSQL or MariaDB
//! server that cuts a connection at a chosen point.
//!
//! The proxy parses what the client sends just enough to count statements (PostgreSQL:
//! simple queries `Q` and extended-protocol groups with a `Parse` or `Execute`; MySQL:
//! `COM_QUERY` and `COM_STMT_EXECUTE` after the handshake) and to recognise a `COMMIT`. A
//! [`Fault`] says where to break: before a statement, after the server ran a statement but
//! before its reply reaches the client (the outcome-unknown case, in particular for a
//! `COMMIT`), or at a byte in either direction. See docs/testing.md.
//!
//! ```no_run
//! # async fn demo(db_url: &str) {
//! use cutover_tests::faults::{Fault, FaultProxy, Protocol, proxied_url, upstream};
//!
//! let proxy = FaultProxy::start(Protocol::Postgres, upstream(db_url).await, Fault::AfterStatements(3)).await;
//! let url = proxied_url(db_url, &proxy);
//! // connect to `url`: the fourth statement finds the connection closed.
//! # }
//! ```

mod proxy;
mod wire;

pub use proxy::{Counts, Fault, FaultProxy};
pub use wire::{Framer, Kind, Message, Protocol, is_commit};

use std::net::SocketAddr;

/// The protocol spoken at `url` (`postgres://`, `postgresql://`, `mysql://`, `mariadb://`).
///
/// # Panics
///
/// For any other scheme.
pub fn protocol_of(url: &str) -> Protocol {
    let scheme = url.split("://").next().unwrap_or_default();
    match scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => Protocol::Postgres,
        "mysql" | "mariadb" => Protocol::Mysql,
        _ => panic!("the fault proxy speaks PostgreSQL and MySQL, not `{scheme}://`"),
    }
}

/// Start and end of the host:port part of `url`'s authority.
fn host_bounds(url: &str) -> (usize, usize) {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |i| start + i);
    let host = url[start..end]
        .rfind('@')
        .map_or(start, |at| start + at + 1);
    (host, end)
}

/// The server address of `url` (default port per scheme), resolved.
///
/// # Panics
///
/// If the host does not resolve.
pub async fn upstream(url: &str) -> SocketAddr {
    let (start, end) = host_bounds(url);
    let mut host = url[start..end].to_string();
    if !host.contains(':') {
        let port = match protocol_of(url) {
            Protocol::Postgres => 5432,
            Protocol::Mysql => 3306,
        };
        host = format!("{host}:{port}");
    }
    tokio::net::lookup_host(&host)
        .await
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| panic!("cannot resolve the database host `{host}`"))
}

/// `url` pointed at `proxy` instead of the server. For MySQL `prefer_socket=false` is
/// added, or mysql_async would switch from TCP to the server's Unix socket (bypassing the
/// proxy) when the host is local.
pub fn proxied_url(url: &str, proxy: &FaultProxy) -> String {
    let (start, end) = host_bounds(url);
    let mut out = format!("{}{}{}", &url[..start], proxy.addr(), &url[end..]);
    if protocol_of(url) == Protocol::Mysql {
        out.push(if out.contains('?') { '&' } else { '?' });
        out.push_str("prefer_socket=false");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hosts_in_urls() {
        let url = "postgres://postgres@127.0.0.1:5432/db";
        let (s, e) = host_bounds(url);
        assert_eq!(&url[s..e], "127.0.0.1:5432");
        let url = "mysql://root:p@ss@localhost/db?x=1";
        let (s, e) = host_bounds(url);
        assert_eq!(&url[s..e], "localhost");
        assert_eq!(protocol_of("mariadb://x"), Protocol::Mysql);
    }
}
