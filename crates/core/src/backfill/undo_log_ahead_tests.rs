//! Which batches log ahead of their UPDATE, and the statements they run.

use super::spec::{BackfillSpec, KeyKind};
use super::undo_log::UndoLog;
use crate::dialect::Dialect;

fn spec(toml_step: &str) -> BackfillSpec {
    super::spec::test_spec(toml_step)
}

fn ahead(toml_step: &str, dialect: Dialect) -> Option<(Vec<String>, Vec<String>)> {
    let s = spec(toml_step);
    let log = UndoLog::of(&s).expect("a log");
    let cursor = ["10".to_string()];
    let upper = ["20".to_string()];
    log.ahead_sql(
        &s,
        dialect,
        &[KeyKind::Integer],
        Some(&cursor),
        Some(&upper),
        None,
        true,
    )
    .expect("renders")
}

#[test]
fn mysql_logs_repeatable_batches_ahead_with_the_clock_pinned_for_now() {
    let (before, after) = ahead(
        "pending = \"b IS NULL\"\nset.a = \"concat(a, '!')\"\nset.b = \"now()\"\n",
        Dialect::Mysql,
    )
    .expect("logged ahead");
    let log = "`cutover_undo_3e23e8160039594a`";
    assert_eq!(before.len(), 2, "{before:?}");
    assert_eq!(before[0], "SET timestamp = UNIX_TIMESTAMP(SYSDATE(6))");
    let (insert, update) = before[1]
        .split_once(" ON DUPLICATE KEY UPDATE ")
        .expect("an upsert");
    assert_eq!(
        insert,
        format!(
            "INSERT INTO {log} (`k_id`, `o_a`, `n_a`, `o_b`, `n_b`, `cutover_mark`) SELECT `t`.`id`, `t`.`a`, CONCAT(`a`, '!'), `t`.`b`, CURRENT_TIMESTAMP(6), 0 FROM `t` WHERE `b` IS NULL AND (`t`.`id` > 10 AND `t`.`id` <= 20) FOR UPDATE"
        )
    );
    // Old values kept only while the logged row still holds what was written, assigned
    // before the written values (MySQL applies them left to right).
    let still =
        |c: &str| format!("CAST({log}.`n_{c}` AS BINARY) <=> CAST(VALUES(`o_{c}`) AS BINARY)");
    assert_eq!(
        update,
        format!(
            "`o_a` = CASE WHEN {} THEN {log}.`o_a` ELSE VALUES(`o_a`) END, `o_b` = CASE WHEN {} THEN {log}.`o_b` ELSE VALUES(`o_b`) END, `n_a` = VALUES(`n_a`), `n_b` = VALUES(`n_b`), `cutover_mark` = VALUES(`cutover_mark`)",
            still("a"),
            still("b")
        )
    );
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(
        after[0].starts_with(&format!("DELETE FROM {log} WHERE")),
        "{}",
        after[0]
    );
    assert_eq!(after[1], "SET timestamp = DEFAULT");
    // Without now() there is nothing to pin.
    let (before, after) = ahead("set.a = \"upper(a)\"\n", Dialect::Mysql).expect("ahead");
    assert_eq!((before.len(), after.len()), (1, 1));
}

#[test]
fn batches_that_cannot_be_logged_ahead_copy_the_written_values_back() {
    for step in [
        // uuid() differs between the two evaluations.
        "set.a = \"uuid()\"\n",
        // MySQL assigns left to right: `b` would read the new `a`.
        "set.a = \"upper(a)\"\nset.b = \"a\"\n",
        // A subquery may read other rows.
        "set.a = \"(SELECT max(v) FROM u)\"\n",
        // A row joined twice may be written with either match.
        "set.a = \"u.v\"\nfrom = { table = \"u\", on = \"u.id = t.id\" }\n",
    ] {
        assert_eq!(ahead(step, Dialect::Mysql), None, "{step}");
    }
    // An expression reading the column it sets, or a later one, is fine.
    assert!(ahead("set.a = \"b\"\nset.b = \"upper(b)\"\n", Dialect::Mysql).is_some());
    // PostgreSQL has its one statement; SQLite copies back (and cannot pin now()).
    assert_eq!(ahead("set.a = \"upper(a)\"\n", Dialect::Postgres), None);
    assert_eq!(ahead("set.a = \"upper(a)\"\n", Dialect::Sqlite), None);
}
