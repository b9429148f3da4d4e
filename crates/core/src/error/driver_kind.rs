//! [`DriverErrorKind`]: the driver-independent classification of database errors.

/// A driver-independent classification of database errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DriverErrorKind {
    /// Deadlock or serialization failure: retrying the transaction may succeed.
    Conflict,
    /// A lock or statement timeout elapsed.
    Timeout,
    /// The connection was lost.
    Connection,
    /// The server refused the session because the database the URL names does not exist
    /// (PostgreSQL SQLSTATE 3D000, MySQL/MariaDB error 1049): create it first.
    MissingDatabase,
    /// The session's role lacks a privilege the statement needs (PostgreSQL SQLSTATE 42501,
    /// MySQL/MariaDB errors 1044, 1142 and 1227).
    NoPrivilege,
    /// Anything else.
    Other,
}
