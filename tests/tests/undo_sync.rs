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
