//! `check_entities` on each database's dialect: entities that match the plan report
//! nothing; deliberately wrong ones report exactly their differences.

mod common;

use cutover_sea_orm::{DiffKind, check_entities};
use sea_orm::{DbBackend, EntityTrait, Schema};

/// Entities with one mistake each kind.
mod bad {
    /// `email` has the wrong type, `name` says NOT NULL (the plan: nullable), `active` is
    /// missing.
    pub mod users {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "users")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(unique)]
            pub email: i64,
            pub name: String,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// No relation: the plan's foreign key is missing.
    pub mod posts {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "posts")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            pub user_id: i64,
            #[sea_orm(column_type = "String(StringLen::N(200))")]
            pub title: String,
            pub body: Option<String>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

    /// A table the plan never creates.
    pub mod audit {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "audit")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i32,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }
}

const BACKENDS: [DbBackend; 3] = [DbBackend::Postgres, DbBackend::MySql, DbBackend::Sqlite];

fn table<E: EntityTrait>(
    backend: DbBackend,
    entity: E,
) -> sea_orm::sea_query::TableCreateStatement {
    Schema::new(backend).create_table_from_entity(entity)
}

#[test]
fn matching_entities_report_nothing_on_every_dialect() {
    let plan = common::plan_dir().load();
    for backend in BACKENDS {
        let entities = [
            table(backend, common::good::users::Entity),
            table(backend, common::good::posts::Entity),
        ];
        let diffs = check_entities(&plan, backend, &entities);
        assert!(diffs.is_empty(), "{backend:?}: {diffs}");
    }
}

#[test]
fn wrong_entities_report_exactly_their_differences_on_every_dialect() {
    let plan = common::plan_dir().load();
    for backend in BACKENDS {
        let entities = [
            table(backend, bad::users::Entity),
            table(backend, bad::posts::Entity),
            table(backend, bad::audit::Entity),
        ];
        let diffs = check_entities(&plan, backend, &entities);
        let found: Vec<(String, Option<String>, DiffKind)> = diffs
            .iter()
            .map(|d| (d.table.clone(), d.column.clone(), d.kind))
            .collect();
        let col = |t: &str, c: &str, k| (t.to_string(), Some(c.to_string()), k);
        let tab = |t: &str, k| (t.to_string(), None, k);
        assert_eq!(
            found,
            [
                tab("audit", DiffKind::TableNotInPlan),
                tab("posts", DiffKind::ForeignKey),
                col("users", "email", DiffKind::Type),
                col("users", "name", DiffKind::Nullability),
                col("users", "active", DiffKind::ColumnNotInEntity),
            ],
            "{backend:?}: {diffs}"
        );
        let text = diffs.to_string();
        assert!(
            text.contains("users.name: entity says NOT NULL, the plan says nullable"),
            "{text}"
        );
        assert!(text.contains("5 difference(s)"), "{text}");
    }
}

#[test]
fn a_missing_entity_is_reported() {
    let plan = common::plan_dir().load();
    let diffs = check_entities(
        &plan,
        DbBackend::Postgres,
        &[table(DbBackend::Postgres, common::good::users::Entity)],
    );
    assert_eq!(
        diffs.kinds_of("posts"),
        [DiffKind::TableWithoutEntity],
        "{diffs}"
    );
    assert_eq!(diffs.len(), 1, "{diffs}");
}
