//! Golden cases: down.

use super::*;

#[test]
fn down_inverts_steps_on_an_existing_table_in_reverse_order() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "reversible"

[[steps]]
op = "add_column"
table = "users"
column = { name = "email", type = "varchar(255)" }

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
unique = true

[[steps]]
op = "rename_column"
table = "users"
column = "name"
to = "full_name"

[[steps]]
op = "rename_table"
table = "users"
to = "people"

[[steps]]
op = "sql"
sql = "INSERT INTO people (full_name) VALUES ('root')"
down = "DELETE FROM people WHERE full_name = 'root'"
"#,
        )],
        Direction::Down,
        [
            Sql(&[
                "DELETE FROM people WHERE full_name = 'root'",
                r#"ALTER TABLE "people" RENAME TO "users""#,
                r#"ALTER TABLE "users" RENAME COLUMN "full_name" TO "name""#,
                r#"DROP INDEX "uq_users_email""#,
                r#"ALTER TABLE "users" DROP COLUMN "email""#,
            ]),
            Sql(&[
                "DELETE FROM people WHERE full_name = 'root'",
                "RENAME TABLE `people` TO `users`",
                "ALTER TABLE `users` RENAME COLUMN `full_name` TO `name`",
                "DROP INDEX `uq_users_email` ON `users`",
                "ALTER TABLE `users` DROP COLUMN `email`",
            ]),
            Sql(&[
                "DELETE FROM people WHERE full_name = 'root'",
                r#"ALTER TABLE "people" RENAME TO "users""#,
                r#"ALTER TABLE "users" RENAME COLUMN "full_name" TO "name""#,
                r#"DROP INDEX "uq_users_email""#,
                r#"ALTER TABLE "users" DROP COLUMN "email""#,
            ]),
        ],
    );
}

#[test]
fn down_of_create_table_drops_it_and_skips_steps_on_it() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "new table"

[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "text" },
]

[[steps]]
op = "add_column"
table = "users"
column = { name = "email", type = "varchar(255)" }

[[steps]]
op = "create_index"
table = "users"
columns = ["email"]
"#,
        )],
        Direction::Down,
        [
            Sql(&[r#"DROP TABLE "users""#]),
            Sql(&["DROP TABLE `users`"]),
            Sql(&[r#"DROP TABLE "users""#]),
        ],
    );
}

#[test]
fn down_drops_foreign_keys_before_indexes() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "constraints"

[[steps]]
op = "add_foreign_key"
table = "messages"
columns = ["conversation_id"]
references = "conversations(id)"

[[steps]]
op = "add_check"
table = "messages"
name = "ck_body"
expr = "body <> ''"

[[steps]]
op = "add_unique"
table = "messages"
columns = ["body"]

[[steps]]
op = "create_index"
table = "messages"
columns = ["conversation_id"]
concurrently = true
"#,
        )],
        Direction::Down,
        [
            Sql(&[
                r#"ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_conversation_id""#,
                r#"DROP INDEX CONCURRENTLY "idx_messages_conversation_id""#,
                r#"DROP INDEX "uq_messages_body""#,
                r#"ALTER TABLE "messages" DROP CONSTRAINT "ck_body""#,
            ]),
            Sql(&[
                "ALTER TABLE `messages` DROP FOREIGN KEY `fk_messages_conversation_id`",
                "DROP INDEX `idx_messages_conversation_id` ON `messages`",
                "DROP INDEX `uq_messages_body` ON `messages`",
                "ALTER TABLE `messages` DROP CONSTRAINT `ck_body`",
            ]),
            Refused(SQLITE_REBUILD),
        ],
    );
}

#[test]
fn explicit_down_is_rendered_as_written() {
    golden_files(
        &[(
            "0001_golden.toml",
            r#"
description = "drop legacy"

[[steps]]
op = "drop_column"
table = "users"
column = "legacy"

[[down]]
op = "add_column"
table = "users"
column = { name = "legacy", type = "text" }
"#,
        )],
        Direction::Down,
        [
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "legacy" text"#]),
            Sql(&[
                "ALTER TABLE `users` ADD COLUMN `legacy` longtext CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
            ]),
            Sql(&[r#"ALTER TABLE "users" ADD COLUMN "legacy" TEXT"#]),
        ],
    );
}

#[test]
fn irreversible_migration_names_file_line_and_step() {
    let tmp = TempPlan::new(&[(
        "0001_golden.toml",
        r#"description = "irreversible"

[[steps]]
op = "add_column"
table = "users"
column = { name = "x", type = "text" }

[[steps]]
op = "drop_column"
table = "users"
column = "legacy"
"#,
    )]);
    let plan = tmp.load();
    for dialect in Dialect::ALL {
        let err = render(&plan, dialect, Direction::Down).expect_err("irreversible");
        let expected = format!(
            "{}:8: migration 0001 (golden): step 2 (drop_column) cannot be reversed automatically; add a [[down]] section that reverts the migration",
            tmp.dir.join("0001_golden.toml").display()
        );
        assert_eq!(err.to_string(), expected, "on {dialect}");
    }
}

#[test]
fn down_renders_migrations_newest_first() {
    let tmp = TempPlan::new(&[
        (
            "0001_a.toml",
            "description = \"a\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\ndown = \"SELECT -1\"\n",
        ),
        (
            "0002_b.toml",
            "description = \"b\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 2\"\ndown = \"SELECT -2\"\n",
        ),
    ]);
    let rendered = render(&tmp.load(), Dialect::Sqlite, Direction::Down).expect("renders");
    let versions: Vec<String> = rendered.iter().map(|m| m.version.to_string()).collect();
    assert_eq!(versions, ["0002", "0001"]);
    assert_eq!(statements(&rendered), ["SELECT -2", "SELECT -1"]);
}
