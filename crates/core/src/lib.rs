//! cutover-core: the plan model and loader, portable expressions, SQL rendering for
//! PostgreSQL, MySQL/MariaDB and SQLite, the [`Backend`](backend::Backend) trait that database
//! adapters implement, and the runner that applies plans through it.
//!
//! Core knows no database driver: adapters live in the `cutover-postgres`, `cutover-mysql` and
//! `cutover-sqlite` crates.
//!
//! ```
//! use cutover_core::{Dialect, plan::Plan};
//!
//! let dir = std::env::temp_dir().join(format!("cutover-doc-{}", std::process::id()));
//! std::fs::create_dir_all(&dir).unwrap();
//! std::fs::write(dir.join("0001_users.toml"), r#"
//! description = "create users"
//!
//! [[steps]]
//! op = "create_table"
//! table = "users"
//! columns = [
//!   { name = "id", type = "bigint", primary_key = true, identity = true },
//!   { name = "email", type = "varchar(255)", nullable = false },
//! ]
//! "#).unwrap();
//! let plan = Plan::load(&dir).unwrap();
//! let sql = cutover_core::render::render_plan(&plan, Dialect::Postgres, &Default::default()).unwrap();
//! assert!(sql[0].statements[0].sql.starts_with("CREATE TABLE \"users\""));
//! # std::fs::remove_dir_all(&dir).unwrap();
//! ```

pub mod adopt;
pub mod app;
pub mod backend;
pub mod backfill;
pub mod backup;
pub mod dialect;
pub mod embed;
pub mod error;
pub mod explain;
pub mod expr;
pub mod fence;
pub mod fleet;
pub mod generate;
pub mod import;
mod internal_tables;
pub mod lifecycle;
pub mod lint;
pub mod plan;
pub mod plantest;
pub mod render;
pub mod runner;
pub mod schema;
pub mod search_path;
pub mod types;
pub mod url;

pub use dialect::Dialect;
pub use error::{Error, Result};
