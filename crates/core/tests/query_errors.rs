//! Load-time errors of portable queries and subqueries: each plan fails with
//! `<file>:<line>: <exact message>`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::plan::Plan;

const TABLES: &str = r#"
description = "tables"
[[steps]]
op = "create_table"
table = "conversations"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "create_table"
table = "messages"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "conversation_id", type = "bigint" },
  { name = "body", type = "text" },
]
"#;

/// The load error of a plan of `TABLES` and `second` (as `0002_x.toml`), with the temp dir
/// replaced by `<dir>`.
fn error(second: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("cutover-query-errors-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create plan dir");
    std::fs::write(dir.join("0001_tables.toml"), TABLES).expect("write");
    std::fs::write(dir.join("0002_x.toml"), second).expect("write");
    let result = Plan::load(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    match result {
        Ok(_) => panic!("the plan loaded:\n{second}"),
        Err(e) => e.to_string().replace(&dir.display().to_string(), "<dir>"),
    }
}

fn check(query: &str) -> String {
    error(&format!(
        "description = \"x\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{{ name = \"id\", type = \"bigint\", primary_key = true }}]\n\n[[checks]]\nname = \"c\"\nquery = \"{query}\"\nexpect = 0\n"
    ))
}

#[test]
fn check_query_unknown_column_with_alias_in_scope() {
    assert_eq!(
        check(
            "SELECT COUNT(*) FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_idd WHERE c.id IS NULL"
        ),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: column `conversation_idd` is not a column of table `messages` (did you mean `conversation_id`?)"
    );
}

#[test]
fn check_query_unknown_alias() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m WHERE x.id = 1"),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: `x.id`: `x` is not a table or alias of the query"
    );
}

#[test]
fn check_query_full_join_on_mysql() {
    assert_eq!(
        check(
            "SELECT COUNT(*) FROM messages m FULL JOIN conversations c ON c.id = m.conversation_id"
        ),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: FULL JOIN of `c` (in query `SELECT COUNT(*) FROM messages m FULL JOIN conversations c ON c.id = m.conversation_id`) is not supported on mysql: MySQL/MariaDB have no FULL JOIN: write the check as two queries (a LEFT JOIN and a RIGHT JOIN), or count the unmatched rows of each side with NOT EXISTS"
    );
}

#[test]
fn check_query_two_values() {
    assert_eq!(
        check("SELECT COUNT(*), MAX(id) FROM messages"),
        "<dir>/0002_x.toml:9: check 1: expression `SELECT COUNT(*), MAX(id) FROM messages`: a check's query must select exactly one value, this one selects 2"
    );
}

#[test]
fn check_query_star() {
    assert_eq!(
        check("SELECT * FROM messages"),
        "<dir>/0002_x.toml:9: check 1: expression `SELECT * FROM messages`: `*` is not allowed in a portable query (except COUNT(*)); name the columns"
    );
}

#[test]
fn check_query_aggregate_in_where() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages WHERE COUNT(*) > 1"),
        "<dir>/0002_x.toml:9: check 1: expression `SELECT COUNT(*) FROM messages WHERE COUNT(*) > 1`: `COUNT` in WHERE: aggregates are only allowed in the select list and HAVING (filter groups with `HAVING COUNT(..) > ..`, or aggregate in a subquery)"
    );
}

#[test]
fn check_query_ungrouped_column() {
    assert_eq!(
        check("SELECT conversation_id FROM messages GROUP BY body"),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: `conversation_id` is selected by a grouped query but neither grouped nor aggregated: add it to GROUP BY or aggregate it (e.g. MIN(conversation_id))"
    );
}

#[test]
fn check_query_unknown_function() {
    let message = check("SELECT COUNT(*) FROM messages WHERE frobnicate(body) = 1");
    // The list of functions grows; the message names the function and lists the catalogue.
    let (head, list) = message
        .split_once("; supported functions: ")
        .expect("the message lists the supported functions");
    assert_eq!(
        head,
        "<dir>/0002_x.toml:9: check 1: expression `SELECT COUNT(*) FROM messages WHERE frobnicate(body) = 1`: unknown function `frobnicate`"
    );
    for f in [
        "abs(number)",
        "json_length(json)",
        "coalesce(value, ...)",
        "uuid()",
    ] {
        assert!(list.contains(f), "{f} missing from {list}");
    }
}

#[test]
fn check_query_not_a_number() {
    assert_eq!(
        check("SELECT MIN(body) FROM messages"),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: `SELECT MIN(body) FROM messages` selects text; a check query must select one number (e.g. `SELECT COUNT(*) ..`)"
    );
}

