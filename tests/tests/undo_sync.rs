//! Undo of a dual-write backfill (`sync = true`, red-team #8), on real PostgreSQL, MariaDB and
//! SQLite: undo drops the sync trigger first and says so, restores the rows the backfill
//! wrote, keeps the values the trigger wrote into rows the application inserted or changed
//! afterwards (they are not the backfill's), and `backfill run` installs the trigger again.

#[path = "sync_triggers/support.rs"]
#[allow(dead_code)]
mod support;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::for_each_backend;
use support::{options, plan, sync_triggers, up_to};

async fn label(b: &mut dyn Backend, id: i64) -> Option<String> {
    let rows = b
        .query(&format!("SELECT label FROM items WHERE id = {id}"))
        .await
        .expect("read label");
    rows.rows
        .into_iter()
        .next()
        .and_then(|r| r.into_iter().next().flatten())
}

#[tokio::test]
async fn undo_of_a_sync_backfill_drops_its_trigger_first_and_keeps_what_the_trigger_wrote() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0002").await;
        for i in 1..=30 {
            b.execute(&format!(
                "INSERT INTO items (id, url, note) VALUES ({i}, 'https://cdn.example/f{i}.png', 'n')"
            ))
            .await
            .expect("seed");
        }
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(label(b.as_mut(), 2).await.as_deref(), Some("F2.PNG:secure"));
        assert!(!sync_triggers(b.as_mut()).await.is_empty(), "trigger installed");

        // The application after the backfill: a new row (filled by the trigger), and the
        // old version changing the url of row 1 (its label rewritten by the trigger).
        b.execute("INSERT INTO items (id, url, note) VALUES (100, 'http://x.example/new.gif', 'w')")
            .await
            .expect("insert");
        b.execute("UPDATE items SET url = 'http://x.example/moved.jpg' WHERE id = 1")
            .await
            .expect("update");
        assert_eq!(label(b.as_mut(), 100).await.as_deref(), Some("NEW.GIF:plain"));
        assert_eq!(label(b.as_mut(), 1).await.as_deref(), Some("MOVED.JPG:plain"));

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_label")
            .await
            .expect("undo");
        let note = report.note.clone().unwrap_or_default();
        assert!(note.contains("dropped the sync trigger of backfill `items_label`"), "{report:?}");
        assert_eq!(report.method, "log");
        assert_eq!(report.rows_restored, 29, "{report:?}");
        assert_eq!(report.rows_left_alone, 1, "{report:?}");
        assert_eq!(report.left_alone_keys, vec![vec!["1".to_string()]]);
        assert!(sync_triggers(b.as_mut()).await.is_empty(), "trigger dropped");
        assert_eq!(label(b.as_mut(), 2).await, None, "restored");
        assert_eq!(label(b.as_mut(), 1).await.as_deref(), Some("MOVED.JPG:plain"), "left alone");
        assert_eq!(label(b.as_mut(), 100).await.as_deref(), Some("NEW.GIF:plain"), "the trigger's row kept");
        // Nothing fills new rows any more.
        b.execute("INSERT INTO items (id, url, note) VALUES (101, 'https://x.example/a.png', 'w')")
            .await
            .expect("insert");
        assert_eq!(label(b.as_mut(), 101).await, None, "no trigger after the undo");

        // Running the backfill again installs the trigger again.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_label")
            .await
            .expect("backfill again");
        assert_eq!(label(b.as_mut(), 2).await.as_deref(), Some("F2.PNG:secure"));
        assert_eq!(label(b.as_mut(), 101).await.as_deref(), Some("A.PNG:secure"));
        b.execute("INSERT INTO items (id, url, note) VALUES (102, 'https://x.example/b.png', 'w')")
            .await
            .expect("insert");
        assert_eq!(label(b.as_mut(), 102).await.as_deref(), Some("B.PNG:secure"), "trigger back");
        b.close().await.expect("close");
    })
    .await;
}

const RENAME_KEY: &str = r#"
description = "the key gets its final name"
[[steps]]
op = "rename_column"
table = "items"
column = "id"
to = "item_id"
"#;

const LABEL_REQUIRED: &str = r#"
description = "every item has a label now"
[[steps]]
op = "alter_column"
table = "items"
column = "label"
nullable = false
[[down]]
op = "alter_column"
table = "items"
column = "label"
nullable = true
"#;

