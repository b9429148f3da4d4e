//! Golden cases: indexes.

use super::*;

#[test]
fn create_index_unique_multi_column_and_desc() {
    golden(
        r#"
description = "indexes"

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
unique = true

[[steps]]
op = "create_index"
table = "users"
name = "idx_users_recent"
columns = ["org_id", "created_at DESC", "name asc"]
"#,
        [
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")"#,
                r#"CREATE INDEX "idx_users_recent" ON "users" ("org_id", "created_at" DESC, "name")"#,
            ]),
            Sql(&[
                "CREATE UNIQUE INDEX `uq_users_email` ON `users` (`email`)",
                "CREATE INDEX `idx_users_recent` ON `users` (`org_id`, `created_at` DESC, `name`)",
            ]),
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")"#,
                r#"CREATE INDEX "idx_users_recent" ON "users" ("org_id", "created_at" DESC, "name")"#,
            ]),
        ],
    );
}

#[test]
fn partial_index_is_refused_on_mysql() {
    golden(
        r#"
description = "partial"

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
where = "deleted_at IS NULL"
"#,
        [
            Sql(&[
                r#"CREATE INDEX "idx_users_email" ON "users" ("email") WHERE "deleted_at" IS NULL"#,
            ]),
            Refused("MySQL/MariaDB have no partial indexes"),
            Sql(&[
                r#"CREATE INDEX "idx_users_email" ON "users" ("email") WHERE "deleted_at" IS NULL"#,
            ]),
        ],
    );
}

const CONCURRENT_INDEX: &str = r#"
description = "concurrent"
transaction = false

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
concurrently = true
"#;

#[test]
fn concurrent_index_is_concurrently_and_outside_a_transaction_on_postgres_only() {
    golden(
        CONCURRENT_INDEX,
        [
            Sql(&[r#"CREATE INDEX CONCURRENTLY "idx_users_email" ON "users" ("email")"#]),
            Sql(&["CREATE INDEX `idx_users_email` ON `users` (`email`)"]),
            Sql(&[r#"CREATE INDEX "idx_users_email" ON "users" ("email")"#]),
        ],
    );
    assert_eq!(
        kinds(CONCURRENT_INDEX, Dialect::Postgres),
        [StatementKind::NoTransaction]
    );
    assert_eq!(
        kinds(CONCURRENT_INDEX, Dialect::Mysql),
        [StatementKind::Ddl]
    );
    assert_eq!(
        kinds(CONCURRENT_INDEX, Dialect::Sqlite),
        [StatementKind::Ddl]
    );
}

#[test]
fn create_index_if_not_exists_is_refused_on_mysql() {
    golden(
        r#"
description = "if not exists"

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
if_not_exists = true
"#,
        [
            Sql(&[r#"CREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email")"#]),
            Refused("MySQL has no CREATE INDEX IF NOT EXISTS"),
            Sql(&[r#"CREATE INDEX IF NOT EXISTS "idx_users_email" ON "users" ("email")"#]),
        ],
    );
}

const DROP_INDEXES: &str = r#"
description = "drop indexes"

[[steps]]
op = "drop_index"
table = "users"
name = "idx_users_email"

[[steps]]
op = "drop_index"
table = "users"
name = "idx_users_email2"
concurrently = true
"#;

#[test]
fn drop_index_plain_and_concurrently() {
    golden(
        DROP_INDEXES,
        [
            Sql(&[
                r#"DROP INDEX "idx_users_email""#,
                r#"DROP INDEX CONCURRENTLY "idx_users_email2""#,
            ]),
            Sql(&[
                "DROP INDEX `idx_users_email` ON `users`",
                "DROP INDEX `idx_users_email2` ON `users`",
            ]),
            Sql(&[
                r#"DROP INDEX "idx_users_email""#,
                r#"DROP INDEX "idx_users_email2""#,
            ]),
        ],
    );
    use StatementKind::{Ddl, NoTransaction};
    assert_eq!(kinds(DROP_INDEXES, Dialect::Postgres), [Ddl, NoTransaction]);
    assert_eq!(kinds(DROP_INDEXES, Dialect::Mysql), [Ddl, Ddl]);
}

#[test]
fn drop_index_if_exists_is_refused_on_mysql() {
    golden(
        r#"
description = "if exists"

[[steps]]
op = "drop_index"
table = "users"
name = "idx_users_email"
if_exists = true
"#,
        [
            Sql(&[r#"DROP INDEX IF EXISTS "idx_users_email""#]),
            Refused("MySQL has no DROP INDEX IF EXISTS"),
            Sql(&[r#"DROP INDEX IF EXISTS "idx_users_email""#]),
        ],
    );
}
