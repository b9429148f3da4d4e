//! Fixes to dual-write sync triggers (`sync = true`) found by the red team, on real
//! PostgreSQL, MariaDB and SQLite: `row_identity.rs` (SQLite finds the written row by rowid,
//! not by a non-unique backfill `key`), `chains.rs` (two sync backfills that depend on each
//! other are refused at load), `lifecycle_fixes.rs` (`backfill run` and the trigger's
//! definition, a contract that removed it, a renamed source).

#[path = "sync_fixes/chains.rs"]
mod chains;
#[path = "sync_fixes/lifecycle_fixes.rs"]
mod lifecycle_fixes;
#[path = "sync_fixes/row_identity.rs"]
mod row_identity;
