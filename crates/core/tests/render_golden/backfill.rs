//! Golden cases: backfill.

use super::*;

#[test]
fn backfill_renders_one_set_based_update() {
    let migration = r#"
description = "backfill"

[[steps]]
op = "backfill"
table = "users"
pending = "display_name IS NULL"
set.display_name = "first_name || ' ' || last_name"
set.updated = "now()"
"#;
    golden(
        migration,
        [
            Sql(&[
                r#"UPDATE "users" SET "display_name" = "first_name" || ' ' || "last_name", "updated" = now() WHERE "display_name" IS NULL"#,
            ]),
            Sql(&[
                "UPDATE `users` SET `display_name` = CONCAT(`first_name`, ' ', `last_name`), `updated` = CURRENT_TIMESTAMP(6) WHERE `display_name` IS NULL",
            ]),
            Sql(&[
                r#"UPDATE "users" SET "display_name" = ("first_name" || ' ') || "last_name", "updated" = CURRENT_TIMESTAMP WHERE "display_name" IS NULL"#,
            ]),
        ],
    );
    let tmp = TempPlan::new(&[("0001_golden.toml", migration)]);
    let rendered = render(&tmp.load(), Dialect::Postgres, Direction::Up).expect("renders");
    let s = &rendered[0].statements[0];
    assert_eq!(
        (s.kind, s.backfill.as_deref()),
        (StatementKind::Dml, Some("0001_users"))
    );
}

#[test]
fn backfill_from_a_joined_table() {
    golden(
        r#"
description = "backfill from"

[[steps]]
op = "backfill"
table = "messages"
key = ["id"]
batch_size = 500
pending = "messages.owner_id IS NULL"
set.owner_id = "conversations.auth_user_id"
from = { table = "conversations", on = "conversations.id = messages.conversation_id" }
"#,
        [
            Sql(&[
                r#"UPDATE "messages" SET "owner_id" = "conversations"."auth_user_id" FROM "conversations" WHERE "conversations"."id" = "messages"."conversation_id" AND "messages"."owner_id" IS NULL"#,
            ]),
            Sql(&[
                "UPDATE `messages` JOIN `conversations` ON `conversations`.`id` = `messages`.`conversation_id` AND ((COLLATION(`conversations`.`id`) = 'binary') OR ((COLLATION(`messages`.`conversation_id`) = 'binary') OR (CAST(CONVERT(`conversations`.`id` USING utf8mb4) AS BINARY)) = (CAST(CONVERT(`messages`.`conversation_id` USING utf8mb4) AS BINARY)))) AND `messages`.`owner_id` IS NULL SET `messages`.`owner_id` = `conversations`.`auth_user_id`",
            ]),
            Sql(&[
                r#"UPDATE "messages" SET "owner_id" = "conversations"."auth_user_id" FROM "conversations" WHERE "conversations"."id" = "messages"."conversation_id" AND "messages"."owner_id" IS NULL"#,
            ]),
        ],
    );
}
