//! A sync backfill with a non-unique `key` (it orders batches, nothing more, so it keeps no
//! undo log: a logged backfill's key must be unique): an old-app
//! insert must fill only its own row. SQLite's AFTER trigger used to update every row with
//! the same key value, overwriting what the new application wrote and rows outside `where`.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "varchar(40)" },
  { name = "price", type = "integer" },
  { name = "qty", type = "integer" },
]
"#;

const EXPAND: &str = r#"
description = "total and tag"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "total", type = "integer" }
[[steps]]
op = "add_column"
table = "items"
column = { name = "tag", type = "varchar(40)" }
"#;

const FILL: &str = r#"
description = "total and tag, kept in sync"
phase = "backfill"
[[steps]]
op = "backfill"
id = "items_total"
table = "items"
where = "price IS NOT NULL"
pending = "total IS NULL"
set.total = "price * qty"
set.tag = "lower(name)"
key = ["qty"]
undo_log = false
sync = true
"#;

#[tokio::test]
async fn a_sync_trigger_writes_only_the_row_being_written() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", ITEMS)
            .write("0002_expand.toml", EXPAND)
            .write("0003_fill.toml", FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        // The new app writes its own tag; a row outside `where`; then the old app inserts a
        // row with the same `qty`, and updates another one's price.
        b.execute(
            "INSERT INTO items (id, name, price, qty, total, tag) VALUES (1, 'One', 1, 5, 5, 'new-app')",
        )
        .await
        .expect("new app insert");
        b.execute("INSERT INTO items (id, name, price, qty) VALUES (2, 'Two', NULL, 5)")
            .await
            .expect("row outside where");
        b.execute("INSERT INTO items (id, name, price, qty) VALUES (3, 'Three', 2, 5)")
            .await
            .expect("old app insert");
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            [
                "1|One|1|5|5|new-app",
                "2|Two|NULL|5|NULL|NULL",
                "3|Three|2|5|10|three"
            ]
        );
        b.execute("UPDATE items SET price = 4 WHERE id = 3")
            .await
            .expect("old app update");
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            [
                "1|One|1|5|5|new-app",
                "2|Two|NULL|5|NULL|NULL",
                "3|Three|4|5|20|three"
            ]
        );
        b.close().await.expect("close");
    })
    .await;
}
