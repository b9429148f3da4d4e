//! PostgreSQL logs a backfill's batches by itself (a statement trigger with transition
//! tables, one packed row per batch): the trigger is there only while a run's batches run,
//! the log is unpacked before an undo (also after an undo killed while unpacking), a batch
//! whose trigger was dropped under it fails instead of committing unlogged, and the undo is
//! exact in every case.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::crash::{CrashAt, Crashing};
use cutover_tests::undo_capture::{
    CAPTURE_CHECK, backfill_killed, capture_triggers, log_state, log_table, on_postgres,
};
use cutover_tests::undo_log::{
    FILL, ROWS, options, row, seeded_at, snapshot, undo, undo_all_exactly, up,
};
use cutover_tests::{Backend as Kind, snapshot as snap};

#[tokio::test]
async fn batches_are_logged_packed_by_a_trigger_that_exists_only_while_they_run() {
    on_postgres(|url| async move {
        let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        let before = snapshot(b.as_mut()).await;
        up(b.as_mut(), &plan).await;
        assert_eq!(
            capture_triggers(b.as_mut()).await,
            0,
            "removed after the run"
        );
        let (own, batches, packed) = log_state(b.as_mut()).await;
        // One packed row per batch (the batches start at 7 rows), nothing per row yet.
        assert_eq!((own, packed), (0, ROWS));
        assert!(batches >= 3, "{batches} batches");

        // An application write after the run is not logged (no trigger, nothing packed).
        b.execute("UPDATE items SET other = 'app' WHERE id = 5")
            .await
            .expect("app write");
        b.execute("UPDATE items SET label = 'user' WHERE id = 6")
            .await
            .expect("app write");
        assert_eq!(log_state(b.as_mut()).await, (0, batches, ROWS));

        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64 - 1, 1)
        );
        assert_eq!(report.left_alone_keys, vec![vec!["6".to_string()]]);
        let after = snapshot(b.as_mut()).await;
        for id in (1..=ROWS).filter(|id| ![5, 6].contains(id)) {
            assert_eq!(row(&after, id), row(&before, id), "row {id} restored");
        }
        let mut five = row(&before, 5);
        five[8] = Some("app".into());
        assert_eq!(row(&after, 5), five, "row 5: old values, the app's `other`");
        assert_eq!(
            log_state(b.as_mut()).await,
            (0, 0, 0),
            "unpacked and undone"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn an_undo_killed_while_unpacking_the_log_resumes_exactly() {
    on_postgres(|url| async move {
        let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        let before = snapshot(b.as_mut()).await;
        up(b.as_mut(), &plan).await;
        // A forced re-run logs every row a second time: unpacking keeps the oldest values.
        let mut forced = options();
        forced.backfill.force = true;
        Runner::new(b.as_mut(), &plan, forced, &Silent)
            .backfill("items_fill")
            .await
            .expect("forced re-run");
        let (_, batches, packed) = log_state(b.as_mut()).await;
        assert_eq!(packed, 2 * ROWS);
        let first = snap::count(
            b.as_mut(),
            &format!(
                "SELECT cardinality(rows) FROM \"{}_b\" ORDER BY seq LIMIT 1",
                log_table()
            ),
        )
        .await;

        // Killed right after the first unpacking step committed.
        let inner = connect(&url).await.expect("connect");
        let mut crashing = Crashing::new(inner, CrashAt::AfterCommitFollowing("unnest(".into()));
        Runner::new(&mut crashing, &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect_err("killed");
        assert!(crashing.fired(), "crashed while unpacking");
        let _ = Box::new(crashing).close().await;
        assert_eq!(
            log_state(b.as_mut()).await,
            (first, batches - 1, 2 * ROWS - first),
            "the oldest batch unpacked, the others left"
        );

        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64, 0)
        );
        assert_eq!(
            snapshot(b.as_mut()).await,
            before,
            "values from before the first run"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_batch_whose_trigger_was_dropped_under_it_fails_instead_of_committing_unlogged() {
    on_postgres(|url| async move {
        let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        let before = snapshot(b.as_mut()).await;
        // Before the third batch's UPDATE, inside its transaction, the trigger goes.
        let inner = connect(&url).await.expect("connect");
        let mut dropping = Crashing::new(
            inner,
            CrashAt::RunBefore {
                text: "SET LOCAL cutover.undo_log".into(),
                n: 3,
                sql: format!("DROP FUNCTION \"{}\"() CASCADE", log_table()),
            },
        );
        let err = Runner::new(&mut dropping, &plan, options(), &Silent)
            .backfill("items_fill")
            .await
            .expect_err("the unlogged batch fails");
        assert!(dropping.fired());
        let text = err.to_string();
        assert!(
            text.contains("did not run for this batch") && text.contains("run the backfill again"),
            "{text}"
        );
        let _ = Box::new(dropping).close().await;
        // Two batches committed, logged; the third rolled back.
        let (own, batches, logged) = log_state(b.as_mut()).await;
        assert_eq!((own, batches), (0, 2));
        let halfway = snapshot(b.as_mut()).await;
        let written = (1..=ROWS)
            .filter(|id| row(&halfway, *id) != row(&before, *id))
            .count();
        assert_eq!(written as i64, logged, "every written row logged");
        assert!(logged < ROWS);

        // The next run installs the trigger again and finishes; undo is exact.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_fill")
            .await
            .expect("run again");
        assert_eq!(log_state(b.as_mut()).await.2, ROWS);
        undo_all_exactly(b.as_mut(), &plan, &before).await;
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_run_killed_mid_batch_leaves_a_trigger_that_is_no_drift_and_logs_nothing() {
    on_postgres(|url| async move {
        let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        let before = snapshot(b.as_mut()).await;
        // Killed inside the first batch, after its UPDATE was logged, before the commit.
        backfill_killed(&url, &plan, CrashAt::AfterStatement(CAPTURE_CHECK.into())).await;
        assert_eq!(
            capture_triggers(b.as_mut()).await,
            1,
            "left by the killed run"
        );
        assert_eq!(
            log_state(b.as_mut()).await,
            (0, 0, 0),
            "the batch rolled back"
        );
        assert_eq!(snapshot(b.as_mut()).await, before);
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .drift()
            .await
            .expect("drift");
        assert!(
            report.differences.is_empty(),
            "cutover's own trigger is no drift: {:?}",
            report.differences
        );
        // The application's writes go on, unlogged.
        b.execute("UPDATE items SET label = 'user' WHERE id = 2")
            .await
            .expect("app write");
        assert_eq!(log_state(b.as_mut()).await, (0, 0, 0));
        // Someone disables the leftover trigger: the next run enables it again.
        b.execute(&format!(
            "ALTER TABLE items DISABLE TRIGGER \"{}\"",
            log_table()
        ))
        .await
        .expect("disable");

        up(b.as_mut(), &plan).await;
        assert_eq!(capture_triggers(b.as_mut()).await, 0);
        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64, 0)
        );
        // Row 2 was written by the application before the backfill reached it: its
        // `user` label is the old value the log holds.
        let after = snapshot(b.as_mut()).await;
        for id in (1..=ROWS).filter(|id| *id != 2) {
            assert_eq!(row(&after, id), row(&before, id), "row {id}");
        }
        assert_eq!(row(&after, 2)[1].as_deref(), Some("user"));
        b.close().await.expect("close");
    })
    .await;
}
