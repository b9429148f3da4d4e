//! Insert-select exact undo leaves alone copied rows that rows written later reference
//! through a foreign key (red-team rtB #1), on real PostgreSQL, MariaDB and SQLite: with
//! ON DELETE CASCADE deleting them would silently delete the referencing users' rows. The
//! dry run counts them the same way, and both name the foreign key.

use cutover_core::runner::{Runner, Silent};
use cutover_tests::for_each_backend;
use cutover_tests::undo_log::{ROWS, exec_all, options, rows, seeded, undo, up};

const COPIES: &str = r#"
description = "copies of items"
[[steps]]
op = "create_table"
table = "item_copies"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "label", type = "varchar(40)" },
]
[[steps]]
op = "backfill"
id = "copy_items"
table = "items"
insert_into = "item_copies"
values.id = "items.id"
values.label = "items.label"
"#;

#[tokio::test]
async fn insert_select_undo_keeps_copies_that_later_rows_reference_by_cascading_fk() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, COPIES).await;
        up(b.as_mut(), &plan).await;
        exec_all(
            b.as_mut(),
            [
                "CREATE TABLE child (id bigint PRIMARY KEY, copy_id bigint, data varchar(50), \
             FOREIGN KEY (copy_id) REFERENCES item_copies (id) ON DELETE CASCADE)",
                "INSERT INTO child (id, copy_id, data) VALUES (1, 3, 'user data'), \
             (2, 8, 'more'), (3, 8, 'again'), (4, NULL, 'none')",
            ],
        )
        .await;
        let preview = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .preview_undo("copy_items")
            .await
            .expect("dry run");
        assert_eq!(preview.logged, ROWS as u64, "{preview:?}");
        assert_eq!(preview.would_restore, ROWS as u64 - 2, "{preview:?}");
        assert_eq!(preview.would_leave_alone, 2, "{preview:?}");
        let note = preview.note.clone().unwrap_or_default();
        assert!(note.contains("child(copy_id) ON DELETE cascade"), "{note}");
        let report = undo(b.as_mut(), &plan, "copy_items").await;
        assert_eq!(report.method, "log");
        assert_eq!(report.rows_restored, ROWS as u64 - 2, "{report:?}");
        assert_eq!(report.rows_left_alone, 2, "{report:?}");
        assert_eq!(
            report.left_alone_keys,
            vec![vec!["3".to_string()], vec!["8".to_string()]]
        );
        assert!(report.note.as_deref().unwrap_or("").contains("referenced"));
        let copies = rows(b.as_mut(), "SELECT id FROM item_copies ORDER BY id").await;
        assert_eq!(
            copies,
            vec![vec![Some("3".to_string())], vec![Some("8".to_string())]],
            "only the referenced copies stay"
        );
        let child = rows(
            b.as_mut(),
            "SELECT id, copy_id, data FROM child ORDER BY id",
        )
        .await;
        let want: Vec<Vec<Option<String>>> = [
            ("1", Some("3"), "user data"),
            ("2", Some("8"), "more"),
            ("3", Some("8"), "again"),
            ("4", None, "none"),
        ]
        .iter()
        .map(|(i, c, d)| {
            vec![
                Some(i.to_string()),
                c.map(str::to_string),
                Some(d.to_string()),
            ]
        })
        .collect();
        assert_eq!(child, want, "no referencing row deleted");
        b.close().await.expect("close");
    })
    .await;
}

const SELF_REF: &str = r#"
description = "copies of items that users' rows of the same table point at"
[[steps]]
op = "create_table"
table = "item_copies"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "label", type = "varchar(40)" },
  { name = "parent", type = "bigint" },
]
foreign_keys = [ { columns = ["parent"], references = "item_copies(id)", on_delete = "cascade" } ]
[[steps]]
op = "backfill"
id = "copy_items"
table = "items"
insert_into = "item_copies"
values.id = "items.id"
values.label = "items.label"
"#;

#[tokio::test]
async fn insert_select_undo_keeps_copies_referenced_from_the_same_table() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, SELF_REF).await;
        up(b.as_mut(), &plan).await;
        let sql = "INSERT INTO item_copies (id, label, parent) VALUES (1000, 'user row', 5)";
        b.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let report = undo(b.as_mut(), &plan, "copy_items").await;
        assert_eq!(report.rows_restored, ROWS as u64 - 1, "{report:?}");
        assert_eq!(report.left_alone_keys, vec![vec!["5".to_string()]]);
        let left = rows(b.as_mut(), "SELECT id, parent FROM item_copies ORDER BY id").await;
        assert_eq!(
            left,
            vec![
                vec![Some("5".to_string()), None],
                vec![Some("1000".to_string()), Some("5".to_string())],
            ],
            "the referenced copy and the user's row stay"
        );
        b.close().await.expect("close");
    })
    .await;
}
