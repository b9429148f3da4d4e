//! Turning `mysql_async` errors into [`cutover_core::Error::Driver`].

use cutover_core::error::DriverErrorKind;
use cutover_core::{Dialect, Error};
use mysql_async::{DriverError, IoError};

/// Converts a driver error. Server errors read `"<message> (error <code>)"`.
pub(crate) fn driver_error(err: &mysql_async::Error) -> Error {
    let (message, kind) = describe(err);
    Error::Driver {
        dialect: Dialect::Mysql,
        message,
        kind,
    }
}

/// A failed connection attempt: `"cannot connect to <redacted url>: <reason>"`.
///
/// A server that refused the session (bad password, unknown database) keeps the
/// classification of its error code; everything else is [`DriverErrorKind::Connection`].
pub(crate) fn connect_error(url: &str, err: &mysql_async::Error) -> Error {
    let (reason, kind) = describe(err);
    let kind = match err {
        mysql_async::Error::Server(_) => kind,
        _ => DriverErrorKind::Connection,
    };
    Error::Driver {
        dialect: Dialect::Mysql,
        message: format!(
            "cannot connect to {}: {reason}",
            cutover_core::url::redact(url)
        ),
        kind,
    }
}

/// An error built by this adapter (not reported by the driver).
pub(crate) fn other(message: impl Into<String>) -> Error {
    Error::Driver {
        dialect: Dialect::Mysql,
        message: message.into(),
        kind: DriverErrorKind::Other,
    }
}

/// The message and classification of `err`.
fn describe(err: &mysql_async::Error) -> (String, DriverErrorKind) {
    match err {
        mysql_async::Error::Server(e) => (
            format!("{} (error {}){}", e.message, e.code, hint_of_code(e.code)),
            kind_of_code(e.code),
        ),
        mysql_async::Error::Io(IoError::Io(e)) => {
            (format!("i/o error: {e}"), DriverErrorKind::Connection)
        }
        mysql_async::Error::Io(e) => (e.to_string(), DriverErrorKind::Connection),
        mysql_async::Error::Driver(e) => (e.to_string(), kind_of_driver_error(e)),
        mysql_async::Error::Url(e) => (e.to_string(), DriverErrorKind::Other),
        mysql_async::Error::Other(e) => (e.to_string(), DriverErrorKind::Other),
    }
}

/// Deadlocks may succeed on retry; lock waits and statement limits are timeouts; server
/// shutdowns, killed connections and the client's "gone away"/"lost" codes are lost sessions.
fn kind_of_code(code: u16) -> DriverErrorKind {
    match code {
        1213 => DriverErrorKind::Conflict,
        1205 | 3024 | 1969 | 3572 => DriverErrorKind::Timeout,
        1053 | 1927 | 2006 | 2013 => DriverErrorKind::Connection,
        1049 => DriverErrorKind::MissingDatabase,
        1044 | 1142 | 1227 => DriverErrorKind::NoPrivilege,
        _ => DriverErrorKind::Other,
    }
}

/// What to do about a server error whose message alone does not say it.
fn hint_of_code(code: u16) -> &'static str {
    match code {
        // "Illegal mix of collations" (two operands, three, or an IN list).
        1267 | 1270 | 1271 => {
            "; two text values whose collations MySQL/MariaDB cannot reconcile (columns the \
             plan does not define keep their own): a comparison of such columns is kept as \
             written so that an index can serve it. CAST both sides to text \
             (`CAST(a AS text) = CAST(b AS text)`) to compare their UTF-8 bytes, as \
             PostgreSQL and SQLite do, without an index"
        }
        _ => "",
    }
}

/// Client-side failures that leave the session unusable.
fn kind_of_driver_error(err: &DriverError) -> DriverErrorKind {
    match err {
        DriverError::ConnectionClosed | DriverError::PacketOutOfOrder => {
            DriverErrorKind::Connection
        }
        _ => DriverErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_codes() {
        assert_eq!(kind_of_code(1213), DriverErrorKind::Conflict);
        for code in [1205, 3024, 1969, 3572] {
            assert_eq!(kind_of_code(code), DriverErrorKind::Timeout);
        }
        for code in [1927, 2006, 2013] {
            assert_eq!(kind_of_code(code), DriverErrorKind::Connection);
        }
        assert_eq!(kind_of_code(1064), DriverErrorKind::Other);
    }

    #[test]
    fn server_message_names_the_code() {
        let err = mysql_async::Error::Server(mysql_async::ServerError {
            code: 1064,
            message: "You have an error in your SQL syntax".into(),
            state: "42000".into(),
        });
        match driver_error(&err) {
            Error::Driver { message, kind, .. } => {
                assert_eq!(message, "You have an error in your SQL syntax (error 1064)");
                assert_eq!(kind, DriverErrorKind::Other);
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
