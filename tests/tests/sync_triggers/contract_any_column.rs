//! A `phase = "contract"` migration that drops a column the sync trigger does not use still
//! removes the trigger first (red-team rt4 F16; docs/backfill.md: a contract that touches the
//! table ends dual-write), and its `down` installs it again.

use cutover_cli::connect::connect;
use cutover_core::runner::DownTarget;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

use super::support::{ADD_LABEL, FILL, ITEMS, down, expected_triggers, sync_triggers, up_to};

const DROP_NOTE: &str = r#"
description = "contract: drop note"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "note"
allow = [{ rule = "sqlite/table-rebuild", reason = "test table" }]
[[down]]
op = "add_column"
table = "items"
column = { name = "note", type = "varchar(40)" }
"#;

#[tokio::test]
async fn a_contract_dropping_an_unrelated_column_ends_the_trigger() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", ITEMS)
            .write("0002_add_label.toml", ADD_LABEL)
            .write("0003_fill.toml", FILL)
            .write("0004_drop_note.toml", DROP_NOTE);
        let plan = dir.load();
        let kind = db.backend();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        up_to(b.as_mut(), &plan, "0004").await;
        assert!(
            sync_triggers(b.as_mut()).await.is_empty(),
            "the contract removed the sync trigger"
        );
        b.execute("INSERT INTO items (id, url) VALUES (1, 'https://a.example/x.txt')")
            .await
            .expect("insert");
        let label = b
            .query("SELECT label FROM items WHERE id = 1")
            .await
            .expect("select")
            .scalar()
            .map(str::to_string);
        assert_eq!(label, None, "no dual-write after the contract");
        down(b.as_mut(), &plan, DownTarget::Steps(1)).await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        b.close().await.expect("close");
    })
    .await;
}
