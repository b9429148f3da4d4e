//! Load-time errors of `json_each` relations, `json_type` and `delete_rows`: each plan fails
//! with `<file>:<line>: <exact message>`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::plan::Plan;

const TABLES: &str = r#"
description = "tables"
[[steps]]
op = "create_table"
table = "messages"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "body", type = "text" },
  { name = "attachments", type = "json" },
]
"#;

/// The load error of a plan of `TABLES` and `second` (as `0002_x.toml`), with the temp dir
/// replaced by `<dir>`.
fn error(second: &str) -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir: PathBuf = std::env::temp_dir().join(format!(
        "cutover-json-rows-errors-{}-{n}",
        std::process::id()
    ));
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
        "description = \"x\"\n[[steps]]\nop = \"sql\"\nsql = \"SELECT 1\"\n\n[[checks]]\nname = \"c\"\nquery = \"{query}\"\nexpect = 0\n"
    ))
}

fn delete(fields: &str) -> String {
    error(&format!(
        "description = \"x\"\n[[steps]]\nop = \"delete_rows\"\ntable = \"messages\"\n{fields}\n"
    ))
}

#[test]
fn json_each_needs_an_alias() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments)"),
        "<dir>/0002_x.toml:8: check 1: expression `SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments)`: json_each(..) needs an alias and no column list: `JOIN json_each(m.attachments) AS a`, then read a.value, a.text and a.position"
    );
}

#[test]
fn json_each_takes_no_column_list() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a(v, p)"),
        "<dir>/0002_x.toml:8: check 1: expression `SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a(v, p)`: json_each(..) needs an alias and no column list: `JOIN json_each(m.attachments) AS a`, then read a.value, a.text and a.position"
    );
}

#[test]
fn other_table_functions_are_refused() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m JOIN unnest(m.attachments) AS a"),
        "<dir>/0002_x.toml:8: check 1: expression `SELECT COUNT(*) FROM messages m JOIN unnest(m.attachments) AS a`: `UNNEST(m.attachments) AS a` is not supported in FROM; a relation is a table (with an alias), `(SELECT ..) alias` or `json_each(json) AS alias`"
    );
}

#[test]
fn json_each_takes_one_argument() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments, 1) AS a"),
        "<dir>/0002_x.toml:8: check 1: expression `SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments, 1) AS a`: json_each takes one argument, the JSON array: `json_each(m.attachments) AS a`"
    );
}

#[test]
fn json_each_needs_json() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m JOIN json_each(m.body) AS a"),
        "<dir>/0002_x.toml:8: check 1 (c), field `query`: json_each(..) AS a needs a JSON array, not text: pass a json column"
    );
}

#[test]
fn json_each_columns_are_value_text_position() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE a.key = 1"),
        "<dir>/0002_x.toml:8: check 1 (c), field `query`: `a.key`: the rows of json_each have the columns value (the element as json), text (a scalar element as text) and position (1-based)"
    );
}

#[test]
fn json_each_columns_are_qualified() {
    assert_eq!(
        check(
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE value IS NULL"
        ),
        "<dir>/0002_x.toml:8: check 1 (c), field `query`: column `value` is not a column of table `messages` (its columns: id, body, attachments); the elements of json_each are qualified: `a.value`"
    );
}

#[test]
fn json_each_is_not_the_right_side_of_a_right_join() {
    assert_eq!(
        check(
            "SELECT COUNT(*) FROM messages m RIGHT JOIN json_each(m.attachments) AS a ON a.position = 1"
        ),
        "<dir>/0002_x.toml:8: check 1: expression `SELECT COUNT(*) FROM messages m RIGHT JOIN json_each(m.attachments) AS a ON a.position = 1`: `json_each(..) AS a` cannot be the right side of a RIGHT or FULL JOIN (its rows exist only for a row of the left side); use JOIN or LEFT JOIN"
    );
}

#[test]
fn json_each_argument_resolves_in_scope() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages m JOIN json_each(x.attachments) AS a"),
        "<dir>/0002_x.toml:8: check 1 (c), field `query`: `x.attachments`: `x` is not a table or alias of the query"
    );
}

#[test]
fn json_type_needs_json() {
    assert_eq!(
        check("SELECT COUNT(*) FROM messages WHERE json_type(body) = 'string'"),
        "<dir>/0002_x.toml:8: check 1 (c), field `query`: json_type() needs json, not text"
    );
}

#[test]
fn delete_rows_without_where() {
    assert_eq!(
        delete(""),
        "<dir>/0002_x.toml:2: step 1 (delete_rows), field `where`: delete_rows needs `where`, the rows of `messages` to delete (it may use subqueries); to delete every row, say so: `where = \"TRUE\"`"
    );
}

#[test]
fn delete_rows_with_a_blank_where() {
    assert_eq!(
        delete("where = \"  \""),
        "<dir>/0002_x.toml:5: step 1 (delete_rows), field `where`: delete_rows needs `where`, the rows of `messages` to delete (it may use subqueries); to delete every row, say so: `where = \"TRUE\"`"
    );
}

#[test]
fn delete_rows_reading_its_table_on_mysql() {
    assert_eq!(
        delete("where = \"id IN (SELECT m.id FROM messages m WHERE m.body IS NULL)\""),
        "<dir>/0002_x.toml:5: step 1 (delete_rows), field `where`: a DELETE FROM `messages` whose `where` reads `messages` in a subquery is not supported on mysql: MySQL/MariaDB cannot DELETE FROM a table that a subquery of the same statement reads (error 1093): compute the value in an earlier step into another table, or limit this step to the other databases with a per-dialect step"
    );
}

#[test]
fn delete_rows_where_is_a_condition() {
    assert_eq!(
        delete("where = \"body\""),
        "<dir>/0002_x.toml:5: step 1 (delete_rows), field `where`: `body` is text, not a condition: compare it with something (e.g. `x <> 0`)"
    );
}
