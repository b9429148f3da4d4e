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
