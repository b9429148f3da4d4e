//! Golden SQL for `not_valid = true` on add_foreign_key / add_check and for the
//! `validate_constraint` op: NOT VALID and VALIDATE CONSTRAINT on PostgreSQL, the plain
//! constraint (checked when added) on MySQL, nothing to validate on SQLite.

mod common;
use common::TempPlan;

use cutover_core::Dialect;
use cutover_core::plan::Plan;
use cutover_core::render::{Direction, RenderOptions, render_plan};

fn sql(plan: &Plan, dialect: Dialect, direction: Direction) -> Vec<String> {
    let options = RenderOptions {
        direction,
        ..Default::default()
    };
    render_plan(plan, dialect, &options)
        .unwrap_or_else(|e| panic!("renders on {dialect}: {e}"))
        .iter()
        .flat_map(|m| m.statements.iter().map(|s| s.sql.clone()))
        .collect()
}

const NOT_VALID: &str = r#"description = "constraints added NOT VALID, validated later"

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
expr = "body IS NOT NULL"
not_valid = true

[[steps]]
op = "validate_constraint"
table = "messages"
name = "fk_messages_conversation_id"

[[steps]]
op = "validate_constraint"
table = "messages"
name = "ck_body"
"#;

#[test]
fn not_valid_and_validate_constraint_on_postgres() {
    let tmp = TempPlan::new(&[("0001_not_valid.toml", NOT_VALID)]);
    assert_eq!(
        sql(&tmp.load(), Dialect::Postgres, Direction::Up),
        [
            r#"ALTER TABLE "messages" ADD CONSTRAINT "fk_messages_conversation_id" FOREIGN KEY ("conversation_id") REFERENCES "conversations" ("id") NOT VALID"#,
            r#"ALTER TABLE "messages" ADD CONSTRAINT "ck_body" CHECK ("body" IS NOT NULL) NOT VALID"#,
            r#"ALTER TABLE "messages" VALIDATE CONSTRAINT "fk_messages_conversation_id""#,
            r#"ALTER TABLE "messages" VALIDATE CONSTRAINT "ck_body""#,
        ]
    );
}

#[test]
fn mysql_checks_rows_when_adding_and_has_nothing_to_validate() {
    let tmp = TempPlan::new(&[("0001_not_valid.toml", NOT_VALID)]);
    assert_eq!(
        sql(&tmp.load(), Dialect::Mysql, Direction::Up),
        [
            "ALTER TABLE `messages` ADD CONSTRAINT `fk_messages_conversation_id` FOREIGN KEY (`conversation_id`) REFERENCES `conversations` (`id`)",
            "ALTER TABLE `messages` ADD CONSTRAINT `ck_body` CHECK (`body` IS NOT NULL)",
        ]
    );
}

#[test]
fn validate_constraint_renders_nothing_on_sqlite() {
    let only_validate = r#"description = "validate"

[[steps]]
op = "validate_constraint"
table = "messages"
name = "ck_body"
"#;
    let tmp = TempPlan::new(&[("0001_validate.toml", only_validate)]);
    let plan = tmp.load();
    assert!(sql(&plan, Dialect::Sqlite, Direction::Up).is_empty());
    // Validating has nothing to undo, so the migration reverts without a [[down]].
    for d in Dialect::ALL {
        assert!(sql(&plan, d, Direction::Down).is_empty(), "{d}");
    }
}

#[test]
fn down_drops_the_not_valid_constraints() {
    let tmp = TempPlan::new(&[("0001_not_valid.toml", NOT_VALID)]);
    assert_eq!(
        sql(&tmp.load(), Dialect::Postgres, Direction::Down),
        [
            r#"ALTER TABLE "messages" DROP CONSTRAINT "fk_messages_conversation_id""#,
            r#"ALTER TABLE "messages" DROP CONSTRAINT "ck_body""#,
        ]
    );
}

#[test]
fn not_valid_is_left_out_of_the_checksum_when_false() {
    let plain = NOT_VALID.replace("not_valid = true\n", "");
    let explicit = NOT_VALID.replace("not_valid = true", "not_valid = false");
    let a = TempPlan::new(&[("0001_x.toml", &plain)]);
    let b = TempPlan::new(&[("0001_x.toml", &explicit)]);
    assert_eq!(
        a.load().migrations[0].checksum,
        b.load().migrations[0].checksum
    );
}

#[test]
fn suppressions_do_not_change_the_checksum() {
    let with_allow = NOT_VALID.replacen(
        "not_valid = true\n",
        "not_valid = true\nallow = [{ rule = \"sqlite/foreign-key-change\", reason = \"test\" }]\n",
        1,
    );
    let with_top_allow =
        format!("allow = [{{ rule = \"plan/version-gap\", reason = \"test\" }}]\n{NOT_VALID}");
    let plain = TempPlan::new(&[("0001_x.toml", NOT_VALID)]);
    let a = TempPlan::new(&[("0001_x.toml", &with_allow)]);
    let b = TempPlan::new(&[("0001_x.toml", &with_top_allow)]);
    let sum = plain.load().migrations[0].checksum.clone();
    let a = a.load();
    assert_eq!(a.migrations[0].checksum, sum);
    assert_eq!(
        a.migrations[0].steps[0].allow[0].rule,
        "sqlite/foreign-key-change"
    );
    assert_eq!(a.migrations[0].steps[0].allow[0].line, 9);
    assert_eq!(b.load().migrations[0].checksum, sum);
}
