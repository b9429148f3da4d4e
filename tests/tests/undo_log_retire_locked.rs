//! `cutover backfill retire` of a backfill whose killed run left PostgreSQL's capture
//! trigger on the table, while a long transaction holds a lock on that table (red team rtJ
//! F6): dropping the trigger waits at most a second at a time instead of blocking the table
//! behind that transaction, the retirement says how to finish, and a second `retire` once
//! the transaction ended drops the trigger and the log. `backfill status` shows the
//! trigger while it is there.

use std::time::{Duration, Instant};

use cutover_cli::connect::connect;
use cutover_core::runner::{BackfillStatus, Runner, Silent};
use cutover_tests::Backend as Kind;
use cutover_tests::crash::CrashAt;
use cutover_tests::undo_capture::{
    CAPTURE_CHECK, backfill_killed, capture_triggers, log_table, on_postgres,
};
use cutover_tests::undo_log::{FILL, exec_all, options, seeded_at};

/// The status of backfill `items_fill`.
async fn status(
    b: &mut dyn cutover_core::backend::Backend,
    plan: &cutover_core::plan::Plan,
) -> BackfillStatus {
    Runner::new(b, plan, options(), &Silent)
        .backfill_status()
        .await
        .expect("backfill status")
        .into_iter()
        .find(|s| s.id == "items_fill")
        .expect("items_fill in status")
}

#[tokio::test]
async fn retire_waits_for_the_table_lock_only_briefly_and_finishes_when_run_again() {
    on_postgres(|url| async move {
        let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        backfill_killed(&url, &plan, CrashAt::AfterStatement(CAPTURE_CHECK.into())).await;
        assert_eq!(
            capture_triggers(b.as_mut()).await,
            1,
            "the killed run's trigger"
        );

        // An application's long transaction that read the table.
        let mut app = connect(&url).await.expect("connect");
        exec_all(app.as_mut(), ["BEGIN", "SELECT count(*) FROM items"]).await;
        let started = Instant::now();
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("items_fill", Some("given up"))
            .await
            .expect_err("the trigger cannot be dropped while the table is in use");
        let waited = started.elapsed();
        let msg = format!("{err:#}");
        assert!(msg.contains("is retired"), "{msg}");
        assert!(msg.contains("cutover backfill retire items_fill"), "{msg}");
        assert!(
            waited < Duration::from_secs(20),
            "three bounded waits, not the transaction's length: {waited:?}"
        );
        // The application's transaction was not disturbed.
        exec_all(app.as_mut(), ["SELECT count(*) FROM items", "COMMIT"]).await;

        let again = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("items_fill", None)
            .await
            .expect("retire again");
        assert!(again.already, "{again:?}");
        assert_eq!(capture_triggers(b.as_mut()).await, 0, "trigger dropped");
        assert_eq!(status(b.as_mut(), &plan).await.undo_capture_trigger, None);
        assert!(
            !b.table_exists(&log_table()).await.expect("tables"),
            "log dropped"
        );
        app.close().await.expect("close");
        b.close().await.expect("close");
    })
    .await;
}
