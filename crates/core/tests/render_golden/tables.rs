//! Golden cases: drop_table, rename_table.

use super::*;

#[test]
fn drop_table_plain_and_if_exists() {
    golden(
        r#"
description = "drop"

[[steps]]
op = "drop_table"
table = "old"

[[steps]]
op = "drop_table"
table = "older"
if_exists = true
"#,
        [
            Sql(&[r#"DROP TABLE "old""#, r#"DROP TABLE IF EXISTS "older""#]),
            Sql(&["DROP TABLE `old`", "DROP TABLE IF EXISTS `older`"]),
            Sql(&[r#"DROP TABLE "old""#, r#"DROP TABLE IF EXISTS "older""#]),
        ],
    );
}

#[test]
fn drop_table_cascade_only_on_postgres() {
    golden(
        r#"
description = "drop cascade"

[[steps]]
op = "drop_table"
table = "old"
if_exists = true
cascade = true
"#,
        [
            Sql(&[r#"DROP TABLE IF EXISTS "old" CASCADE"#]),
            Refused("no DROP TABLE ... CASCADE"),
            Refused("no DROP TABLE ... CASCADE"),
        ],
    );
}

#[test]
fn rename_table() {
    golden(
        r#"
description = "rename"

[[steps]]
op = "rename_table"
table = "old"
to = "new"
"#,
        [
            Sql(&[r#"ALTER TABLE "old" RENAME TO "new""#]),
            Sql(&["RENAME TABLE `old` TO `new`"]),
            Sql(&[r#"ALTER TABLE "old" RENAME TO "new""#]),
        ],
    );
}