/// An undo that is refused or fails before restoring anything leaves dual-write on (rtC #2):
/// the sync trigger still fills rows the old application version writes.
#[tokio::test]
async fn an_undo_that_restores_nothing_keeps_the_sync_trigger() {
    for_each_backend(|db| async move {
        for (later, refused_before) in [(RENAME_KEY, true), (LABEL_REQUIRED, false)] {
            let (dir, _) = plan();
            dir.write("0004_check_id.toml", later);
            std::fs::remove_file(dir.path().join("0005_drop_url.toml")).expect("rm 0005");
            let plan = dir.load();
            let mut b = connect(db.url()).await.expect("connect");
            for t in ["items", "cutover_history", "cutover_backfill"] {
                let _ = b.execute(&format!("DROP TABLE {t}")).await;
            }
            let _ = b
                .execute(&format!(
                    "DROP TABLE {}",
                    cutover_core::backfill::BackfillScope::default_history()
                        .undo_log_table("items_label")
                ))
                .await;
            up_to(b.as_mut(), &plan, "0002").await;
            for i in 1..=30 {
                b.execute(&format!(
                    "INSERT INTO items (id, url, note) VALUES ({i}, 'https://cdn.example/f{i}.png', 'n')"
                ))
                .await
                .expect("seed");
            }
            up_to(b.as_mut(), &plan, "0004").await;
            let before = sync_triggers(b.as_mut()).await;
            assert!(!before.is_empty(), "trigger installed");
            let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
                .undo_backfill("items_label")
                .await
                .expect_err("the undo cannot restore the labels as the table is now");
            let text = format!("{err:#}");
            assert!(text.contains("0004"), "names the later migration: {text}");
            if !refused_before {
                assert!(text.contains("was installed again"), "{text}");
            }
            assert_eq!(sync_triggers(b.as_mut()).await, before, "{text}");
            // Dual-write goes on: the old version's insert gets its label. (Not on SQLite
            // once `label` is NOT NULL: its sync trigger fills the row after the insert,
            // which the constraint refuses first.)
            let key = if refused_before { "item_id" } else { "id" };
            if db.backend() == cutover_tests::Backend::Sqlite && !refused_before {
                b.close().await.expect("close");
                continue;
            }
            b.execute(&format!(
                "INSERT INTO items ({key}, url, note) VALUES (200, 'https://x.example/late.png', 'w')"
            ))
            .await
            .expect("insert after the refused undo");
            let got = b
                .query(&format!("SELECT label FROM items WHERE {key} = 200"))
                .await
                .expect("label");
            assert_eq!(got.scalar(), Some("LATE.PNG:secure"), "{text}");
            assert_eq!(
                b.query("SELECT COUNT(*) FROM items WHERE label IS NULL")
                    .await
                    .expect("count")
                    .scalar(),
                Some("0"),
                "nothing restored"
            );
            b.close().await.expect("close");
        }
    })
    .await;
}

const T: &str = r#"
description = "t"
[[steps]]
op = "create_table"
table = "t"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "a", type = "varchar(20)" },
  { name = "b", type = "varchar(20)", nullable = true },
]
"#;

const FILL_B: &str = r#"
description = "b from a, kept in sync"
phase = "backfill"
[[steps]]
op = "backfill"
id = "bf_b"
table = "t"
set.b = "upper(a)"
sync = true
"#;

const B_REQUIRED: &str = r#"
description = "b required"
[[steps]]
op = "alter_column"
table = "t"
column = "b"
nullable = false
[[down]]
op = "alter_column"
table = "t"
column = "b"
nullable = true
"#;

/// An undo that fails after restoring some rows also puts the sync trigger back (rtE H3):
/// rows 1-2 get their old value back in the first batch of two, row 3 needs NULL in a column
/// a later migration made NOT NULL.
#[tokio::test]
async fn an_undo_that_fails_part_way_puts_the_sync_trigger_back() {
    for_each_backend(|db| async move {
        let dir = cutover_tests::plans::PlanDir::new();
        dir.write("0001_t.toml", T)
            .write("0002_fill.toml", FILL_B)
            .write("0003_required.toml", B_REQUIRED);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0001").await;
        for i in 1..=5 {
            let old = if i <= 2 { "'old'" } else { "NULL" };
            b.execute(&format!(
                "INSERT INTO t (id, a, b) VALUES ({i}, 'a{i}', {old})"
            ))
            .await
            .expect("seed");
        }
        up_to(b.as_mut(), &plan, "0003").await;
        let before = sync_triggers(b.as_mut()).await;
        assert!(!before.is_empty(), "trigger installed");
        let mut o = options();
        o.backfill.batch_size = Some(2);
        let err = Runner::new(b.as_mut(), &plan, o, &Silent)
            .undo_backfill("bf_b")
            .await
            .expect_err("NULL cannot go back into b");
        let text = format!("{err:#}");
        assert!(
            text.contains("was installed again (2 rows restored"),
            "{text}"
        );
        assert_eq!(sync_triggers(b.as_mut()).await, before, "{text}");
        let restored = b
            .query("SELECT COUNT(*) FROM t WHERE b = 'old'")
            .await
            .expect("count");
        assert_eq!(restored.scalar(), Some("2"), "{text}");
        if db.backend() != cutover_tests::Backend::Sqlite {
            // The old version's insert is filled again (SQLite's trigger fills it after the
            // insert, which the NOT NULL refuses first).
            b.execute("INSERT INTO t (id, a) VALUES (10, 'neu')")
                .await
                .expect("the old version's insert");
            let got = b.query("SELECT b FROM t WHERE id = 10").await.expect("b");
            assert_eq!(got.scalar(), Some("NEU"));
        }
        b.close().await.expect("close");
    })
    .await;
}
