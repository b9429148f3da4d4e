//! Exact undo across a lost connection (red-team #13), on real PostgreSQL and MariaDB (SQLite
//! has no connection to lose): the connection is cut half-way through the undo, the runner
//! reconnects and goes on, and the report counts the rows and batches of every pass, not
//! only those of the pass after the reconnect.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::faults::{Fault, FaultProxy, protocol_of, proxied_url, upstream};
use cutover_tests::undo_log::{FILL, ROWS, options, plan_dir, row, seed, snapshot};
use cutover_tests::{Backend as Kind, for_each_backend};

#[tokio::test]
async fn an_undo_resumed_after_a_lost_connection_reports_every_row_it_restored() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // no connection to lose
        }
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seed(b.as_mut(), &plan, db.backend()).await;
        let before = snapshot(b.as_mut()).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up runs the backfill");

        // An undo that runs through, counted by a plain proxy: how many statements it sends.
        let plain =
            FaultProxy::start(protocol_of(db.url()), upstream(db.url()).await, Fault::None).await;
        let mut p = connect(&proxied_url(db.url(), &plain))
            .await
            .expect("connect through the proxy");
        let whole = Runner::new(p.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo");
        assert_eq!(whole.rows_restored, ROWS as u64, "{whole:?}");
        let statements = plain.counts().statements;
        p.close().await.expect("close");
        assert_eq!(snapshot(b.as_mut()).await, before, "undone exactly");

        // The backfill again (its log written anew), then an undo cut half-way.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_fill")
            .await
            .expect("the backfill runs again");
        let filled = snapshot(b.as_mut()).await;
        assert_ne!(row(&filled, 1), row(&before, 1), "row 1 backfilled again");
        let cut = FaultProxy::start(
            protocol_of(db.url()),
            upstream(db.url()).await,
            Fault::AfterStatements(statements / 2),
        )
        .await;
        let mut c = connect(&proxied_url(db.url(), &cut))
            .await
            .expect("connect through the proxy");
        let report = Runner::new(c.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("the undo reconnects and goes on");
        assert!(cut.fired(), "the connection was cut");
        assert!(cut.counts().connections >= 2, "it reconnected");
        assert_eq!(
            report.rows_restored, ROWS as u64,
            "every pass counted: {report:?}"
        );
        assert!(report.batches >= ROWS as u64 / 7, "{report:?}");
        let _ = c.close().await;
        assert_eq!(snapshot(b.as_mut()).await, before, "undone exactly");
        b.close().await.expect("close");
    })
    .await;
}
