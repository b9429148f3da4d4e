//! Red team rt1 F12 and rt4 F8: lint of PostgreSQL security steps. A policy on a table the
//! plan never enables row-level security on, a grant to an API role on such a table,
//! pg_temp early on a function's search_path, raw-SQL SECURITY DEFINER without a
//! search_path, and a typed `drop_function` outside a contract migration.

use cutover_core::Dialect;
use cutover_core::lint::lint_plan;
use cutover_tests::plans::PlanDir;

/// `(rule, migration, step)` of every finding of `rule` prefix `pg/`.
fn findings(files: &[(&str, &str)]) -> Vec<(String, String, Option<usize>, String)> {
    let dir = PlanDir::new();
    for (name, text) in files {
        dir.write(name, &format!("description = \"{name}\"\n{text}"));
    }
    lint_plan(&dir.load(), &[Dialect::Postgres])
        .into_iter()
        .filter(|f| {
            [
                "pg/policy-without-rls",
                "pg/grant-without-rls",
                "pg/search-path-pg-temp-not-last",
                "pg/security-definer-without-search-path",
                "pg/ban-drop-function",
            ]
            .contains(&f.rule)
        })
        .map(|f| (f.rule.to_string(), f.migration, f.step, f.message))
        .collect()
}

const TABLE: &str = r#"
[[steps]]
op = "create_table"
table = "notes"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const POLICY_AND_GRANT: &str = r#"
[[steps]]
op = "create_policy"
table = "notes"
name = "all"
using = "true"
dialects = ["postgres"]

[[steps]]
op = "grant"
privileges = ["select"]
objects = ["notes"]
to = ["anon", "reporting"]
dialects = ["postgres"]
"#;

#[test]
fn a_policy_or_api_grant_without_row_level_security_is_reported_until_the_plan_enables_it() {
    let found = findings(&[("0001_t.toml", TABLE), ("0002_p.toml", POLICY_AND_GRANT)]);
    let rules: Vec<&str> = found.iter().map(|f| f.0.as_str()).collect();
    assert_eq!(
        rules,
        ["pg/policy-without-rls", "pg/grant-without-rls"],
        "{found:?}"
    );
    assert_eq!((found[0].1.as_str(), found[0].2), ("0002", Some(1)));
    assert!(found[1].3.contains("`anon`"), "{found:?}");

    // Enabled in a later migration (or a renamed table's old name): nothing to report.
    let enable = "[[steps]]\nop = \"rename_table\"\ntable = \"notes\"\nto = \"memos\"\n\n\
                  [[steps]]\nop = \"enable_rls\"\ntable = \"memos\"\ndialects = [\"postgres\"]\n";
    let found = findings(&[
        ("0001_t.toml", TABLE),
        ("0002_p.toml", POLICY_AND_GRANT),
        ("0003_e.toml", enable),
    ]);
    assert_eq!(found, Vec::new());
}

#[test]
fn pg_temp_early_raw_security_definer_and_typed_drop_function_are_reported() {
    let functions = r#"
[[steps]]
op = "create_function"
name = "early"
returns = "int"
language = "sql"
body = "SELECT 1"
set_search_path = "pg_temp, public"
dialects = ["postgres"]

[[steps]]
op = "create_function"
name = "definer_without_temp"
returns = "int"
language = "sql"
body = "SELECT 1"
security_definer = true
set_search_path = "public"
dialects = ["postgres"]

[[steps]]
op = "create_function"
name = "good"
returns = "int"
language = "sql"
body = "SELECT 1"
security_definer = true
set_search_path = "pg_catalog, public, pg_temp"
dialects = ["postgres"]

[[steps]]
op = "sql"
dialects = ["postgres"]
postgres = """
CREATE FUNCTION raw_definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS $$ SELECT 1 $$;
CREATE FUNCTION raw_fixed() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$ SELECT 1 $$;
"""
down = "DROP FUNCTION raw_definer(); DROP FUNCTION raw_fixed()"
"#;
    let drop = "[[steps]]\nop = \"drop_function\"\nname = \"early\"\ndialects = [\"postgres\"]\n";
    let contract = format!("phase = \"contract\"\n{}", drop.replace("early", "good"));
    let found = findings(&[
        ("0001_f.toml", functions),
        ("0002_d.toml", drop),
        ("0003_c.toml", &contract),
    ]);
    let brief: Vec<(&str, &str, Option<usize>)> = found
        .iter()
        .map(|f| (f.0.as_str(), f.1.as_str(), f.2))
        .collect();
    assert_eq!(
        brief,
        [
            ("pg/search-path-pg-temp-not-last", "0001", Some(1)),
            ("pg/search-path-pg-temp-not-last", "0001", Some(2)),
            ("pg/security-definer-without-search-path", "0001", Some(4)),
            ("pg/ban-drop-function", "0002", Some(1)),
        ],
        "{found:?}"
    );
    assert!(found[2].3.contains("raw_definer"), "{found:?}");
}
