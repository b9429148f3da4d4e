//! What an undo would do, before it does it (red-team #16), and the undo log's shape, on real
//! PostgreSQL, MariaDB and SQLite: `preview_undo` (`cutover backfill undo --dry-run`) counts
//! the rows undo would restore and leave alone and writes nothing, the undo then does exactly
//! that; `backfill_status` shows the log's row count; the log table has a primary key
//! (PostgreSQL, MariaDB) or a unique key index (SQLite, which cannot add one).

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::undo_log::{FILL, ROWS, options, plan_dir, seed, snapshot};
use cutover_tests::{Backend as Kind, for_each_backend, snapshot as snap};

fn log_key_sql(kind: Kind, log: &str) -> String {
    match kind {
        Kind::Postgres => format!(
            "SELECT COUNT(*) FROM information_schema.table_constraints WHERE table_name = '{log}' AND constraint_type = 'PRIMARY KEY'"
        ),
        Kind::Mysql => format!(
            "SELECT COUNT(*) FROM information_schema.table_constraints WHERE table_schema = DATABASE() AND table_name = '{log}' AND constraint_type = 'PRIMARY KEY'"
        ),
        Kind::Sqlite => {
            format!("SELECT COUNT(*) FROM pragma_index_list('{log}') WHERE \"unique\" = 1")
        }
    }
}

async fn log_rows(b: &mut dyn Backend, plan: &cutover_core::plan::Plan) -> Option<u64> {
    Runner::new(b, plan, options(), &Silent)
        .backfill_status()
        .await
        .expect("status")
        .into_iter()
        .find(|s| s.id == "items_fill")
        .expect("the backfill's status")
        .undo_log_rows
}

#[tokio::test]
async fn a_dry_run_counts_what_undo_restores_and_writes_nothing() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seed(b.as_mut(), &plan, db.backend()).await;
        assert_eq!(
            log_rows(b.as_mut(), &plan).await,
            None,
            "no log before the backfill"
        );
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up runs the backfill");
        let log =
            cutover_core::backfill::BackfillScope::default_history().undo_log_table("items_fill");
        assert_eq!(
            snap::count(b.as_mut(), &log_key_sql(db.backend(), &log)).await,
            1,
            "the log's key"
        );
        assert_eq!(log_rows(b.as_mut(), &plan).await, Some(ROWS as u64));
        for sql in [
            "UPDATE items SET label = 'user' WHERE id = 3",
            "DELETE FROM items WHERE id = 10",
        ] {
            b.execute(sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        let changed = snapshot(b.as_mut()).await;

        let preview = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .preview_undo("items_fill")
            .await
            .expect("dry run");
        assert_eq!(preview.method, "log");
        assert_eq!(preview.logged, ROWS as u64);
        assert_eq!(preview.would_restore, ROWS as u64 - 2, "{preview:?}");
        assert_eq!(preview.would_leave_alone, 2, "{preview:?}");
        assert_eq!(
            snapshot(b.as_mut()).await,
            changed,
            "the dry run wrote nothing"
        );
        assert_eq!(
            log_rows(b.as_mut(), &plan).await,
            Some(ROWS as u64),
            "log kept"
        );

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo");
        assert_eq!(report.rows_restored, preview.would_restore);
        assert_eq!(report.rows_left_alone, preview.would_leave_alone);
        assert_eq!(log_rows(b.as_mut(), &plan).await, Some(0), "log emptied");
        b.close().await.expect("close");
    })
    .await;
}
