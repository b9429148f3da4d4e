//! The trigger's lifecycle: installed by the backfill's migration, kept through a SQLite table
//! rebuild, removed by the contract that drops the source column, reinstalled by its `down`,
//! removed by `down` of the backfill's migration and by an explicit retirement.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Version;
use cutover_core::runner::{DownTarget, Runner, Silent};
use cutover_tests::{for_each_backend, snapshot};

use super::support::{down, expected_triggers, options, plan, sync_triggers, up_to};

async fn insert_and_read(b: &mut dyn Backend, id: u64, url: Option<&str>) -> Option<String> {
    let sql = match url {
        Some(u) => format!("INSERT INTO items (id, url, note) VALUES ({id}, '{u}', 'x')"),
        None => format!("INSERT INTO items (id, note) VALUES ({id}, 'x')"),
    };
    b.execute(&sql).await.expect("insert");
    b.query(&format!("SELECT label FROM items WHERE id = {id}"))
        .await
        .expect("read label")
        .scalar()
        .map(str::to_string)
}

#[tokio::test]
async fn the_contract_removes_the_trigger_and_down_brings_it_back() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let kind = db.backend();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0002").await;
        assert!(sync_triggers(b.as_mut()).await.is_empty());
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));

        // A table rebuild (SQLite) keeps the trigger working.
        up_to(b.as_mut(), &plan, "0004").await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        let label = insert_and_read(b.as_mut(), 10, Some("https://a.example/p/q.txt")).await;
        assert_eq!(label.as_deref(), Some("Q.TXT:secure"));
        b.execute("UPDATE items SET url = 'http://b.example/r.csv' WHERE id = 10")
            .await
            .expect("update url");
        let rows = snapshot::rows(b.as_mut(), "items").await;
        assert_eq!(rows, ["10|http://b.example/r.csv|x|R.CSV:plain"]);

        // The contract drops the trigger first, then the column it reads.
        up_to(b.as_mut(), &plan, "0005").await;
        assert!(
            sync_triggers(b.as_mut()).await.is_empty(),
            "the contract removed the trigger"
        );
        b.execute("INSERT INTO items (id, note) VALUES (11, 'y')")
            .await
            .expect("writes work without the column and the trigger");
        let status = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill_status()
            .await
            .expect("backfill status");
        let s = status
            .iter()
            .find(|s| s.id == "items_label")
            .expect("in status");
        assert!(!s.sync_active, "status: no sync trigger after the contract");

        // `down` of the contract reinstalls it, after the column is back.
        down(b.as_mut(), &plan, DownTarget::Steps(1)).await;
        assert_eq!(sync_triggers(b.as_mut()).await, expected_triggers(kind));
        let label = insert_and_read(b.as_mut(), 12, Some("https://c.example/s.mov")).await;
        assert_eq!(label.as_deref(), Some("S.MOV:secure"));
        let status = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill_status()
            .await
            .expect("backfill status");
        let s = status
            .iter()
            .find(|s| s.id == "items_label")
            .expect("in status");
        assert!(s.sync_active, "status shows the active sync trigger");

        // `down` of the backfill's migration removes it.
        down(
            b.as_mut(),
            &plan,
            DownTarget::Version(Version::parse("0002").expect("v")),
        )
        .await;
        assert!(
            sync_triggers(b.as_mut()).await.is_empty(),
            "down of 0003 removed the trigger"
        );
        let label = insert_and_read(b.as_mut(), 13, Some("https://d.example/t.png")).await;
        assert_eq!(label, None, "no trigger fills the label any more");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn retiring_the_backfill_removes_its_trigger() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(
            sync_triggers(b.as_mut()).await,
            expected_triggers(db.backend())
        );
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("items_label", Some("the new app writes label itself"))
            .await
            .expect("retire");
        assert!(
            sync_triggers(b.as_mut()).await.is_empty(),
            "retirement removed the trigger"
        );
        let label = insert_and_read(b.as_mut(), 20, Some("https://e.example/u.png")).await;
        assert_eq!(label, None, "no trigger fills the label after retirement");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_backfill_run_ahead_of_its_migration_installs_the_trigger_first() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0002").await;
        insert_and_read(b.as_mut(), 30, Some("https://f.example/v.png")).await;
        let outcome = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_label")
            .await
            .expect("backfill run ahead of up");
        assert!(outcome.complete, "verified");
        assert_eq!(
            sync_triggers(b.as_mut()).await,
            expected_triggers(db.backend())
        );
        let label = insert_and_read(b.as_mut(), 31, Some("http://g.example/w.gif")).await;
        assert_eq!(
            label.as_deref(),
            Some("W.GIF:plain"),
            "written after the run: synced"
        );
        // `up` then installs it again idempotently and finds the backfill done.
        up_to(b.as_mut(), &plan, "0003").await;
        assert_eq!(
            sync_triggers(b.as_mut()).await,
            expected_triggers(db.backend())
        );
        let rows = snapshot::rows(b.as_mut(), "items").await;
        assert_eq!(
            rows,
            [
                "30|https://f.example/v.png|x|V.PNG:secure",
                "31|http://g.example/w.gif|x|W.GIF:plain"
            ]
        );
        b.close().await.expect("close");
    })
    .await;
}
