//! Turning `tokio-postgres` errors into [`cutover_core::Error::Driver`].

use std::error::Error as _;

use cutover_core::error::DriverErrorKind;
use cutover_core::{Dialect, Error};
use tokio_postgres::error::ErrorPosition;

/// Added to `query would be affected by row-level security policy`: cutover's sessions run
/// with `row_security = off` ([`crate::SESSION_SETUP`]) so that RLS never hides rows from it.
const ROW_SECURITY_HINT: &str = "; cutover runs with row_security = off so that row-level security never hides rows from a backfill, a check or a count: run cutover as a role with BYPASSRLS (or as the table's owner, with RLS not forced on the table), or force row-level security in a migration after the backfill";

/// Converts a driver error: `"<message> (SQLSTATE <code>[, at character <n>])"` plus detail
/// and hint for server errors, the error and its causes otherwise.
pub(crate) fn driver_error(err: &tokio_postgres::Error) -> Error {
    let (message, kind) = match err.as_db_error() {
        Some(db) => {
            let at = match db.position() {
                Some(ErrorPosition::Original(n)) => format!(", at character {n}"),
                _ => String::new(),
            };
            let mut message = format!("{} (SQLSTATE {}{at})", db.message(), db.code().code());
            if let Some(detail) = db.detail() {
                message.push_str("; detail: ");
                message.push_str(detail);
            }
            if let Some(hint) = db.hint() {
                message.push_str("; hint: ");
                message.push_str(hint);
            }
            if db.code().code() == "42501" && db.message().contains("row-level security") {
                message.push_str(ROW_SECURITY_HINT);
            }
            (message, kind_of_sqlstate(db.code().code()))
        }
        None => (describe(err), kind_of_client_error(err)),
    };
    Error::Driver {
        dialect: Dialect::Postgres,
        message,
        kind,
    }
}

/// A failed connection attempt: `"cannot connect to <redacted url>: <reason>"`.
///
/// A server that refused the session (bad password, unknown database) keeps the
/// classification of its SQLSTATE; everything else is [`DriverErrorKind::Connection`].
pub(crate) fn connect_error(url: &str, err: &tokio_postgres::Error) -> Error {
    let (reason, kind) = match driver_error(err) {
        Error::Driver { message, kind, .. } if err.as_db_error().is_some() => (message, kind),
        _ => (describe(err), DriverErrorKind::Connection),
    };
    Error::Driver {
        dialect: Dialect::Postgres,
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
        dialect: Dialect::Postgres,
        message: message.into(),
        kind: DriverErrorKind::Other,
    }
}

/// Deadlocks and serialization failures may succeed on retry; lock and statement timeouts
/// are timeouts; shutdowns and class 08 mean the session is gone.
fn kind_of_sqlstate(code: &str) -> DriverErrorKind {
    match code {
        "40P01" | "40001" => DriverErrorKind::Conflict,
        "55P03" | "57014" => DriverErrorKind::Timeout,
        "57P01" | "57P02" | "57P03" => DriverErrorKind::Connection,
        "3D000" => DriverErrorKind::MissingDatabase,
        "42501" => DriverErrorKind::NoPrivilege,
        c if c.starts_with("08") => DriverErrorKind::Connection,
        _ => DriverErrorKind::Other,
    }
}

/// A closed session or an I/O failure anywhere in the cause chain is a lost connection.
fn kind_of_client_error(err: &tokio_postgres::Error) -> DriverErrorKind {
    if err.is_closed() {
        return DriverErrorKind::Connection;
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if cause.is::<std::io::Error>() {
            return DriverErrorKind::Connection;
        }
        source = cause.source();
    }
    DriverErrorKind::Other
}

/// The error and its causes, e.g. `error connecting to server: Connection refused (os error 111)`.
pub(crate) fn describe(err: &tokio_postgres::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_sqlstates() {
        assert_eq!(kind_of_sqlstate("40P01"), DriverErrorKind::Conflict);
        assert_eq!(kind_of_sqlstate("40001"), DriverErrorKind::Conflict);
        assert_eq!(kind_of_sqlstate("55P03"), DriverErrorKind::Timeout);
        assert_eq!(kind_of_sqlstate("57014"), DriverErrorKind::Timeout);
        assert_eq!(kind_of_sqlstate("57P01"), DriverErrorKind::Connection);
        assert_eq!(kind_of_sqlstate("08006"), DriverErrorKind::Connection);
        assert_eq!(kind_of_sqlstate("42601"), DriverErrorKind::Other);
    }
}
