//! What `check_entities` accepts works at run time: an active enum with the `enum_name`
//! its message asks for inserts and reads back on all three databases (on PostgreSQL the
//! enum's own name fails, as the check says).

use cutover_sea_orm::check_entities;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use sea_orm::{ActiveModelTrait, Database, DbBackend, EntityTrait, NotSet, Schema, Set};

const PLAN: &str = r#"
description = "accounts"
[[steps]]
op = "create_table"
table = "accounts"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "kind", type = "enum(admin, member)", nullable = false },
]
"#;

mod kinds {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
    #[sea_orm(
        rs_type = "String",
        db_type = "Enum",
        enum_name = "cutover_enum_0e1956b923c24e0a"
    )]
    pub enum Kind {
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "member")]
        Member,
    }

    #[derive(Clone, Debug, PartialEq, Eq, EnumIter, DeriveActiveEnum)]
    #[sea_orm(rs_type = "String", db_type = "Enum", enum_name = "account_kind")]
    pub enum Named {
        #[sea_orm(string_value = "admin")]
        Admin,
        #[sea_orm(string_value = "member")]
        Member,
    }
}

mod accounts {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: super::kinds::Kind,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod named {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub kind: super::kinds::Named,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[tokio::test]
async fn an_enum_the_check_accepts_inserts_and_reads_back() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_accounts.toml", PLAN);
        let plan = dir.load();
        let orm = Database::connect(db.url()).await.expect("sea-orm connects");
        cutover_sea_orm::run_up(&orm, &plan).await.expect("up");
        let backend = orm.get_database_backend();
        let schema = Schema::new(backend);

        let diffs = check_entities(
            &plan,
            backend,
            &[schema.create_table_with_index_from_entity(accounts::Entity)],
        );
        assert!(diffs.is_empty(), "{diffs}");
        let row = accounts::ActiveModel {
            id: NotSet,
            kind: Set(kinds::Kind::Member),
        }
        .insert(&orm)
        .await
        .expect("insert through the entity");
        let read = accounts::Entity::find_by_id(row.id)
            .one(&orm)
            .await
            .expect("read")
            .expect("the row");
        assert_eq!(read.kind, kinds::Kind::Member);

        // The enum's own name: the check reports it on PostgreSQL, and the insert fails there.
        let diffs = check_entities(
            &plan,
            backend,
            &[schema.create_table_with_index_from_entity(named::Entity)],
        );
        let inserted = named::ActiveModel {
            id: NotSet,
            kind: Set(kinds::Named::Admin),
        }
        .insert(&orm)
        .await;
        if backend == DbBackend::Postgres {
            assert_eq!(diffs.len(), 1, "{diffs}");
            assert!(inserted.is_err(), "{inserted:?}");
        } else {
            assert!(diffs.is_empty(), "{diffs}");
            assert!(inserted.is_ok(), "{inserted:?}");
        }
        orm.close().await.expect("close pool");
    })
    .await;
}
