//! Exact undo never takes back what users changed after the backfill (red-team #6 and #9), on
//! real PostgreSQL, MariaDB and SQLite:
//! - insert-select: a copied row edited in a column outside `values` (a default the
//!   application changed) is left alone and reported, not deleted;
//! - a row deleted and inserted again under the same key with other values is left alone and
//!   reported (update and insert-select form). A row inserted again with exactly the values
//!   the backfill wrote cannot be told apart from the backfill's row: it is undone.

use cutover_tests::for_each_backend;
use cutover_tests::undo_log::{FILL, ROWS, exec_all, row, rows, seeded, snapshot, undo, up};

const COPIES: &str = r#"
description = "copies of items, with a column the copy does not write"
[[steps]]
op = "create_table"
table = "item_copies"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "label", type = "varchar(40)" },
  { name = "amount", type = "decimal(12,4)" },
  { name = "note", type = "varchar(40)" },
]
[[steps]]
op = "backfill"
id = "copy_items"
table = "items"
insert_into = "item_copies"
values.id = "items.id"
values.label = "items.label"
values.amount = "items.amount"
"#;

#[tokio::test]
async fn insert_select_undo_leaves_alone_rows_edited_outside_values_or_reinserted() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, COPIES).await;
        up(b.as_mut(), &plan).await;
        let six = rows(
            b.as_mut(),
            "SELECT label, amount FROM item_copies WHERE id = 6",
        )
        .await;
        let six = &six[0];
        let q = |v: &Option<String>| v.as_ref().map_or("NULL".to_string(), |s| format!("'{s}'"));
        exec_all(
            b.as_mut(),
            [
                // Only a column the copy does not write.
                "UPDATE item_copies SET note = 'checked' WHERE id = 4".to_string(),
                // Deleted, then the key reused with other values.
                "DELETE FROM item_copies WHERE id = 5".to_string(),
                "INSERT INTO item_copies (id, label, amount) VALUES (5, 'reused', 1)".to_string(),
                // Deleted, then inserted again exactly as copied: indistinguishable.
                "DELETE FROM item_copies WHERE id = 6".to_string(),
                format!(
                    "INSERT INTO item_copies (id, label, amount) VALUES (6, {}, {})",
                    q(&six[0]),
                    q(&six[1])
                ),
            ],
        )
        .await;
        let report = undo(b.as_mut(), &plan, "copy_items").await;
        assert_eq!(report.method, "log");
        assert_eq!(report.rows_restored, ROWS as u64 - 2, "{report:?}");
        assert_eq!(report.rows_left_alone, 2, "{report:?}");
        assert_eq!(
            report.left_alone_keys,
            vec![vec!["4".to_string()], vec!["5".to_string()]]
        );
        let left = rows(
            b.as_mut(),
            "SELECT id, label, note FROM item_copies ORDER BY id",
        )
        .await;
        let four_label = left.first().and_then(|r| r[1].clone());
        assert_eq!(left.len(), 2, "{left:?}");
        assert_eq!(left[0][0].as_deref(), Some("4"));
        assert_eq!(
            left[0][2].as_deref(),
            Some("checked"),
            "the user's edit kept"
        );
        assert_eq!(left[0][1], four_label);
        assert_eq!(
            left[1],
            vec![Some("5".into()), Some("reused".into()), None],
            "the reused key kept"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn update_undo_leaves_alone_a_key_deleted_and_reused_with_other_values() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, FILL).await;
        let before = snapshot(b.as_mut()).await;
        up(b.as_mut(), &plan).await;
        exec_all(
            b.as_mut(),
            [
                "DELETE FROM items WHERE id = 7",
                "INSERT INTO items (id, label, other) VALUES (7, 'reused', 'new row')",
            ],
        )
        .await;
        let reused = row(&snapshot(b.as_mut()).await, 7);
        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(report.rows_restored, ROWS as u64 - 1, "{report:?}");
        assert_eq!(report.left_alone_keys, vec![vec!["7".to_string()]]);
        let after = snapshot(b.as_mut()).await;
        assert_eq!(
            row(&after, 7),
            reused,
            "the new row 7 is not given the old one's values"
        );
        for id in (1..=ROWS).filter(|i| *i != 7) {
            assert_eq!(row(&after, id), row(&before, id), "row {id}");
        }
        b.close().await.expect("close");
    })
    .await;
}
