//! Running a plan from a Rust application: [`Migrator`] does what `cutover up`, `cutover
//! status` and `cutover backfill run ID` do, with the same history table, lock, checks,
//! contract gate, lint gate and backfill engine, so a plan applied by the application shows
//! up in `cutover status` and the other way round.
//!
//! The guide is docs/rust.md; its examples compile as doctests of the example crate
//! `cutover-example-service` (examples/service).

mod log;
mod migrator;
mod options;

pub use log::Log;
pub use migrator::Migrator;
pub use options::{LintGate, MigratorOptions};
