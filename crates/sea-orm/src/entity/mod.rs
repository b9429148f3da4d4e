//! Comparing sea-orm entities with the schema a plan builds, for the application's tests.

mod compare;
mod report;
mod shape;

pub use report::{DiffKind, EntityDiff, EntityDiffs};
pub use shape::{EntityTable, entity_table};

use std::collections::BTreeSet;

use cutover_core::plan::Plan;
use cutover_core::schema::Schema;
use sea_orm::DbBackend;
use sea_orm::sea_query::TableCreateStatement;

use crate::connect::dialect_of;

/// Every difference between the tables sea-orm would create for `entities` on `backend`
/// and the schema every migration of `plan` builds on that database.
///
/// Build `entities` with sea-orm's own schema helper
/// (`Schema::new(backend).create_table_with_index_from_entity(user::Entity)`, which includes
/// `#[sea_orm(unique_key = "...")]` composite keys), so what is compared is
/// what sea-orm believes about each table; the crate documentation has a complete example.
/// In an application's test: `assert!(diffs.is_empty(), "{diffs}")`.
///
/// Compared: tables (an entity table the plan lacks, a plan table no entity maps), columns
/// (both directions), type, nullability, primary key, unique column sets, and foreign keys
/// (columns, referenced table and columns, ON DELETE / ON UPDATE). Both sides' types go
/// through the dialect's native type and back, as `cutover drift` does (so `json` and
/// `jsonb` agree on PostgreSQL, and `timestamptz` is `timestamp` on MySQL). A sea-orm
/// `String` without a length (`StringLen::None`) accepts `text` and any `varchar(n)`.
/// Also reported: an auto-increment entity column whose plan column is no identity (or the
/// other way round, [`DiffKind::Identity`]), a `Uuid` column on MySQL or SQLite, where sqlx
/// binds 16 bytes and the plan stores text ([`DiffKind::UuidStorage`]), and on PostgreSQL an
/// active enum whose `enum_name` is not the type cutover creates (the message names it).
/// Defaults, check constraints and non-unique indexes are not compared: entities rarely
/// declare them.
pub fn check_entities(
    plan: &Plan,
    backend: DbBackend,
    entities: &[TableCreateStatement],
) -> EntityDiffs {
    let dialect = dialect_of(backend);
    let mut schema = Schema::default();
    for migration in &plan.migrations {
        for (_, step) in migration.steps_for(dialect) {
            schema.apply(&step.item);
        }
    }
    let expected = schema.shape(dialect);
    let identity: BTreeSet<(String, String)> = schema
        .tables
        .iter()
        .flat_map(|(table, model)| {
            model
                .columns
                .iter()
                .filter(|c| c.identity)
                .map(move |c| (table.clone(), c.name.clone()))
        })
        .collect();
    let actual = entities
        .iter()
        .map(|t| entity_table(t, dialect))
        .collect::<Vec<_>>();
    EntityDiffs(compare::compare(
        &compare::Expected {
            shape: &expected,
            identity: &identity,
            dialect,
        },
        &actual,
    ))
}
