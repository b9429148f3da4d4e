//! Backfill retirement on real PostgreSQL, MariaDB and SQLite, continued: a state table made
//! before retirements existed is upgraded once, and a baselined backfill whose source column
//! is gone is retired without probing it.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::Retirement;
use cutover_core::plan::Phase;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::for_each_backend;

use cutover_tests::retire::{message_and_code, options, plan, status, up};

/// The state table as created before retirements existed (no `retired_*` columns).
fn old_state_table(b: &dyn Backend) -> String {
    let q = |n: &str| b.dialect().quote(n);
    format!(
        "CREATE TABLE {} ({} varchar(190) NOT NULL, {} bigint NOT NULL, {} varchar(64) NOT NULL, \
         {} text, {} text, {} bigint NOT NULL, {} bigint NOT NULL, {} bigint NOT NULL, \
         {} varchar(16) NOT NULL, {} varchar(40) NOT NULL, {} varchar(40) NOT NULL, \
         PRIMARY KEY ({}, {}))",
        q("cutover_backfill"),
        q("id"),
        q("part"),
        q("checksum"),
        q("cursor"),
        q("range_end"),
        q("rows_scanned"),
        q("rows_changed"),
        q("batches"),
        q("state"),
        q("started_at"),
        q("updated_at"),
        q("id"),
        q("part"),
    )
}

async fn columns(b: &mut dyn Backend) -> Vec<String> {
    let sql = b.dialect().sql().column_types_sql("cutover_backfill");
    b.query(&sql).await.expect("columns").into_first_column()
}

#[tokio::test]
async fn retiring_upgrades_an_existing_state_table_once() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        let create = old_state_table(b.as_ref());
        b.execute(&create).await.expect("old state table");
        up(b.as_mut(), &plan, Some(Phase::Backfill))
            .await
            .expect("up on the old table");
        assert_eq!(status(b.as_mut(), &plan).await.state, "complete");
        assert!(!columns(b.as_mut()).await.iter().any(|c| c == "retired_by"));

        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("fill_name", Some("done"))
            .await
            .expect("retire upgrades the table");
        let after = columns(b.as_mut()).await;
        for c in ["retired_by", "retired_at", "retired_note"] {
            assert_eq!(
                after.iter().filter(|x| *x == c).count(),
                1,
                "{c}: {after:?}"
            );
        }
        // Idempotent: the upgrade runs again (here: through a second retirement).
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("fill_name", None)
            .await
            .expect("second retire");
        assert_eq!(columns(b.as_mut()).await.len(), after.len());
        assert!(matches!(
            status(b.as_mut(), &plan).await.retired,
            Some(Retirement::Explicit { .. })
        ));
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_baselined_backfill_whose_source_is_gone_is_retired_without_probing() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut b = connect(db.url()).await.expect("connect");
        // A database migrated by other means up to the contract: baselined, nothing ran,
        // and `items` does not even exist here. The status is computed from plan and history.
        let at = cutover_core::plan::Version::parse("0004").expect("version");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .baseline(at)
            .await
            .expect("baseline");
        let st = status(b.as_mut(), &plan).await;
        assert_eq!(st.state, "retired");
        assert!(
            matches!(&st.retired, Some(Retirement::Superseded { migration, .. }) if migration == "0004 (drop_legacy)"),
            "{st:?}"
        );
        let (message, code) = message_and_code(
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .backfill("fill_name")
                .await,
            "refused without touching the missing table",
        );
        assert_eq!(code, 10, "{message}");
        b.close().await.expect("close");
    })
    .await;
}
