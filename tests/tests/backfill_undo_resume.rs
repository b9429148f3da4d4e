//! Exact undo under faults, on real PostgreSQL, MariaDB and SQLite: an undo whose connection
//! dies after its first batch committed, resumed on a fresh connection, ends exactly where
//! an undo that ran through ends (and still reports every row it left alone); a second
//! runner is refused by the backfill's lock while another session holds it.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::crash::{CrashAt, Crashing};
use cutover_tests::undo_log::{
    FILL, ROWS, options, plan_dir, row, seed, snapshot, undo_all_exactly,
};
use cutover_tests::{Backend as Kind, for_each_backend};

#[tokio::test]
async fn an_undo_killed_mid_way_and_resumed_ends_like_one_that_ran_through() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seed(b.as_mut(), &plan, db.backend()).await;
        let before = snapshot(b.as_mut()).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up runs the backfill");
        for sql in [
            "UPDATE items SET label = 'user' WHERE id = 3",
            "UPDATE items SET uid = NULL WHERE id = 30",
        ] {
            b.execute(sql).await.expect("user change");
        }
        let changed = snapshot(b.as_mut()).await;

        // The connection dies right after the first undo batch committed (its restoring
        // UPDATE; PostgreSQL unpacks the log before, in transactions of its own).
        let restore = match db.backend() {
            Kind::Postgres => "SET \"label\" =",
            Kind::Mysql | Kind::Sqlite => "o_label",
        };
        let inner = connect(db.url()).await.expect("connect");
        let mut crashing = Crashing::new(inner, CrashAt::AfterCommitFollowing(restore.into()));
        let err = Runner::new(&mut crashing, &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect_err("the connection died");
        assert!(crashing.fired(), "crashed: {err}");
        let _ = Box::new(crashing).close().await;
        let halfway = snapshot(b.as_mut()).await;
        let restored = (1..=ROWS)
            .filter(|id| row(&halfway, *id) == row(&before, *id))
            .count();
        assert!(
            (1..ROWS as usize - 2).contains(&restored),
            "the first batch only: {restored} rows restored"
        );

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo resumed");
        assert_eq!(
            report.rows_restored as usize + restored,
            ROWS as usize - 2,
            "{report:?} after {restored}"
        );
        assert_eq!(report.rows_left_alone, 2, "{report:?}");
        assert_eq!(
            report.left_alone_keys,
            vec![vec!["3".to_string()], vec!["30".to_string()]]
        );
        let after = snapshot(b.as_mut()).await;
        for id in 1..=ROWS {
            let expected = if [3, 30].contains(&id) {
                row(&changed, id)
            } else {
                row(&before, id)
            };
            assert_eq!(row(&after, id), expected, "row {id}");
        }
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_second_undo_at_the_same_time_is_refused_by_the_lock() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seed(b.as_mut(), &plan, db.backend()).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up runs the backfill");
        let filled = snapshot(b.as_mut()).await;
        let key = "cutover-backfill:items_fill";
        let mut other = connect(db.url()).await.expect("connect other");
        assert!(other.try_lock(key, Duration::ZERO).await.expect("lock"));
        let mut quick = options();
        quick.lock_wait = Duration::ZERO;
        let err = Runner::new(b.as_mut(), &plan, quick.clone(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect_err("another runner holds the backfill's lock");
        assert!(matches!(err.root(), Error::Locked { .. }), "{err}");
        assert_eq!(snapshot(b.as_mut()).await, filled, "nothing undone");
        other.unlock(key).await.expect("unlock");
        other.close().await.expect("close other");
        let report = Runner::new(b.as_mut(), &plan, quick, &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo once the lock is free");
        assert_eq!(report.rows_restored, ROWS as u64);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_backfill_killed_mid_way_and_resumed_still_undoes_exactly() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seed(b.as_mut(), &plan, db.backend()).await;
        let before = snapshot(b.as_mut()).await;
        // The connection dies inside the first batch, after its UPDATE and its logging
        // statement ran, before the commit: batch, log rows and checkpoint roll back together.
        let after_update = match db.backend() {
            // The check that the capture trigger logged the batch's UPDATE.
            Kind::Postgres => "current_setting('cutover.undo_logged'",
            // The copy of the written values into the log, after the UPDATE.
            Kind::Mysql => "`n_label` = `items`.`label`",
            Kind::Sqlite => "SET \"n_label\"",
        };
        let inner = connect(db.url()).await.expect("connect");
        let mut crashing = Crashing::new(inner, CrashAt::AfterStatement(after_update.into()));
        let _ = Runner::new(&mut crashing, &plan, options(), &Silent)
            .backfill("items_fill")
            .await;
        assert!(crashing.fired(), "crashed after the batch's UPDATE");
        let _ = Box::new(crashing).close().await;
        assert_eq!(snapshot(b.as_mut()).await, before, "the batch rolled back");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up finishes the backfill");
        let filled = snapshot(b.as_mut()).await;
        for id in 1..=ROWS {
            assert_ne!(
                row(&filled, id),
                row(&before, id),
                "row {id} was backfilled"
            );
        }
        undo_all_exactly(b.as_mut(), &plan, &before).await;
        b.close().await.expect("close");
    })
    .await;
}
