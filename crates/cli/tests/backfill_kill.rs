//! A 200k-row backfill killed with SIGKILL at ten random moments and resumed each time ends
//! equal, row by row, to the single set-based UPDATE, with no row changed twice.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::render::{RenderOptions, render_plan};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const ROWS: u64 = 200_000;

fn seed() -> String {
    format!(
        r#"
description = "items and an identical copy for the set-based reference"
[[steps]]
op = "create_table"
table = "items"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "val", type = "bigint", nullable = false }},
  {{ name = "hits", type = "integer", nullable = false, default = 0 }},
  {{ name = "label", type = "varchar(40)" }},
]
[[steps]]
op = "sql"
postgres = "INSERT INTO items (id, val) SELECT g, g * 7 % 1000 FROM generate_series(1, {ROWS}) AS g"
sqlite = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {ROWS}) INSERT INTO items (id, val) SELECT g, g * 7 % 1000 FROM s"
mysql = """INSERT INTO items (id, val)
SELECT g, g * 7 % 1000 FROM (
  SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 100000 * h.d + 1 AS g
  FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a
  CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b
  CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) c
  CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) e
  CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) f
  CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1) h
) AS s WHERE g <= {ROWS}"""
down = "DELETE FROM items"
[[steps]]
op = "create_table"
table = "items_expected"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "val", type = "bigint", nullable = false }},
  {{ name = "hits", type = "integer", nullable = false, default = 0 }},
  {{ name = "label", type = "varchar(40)" }},
]
[[steps]]
op = "sql"
sql = "INSERT INTO items_expected SELECT * FROM items"
down = "DELETE FROM items_expected"
"#
    )
}

const BACKFILL: &str = r#"
description = "label every item; hits counts how often a row was changed"
[[steps]]
op = "backfill"
id = "items_label"
table = "items"
pending = "hits = 0"
set.hits = "hits + 1"
set.label = "concat('v', CAST(val * 3 AS text), '-', CASE WHEN val % 2 = 0 THEN 'even' ELSE 'odd' END)"
"#;

/// A small deterministic generator for the kill moments.
fn moments(seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            60 + x % 500
        })
        .collect()
}

#[tokio::test]
async fn killed_ten_times_ends_equal_to_the_single_update() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", &seed())
            .write("0002_label.toml", BACKFILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let out = common::run(
            plan.path(),
            &["up", "--to", "0001", "--database", db.url(), "--plan", &dir],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));

        // The reference: the single set-based UPDATE, on the copy.
        let dialect: Dialect = db.backend().name().parse().expect("dialect");
        let rendered =
            render_plan(&plan.load(), dialect, &RenderOptions::default()).expect("render");
        let update = rendered[1].statements[0].sql.replacen(
            &dialect.quote("items"),
            &dialect.quote("items_expected"),
            1,
        );
        let mut b = connect(db.url()).await.expect("connect");
        assert!(b.execute(&update).await.expect("reference update") > 0);

        let args = [
            "backfill",
            "run",
            "items_label",
            "--database",
            db.url(),
            "--plan",
            dir.as_str(),
            "--batch-size",
            "500",
            "--no-adapt",
            "--pause-ms",
            "10",
        ];
        let mut killed = 0;
        for wait in moments(0x5eed ^ db.backend().name().len() as u64, 10) {
            let mut child = Command::new(common::bin())
                .args(args)
                .env_remove("DATABASE_URL")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("spawn");
            tokio::time::sleep(Duration::from_millis(wait)).await;
            if child.try_wait().expect("poll").is_none() {
                killed += 1;
            }
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
        }
        assert!(
            killed >= 5,
            "most runs must be killed mid-way (killed {killed})"
        );
        let progress =
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM items WHERE hits = 1").await;
        assert!(progress > 0, "the killed runs made progress");
        let out = common::run(plan.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));

        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM items WHERE hits <> 1").await,
            0,
            "no row changed twice or missed"
        );
        let got = snapshot::rows(b.as_mut(), "items").await;
        let expected = snapshot::rows(b.as_mut(), "items_expected").await;
        assert_eq!(got.len() as u64, ROWS);
        assert!(got == expected, "items differ from the set-based result");
        b.close().await.expect("close");
    })
    .await;
}
