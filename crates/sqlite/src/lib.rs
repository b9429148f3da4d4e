//! cutover-sqlite: the SQLite adapter of cutover.
//!
//! [`SqliteBackend`] implements [`cutover_core::backend::Backend`] over one `rusqlite`
//! connection (SQLite bundled, no system library). Calls run on Tokio's blocking pool, so a
//! statement waiting for the database lock never stalls the async runtime.
//!
//! ```no_run
//! use cutover_core::backend::Backend;
//! use cutover_sqlite::SqliteBackend;
//!
//! # async fn demo() -> cutover_core::Result<()> {
//! let mut db = SqliteBackend::open("sqlite://app.db").await?;
//! db.execute("CREATE TABLE t (id integer); INSERT INTO t VALUES (1), (2)").await?;
//! let rows = db.query("SELECT count(*) AS n FROM t").await?;
//! assert_eq!(rows.scalar(), Some("2"));
//! # Ok(())
//! # }
//! ```

mod backend;
mod backup;
mod begin;
mod details;
mod errors;
mod exec;
pub mod introspect;
mod lock;
mod table_backup;

pub use backend::SqliteBackend;
pub use backup::verify_backup_file;
pub use lock::{
    LOCK_TABLE, LOCK_TABLE_DDL, LOCK_TTL, new_owner as new_lock_owner,
    owner_is_gone as lock_owner_is_gone,
};
