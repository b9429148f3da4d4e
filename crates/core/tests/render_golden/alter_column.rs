//! Golden cases: alter_column.

use super::*;

/// SQLite changes columns and constraints by rebuilding the table, which needs its definition.
pub(super) const SQLITE_REBUILD: &str = "cutover rebuilds only tables the plan created";

#[test]
fn alter_column_on_a_table_the_plan_defines() {
    let create = r#"
description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "varchar(50)", nullable = false, default = "anon" },
  { name = "age", type = "integer" },
]
"#;
    let alter = r#"
description = "alter"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"

[[steps]]
op = "alter_column"
table = "users"
column = "age"
nullable = false

[[steps]]
op = "alter_column"
table = "users"
column = "age"
default = 18

[[steps]]
op = "alter_column"
table = "users"
column = "name"
drop_default = true

[[steps]]
op = "alter_column"
table = "users"
column = "age"
type = "bigint"
nullable = true

[[steps]]
op = "alter_column"
table = "users"
column = "name"
default_expr = "lower('X')"
"#;
    let tmp = TempPlan::new(&[("0001_users.toml", create), ("0002_alter.toml", alter)]);
    let plan = tmp.load();
    let second = |d: Dialect| render(&plan, d, Direction::Up).map(|r| statements(&r[1..]));
    // PostgreSQL alters in place; MySQL restates the whole column as the plan knows it: type, NULL / NOT NULL, default.
    assert_eq!(
        second(Dialect::Postgres).expect("renders"),
        &[
            r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" SET NOT NULL"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" SET DEFAULT 18"#,
            r#"ALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" TYPE bigint USING "age"::bigint"#,
            r#"ALTER TABLE "users" ALTER COLUMN "age" DROP NOT NULL"#,
            r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT (LOWER('X'))"#,
        ]
    );
    assert_eq!(
        second(Dialect::Mysql).expect("renders"),
        &[
            "ALTER TABLE `users` MODIFY COLUMN `name` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT 'anon'",
            "ALTER TABLE `users` MODIFY COLUMN `age` int NOT NULL",
            "ALTER TABLE `users` ALTER COLUMN `age` SET DEFAULT 18",
            "ALTER TABLE `users` ALTER COLUMN `name` DROP DEFAULT",
            "ALTER TABLE `users` MODIFY COLUMN `age` bigint NULL DEFAULT 18",
            "ALTER TABLE `users` ALTER COLUMN `name` SET DEFAULT (LOWER('X'))",
        ]
    );
    // SQLite rebuilds the table from the plan's definition after each change.
    assert_eq!(
        second(Dialect::Sqlite).expect("renders"),
        &[
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT 'anon', "age" INTEGER );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT 'anon', "age" INTEGER NOT NULL );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT 'anon', "age" INTEGER NOT NULL DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL, "age" INTEGER NOT NULL DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL, "age" BIGINT DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "name" VARCHAR(200) NOT NULL DEFAULT (LOWER('X')), "age" BIGINT DEFAULT 18 );
INSERT INTO "_cutover_new_users" (rowid, "id", "name", "age") SELECT rowid, "id", "name", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
        ]
    );
}

#[test]
fn alter_identity_column_type_keeps_auto_increment_on_mysql() {
    golden(
        r#"
description = "widen id"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "integer", primary_key = true, identity = true },
]

[[steps]]
op = "alter_column"
table = "users"
column = "id"
type = "bigint"
"#,
        [
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY )"#,
                r#"ALTER TABLE "users" ALTER COLUMN "id" TYPE bigint USING "id"::bigint"#,
            ]),
            Sql(&[
                "CREATE TABLE `users` ( `id` int NOT NULL PRIMARY KEY AUTO_INCREMENT )",
                "ALTER TABLE `users` MODIFY COLUMN `id` bigint NOT NULL AUTO_INCREMENT",
            ]),
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT )"#,
                r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT );
INSERT INTO "_cutover_new_users" (rowid, "id") SELECT rowid, "id" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            ]),
        ],
    );
}

#[test]
fn alter_column_type_of_a_table_outside_the_plan_needs_nullable_on_mysql() {
    golden(
        r#"
description = "alter unknown"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
            ]),
            Refused("give both `type` and `nullable`"),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn alter_column_type_and_nullable_of_a_table_outside_the_plan() {
    golden(
        r#"
description = "alter unknown"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"
nullable = false
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` MODIFY COLUMN `name` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn alter_column_type_nullable_and_default_of_a_table_outside_the_plan() {
    golden(
        r#"
description = "alter unknown"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
type = "varchar(200)"
nullable = false
default = "x"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" TYPE varchar(200) USING "name"::varchar(200)"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'x'"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET NOT NULL"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` MODIFY COLUMN `name` varchar(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL DEFAULT 'x'",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn alter_column_default_of_a_table_outside_the_plan() {
    golden(
        r#"
description = "defaults"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
default = "x"

[[steps]]
op = "alter_column"
table = "users"
column = "name"
drop_default = true
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ALTER COLUMN "name" SET DEFAULT 'x'"#,
                r#"ALTER TABLE "users" ALTER COLUMN "name" DROP DEFAULT"#,
            ]),
            Sql(&[
                "ALTER TABLE `users` ALTER COLUMN `name` SET DEFAULT ('x')",
                "ALTER TABLE `users` ALTER COLUMN `name` DROP DEFAULT",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}
