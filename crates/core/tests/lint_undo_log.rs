//! `plan/backfill-without-undo-log` (red-team #17): a note on each backfill that keeps no undo
//! log (`undo_log = false`, an insert-select without a unique key over its inserted columns
//! or with `pending`), so users know its undo only runs the `undo` expressions; silent on
//! backfills that keep one.

mod common;
use common::TempPlan;

use cutover_core::Dialect;
use cutover_core::lint::{Finding, Severity, lint_plan};

const RULE: &str = "plan/backfill-without-undo-log";

const BASE: &str = r#"description = "base"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "text" }, { name = "email", type = "varchar(100)" }]
[[steps]]
op = "create_table"
table = "emails"
columns = [{ name = "user_id", type = "bigint", primary_key = true }, { name = "email", type = "varchar(100)" }]
[[steps]]
op = "create_table"
table = "notes"
columns = [{ name = "id", type = "bigint", primary_key = true, identity = true }, { name = "user_id", type = "bigint" }]
"#;

fn findings(step: &str) -> Vec<Finding> {
    let change = format!("description = \"change\"\n\n[[steps]]\nop = \"backfill\"\n{step}");
    let tmp = TempPlan::new(&[("0001_base.toml", BASE), ("0002_change.toml", &change)]);
    lint_plan(
        &tmp.load(),
        &[Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite],
    )
    .into_iter()
    .filter(|f| f.rule == RULE)
    .collect()
}

#[test]
fn undo_log_false_gets_a_note_at_its_step() {
    let found = findings(
        "id = \"names\"\ntable = \"users\"\nset.name = \"upper(name)\"\nundo_log = false\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert_eq!(found[0].severity, Severity::Info);
    assert_eq!(found[0].line, 3, "at the [[steps]] header");
    assert!(
        found[0].message.contains("`names` sets `undo_log = false`"),
        "{}",
        found[0].message
    );
}

#[test]
fn insert_select_without_a_key_over_its_values_gets_a_note() {
    let found = findings(
        "id = \"copy\"\ntable = \"users\"\ninsert_into = \"notes\"\nvalues.user_id = \"id\"\n",
    );
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0]
            .message
            .contains("no unique key over the columns it inserts"),
        "{}",
        found[0].message
    );
    let pending = findings(
        "id = \"copy\"\ntable = \"users\"\ninsert_into = \"emails\"\nvalues.user_id = \"id\"\nvalues.email = \"email\"\npending = \"email IS NOT NULL\"\n",
    );
    assert_eq!(pending.len(), 1, "{pending:#?}");
    assert!(
        pending[0].message.contains("it sets `pending`"),
        "{}",
        pending[0].message
    );
}

#[test]
fn backfills_with_a_log_are_silent() {
    assert!(findings("id = \"names\"\ntable = \"users\"\nset.name = \"upper(name)\"\n").is_empty());
    assert!(
        findings(
            "id = \"copy\"\ntable = \"users\"\ninsert_into = \"emails\"\nvalues.user_id = \"id\"\nvalues.email = \"email\"\n"
        )
        .is_empty()
    );
}