#[test]
fn check_query_derived_table_column() {
    assert_eq!(
        check("SELECT COUNT(*) FROM (SELECT conversation_id FROM messages) d WHERE d.body = 'x'"),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: column `body` is not selected by derived table `d` (it selects: conversation_id); give an expression a name with `AS`"
    );
}

#[test]
fn index_where_refuses_subqueries() {
    assert_eq!(
        error(
            r#"description = "x"
[[steps]]
op = "create_index"
table = "messages"
name = "i"
columns = ["id"]
where = "EXISTS (SELECT 1 FROM conversations c WHERE c.id = conversation_id)"
"#
        ),
        "<dir>/0002_x.toml:7: step 1 (create_index), field `where`: `EXISTS (SELECT 1 FROM conversations c WHERE c.id = conversation_id)`: subqueries are not allowed in an index's `where`: the database evaluates it for one row without reading other tables; check the rule with a migration check (`query = \"SELECT COUNT(*) FROM ..\"`) or keep it in a backfill"
    );
}

#[test]
fn update_reading_its_own_table_is_refused_for_mysql() {
    assert_eq!(
        error(
            r#"description = "x"
[[steps]]
op = "backfill"
table = "messages"
pending = "body IS NULL"
set.body = "(SELECT MAX(m2.body) FROM messages m2 WHERE m2.conversation_id = messages.conversation_id)"
"#
        ),
        "<dir>/0002_x.toml:6: step 1 (backfill), field `set.body`: an UPDATE of `messages` whose `set.body` reads `messages` in a subquery is not supported on mysql: MySQL/MariaDB cannot UPDATE a table that a subquery of the same statement reads (error 1093): compute the value in an earlier step into another table, or limit this step to the other databases with a per-dialect step"
    );
}

#[test]
fn aggregate_outside_a_query() {
    assert_eq!(
        error(
            r#"description = "x"
[[steps]]
op = "backfill"
table = "messages"
pending = "body IS NULL AND COUNT(*) > 1"
set.body = "'x'"
"#
        ),
        "<dir>/0002_x.toml:5: step 1 (backfill): expression `body IS NULL AND COUNT(*) > 1`: `COUNT` is an aggregate: aggregates are only allowed in a query's select list or HAVING; use a scalar subquery, e.g. `(SELECT COUNT(..) FROM t WHERE ..)`"
    );
}

#[test]
fn a_default_refuses_subqueries() {
    assert_eq!(
        error(
            r#"description = "x"
[[steps]]
op = "add_column"
table = "messages"
column = { name = "n", type = "bigint", default_expr = "(SELECT COUNT(*) FROM conversations)" }
"#
        ),
        "<dir>/0002_x.toml:5: step 1 (add_column), field `column.default_expr`: `(SELECT COUNT(*) FROM conversations)`: subqueries are not allowed in a column default: the database evaluates it for one row without reading other tables; check the rule with a migration check (`query = \"SELECT COUNT(*) FROM ..\"`) or keep it in a backfill"
    );
}

#[test]
fn a_correlated_subquery_checks_the_outer_columns() {
    assert_eq!(
        error(
            r#"description = "x"
[[steps]]
op = "backfill"
table = "conversations"
insert_into = "messages"
values.id = "conversations.id"
values.conversation_id = "conversations.id"
pending = "NOT EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.idx)"
"#
        ),
        "<dir>/0002_x.toml:8: step 1 (backfill), field `pending`: column `idx` is not a column of table `conversations` (did you mean `id`?)"
    );
}

#[test]
fn a_scalar_subquery_selects_one_column_and_limits_to_one_row() {
    for (src, message) in [
        (
            "(SELECT id, body FROM messages)",
            "a scalar subquery must select exactly one value, this one selects 2",
        ),
        (
            "(SELECT id FROM messages ORDER BY id LIMIT 2)",
            "a scalar subquery yields one row: its LIMIT must be 1 (`ORDER BY .. LIMIT 1`)",
        ),
        (
            "id IN (SELECT id FROM messages ORDER BY id)",
            "ORDER BY and LIMIT are only supported in a scalar subquery (`(SELECT x FROM t .. ORDER BY y LIMIT 1)`), not in an IN subquery",
        ),
    ] {
        let err = cutover_core::expr::Expression::parse(src).expect_err(src);
        assert_eq!(err.to_string(), format!("expression `{src}`: {message}"));
    }
}
