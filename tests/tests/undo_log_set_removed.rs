//! A `set` column removed between two runs of a backfill (`--restart`), on PostgreSQL,
//! MariaDB and SQLite: a row the first run changed only in that column keeps its log row
//! through the second run (red team rtJ F1: the second run's batches dropped it as
//! "unchanged", comparing only the columns they write); a row the second run is the first
//! to log gets the removed column's value as it is (not NULL, which undo took for a change
//! made since); and undo restores every row.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::options;
use cutover_tests::undo_plans::{PAIRS, SHOUT_A_ONLY, SHOUT_BOTH};
use cutover_tests::{for_each_backend, snapshot as snap};

#[tokio::test]
async fn a_row_changed_only_in_a_removed_column_is_still_undone() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_pairs.toml", PAIRS)
            .write("0002_shout.toml", SHOUT_BOTH);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Version(
                cutover_core::plan::Version::parse("0001").expect("version"),
            ))
            .await
            .expect("up 0001");
        // Row 1's `a` is upper-case already: the first run changes only its `b`.
        b.execute(
            "INSERT INTO pairs (id, a, b) VALUES (1, 'A1', 'b1'), (2, 'a2', 'b2'), (3, 'a3', 'b3')",
        )
        .await
        .expect("rows");
        let before = snap::rows(b.as_mut(), "pairs").await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("first run");
        // Row 4 is new: the second run is the first to log it, `b` as it is.
        b.execute("INSERT INTO pairs (id, a, b) VALUES (4, 'a4', 'b4')")
            .await
            .expect("row 4");
        let mut before = before;
        before.push(snap::rows(b.as_mut(), "pairs").await[3].clone());
        dir.write("0002_shout.toml", SHOUT_A_ONLY);
        let plan = dir.load();
        let mut again = options();
        again.backfill.restart = true;
        again.backfill.force = true;
        Runner::new(b.as_mut(), &plan, again, &Silent)
            .backfill("shout")
            .await
            .expect("second run, `a` only");
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("shout")
            .await
            .expect("undo");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (4, 0),
            "{report:?}"
        );
        assert_eq!(snap::rows(b.as_mut(), "pairs").await, before);
        b.close().await.expect("close");
    })
    .await;
}
