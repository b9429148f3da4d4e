//! [`Backend`](cutover_core::backend::Backend) implementations over one sqlx connection taken
//! from a sea-orm pool, one module per database.
//!
//! Every session detaches its connection from the application's pool
//! ([`sqlx::pool::PoolConnection::detach`]): session settings (timeouts) and session locks
//! never leak back into the pool, and the pool may open a replacement while a run lasts. The
//! exception is an in-memory SQLite database, which dies with its connection: that session
//! keeps the pooled connection and gives it back.

mod errors;
mod lock_sqlite;
mod mysql;
mod postgres;
mod raw;
mod sqlite;

pub(crate) use mysql::MysqlSession;
pub(crate) use postgres::PgSession;
pub(crate) use sqlite::SqliteSession;

use cutover_core::{Dialect, Error};

/// The typed refusal of a backup or restore on a sea-orm connection.
pub(crate) fn no_backup(dialect: Dialect, operation: &str) -> Error {
    Error::unsupported(
        dialect,
        format!("{operation} over a sea-orm connection"),
        "backups need the database's own tools: run `cutover backup` (or `cutover up`) with the \
         database URL, or pass `BackupPolicy::Skip` in the runner options to run without one",
    )
}
