//! `cutover backfill undo` with an undo log, as a user runs it, on PostgreSQL, MariaDB and
//! SQLite: the text report names the rows left alone, `--json` carries them, exit code 0;
//! without `--yes` it refuses (exit 1) and changes nothing; `--dry-run` counts what it would
//! restore and leave alone, and `backfill status` shows the log's row count.

mod common;

use std::process::Output;

use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "varchar(40)" }, { name = "note", type = "text" }]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, name, note) VALUES (1, 'apple', NULL), (2, 'pear', ''), (3, 'plum', 'x'), (4, NULL, 'y')"
down = "DELETE FROM items"
"#;

const FILL: &str = r#"
description = "upper-case names"
[[steps]]
op = "backfill"
id = "upper_names"
table = "items"
set.name = "upper(coalesce(name, 'none'))"
set.note = "'filled'"
"#;

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn undo_reports_the_rows_left_alone_in_text_and_json() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        // A user changes row 2 after the backfill.
        let mut b = cutover_cli::connect::connect(db.url()).await.expect("connect");
        b.execute("UPDATE items SET name = 'Mine' WHERE id = 2")
            .await
            .expect("user change");
        b.close().await.expect("close");

        let out = run(&["backfill", "undo", "upper_names"]);
        assert_eq!(code(&out), Some(1), "{}", common::text(&out));
        assert!(common::text(&out).contains("--yes"), "{}", common::text(&out));

        // The dry run counts and writes nothing; status shows the log's size.
        let out = run(&["backfill", "undo", "upper_names", "--dry-run"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        assert!(
            stdout(&out).contains("dry run, nothing written: undo of backfill upper_names would restore 3 rows exactly from its undo log and leave alone 1 row changed or deleted since (4 logged)"),
            "{}",
            common::text(&out)
        );
        let out = run(&["backfill", "undo", "upper_names", "--dry-run", "--json"]);
        let doc = common::json(&out);
        assert_eq!(doc["undo_dry_run"]["would_restore"], 3, "{doc}");
        assert_eq!(doc["undo_dry_run"]["would_leave_alone"], 1, "{doc}");
        let out = run(&["backfill", "status"]);
        assert!(stdout(&out).contains("undo log: 4 rows"), "{}", common::text(&out));

        let out = run(&["backfill", "undo", "upper_names", "--yes"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let text = stdout(&out);
        assert!(
            text.contains("undid backfill upper_names exactly, from its undo log: 3 rows restored"),
            "{text}"
        );
        assert!(
            text.contains("left alone 1 row changed after the backfill wrote them (their current values are kept, including the columns the backfill wrote): keys (2)"),
            "{text}"
        );

        let mut b = cutover_cli::connect::connect(db.url()).await.expect("connect");
        let rows = b
            .query("SELECT id, name, note FROM items ORDER BY id")
            .await
            .expect("rows")
            .rows;
        b.close().await.expect("close");
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            rows,
            vec![
                vec![s("1"), s("apple"), None],
                vec![s("2"), s("Mine"), s("filled")],
                vec![s("3"), s("plum"), s("x")],
                vec![s("4"), None, s("y")],
            ]
        );

        // Run it again, then undo with --json.
        let out = run(&["backfill", "run", "upper_names"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let out = run(&["backfill", "undo", "upper_names", "--yes", "--json"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let doc = common::json(&out);
        assert_eq!(doc["ok"], true);
        assert_eq!(doc["undo"]["method"], "log");
        assert_eq!(doc["undo"]["rows_restored"], 4, "{doc}");
        assert_eq!(doc["undo"]["rows_left_alone"], 0, "{doc}");
    })
    .await;
}
