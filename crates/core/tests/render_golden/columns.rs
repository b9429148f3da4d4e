//! Golden cases: columns.

use super::*;

#[test]
fn add_column_nullable_not_null_json_and_text_defaults() {
    golden(
        r#"
description = "add columns"

[[steps]]
op = "add_column"
table = "users"
column = { name = "nick", type = "varchar(40)" }

[[steps]]
op = "add_column"
table = "users"
column = { name = "score", type = "integer", nullable = false, default = 0 }

[[steps]]
op = "add_column"
table = "users"
column = { name = "prefs", type = "json", nullable = false, default = "{}" }

[[steps]]
op = "add_column"
table = "users"
column = { name = "bio", type = "text", default = "none" }
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ADD COLUMN "nick" varchar(40)"#,
                r#"ALTER TABLE "users" ADD COLUMN "score" integer NOT NULL DEFAULT 0"#,
                r#"ALTER TABLE "users" ADD COLUMN "prefs" jsonb NOT NULL DEFAULT '{}'"#,
                r#"ALTER TABLE "users" ADD COLUMN "bio" text DEFAULT 'none'"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `nick` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                "ALTER TABLE `users` ADD COLUMN `score` int NOT NULL DEFAULT 0",
                "ALTER TABLE `users` ADD COLUMN `prefs` json NOT NULL DEFAULT ('{}')",
                "ALTER TABLE `users` ADD COLUMN `bio` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin DEFAULT ('none')",
            ]),
            Sql(&[
                r#"ALTER TABLE "users" ADD COLUMN "nick" VARCHAR(40)"#,
                r#"ALTER TABLE "users" ADD COLUMN "score" INTEGER NOT NULL DEFAULT 0"#,
                r#"ALTER TABLE "users" ADD COLUMN "prefs" JSON TEXT NOT NULL DEFAULT '{}' CHECK ("prefs" IS NULL OR json_valid("prefs"))"#,
                r#"ALTER TABLE "users" ADD COLUMN "bio" TEXT DEFAULT 'none'"#,
            ]),
        ],
    );
}

#[test]
fn add_column_not_null_without_default_is_refused_on_sqlite() {
    golden(
        r#"
description = "add not null"

[[steps]]
op = "add_column"
table = "users"
column = { name = "nick", type = "varchar(40)", nullable = false }
"#,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "nick" varchar(40) NOT NULL"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `nick` varchar(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
            ]),
            Refused("SQLite cannot add a NOT NULL column without a default"),
        ],
    );
}

#[test]
fn add_column_with_default_expr_is_refused_on_sqlite() {
    golden(
        r#"
description = "add with expression default"

[[steps]]
op = "add_column"
table = "users"
column = { name = "seen", type = "timestamp", default_expr = "now()" }
"#,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "seen" timestamp DEFAULT (now())"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `seen` datetime(6) DEFAULT (CURRENT_TIMESTAMP(6))",
            ]),
            Refused("accepts only constant defaults"),
        ],
    );
}

#[test]
fn add_unique_column_is_refused_on_sqlite() {
    golden(
        r#"
description = "add unique"

[[steps]]
op = "add_column"
table = "users"
column = { name = "code", type = "varchar(10)", unique = true }
"#,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "code" varchar(10) UNIQUE"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `code` varchar(10) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin UNIQUE",
            ]),
            Refused("then a `create_index` step with unique = true"),
        ],
    );
}

#[test]
fn drop_column() {
    golden(
        r#"
description = "drop column"

[[steps]]
op = "drop_column"
table = "users"
column = "nick"
"#,
        [
            Sql(&[r#"ALTER TABLE "users" DROP COLUMN "nick""#]),
            Sql(&["ALTER TABLE `users` DROP COLUMN `nick`"]),
            Sql(&[r#"ALTER TABLE "users" DROP COLUMN "nick""#]),
        ],
    );
}

#[test]
fn rename_column() {
    golden(
        r#"
description = "rename column"

[[steps]]
op = "rename_column"
table = "users"
column = "nick"
to = "nickname"
"#,
        [
            Sql(&[r#"ALTER TABLE "users" RENAME COLUMN "nick" TO "nickname""#]),
            Sql(&["ALTER TABLE `users` RENAME COLUMN `nick` TO `nickname`"]),
            Sql(&[r#"ALTER TABLE "users" RENAME COLUMN "nick" TO "nickname""#]),
        ],
    );
}
