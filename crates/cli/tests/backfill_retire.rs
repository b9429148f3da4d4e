//! `cutover backfill run | retire | status` and `cutover status` with a retired backfill, as a
//! user runs them, on PostgreSQL, MariaDB and SQLite: the exit codes of the README table and
//! what is printed.

mod common;

use std::process::Output;

use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const ITEMS: &str = r#"
description = "items with their legacy name, and the new column"
phase = "expand"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "legacy_name", type = "varchar(40)" }, { name = "name", type = "varchar(40)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, legacy_name) VALUES (1, 'apple'), (2, 'pear'), (3, 'plum')"
down = "DELETE FROM items"
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
[[checks]]
name = "every item has a name"
table = "items"
where = "name IS NULL"
expect = 0
"#;

const DROP_LEGACY: &str = r#"
description = "drop the legacy name"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "legacy_name"
"#;

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test]
async fn retired_backfills_are_skipped_refused_and_shown() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS)
            .write("0002_fill.toml", FILL)
            .write("0003_drop_legacy.toml", DROP_LEGACY);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };

        let out = run(&["up", "--no-backup"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));

        // Without ids: the retired backfill is passed by, nothing fails.
        let out = run(&["backfill", "run"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        assert!(
            stdout(&out).contains("backfill fill_name: retired, skipped (superseded: migration 0003 (drop_legacy) drops column \"items\".\"legacy_name\")"),
            "{}",
            common::text(&out)
        );
        let out = run(&["--json", "backfill", "run"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let doc: serde_json::Value = common::json(&out);
        assert_eq!(doc["ok"], true, "{doc}");
        assert_eq!(doc["backfills"][0]["skipped"]["kind"], "superseded", "{doc}");

        // Named: refused, exit 10, with the reason; also as a dry run and as `undo`.
        for args in [
            &["backfill", "run", "fill_name"][..],
            &["backfill", "run", "fill_name", "--dry-run"],
            &["backfill", "undo", "fill_name", "--yes"],
        ] {
            let out = run(args);
            assert_eq!(code(&out), Some(10), "{args:?}: {}", common::text(&out));
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                err.contains("backfill `fill_name` is retired (superseded: migration 0003"),
                "{args:?}: {}",
                common::text(&out)
            );
        }
        let out = run(&["--json", "backfill", "run", "fill_name"]);
        let doc: serde_json::Value = common::json(&out);
        assert_eq!(
            (doc["ok"].as_bool(), doc["exit_code"].as_u64()),
            (Some(false), Some(10)),
            "{doc}"
        );

        // Both status commands say so.
        let out = run(&["backfill", "status"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        let text = stdout(&out);
        assert!(
            text.lines()
                .any(|l| l.starts_with("fill_name") && l.contains("retired")),
            "{text}"
        );
        assert!(text.contains("superseded: migration 0003"), "{text}");
        let out = run(&["status"]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        assert!(stdout(&out).contains("superseded: migration 0003"), "{}", stdout(&out));

        // Explicit retirement needs --yes (exit 1 without), records who and why.
        let out = run(&["backfill", "retire", "fill_name"]);
        assert_eq!(code(&out), Some(1), "{}", common::text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("--yes"));
        let out = run(&[
            "backfill",
            "retire",
            "fill_name",
            "--yes",
            "--reason",
            "copied during the cutover",
        ]);
        assert_eq!(code(&out), Some(0), "{}", common::text(&out));
        assert!(stdout(&out).contains("retired backfill fill_name"), "{}", stdout(&out));
        let out = run(&["--json", "backfill", "status"]);
        let doc: serde_json::Value = common::json(&out);
        let retired = &doc["backfills"][0]["retired"];
        assert_eq!(retired["kind"], "explicit", "{doc}");
        assert_eq!(retired["note"], "copied during the cutover", "{doc}");
        assert!(retired["by"].as_str().is_some_and(|b| !b.is_empty()), "{doc}");

        // An unknown id is an ordinary error.
        let out = run(&["backfill", "retire", "nope", "--yes"]);
        assert_eq!(code(&out), Some(1), "{}", common::text(&out));
        assert!(String::from_utf8_lossy(&out.stderr).contains("no backfill `nope`"));
    })
    .await;
}
