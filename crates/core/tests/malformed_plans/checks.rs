//! Malformed plans: checks.

use super::*;

#[test]
fn check_with_neither_table_nor_sql() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"nothing\"\nexpect = 0\n",
        7,
        "check 1 (nothing), field `table`: a check needs `table` (and optionally `where`) to count rows, or `sql`",
    );
}

#[test]
fn check_skip_after_the_migration() {
    bad(
        r#"description = "x"

[[steps]]
op = "sql"
sql = "SELECT 1"

[[checks]]
name = "skip me"
table = "users"
when = "after"
on_fail = "skip"
expect = 0
"#,
        11,
        "check 1 (skip me), field `on_fail`: `on_fail = \"skip\"` only makes sense for `when = \"before\"`",
    );
}

#[test]
fn bad_expect() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"count\"\ntable = \"users\"\nexpect = \"about 3\"\n",
        10,
        "check 1: invalid expect `about 3`: write a number (`expect = 0`) or a comparison such as \">= 100\"",
    );
}

#[test]
fn check_without_a_query_for_one_dialect() {
    bad(
        "description = \"x\"\n\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"per dialect\"\npostgres = \"SELECT 0\"\nmysql = \"SELECT 0\"\nexpect = 0\n",
        7,
        "field `sql`: no query for sqlite: add `sqlite = \"...\"` or a shared `sql`",
    );
}
