//! The undo log table is built under a scratch name and renamed once its key exists
//! (red-team rtF #2): a run killed between `CREATE TABLE` and the key left a key-less log
//! under the real name, and every later run failed (PostgreSQL: no unique constraint for
//! ON CONFLICT) or logged duplicates (MariaDB). A leftover scratch table from such a run is
//! dropped, and the backfill and its exact undo work.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::undo_log::{FILL, options, plan_dir, seed, snapshot};

#[tokio::test]
async fn a_log_half_built_by_a_killed_run_is_built_again() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seed(b.as_mut(), &plan, db.backend()).await;
        let before = snapshot(b.as_mut()).await;
        // What a run killed after its CREATE TABLE and before the key leaves behind.
        let scratch = format!(
            "{}_new",
            cutover_core::backfill::BackfillScope::default_history().undo_log_table("items_fill")
        );
        b.execute(&format!("CREATE TABLE {scratch} (k_id bigint)"))
            .await
            .expect("leftover");
        b.execute(&format!("INSERT INTO {scratch} (k_id) VALUES (1), (1)"))
            .await
            .expect("leftover rows");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("the backfill runs despite the leftover");
        assert!(
            !b.table_exists(&scratch).await.expect("exists"),
            "[{}] the leftover scratch table is dropped",
            db.backend().name()
        );
        assert_ne!(snapshot(b.as_mut()).await, before, "the backfill ran");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo");
        assert_eq!(
            snapshot(b.as_mut()).await,
            before,
            "[{}] undo restores every row exactly",
            db.backend().name()
        );
        b.close().await.expect("close");
    })
    .await;
}
