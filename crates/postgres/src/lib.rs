//! cutover-postgres: the PostgreSQL adapter of cutover.
//!
//! [`PostgresBackend`] implements [`cutover_core::backend::Backend`] over one
//! `tokio-postgres` session (no TLS). Statements run through the simple query protocol, so a
//! step may hold a batch of statements and `CREATE INDEX CONCURRENTLY` works; every value
//! comes back in its text form.
//!
//! ```no_run
//! use cutover_core::backend::Backend;
//! use cutover_postgres::PostgresBackend;
//!
//! # async fn demo() -> cutover_core::Result<()> {
//! let mut db = PostgresBackend::connect("postgres://postgres@127.0.0.1:5432/app").await?;
//! db.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1), (2)").await?;
//! let rows = db.query("SELECT count(*) AS n FROM t").await?;
//! assert_eq!(rows.scalar(), Some("2"));
//! # Ok(())
//! # }
//! ```

mod backend;
mod cross_schema;
mod dependents;
mod details;
mod dump;
mod errors;
mod fidelity;
mod grant_order;
pub mod introspect;
mod lock;
mod object_order;
mod owners;
mod privileges;
mod routines;
mod schema;
mod schema_grants;
mod security_details;
mod types;

pub use backend::PostgresBackend;
pub use dump::verify_archive;
pub use lock::advisory_key;

/// Run by every cutover session right after it connects: `row_security = off`, as pg_dump
/// does, so that a query row-level security would filter (a backfill, a check, a count on a
/// table with forced RLS) fails with `query would be affected by row-level security policy`
/// instead of silently seeing fewer rows. Superusers and roles with `BYPASSRLS`, and a
/// table's owner when RLS is not forced, are not affected. `extra_float_digits = 1` (the
/// default, which a database or role may have lowered): floats are written as text with
/// every digit they need, so that the undo log's text comparison of two floats is exact.
/// One statement (drivers that prepare it take no more).
pub const SESSION_SETUP: &str =
    "SELECT set_config('row_security', 'off', false), set_config('extra_float_digits', '1', false)";
