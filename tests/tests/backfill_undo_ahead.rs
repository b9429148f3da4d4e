//! A batch that logs its undo values ahead of its UPDATE (MySQL/MariaDB, repeatable
//! expressions, the session clock pinned for `now()`) and then fails: on PostgreSQL,
//! MariaDB and SQLite the batch rolls back entirely (no row changed, nothing logged), and on
//! MariaDB the connection's clock runs again afterwards.

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::undo_log::{options, plan_dir, seed, snapshot};
use cutover_tests::{for_each_backend, snapshot as snap};

/// Writes the same value into a column with a unique index: the first batch's UPDATE fails.
const CLASH: &str = r#"
description = "a backfill that violates a unique index"
[[steps]]
op = "backfill"
id = "items_clash"
table = "items"
set.seen_at = "now()"
set.other = "'same'"
"#;

#[tokio::test]
async fn a_failed_batch_logged_ahead_rolls_back_and_releases_the_clock() {
    for_each_backend(|db| async move {
        let dir = plan_dir(CLASH);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seed(b.as_mut(), &plan, db.backend()).await;
        b.execute("CREATE UNIQUE INDEX items_other_u ON items (other)")
            .await
            .expect("unique index");
        let before = snapshot(b.as_mut()).await;
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("the unique index refuses the batch");
        let text = format!("{err:#}");
        assert!(text.contains("items_clash"), "{text}");
        assert_eq!(snapshot(b.as_mut()).await, before, "no row changed");
        let log =
            cutover_core::backfill::BackfillScope::default_history().undo_log_table("items_clash");
        let logged = format!("SELECT COUNT(*) FROM {}", b.dialect().quote(&log));
        assert_eq!(snap::count(b.as_mut(), &logged).await, 0, "nothing logged");
        if b.dialect() == Dialect::Mysql {
            // A clock left pinned would stay at the failed batch's time.
            tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
            let drift = "SELECT ABS(TIMESTAMPDIFF(MICROSECOND, CURRENT_TIMESTAMP(6), SYSDATE(6)))";
            let d = snap::count(b.as_mut(), drift).await;
            assert!(
                d < 500_000,
                "now() runs again after the failed batch: {d} µs"
            );
        }
        b.close().await.expect("close");
    })
    .await;
}
