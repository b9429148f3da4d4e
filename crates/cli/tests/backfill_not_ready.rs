//! `cutover backfill run` on a database where the migrations before the backfill's own are not
//! applied: without ids it is skipped with a note (exit 0, nothing touched); named, it is
//! refused with the missing migrations and the `cutover up --to` that fixes it. Once they are
//! applied, the backfill runs ahead of its own migration and `up` only verifies it.

mod common;

use std::process::Output;

use cutover_cli::connect::connect;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const ITEMS: &str = r#"
description = "items with their legacy name"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "legacy_name", type = "varchar(40)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, legacy_name) VALUES (1, 'apple'), (2, 'pear')"
down = "DELETE FROM items"
"#;

const ADD_NAME: &str = r#"
description = "the new column"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "name", type = "varchar(40)" }
"#;

const FILL: &str = r#"
description = "copy legacy_name into name"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_name"
table = "items"
pending = "name IS NULL AND legacy_name IS NOT NULL"
set.name = "upper(legacy_name)"
"#;

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

#[tokio::test]
async fn a_backfill_waits_for_the_migrations_before_its_own() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_add_name.toml", ADD_NAME)
            .write("0003_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };

        // Nothing applied: skipped with a note, exit 0.
        let out = run(&["backfill", "run"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains(
                "backfill fill_name: skipped, 0001 (items), 0002 (add_name) not applied yet"
            ),
            "{}",
            common::text(&out)
        );

        // 0001 applied, 0002 not: named, refused with what to run.
        let out = run(&["up", "--to", "0001", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        for args in [
            &["backfill", "run", "fill_name"][..],
            &["backfill", "run", "fill_name", "--dry-run"],
        ] {
            let out = run(args);
            assert_eq!(code(&out), Some(1), "{args:?}: {}", common::text(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("backfill `fill_name` of 0003 (fill) cannot run yet: 0002 (add_name) not applied on this database; apply them first: `cutover up --to 0002`"),
                "{args:?}: {}",
                common::text(&out)
            );
        }

        // 0002 applied: the backfill runs ahead of 0003, then `up` finds it complete.
        let out = run(&["up", "--to", "0002", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let out = run(&["backfill", "run"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let mut b = connect(db.url()).await.expect("connect");
        let rows = b
            .query("SELECT id, name FROM items ORDER BY id")
            .await
            .expect("rows");
        let names: Vec<Option<String>> = rows.rows.iter().map(|r| r[1].clone()).collect();
        assert_eq!(names, [Some("APPLE".to_string()), Some("PEAR".to_string())]);
        b.close().await.expect("close");
        let out = run(&["up", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
    })
    .await;
}

const TWO_FILLS: &str = r#"
description = "fill name and label, verified together"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_name"
table = "items"
pending = "name IS NULL AND legacy_name IS NOT NULL"
set.name = "upper(legacy_name)"
[[steps]]
op = "backfill"
id = "fill_label"
table = "items"
pending = "label IS NULL"
set.label = "concat(legacy_name, '!')"
[[checks]]
name = "every item has a name and a label"
table = "items"
where = "name IS NULL OR label IS NULL"
expect = 0
"#;

const ADD_BOTH: &str = r#"
description = "the new columns"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "name", type = "varchar(40)" }
[[steps]]
op = "add_column"
table = "items"
column = { name = "label", type = "varchar(40)" }
"#;

#[tokio::test]
async fn a_migrations_checks_wait_for_all_of_its_backfills() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_add_both.toml", ADD_BOTH)
            .write("0003_fill.toml", TWO_FILLS);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--to", "0002", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        // Both backfills without ids: the first does not fail the shared check.
        let out = run(&["backfill", "run"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            text.contains("verification waits for backfill fill_label of the same migration")
                && text.contains("verified: complete")
                && !text.contains("FAILED"),
            "{}",
            common::text(&out)
        );
        let out = run(&["backfill", "status"]);
        let status = String::from_utf8_lossy(&out.stdout).into_owned();
        for id in ["fill_name", "fill_label"] {
            assert!(
                status
                    .lines()
                    .any(|l| l.contains(id) && l.contains("complete")),
                "{id}: {status} {}",
                common::text(&out)
            );
        }
    })
    .await;
}
