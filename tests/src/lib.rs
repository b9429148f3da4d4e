//! Shared harness for the cross-dialect integration tests.
//!
//! The tests run against **real** database servers. `scripts/test.sh` installs,
//! starts and configures them; this crate only connects to them:
//!
//! | variable                    | default                                      |
//! |-----------------------------|----------------------------------------------|
//! | `CUTOVER_TEST_BACKENDS`     | `postgres,mysql,sqlite`                      |
//! | `CUTOVER_TEST_POSTGRES_URL` | `postgres://postgres@127.0.0.1:5432/postgres` |
//! | `CUTOVER_TEST_MYSQL_URL`    | `mysql://root@127.0.0.1:3306/mysql`          |
//!
//! The server URLs name an existing database the harness connects to in
//! order to create and drop the per-test databases (`CREATE DATABASE` rights
//! are needed). Only the URL form is supported (not `key=value` strings).
//!
//! A backend that is selected but unreachable is a test **failure** with a
//! message saying how to start it or exclude it, never a silent skip.
//!
//! # Cleanup
//!
//! [`TestDb`] deliberately has no `Drop` impl: dropping a database is async
//! and async drop does not exist. Use [`for_each_backend`], which drops the
//! database after the scenario whether it returns or panics, or call
//! [`TestDb::drop_db`] yourself.
//!
//! All async functions need a Tokio runtime with the time and IO drivers
//! enabled, which is what `#[tokio::test]` provides.
//!
//! ```no_run
//! use cutover_tests::{for_each_backend, Backend};
//!
//! async fn scenario() {
//!     for_each_backend(|db| async move {
//!         // `db.url()` is e.g. postgres://postgres@127.0.0.1:5432/cutover_t_…
//!         // or sqlite:///tmp/cutover_t_…/test.db
//!         assert!(!db.url().is_empty());
//!         if db.backend() == Backend::Sqlite {
//!             assert!(db.url().starts_with("sqlite:///"));
//!         }
//!     })
//!     .await;
//! }
//! ```

mod admin;
mod backend;
pub mod corpus;
pub mod crash;
pub mod faults;
pub mod fleet;
pub mod marker;
pub mod plans;
pub mod plantest;
pub mod portable;
pub mod replicas;
pub mod retire;
pub mod runner_setup;
pub mod runs;
pub mod seed;
pub mod snapshot;
mod testdb;
pub mod undo_capture;
pub mod undo_log;
pub mod undo_plans;

pub use backend::{Backend, backends};
pub use testdb::{TestDb, for_each_backend};
