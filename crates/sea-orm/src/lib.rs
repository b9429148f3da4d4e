#![doc = include_str!("../../../docs/sea-orm.md")]

mod connect;
mod entity;
mod session;

pub use connect::{backend, dialect_of, embedded_migrator, migrator, run_up, run_up_with};
pub use entity::{DiffKind, EntityDiff, EntityDiffs, EntityTable, check_entities, entity_table};
