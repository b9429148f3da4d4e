//! Comparing sea-orm entities with the schema a plan builds, for the application's tests.

mod compare;
mod report;
mod shape;

pub use report::{DiffKind, EntityDiff, EntityDiffs};
pub use shape::{EntityTable, entity_table};

use cutover_core::plan::Plan;
use cutover_core::schema::Schema;
use sea_orm::DbBackend;
use sea_orm::sea_query::TableCreateStatement;

use crate::connect::dialect_of;

/// Every difference between the tables sea-orm would create for `entities` on `backend`
/// and the schema every migration of `plan` builds on that database.
///
/// Build `entities` with sea-orm's own schema helper
/// (`Schema::new(backend).create_table_from_entity(user::Entity)`), so what is compared is
/// what sea-orm believes about each table; the crate documentation has a complete example.
/// In an application's test: `assert!(diffs.is_empty(), "{diffs}")`.
///
/// Compared: tables (an entity table the plan lacks, a plan table no entity maps), columns
/// (both directions), type, nullability, primary key, unique column sets, and foreign keys
/// (columns, referenced table and columns, ON DELETE / ON UPDATE). Both sides' types go
/// through the dialect's native type and back, as `cutover drift` does (so `json` and
/// `jsonb` agree on PostgreSQL, and `timestamptz` is `timestamp` on MySQL). A sea-orm
/// `String` without a length (`StringLen::None`) accepts `text` and any `varchar(n)`.
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
    let actual = entities
        .iter()
        .map(|t| entity_table(t, dialect))
        .collect::<Vec<_>>();
    EntityDiffs(compare::compare(&expected, &actual))
}
