//! `down` of an applied migration whose complete backfill has no `undo` but keeps an undo
//! log (red team rtA #7): refused before anything runs, naming `cutover backfill undo <id>
//! --yes` then `cutover down`; after that undo `down` reverts the migration, on PostgreSQL,
//! MariaDB and SQLite; also for a table the plan does not create (rtK F1).

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::runs::{columns, down_one, options, rows, up};
use cutover_tests::undo_plans::LEGACY_RAW;

const BASE: &str = r#"
description = "base"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "bigint" }]
"#;

/// Writes the new `code` and the existing `v`, without `undo`: only its undo log restores `v`.
const FILL: &str = r#"
description = "a coded column"
transaction = false
[[steps]]
op = "add_column"
table = "base"
column = { name = "code", type = "bigint" }
[[steps]]
op = "backfill"
id = "base_code"
table = "base"
pending = "code IS NULL"
set.code = "id"
set.v = "v + 1"
batch_size = 500
"#;

const ROWS: u64 = 1200;

#[tokio::test]
async fn down_of_a_complete_logged_backfill_names_backfill_undo_then_runs_after_it() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        let values: Vec<String> = (1..=ROWS).map(|i| format!("({i}, {})", i * 10)).collect();
        b.execute(&format!(
            "INSERT INTO base (id, v) VALUES {}",
            values.join(", ")
        ))
        .await
        .expect("rows");
        dir.write("0002_fill.toml", FILL);
        up(b.as_mut(), &dir).await.expect("0002");
        assert_eq!(
            rows(
                b.as_mut(),
                "SELECT count(*) FROM base WHERE v = id * 10 + 1"
            )
            .await,
            [ROWS.to_string()]
        );

        let e = down_one(b.as_mut(), &dir)
            .await
            .expect_err("no undo expressions");
        assert!(e.contains("cutover backfill undo base_code --yes"), "{e}");
        assert!(e.contains("then `cutover down` again"), "{e}");
        assert!(!e.contains("[[down]]"), "the remedy that works: {e}");
        // No backup is recorded before a backfill migration: `restore --before` would only
        // say so (rtD M5).
        assert!(!e.contains("restore --before"), "{e}");
        assert!(
            e.contains("no backup was taken before migration 0002"),
            "{e}"
        );
        assert_eq!(columns(b.as_mut(), "base").await, ["id", "v", "code"]);
        assert_eq!(
            rows(
                b.as_mut(),
                "SELECT version FROM cutover_history ORDER BY version"
            )
            .await,
            ["0001", "0002"],
            "nothing ran"
        );

        Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .undo_backfill("base_code")
            .await
            .expect("backfill undo restores from the undo log");
        assert_eq!(
            rows(b.as_mut(), "SELECT count(*) FROM base WHERE v <> id * 10").await,
            ["0"]
        );
        down_one(b.as_mut(), &dir)
            .await
            .expect("down once the backfill is undone");
        assert_eq!(columns(b.as_mut(), "base").await, ["id", "v"]);
        assert_eq!(
            rows(b.as_mut(), "SELECT version FROM cutover_history").await,
            ["0001"]
        );
        assert_eq!(
            rows(b.as_mut(), "SELECT count(*) FROM base WHERE v <> id * 10").await,
            ["0"]
        );
        let _ = b.close().await;
    })
    .await;
}

const RAW_FILL: &str = r#"
description = "bump v"
[[steps]]
op = "backfill"
id = "legacy_bump"
table = "legacy"
set.v = "v + 1"
batch_size = 50
"#;

/// Red team rtK F1: on PostgreSQL every logged row sits in packed batches until an undo, and
/// the log's row count read them only through the plan's key, unknown here: `down` took the
/// log for empty ("already undone"), dropped it and restored nothing.
#[tokio::test]
async fn down_counts_the_logged_rows_of_a_table_the_plan_does_not_key() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_legacy.toml", LEGACY_RAW);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        let values: Vec<String> = (1..=120).map(|i| format!("({i}, {})", i * 10)).collect();
        b.execute(&format!(
            "INSERT INTO legacy (id, v) VALUES {}",
            values.join(", ")
        ))
        .await
        .expect("rows");
        dir.write("0002_bump.toml", RAW_FILL);
        up(b.as_mut(), &dir).await.expect("0002");
        let status = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .backfill_status()
            .await
            .expect("status");
        assert_eq!(status[0].undo_log_rows, Some(120), "{status:?}");

        let e = down_one(b.as_mut(), &dir)
            .await
            .expect_err("the log holds rows and there are no undo expressions");
        assert!(e.contains("cutover backfill undo legacy_bump --yes"), "{e}");
        assert_eq!(
            rows(
                b.as_mut(),
                "SELECT count(*) FROM legacy WHERE v = id * 10 + 1"
            )
            .await,
            ["120"],
            "nothing reverted"
        );
        Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .undo_backfill("legacy_bump")
            .await
            .expect("undo");
        assert_eq!(
            rows(b.as_mut(), "SELECT count(*) FROM legacy WHERE v = id * 10").await,
            ["120"]
        );
        b.close().await.expect("close");
    })
    .await;
}
