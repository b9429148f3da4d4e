//! `cutover sql` shows the steps a dialect skips because of their `dialects = [..]`.

mod common;

use cutover_tests::plans::PlanDir;

const PLAN: &str = r#"description = "an index that only PostgreSQL and SQLite can build"

[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "text" }]

[[steps]]
op = "create_index"
table = "items"
columns = ["name"]
where = "name IS NOT NULL"
dialects = ["postgres", "sqlite"]

[[steps]]
op = "add_column"
table = "items"
column = { name = "note", type = "text" }
"#;

#[test]
fn skipped_steps_are_listed_in_the_sql_output() {
    let plan = PlanDir::new();
    plan.write("0001_items.toml", PLAN);
    let dir = plan.path().to_str().expect("utf8");
    let out = common::run(plan.path(), &["sql", "--plan", dir, "--dialect", "mysql"]);
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("-- step 2 (create_index) skipped on mysql: dialects = [postgres, sqlite]"),
        "{text}"
    );
    assert!(!text.contains("CREATE INDEX"), "{text}");
    // Listed where it stands: after step 1, before step 3.
    let at = |needle: &str| text.find(needle).unwrap_or(usize::MAX);
    assert!(
        at("-- step 1 (create_table)") < at("-- step 2 (create_index) skipped")
            && at("-- step 2 (create_index) skipped") < at("-- step 3 (add_column)"),
        "{text}"
    );
    let out = common::run(plan.path(), &["sql", "--plan", dir, "--dialect", "sqlite"]);
    let text = common::text(&out);
    assert!(
        text.contains(
            r#"CREATE INDEX "idx_items_name" ON "items" ("name") WHERE "name" IS NOT NULL"#
        ),
        "{text}"
    );
    assert!(!text.contains("skipped"), "{text}");
}

const FULL_JOIN_CHECK: &str = r#"description = "a check only PostgreSQL can run"

[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }]

[[steps]]
op = "create_table"
table = "links"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "user_id", type = "bigint" }]

[[checks]]
name = "orphans"
query = "SELECT COUNT(*) FROM users u FULL JOIN links l ON l.user_id = u.id WHERE u.id IS NULL"
expect = 0
dialects = ["postgres"]
"#;

#[test]
fn checks_limited_to_other_dialects_are_listed_as_skipped_not_rendered() {
    let plan = PlanDir::new();
    plan.write("0001_users.toml", FULL_JOIN_CHECK);
    let dir = plan.path().to_str().expect("utf8");
    for dialect in ["mysql", "sqlite"] {
        let out = common::run(plan.path(), &["sql", "--plan", dir, "--dialect", dialect]);
        let text = common::text(&out);
        assert!(out.status.success(), "{dialect}: {text}");
        assert!(
            text.contains(&format!(
                "-- check orphans skipped on {dialect}: dialects = [postgres]"
            )),
            "{dialect}: {text}"
        );
        assert!(!text.contains("FULL"), "{dialect}: {text}");
    }
    let out = common::run(
        plan.path(),
        &["sql", "--plan", dir, "--dialect", "postgres"],
    );
    let text = common::text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("-- check orphans (after, expect = 0)"),
        "{text}"
    );
    assert!(text.contains("FULL OUTER JOIN"), "{text}");
    assert!(!text.contains("skipped"), "{text}");
}
