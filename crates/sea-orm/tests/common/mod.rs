//! The plan both test files use: users, posts with a foreign key, a column added and rows
//! inserted by a later migration.

#![allow(dead_code)]

use cutover_tests::plans::PlanDir;

/// Migration 0001: `users`.
pub const USERS: &str = r#"
description = "users"
[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "email", type = "varchar(255)", nullable = false, unique = true },
  { name = "name", type = "text" },
]
"#;

/// Migration 0002: `posts`, referencing `users`.
pub const POSTS: &str = r#"
description = "posts"
[[steps]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "user_id", type = "bigint", nullable = false },
  { name = "title", type = "varchar(200)", nullable = false },
  { name = "body", type = "text" },
]
foreign_keys = [{ columns = ["user_id"], references = "users(id)", on_delete = "cascade" }]
"#;

/// Migration 0003: `users.active` and two rows.
pub const SEED: &str = r#"
description = "active flag and first users"
[[steps]]
op = "add_column"
table = "users"
column = { name = "active", type = "boolean", nullable = false, default = true }

[[steps]]
op = "sql"
sql = "INSERT INTO users (email, name) VALUES ('ann@example.com', 'Ann'), ('bob@example.com', NULL)"
"#;

/// Migration 0004 (written later by the lock test): `tags`.
pub const TAGS: &str = r#"
description = "tags"
[[steps]]
op = "create_table"
table = "tags"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "label", type = "text", nullable = false },
]
"#;

/// Migration 0004 (written later by the backup test): drops `posts.body`, destroying data.
pub const DROP_BODY: &str = r#"
description = "posts lose their body"
phase = "contract"
[[steps]]
op = "drop_column"
table = "posts"
column = "body"

[[down]]
op = "add_column"
table = "posts"
column = { name = "body", type = "text" }
"#;

/// A plan directory holding migrations 0001-0003.
pub fn plan_dir() -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_users.toml", USERS)
        .write("0002_posts.toml", POSTS)
        .write("0003_seed.toml", SEED);
    dir
}

/// Entities that match the plan.
pub mod good {
    pub mod users {
        use sea_orm::entity::prelude::*;

        #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
        #[sea_orm(table_name = "users")]
        pub struct Model {
            #[sea_orm(primary_key)]
            pub id: i64,
            #[sea_orm(unique, column_type = "String(StringLen::N(255))")]
            pub email: String,
            #[sea_orm(column_type = "Text")]
            pub name: Option<String>,
            pub active: bool,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    }

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
            // A String without a length accepts the plan's `text`.
            pub body: Option<String>,
        }

        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {
            #[sea_orm(
                belongs_to = "super::users::Entity",
                from = "Column::UserId",
                to = "super::users::Column::Id",
                on_delete = "Cascade"
            )]
            User,
        }

        impl ActiveModelBehavior for ActiveModel {}
    }
}
