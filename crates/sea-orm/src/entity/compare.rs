//! The comparison behind [`check_entities`](super::check_entities).

use std::collections::BTreeSet;

use cutover_core::Dialect;
use cutover_core::schema::{ForeignKeyShape, SchemaShape, TableShape};
use cutover_core::types::ColumnType as Portable;

use super::report::{DiffKind, EntityDiff};
use super::shape::EntityTable;

/// What the plan builds on one dialect.
pub(crate) struct Expected<'a> {
    /// The tables' shapes.
    pub(crate) shape: &'a SchemaShape,
    /// `(table, column)` of every identity column.
    pub(crate) identity: &'a BTreeSet<(String, String)>,
    /// The dialect compared on.
    pub(crate) dialect: Dialect,
}

/// Differences between the plan's `expected` schema and the `entities`, table by table in
/// name order.
pub(crate) fn compare(built: &Expected<'_>, entities: &[EntityTable]) -> Vec<EntityDiff> {
    let expected = built.shape;
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
            (Some(shape), Some(entity)) => table(built, name, shape, entity, &mut push),
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

fn table(
    expected: &Expected<'_>,
    name: &str,
    plan: &TableShape,
    entity: &EntityTable,
    push: &mut Push<'_>,
) {
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
        let entity_identity = entity.identity.contains(&e.name);
        let plan_identity = expected
            .identity
            .contains(&(name.to_string(), e.name.clone()));
        if entity_identity != plan_identity {
            push(
                Some(&e.name),
                DiffKind::Identity,
                identity_detail(entity_identity),
            );
        }
        let custom = entity.custom.iter().find(|(c, _)| c == &e.name);
        if let Some((_, type_name)) = custom {
            if let Some(detail) = custom_type(type_name, &p.ty) {
                push(Some(&e.name), DiffKind::Type, detail);
            }
        } else if e.ty != p.ty && !any_string && entity_identity == plan_identity {
            push(
                Some(&e.name),
                DiffKind::Type,
                format!("entity type {}, plan type {}", e.ty, p.ty),
            );
        }
        if entity.uuid.contains(&e.name) && p.ty == "uuid" && expected.dialect != Dialect::Postgres
        {
            push(
                Some(&e.name),
                DiffKind::UuidStorage,
                format!(
                    "the entity's `Uuid` is bound by sqlx as 16 bytes, but the plan's `uuid` is \
                     text on {} (`char(36)` on MySQL, `text` on SQLite): inserts fail or reads \
                     fail with \"expected 16 bytes\"; make the field a `String` holding the \
                     hyphenated uuid, or change the plan's column to `bytes` to store 16 bytes",
                    expected.dialect
                ),
            );
        }
        if entity.decimal.contains(&e.name) && expected.dialect != Dialect::Sqlite {
            push(
                Some(&e.name),
                DiffKind::DecimalField,
                format!(
                    "a `Decimal` entity column needs a `rust_decimal` or `bigdecimal` field, which \
                     a build with cutover-sea-orm cannot have (sea-orm's `with-rust_decimal` and \
                     `with-bigdecimal` break it), and {} refuses an `f64` or `String` field for \
                     a decimal column at run time: make the plan's column `double` for an `f64` \
                     field, or keep amounts as integer cents (`bigint`)",
                    expected.dialect
                ),
            );
        }
        if e.nullable != p.nullable && entity_identity == plan_identity {
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

fn identity_detail(entity_identity: bool) -> String {
    if entity_identity {
        "the entity's column is auto-increment (sea-orm leaves it out of an insert with \
         `NotSet`), the plan's is not an identity, so such an insert fails: add \
         `identity = true` to the plan's column, or write \
         `#[sea_orm(primary_key, auto_increment = false)]` and set the value on insert"
            .into()
    } else {
        "the plan's column is an identity (the database generates it), the entity's is not \
         auto-increment: drop `auto_increment = false` from the entity, or drop \
         `identity = true` from the plan's column"
            .into()
    }
}

/// A difference between a column of a named database type on the entity and the plan's type,
/// if any. On PostgreSQL the plan's `enum(...)` is the type `cutover_enum_<hash>` (same
/// values, same name), so the entity's active enum must carry that `enum_name`.
fn custom_type(type_name: &str, plan_ty: &str) -> Option<String> {
    match plan_ty.parse::<Portable>() {
        Ok(Portable::Enum(values)) => {
            let wanted = values.type_name();
            (type_name != wanted).then(|| {
                format!(
                    "entity enum type `{type_name}`, plan type {plan_ty}, which PostgreSQL \
                     stores as the type `{wanted}`: write `enum_name = \"{wanted}\"` in the \
                     entity's `#[sea_orm(rs_type = \"String\", db_type = \"Enum\", ...)]` (its \
                     string values must be {})",
                    values.values().join(", ")
                )
            })
        }
        _ => Some(format!(
            "entity type native:{type_name}, plan type {plan_ty}"
        )),
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
