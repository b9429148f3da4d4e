//! Turning `rusqlite` errors into [`cutover_core::Error::Driver`].

use cutover_core::error::DriverErrorKind;
use cutover_core::{Dialect, Error};
use rusqlite::ErrorCode;

/// Converts a driver error: SQLite's own message and code (e.g.
/// `near "SELEC": syntax error (sqlite error 1, at byte 0 of the statement)`).
/// `SQLITE_BUSY` and `SQLITE_LOCKED` (another connection holds the lock longer than the
/// busy timeout) are [`DriverErrorKind::Timeout`]; everything else is `Other`.
pub(crate) fn driver_error(err: &rusqlite::Error) -> Error {
    let message = match err {
        rusqlite::Error::SqliteFailure(e, Some(msg)) => {
            format!("{msg} (sqlite error {})", e.extended_code)
        }
        rusqlite::Error::SqlInputError {
            error, msg, offset, ..
        } => format!(
            "{msg} (sqlite error {}, at byte {offset} of the statement)",
            error.extended_code
        ),
        other => other.to_string(),
    };
    let kind = if is_busy(err) {
        DriverErrorKind::Timeout
    } else {
        DriverErrorKind::Other
    };
    Error::Driver {
        dialect: Dialect::Sqlite,
        message,
        kind,
    }
}

/// An error built by this adapter (not reported by the driver).
pub(crate) fn other(message: impl Into<String>) -> Error {
    Error::Driver {
        dialect: Dialect::Sqlite,
        message: message.into(),
        kind: DriverErrorKind::Other,
    }
}

/// Whether `err` is `SQLITE_BUSY` or `SQLITE_LOCKED`.
pub(crate) fn is_busy(err: &rusqlite::Error) -> bool {
    let code = match err {
        rusqlite::Error::SqliteFailure(e, _) => Some(e.code),
        rusqlite::Error::SqlInputError { error, .. } => Some(error.code),
        _ => None,
    };
    matches!(
        code,
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn busy_is_a_timeout() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            Some("database is locked".into()),
        );
        match driver_error(&busy) {
            Error::Driver { kind, message, .. } => {
                assert_eq!(kind, DriverErrorKind::Timeout);
                assert!(message.starts_with("database is locked"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
