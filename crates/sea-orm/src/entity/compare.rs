//! The comparison behind [`check_entities`](super::check_entities).

use cutover_core::schema::{ForeignKeyShape, SchemaShape, TableShape};

use super::report::{DiffKind, EntityDiff};
use super::shape::EntityTable;

/// Differences between the plan's `expected` schema and the `entities`, table by table in
/// name order.
pub(crate) fn compare(expected: &SchemaShape, entities: &[EntityTable]) -> Vec<EntityDiff> {
    let mut out = Vec::new();
    let mut names: Vec<&str> = expected.tables.keys().map(String::as_str).collect();
    names.extend(entities.iter().map(|e| e.name.as_str()));
    names.sort_unstable();
    names.dedup();
    for name in names {
        let plan = expected.tables.get(name);
        let entity = entities.iter().find(|e| e.name == name);
        let mut push = |column: Option<&str>, kind: DiffKind, detail: String| {
            out.push(EntityDiff {
                table: name.to_string(),
                column: column.map(str::to_string),
                kind,
                detail,
            })
        };
        match (plan, entity) {
            (Some(plan), Some(entity)) => table(plan, entity, &mut push),
            // A table a raw `sql` step declares (`creates = ["table NAME"]`): the plan
            // knows its name only, so its columns cannot be compared.
            (None, Some(_)) if expected.opaque_tables.contains(name) => {}
            (None, Some(_)) => push(
                None,
                DiffKind::TableNotInPlan,
                "the entity's table is not created by the plan".into(),
            ),
            (Some(_), None) => push(
                None,
                DiffKind::TableWithoutEntity,
                "the plan creates this table, but no entity maps it".into(),
            ),
            (None, None) => {}
        }
    }
    out
}

type Push<'a> = dyn FnMut(Option<&str>, DiffKind, String) + 'a;

fn table(plan: &TableShape, entity: &EntityTable, push: &mut Push<'_>) {
    for e in &entity.shape.columns {
        let Some(p) = plan.columns.iter().find(|c| c.name == e.name) else {
            push(
                Some(&e.name),
                DiffKind::ColumnNotInPlan,
                format!(
                    "the entity has this column ({}), the plan's table does not",
                    e.ty
                ),
            );
            continue;
        };
        let any_string =
            entity.any_string.contains(&e.name) && (p.ty == "text" || p.ty.starts_with("varchar("));
        if e.ty != p.ty && !any_string {
            push(
                Some(&e.name),
                DiffKind::Type,
                format!("entity type {}, plan type {}", e.ty, p.ty),
            );
        }
        if e.nullable != p.nullable {
            push(
                Some(&e.name),
                DiffKind::Nullability,
                format!(
                    "entity says {}, the plan says {}",
                    null_word(e.nullable),
                    null_word(p.nullable)
                ),
            );
        }
    }
    for p in &plan.columns {
        if !entity.shape.columns.iter().any(|c| c.name == p.name) {
            push(
                Some(&p.name),
                DiffKind::ColumnNotInEntity,
                format!(
                    "the plan's table has this column ({}), the entity does not",
                    p.ty
                ),
            );
        }
    }
    if entity.shape.primary_key != plan.primary_key {
        push(
            None,
            DiffKind::PrimaryKey,
            format!(
                "entity primary key ({}), plan primary key ({})",
                entity.shape.primary_key.join(", "),
                plan.primary_key.join(", ")
            ),
        );
    }
    for u in entity.shape.unique.difference(&plan.unique) {
        push(
            None,
            DiffKind::Unique,
            format!("unique ({}) on the entity only", u.join(", ")),
        );
    }
    for u in plan.unique.difference(&entity.shape.unique) {
        push(
            None,
            DiffKind::Unique,
            format!("unique ({}) in the plan only", u.join(", ")),
        );
    }
    for fk in entity.shape.foreign_keys.difference(&plan.foreign_keys) {
        push(
            None,
            DiffKind::ForeignKey,
            format!("foreign key {} on the entity only", describe(fk)),
        );
    }
    for fk in plan.foreign_keys.difference(&entity.shape.foreign_keys) {
        push(
            None,
            DiffKind::ForeignKey,
            format!("foreign key {} in the plan only", describe(fk)),
        );
    }
}

fn null_word(nullable: bool) -> &'static str {
    if nullable { "nullable" } else { "NOT NULL" }
}

fn describe(fk: &ForeignKeyShape) -> String {
    format!(
        "({}) -> {} ({}) on delete {} on update {}",
        fk.columns.join(", "),
        fk.ref_table,
        fk.ref_columns.join(", "),
        fk.on_delete,
        fk.on_update
    )
}
