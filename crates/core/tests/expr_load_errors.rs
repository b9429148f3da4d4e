//! Load-time errors and renderings added after the red team: a check query that can return
//! 0 or several rows, an ambiguous unqualified column, a misspelled table, an enum literal
//! outside the list in a CASE branch; and the SQL that makes integer sums, CAST to integer
//! and division by zero agree.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use cutover_core::Dialect;
use cutover_core::plan::Plan;

const TABLES: &str = r#"
description = "tables"
[[steps]]
op = "create_table"
table = "users"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "score", type = "bigint" },
  { name = "kind", type = "enum(website, imdb, other)" },
]
[[steps]]
op = "create_table"
table = "links"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint" },
]
"#;

/// A step for migrations that only hold checks (a migration needs one).
const STEP: &str = "description = \"x\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n";

/// Loads `TABLES` plus `second` (as `0002_x.toml`): the error with the dir as `<dir>`, or
/// the plan.
fn load(first: &str, second: &str) -> Result<Plan, String> {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir: PathBuf =
        std::env::temp_dir().join(format!("cutover-expr-load-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create plan dir");
    std::fs::write(dir.join("0001_tables.toml"), first).expect("write");
    std::fs::write(dir.join("0002_x.toml"), second).expect("write");
    let result = Plan::load(&dir);
    let _ = std::fs::remove_dir_all(&dir);
    result.map_err(|e| e.to_string().replace(&dir.display().to_string(), "<dir>"))
}

fn check(query: &str) -> Result<Plan, String> {
    load(
        TABLES,
        &format!("{STEP}\n[[checks]]\nname = \"c\"\nquery = \"{query}\"\nexpect = 0\n"),
    )
}

fn check_error(query: &str) -> String {
    match check(query) {
        Ok(_) => panic!("the check loaded: {query}"),
        Err(e) => e,
    }
}

#[test]
fn a_check_query_must_return_exactly_one_row() {
    let grouped = "SELECT COUNT(*) FROM users u JOIN links l ON l.user_id = u.id GROUP BY u.id HAVING COUNT(*) > 1";
    assert_eq!(
        check_error(grouped),
        format!(
            "<dir>/0002_x.toml:9: check 1 (c), field `query`: a check query must return exactly one row, but it has a top-level GROUP BY, so it returns one row per group (or none): aggregate at the top level without GROUP BY, e.g. wrap it: `SELECT COUNT(*) FROM ({grouped}) d`"
        )
    );
    assert!(
        check_error("SELECT COUNT(*) FROM users HAVING COUNT(*) > 1").contains("top-level HAVING")
    );
    assert!(check_error("SELECT score FROM users WHERE id = 1").contains("selects no aggregate"));
    // The suggested wrapping loads.
    check(&format!("SELECT COUNT(*) FROM ({grouped}) d")).expect("the wrapped query loads");
}

#[test]
fn an_unqualified_column_of_two_joined_tables_is_ambiguous() {
    assert_eq!(
        check_error("SELECT COUNT(*) FROM users u JOIN links l ON l.user_id = u.id WHERE id > 1"),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: column `id` is ambiguous: both `u` and `l` have it; qualify it (e.g. `u.id`)"
    );
    check("SELECT COUNT(*) FROM users u JOIN links l ON l.user_id = u.id WHERE score > 1")
        .expect("a column of one table only is not ambiguous");
}

#[test]
fn a_misspelled_table_is_an_error_when_the_plan_knows_every_table() {
    assert_eq!(
        check_error("SELECT COUNT(*) FROM userz"),
        "<dir>/0002_x.toml:9: check 1 (c), field `query`: table `userz` is not created by any earlier step of the plan (did you mean `users`?)"
    );
    assert!(
        check_error(
            "SELECT COUNT(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM linkz l WHERE l.user_id = u.id)"
        )
        .contains("table `linkz` is not created by any earlier step of the plan (did you mean `links`?)")
    );
    // Raw DDL may create tables the model does not know: no error then.
    let raw = format!(
        "{TABLES}\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE legacy (id bigint)\"\ndown = \"DROP TABLE legacy\"\n"
    );
    load(
        &raw,
        &format!(
            "{STEP}\n[[checks]]\nname = \"c\"\nquery = \"SELECT COUNT(*) FROM legacy\"\nexpect = 0\n"
        ),
    )
    .expect("a table raw SQL may have created is not checked");
}

#[test]
fn an_enum_literal_outside_the_list_in_a_case_branch_is_refused() {
    let backfill = |value: &str| {
        format!(
            "description = \"x\"\n[[steps]]\nop = \"backfill\"\ntable = \"users\"\nset.kind = \"{value}\"\n"
        )
    };
    let Err(err) = load(
        TABLES,
        &backfill("CASE WHEN score > 1 THEN 'imdb' ELSE 'blgo' END"),
    ) else {
        panic!("a CASE branch outside the enum loaded");
    };
    assert!(err.contains("'blgo' is not a value of the enum"), "{err}");
    assert!(err.starts_with("<dir>/0002_x.toml:"), "{err}");
    // Valid literals load, and PostgreSQL gets the CASE cast to the enum type.
    let plan = load(
        TABLES,
        &backfill("CASE WHEN score > 1 THEN 'imdb' ELSE 'website' END"),
    )
    .expect("valid literals load");
    let rendered = cutover_core::render::render_plan(
        &plan,
        Dialect::Postgres,
        &cutover_core::render::RenderOptions::default(),
    )
    .expect("renders");
    let sql: String = rendered
        .iter()
        .flat_map(|m| m.statements.iter().map(|s| s.sql.clone()))
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        sql.contains("CAST(CAST((CASE WHEN"),
        "the CASE is cast to the enum: {sql}"
    );
}

#[test]
fn integer_sums_casts_and_divisions_render_alike() {
    let plan = check(
        "SELECT CAST(AVG(score) AS bigint) + SUM(score) / 2 + SUM(score) % COUNT(*) FROM users",
    )
    .expect("loads");
    let q = plan.migrations[1].checks[0]
        .item
        .query
        .as_ref()
        .expect("query");
    assert_eq!(
        q.to_sql(Dialect::Postgres).expect("pg"),
        r#"SELECT CAST(ROUND(AVG("score")) AS bigint) + (CAST(SUM("score") AS bigint) / 2) + (CAST(SUM("score") AS bigint) % NULLIF(COUNT(*), 0)) FROM "users""#
    );
    assert_eq!(
        q.to_sql(Dialect::Mysql).expect("mysql"),
        "SELECT CAST(ROUND(AVG(`score`)) AS SIGNED) + (CAST(SUM(`score`) AS SIGNED) DIV 2) + (CAST(SUM(`score`) AS SIGNED) % NULLIF(COUNT(*), 0)) FROM `users`"
    );
    assert_eq!(
        q.to_sql(Dialect::Sqlite).expect("sqlite"),
        r#"SELECT CAST(ROUND(AVG("score")) AS INTEGER) + (SUM("score") / 2) + (SUM("score") % COUNT(*)) FROM "users""#
    );
}
