//! Golden cases: constraints.

use super::*;

#[test]
fn add_and_drop_foreign_key() {
    golden(
        r#"
description = "foreign key"

[[steps]]
op = "add_foreign_key"
table = "messages"
columns = ["conversation_id"]
references = "conversations(id)"
on_delete = "cascade"
on_update = "no_action"

[[steps]]
op = "drop_foreign_key"
table = "messages"
name = "fk_messages_conversation_id"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") ON DELETE CASCADE ON UPDATE NO ACTION"#,
                r#"ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_conversation_id""#,
            ]),
            Sql(&[
                "ALTER TABLE `messages` ADD CONSTRAINT `fk_messages_conversation_id` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`) ON DELETE CASCADE ON UPDATE NO ACTION",
                "ALTER TABLE `messages` DROP FOREIGN KEY `fk_messages_conversation_id`",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn drop_foreign_key_alone_is_refused_on_sqlite() {
    golden(
        r#"
description = "drop fk"

[[steps]]
op = "drop_foreign_key"
table = "messages"
name = "fk_messages_conversation_id"
"#,
        [
            Sql(&[r#"ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_conversation_id""#]),
            Sql(&["ALTER TABLE `messages` DROP FOREIGN KEY `fk_messages_conversation_id`"]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn add_and_drop_check() {
    golden(
        r#"
description = "check"

[[steps]]
op = "add_check"
table = "users"
name = "ck_age"
expr = "age >= 0 AND age < 200"

[[steps]]
op = "drop_check"
table = "users"
name = "ck_age"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "users" ADD CONSTRAINT "ck_age" CHECK ("age" >= 0 AND "age" < 200)"#,
                r#"ALTER TABLE "users" DROP CONSTRAINT "ck_age""#,
            ]),
            Sql(&[
                "ALTER TABLE `users` ADD CONSTRAINT `ck_age` CHECK (`age` >= 0 AND `age` < 200)",
                "ALTER TABLE `users` DROP CONSTRAINT `ck_age`",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn not_valid_constraints_and_validate_constraint() {
    golden(
        r#"
description = "not valid"

[[steps]]
op = "add_foreign_key"
table = "messages"
columns = ["conversation_id"]
references = "conversations(id)"
not_valid = true

[[steps]]
op = "add_check"
table = "messages"
name = "ck_body"
expr = "body <> ''"
not_valid = true

[[steps]]
op = "validate_constraint"
table = "messages"
name = "fk_messages_conversation_id"

[[steps]]
op = "validate_constraint"
table = "messages"
name = "ck_body"
"#,
        [
            Sql(&[
                r#"ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") NOT VALID"#,
                r#"ALTER TABLE "messages" ADD CONSTRAINT "ck_body" CHECK ("body" <> '') NOT VALID"#,
                r#"ALTER TABLE "messages" VALIDATE CONSTRAINT "fk_messages_conversation_id""#,
                r#"ALTER TABLE "messages" VALIDATE CONSTRAINT "ck_body""#,
            ]),
            Sql(&[
                "ALTER TABLE `messages` ADD CONSTRAINT `fk_messages_conversation_id` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`)",
                "ALTER TABLE `messages` ADD CONSTRAINT `ck_body` CHECK (`body` <> '' OR (NOT ((COLLATION(`body`) = 'binary') OR (CAST(CONVERT(`body` USING utf8mb4) AS BINARY)) = '')))",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn constraint_on_a_table_the_plan_defines_rebuilds_it_on_sqlite() {
    let create = r#"
description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "email", type = "varchar(255)", nullable = false },
  { name = "age", type = "integer" },
]

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
unique = true
"#;
    let check = r#"
description = "check"

[[steps]]
op = "add_check"
table = "users"
name = "ck_age"
expr = "age >= 0"
"#;
    let tmp = TempPlan::new(&[("0001_users.toml", create), ("0002_check.toml", check)]);
    let rendered = render(&tmp.load(), Dialect::Sqlite, Direction::Up).expect("renders");
    let rebuild = &rendered[1].statements;
    assert_eq!(
        statements(&rendered[1..]),
        &[
            r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "email" VARCHAR(255) NOT NULL, "age" INTEGER, CONSTRAINT "ck_age" CHECK ("age" >= 0) );
INSERT INTO "_cutover_new_users" (rowid, "id", "email", "age") SELECT rowid, "id", "email", "age" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users";
CREATE UNIQUE INDEX "uq_users_email" ON "users" ("email")"#,
        ]
    );
    assert_eq!(rebuild[0].kind, StatementKind::Rebuild);
}

#[test]
fn add_and_drop_unique_render_as_a_unique_index() {
    golden(
        r#"
description = "unique"

[[steps]]
op = "add_unique"
table = "users"
columns = ["org_id", "email"]

[[steps]]
op = "drop_unique"
table = "users"
name = "uq_users_org_id_email"
"#,
        [
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_org_id_email" ON "users" ("org_id", "email")"#,
                r#"DROP INDEX "uq_users_org_id_email""#,
            ]),
            Sql(&[
                "CREATE UNIQUE INDEX `uq_users_org_id_email` ON `users` (`org_id`, `email`)",
                "DROP INDEX `uq_users_org_id_email` ON `users`",
            ]),
            Sql(&[
                r#"CREATE UNIQUE INDEX "uq_users_org_id_email" ON "users" ("org_id", "email")"#,
                r#"DROP INDEX "uq_users_org_id_email""#,
            ]),
        ],
    );
}

#[test]
fn drop_unique_declared_by_create_table_drops_the_constraint() {
    let create = r#"
description = "users"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "org_id", type = "bigint" },
  { name = "email", type = "varchar(255)" },
]
unique = [ { columns = ["org_id", "email"] } ]
"#;
    let drop = r#"
description = "drop unique"

[[steps]]
op = "drop_unique"
table = "users"
name = "uq_users_org_id_email"
"#;
    golden_files(
        &[("0001_users.toml", create), ("0002_drop.toml", drop)],
        Direction::Up,
        [
            Sql(&[
                r#"CREATE TABLE "users" ( "id" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL PRIMARY KEY, "org_id" bigint, "email" varchar(255), CONSTRAINT "uq_users_org_id_email" UNIQUE ("org_id", "email") )"#,
                r#"ALTER TABLE "users" DROP CONSTRAINT "uq_users_org_id_email""#,
            ]),
            Sql(&[
                "CREATE TABLE `users` ( `id` bigint NOT NULL PRIMARY KEY AUTO_INCREMENT, `org_id` bigint, `email` varchar(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin, UNIQUE KEY `uq_users_org_id_email` (`org_id`, `email`) )",
                "ALTER TABLE `users` DROP INDEX `uq_users_org_id_email`",
            ]),
            Sql(&[
                r#"CREATE TABLE "users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "org_id" BIGINT, "email" VARCHAR(255), CONSTRAINT "uq_users_org_id_email" UNIQUE ("org_id", "email") )"#,
                r#"CREATE TABLE "_cutover_new_users" ( "id" integer NOT NULL PRIMARY KEY AUTOINCREMENT, "org_id" BIGINT, "email" VARCHAR(255) );
INSERT INTO "_cutover_new_users" (rowid, "id", "org_id", "email") SELECT rowid, "id", "org_id", "email" FROM "users";
DROP TABLE "users";
ALTER TABLE "_cutover_new_users" RENAME TO "users""#,
            ]),
        ],
    );
}
