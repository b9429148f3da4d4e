//! Undo of a backfill without an undo log that stopped part-way, on real PostgreSQL, MariaDB
//! and SQLite: its `undo` expressions reach only the rows its checkpoint records as done,
//! never the rows the backfill never wrote (`v - 1` there would corrupt them).

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const TABLE: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "v", type = "integer", nullable = false },
]
"#;

/// Fails at id 9 (NULL into a NOT NULL column) after the batches of ids 1..8 committed.
const BUMP: &str = r#"
description = "bump"
[[steps]]
op = "add_column"
table = "items"
column = { name = "flag", type = "integer", nullable = true }
[[steps]]
op = "backfill"
id = "bump"
table = "items"
set.v = "CASE WHEN id = 9 THEN NULL ELSE v + 1 END"
undo.v = "v - 1"
undo_log = false
batch_size = 4
"#;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(1),
        retries: 0,
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(4);
    o.backfill.adaptive = false;
    o.backfill.min_batch = 1;
    o
}

/// `id - v` of every row, by id.
async fn offsets(b: &mut dyn Backend) -> Vec<Option<String>> {
    b.query("SELECT id - v FROM items ORDER BY id")
        .await
        .expect("rows")
        .rows
        .into_iter()
        .map(|r| r.into_iter().next().flatten())
        .collect()
}

async fn partly_run(b: &mut dyn Backend, plan: &Plan) {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0001").expect("v")))
        .await
        .expect("up 0001");
    for id in 1..=20 {
        b.execute(&format!("INSERT INTO items (id, v) VALUES ({id}, {id})"))
            .await
            .expect("insert");
    }
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect_err("the backfill fails at id 9");
    let bumped: Vec<_> = (1..=20)
        .map(|id| Some(if id <= 8 { "-1" } else { "0" }.to_string()))
        .collect();
    assert_eq!(offsets(b).await, bumped, "ids 1..8 bumped, the rest not");
}

#[tokio::test]
async fn undo_of_a_partial_backfill_without_a_log_reverts_only_the_rows_it_wrote() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", TABLE)
            .write("0002_bump.toml", BUMP);
        let plan = dir.load();
        let untouched: Vec<_> = (1..=20).map(|_| Some("0".to_string())).collect();
        let mut b = connect(db.url()).await.expect("connect");

        // `down` of the failed migration.
        partly_run(b.as_mut(), &plan).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Version(Version::parse("0001").expect("v")))
            .await
            .expect("down to 0001");
        assert_eq!(offsets(b.as_mut()).await, untouched, "down");

        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn backfill_undo_of_a_partial_run_without_a_log_reverts_only_the_rows_it_wrote() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", TABLE)
            .write("0002_bump.toml", BUMP);
        let plan = dir.load();
        let untouched: Vec<_> = (1..=20).map(|_| Some("0".to_string())).collect();
        let mut b = connect(db.url()).await.expect("connect");
        partly_run(b.as_mut(), &plan).await;
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("bump")
            .await
            .expect("undo");
        assert_eq!(report.rows_restored, 8);
        assert_eq!(offsets(b.as_mut()).await, untouched, "backfill undo");
        b.close().await.expect("close");
    })
    .await;
}
