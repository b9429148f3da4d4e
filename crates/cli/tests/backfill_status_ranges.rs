//! `backfill status` shows each part of a parallel backfill on a text key with its range:
//! the inclusive end of a part split at a key read from the table is `<= key` in the text
//! and `{"keys": [..], "inclusive": true}` in JSON; the marker the checkpoint table stores
//! for it never shows (PostgreSQL and MariaDB/MySQL; SQLite runs one part).

mod common;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend};

fn seed(backend: Backend) -> String {
    let (numbers, code) = match backend {
        Backend::Postgres => (
            "SELECT g FROM generate_series(1, 2000) AS g".to_string(),
            "'k' || lpad(g::text, 5, '0')",
        ),
        _ => {
            let digit = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
            (
                format!(
                    "SELECT g FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 1 AS g FROM {digit} a CROSS JOIN {digit} b CROSS JOIN {digit} c CROSS JOIN {digit} e) AS n WHERE g <= 2000"
                ),
                "CONCAT('k', LPAD(g, 5, '0'))",
            )
        }
    };
    format!(
        r#"
description = "text-keyed items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  {{ name = "code", type = "varchar(20)", primary_key = true }},
  {{ name = "hits", type = "integer", nullable = false, default = 0 }},
]
[[steps]]
op = "sql"
sql = "INSERT INTO items (code) SELECT {code} FROM ({numbers}) AS n"
down = "DELETE FROM items"
"#
    )
}

const HITS: &str = r#"
description = "count"
[[steps]]
op = "backfill"
id = "items_hits"
table = "items"
pending = "hits = 0"
set.hits = "hits + 1"
"#;

#[tokio::test]
async fn part_ranges_show_inclusive_ends_as_less_or_equal() {
    for_each_backend(|db| async move {
        if db.backend() == Backend::Sqlite {
            return;
        }
        let plan = PlanDir::new();
        plan.write("0001_items.toml", &seed(db.backend()));
        plan.write("0002_hits.toml", HITS);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let out = common::run(
            plan.path(),
            &["up", "--to", "0001", "--database", db.url(), "--plan", &dir],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let run = [
            "backfill",
            "run",
            "items_hits",
            "--database",
            db.url(),
            "--plan",
            &dir,
            "--workers",
            "2",
        ];
        let out = common::run(plan.path(), &run);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));

        let status = ["backfill", "status", "--database", db.url(), "--plan", &dir];
        let json_args = [&status[..], &["--json"]].concat();
        let out = common::run(plan.path(), &json_args);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            !stdout.contains("through") && !stdout.contains("\\u0000"),
            "{stdout}"
        );
        let doc: serde_json::Value = serde_json::from_str(&stdout).expect("json");
        let ranges = doc["backfills"][0]["ranges"]
            .as_array()
            .unwrap_or_else(|| panic!("ranges: {stdout}"))
            .clone();
        assert_eq!(ranges.len(), 2, "{stdout}");
        let end = &ranges[0]["end"];
        assert_eq!(end["inclusive"], serde_json::json!(true), "{stdout}");
        let key = end["keys"][0].as_str().expect("one key").to_string();
        assert!(key.starts_with('k') && key.len() == 6, "{key}");
        assert!(
            ranges[1]["end"].is_null(),
            "the last part is open: {stdout}"
        );
        assert!(ranges[1]["cursor"].is_array(), "{stdout}");

        // An unfinished backfill lists its parts in the text view.
        let mut b = connect(db.url()).await.expect("connect");
        b.execute("UPDATE cutover_backfill SET state = 'running' WHERE id = 'items_hits'")
            .await
            .expect("mark running");
        b.close().await.expect("close");
        let out = common::run(plan.path(), &status);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(text.contains("part 0: "), "{text}");
        assert!(text.contains(&format!("up to <= {key} ")), "{text}");
        assert!(text.contains("part 1: after "), "{text}");
        assert!(text.contains(", to the end"), "{text}");
        assert!(!text.contains("through") && !text.contains('\0'), "{text}");
    })
    .await;
}
