//! The expression undo (`undo_log = false`) against a schema later migrations changed, and
//! its `--dry-run` count, on PostgreSQL, MariaDB and SQLite (red team rtA #6, #9): a later
//! rename of a column the backfill's `where` reads is refused before anything is written,
//! naming the migration and `cutover down --to`, by the undo and by its dry run; the dry run
//! counts the rows the undo would write.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::runs::{down_one, options, rows, up};

const ORDERS: &str = r#"
description = "orders"
[[steps]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "kind", type = "varchar(10)" },
  { name = "region", type = "varchar(10)" },
]
"#;

const FILL: &str = r#"
description = "region of retail orders"
[[steps]]
op = "backfill"
id = "retail_region"
table = "orders"
where = "orders.kind = 'retail'"
set.region = "'eu'"
undo.region = "NULL"
undo_log = false
batch_size = 40
"#;

const RENAME: &str = r#"
description = "kind becomes category"
[[steps]]
op = "rename_column"
table = "orders"
column = "kind"
to = "category"
"#;

const ROWS: u64 = 300;

async fn seeded(dir: &PlanDir, b: &mut dyn cutover_core::backend::Backend) {
    dir.write("0001_orders.toml", ORDERS);
    up(b, dir).await.expect("0001");
    let values: Vec<String> = (1..=ROWS)
        .map(|i| {
            let kind = if i % 3 == 0 { "retail" } else { "bulk" };
            format!("({i}, '{kind}', NULL)")
        })
        .collect();
    b.execute(&format!(
        "INSERT INTO orders (id, kind, region) VALUES {}",
        values.join(", ")
    ))
    .await
    .expect("rows");
    dir.write("0002_fill.toml", FILL);
}

#[tokio::test]
async fn a_later_rename_of_a_column_where_reads_is_refused_before_the_undo_writes() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        let mut b = connect(db.url()).await.expect("connect");
        seeded(&dir, b.as_mut()).await;
        dir.write("0003_rename.toml", RENAME);
        up(b.as_mut(), &dir).await.expect("0002, 0003");
        let filled = "SELECT count(*) FROM orders WHERE region = 'eu'";
        assert_eq!(rows(b.as_mut(), filled).await, ["100"]);

        let plan = dir.load();
        let e = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .preview_undo("retail_region")
            .await
            .expect_err("the dry run catches the rename")
            .to_string();
        assert!(e.contains("0003 (rename)"), "{e}");
        assert!(e.contains("renames `kind` to `category`"), "{e}");
        assert!(e.contains("cutover down --to 0002"), "{e}");
        let e = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("retail_region")
            .await
            .expect_err("the undo is refused")
            .to_string();
        assert!(e.contains("cutover down --to 0002"), "{e}");
        assert!(!e.contains("does not exist"), "no raw driver error: {e}");
        assert_eq!(rows(b.as_mut(), filled).await, ["100"], "nothing written");
        let status = rows(
            b.as_mut(),
            "SELECT count(*) FROM cutover_backfill WHERE state = 'undoing'",
        )
        .await;
        assert_eq!(status, ["0"], "the backfill did not move to undoing");

        down_one(b.as_mut(), &dir).await.expect("down 0003");
        let report = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .undo_backfill("retail_region")
            .await
            .expect("undo once the rename is reverted");
        assert_eq!(report.rows_restored, 100);
        assert_eq!(
            rows(
                b.as_mut(),
                "SELECT count(*) FROM orders WHERE region IS NOT NULL"
            )
            .await,
            ["0"]
        );
        let _ = b.close().await;
    })
    .await;
}

#[tokio::test]
async fn the_expression_undo_dry_run_counts_the_rows_it_would_write() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        let mut b = connect(db.url()).await.expect("connect");
        seeded(&dir, b.as_mut()).await;
        up(b.as_mut(), &dir).await.expect("0002");

        let preview = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .preview_undo("retail_region")
            .await
            .expect("dry run");
        assert_eq!(preview.method, "expressions");
        assert_eq!(preview.would_restore, 100, "{preview:?}");
        let selects = preview.selects.clone().unwrap_or_default();
        assert!(selects.contains("`where`"), "{preview:?}");
        assert!(!selects.contains("undo_where"), "{preview:?}");
        assert_eq!(
            rows(
                b.as_mut(),
                "SELECT count(*) FROM orders WHERE region = 'eu'"
            )
            .await,
            ["100"],
            "nothing written"
        );

        let report = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .undo_backfill("retail_region")
            .await
            .expect("undo");
        assert_eq!(report.rows_restored, preview.would_restore);
        let _ = b.close().await;
    })
    .await;
}
