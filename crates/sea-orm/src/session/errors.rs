//! Turning sqlx errors into [`cutover_core::Error::Driver`], classified per database so the
//! runner retries conflicts and timeouts and reconnects after a lost connection.

use cutover_core::error::DriverErrorKind;
use cutover_core::{Dialect, Error};

/// Converts a sqlx error. The message never holds a password: sqlx errors carry no URL.
pub(crate) fn driver_error(dialect: Dialect, err: &sqlx::Error) -> Error {
    let kind = match err {
        sqlx::Error::Database(db) => match dialect {
            Dialect::Postgres => postgres_kind(db.code().as_deref().unwrap_or("")),
            Dialect::Mysql => db
                .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
                .map_or(DriverErrorKind::Other, |e| mysql_kind(e.number())),
            Dialect::Sqlite => sqlite_kind(db.code().as_deref().unwrap_or("")),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => DriverErrorKind::Connection,
        _ => DriverErrorKind::Other,
    };
    let message = match err {
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => format!("{} (code {code})", db.message()),
            None => db.message().to_string(),
        },
        other => other.to_string(),
    };
    Error::Driver {
        dialect,
        message,
        kind,
    }
}

/// An error built by this crate (not reported by the driver).
pub(crate) fn other(dialect: Dialect, message: impl Into<String>) -> Error {
    Error::Driver {
        dialect,
        message: message.into(),
        kind: DriverErrorKind::Other,
    }
}

/// SQLSTATEs as `cutover-postgres` classifies them.
fn postgres_kind(code: &str) -> DriverErrorKind {
    match code {
        "40P01" | "40001" => DriverErrorKind::Conflict,
        "55P03" | "57014" => DriverErrorKind::Timeout,
        "57P01" | "57P02" | "57P03" => DriverErrorKind::Connection,
        c if c.starts_with("08") => DriverErrorKind::Connection,
        _ => DriverErrorKind::Other,
    }
}

/// Server error numbers as `cutover-mysql` classifies them.
fn mysql_kind(number: u16) -> DriverErrorKind {
    match number {
        1213 => DriverErrorKind::Conflict,
        1205 | 3024 | 1969 | 3572 => DriverErrorKind::Timeout,
        1053 | 1927 | 2006 | 2013 => DriverErrorKind::Connection,
        _ => DriverErrorKind::Other,
    }
}

/// SQLITE_BUSY (5) and SQLITE_LOCKED (6), extended codes included, are timeouts: the busy
/// timeout elapsed.
fn sqlite_kind(code: &str) -> DriverErrorKind {
    match code.parse::<i64>().map(|c| c & 0xff) {
        Ok(5 | 6) => DriverErrorKind::Timeout,
        _ => DriverErrorKind::Other,
    }
}

/// Whether `err` is SQLite's "database is busy/locked".
pub(crate) fn is_sqlite_busy(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db)
        if sqlite_kind(db.code().as_deref().unwrap_or("")) == DriverErrorKind::Timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_codes() {
        assert_eq!(postgres_kind("55P03"), DriverErrorKind::Timeout);
        assert_eq!(postgres_kind("08006"), DriverErrorKind::Connection);
        assert_eq!(mysql_kind(1213), DriverErrorKind::Conflict);
        assert_eq!(sqlite_kind("517"), DriverErrorKind::Timeout);
        assert_eq!(sqlite_kind("1"), DriverErrorKind::Other);
    }
}
