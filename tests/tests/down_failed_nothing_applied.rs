//! `down` after a migration that failed with nothing of it applied (rolled back, recorded
//! `failed` with 0 statements) on PostgreSQL, MariaDB and SQLite: `down` is aimed at the
//! failed migration and clears its entry; the migration before it, applied, stays (rtg #2:
//! `down` used to skip the failed entry and drop the previous migration's table). A failed
//! first-step backfill whose batches committed is taken back exactly (rtg MEDIUM 6).

use cutover_cli::connect::connect;
use cutover_core::runner::{DownTarget, Runner, Silent};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::runs::{options, rows, up};

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "bigint" }]
"#;

/// Fails on its only statement (a duplicate key): nothing of it stays applied.
const SEED: &str = r#"
description = "seed"
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, v) VALUES (1, 0)"
down = "DELETE FROM items WHERE id = 1 AND v = 0"
"#;

#[tokio::test]
async fn down_clears_a_failed_entry_with_nothing_applied_and_keeps_the_one_before() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", ITEMS);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        b.execute("INSERT INTO items (id, v) VALUES (1, 5), (2, 6)")
            .await
            .expect("rows");
        dir.write("0002_seed.toml", SEED);
        up(b.as_mut(), &dir).await.expect_err("duplicate key");
        let h = "SELECT version, state, statements_applied FROM cutover_history ORDER BY version_number";
        assert_eq!(
            rows(b.as_mut(), h).await,
            ["0001|applied|1", "0002|failed|0"]
        );

        let report = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("down clears the failed entry");
        let done: Vec<(String, &str)> = report
            .migrations
            .iter()
            .map(|m| (m.version.text.clone(), m.outcome))
            .collect();
        assert_eq!(done, [("0002".to_string(), "cleared")]);
        assert_eq!(rows(b.as_mut(), h).await, ["0001|applied|1"]);
        assert_eq!(
            rows(b.as_mut(), "SELECT id, v FROM items ORDER BY id").await,
            ["1|5", "2|6"],
            "0001 and its rows stay"
        );

        // A second `down` now reverts 0001, as asked.
        Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("down 0001");
        assert!(rows(b.as_mut(), h).await.is_empty());
        let _ = b.close().await;
    })
    .await;
}

/// Fails at row 2500 (its new `v` is row 3001's), after earlier batches committed.
const BUMP: &str = r#"
description = "bump v"
[[steps]]
op = "backfill"
id = "bump"
table = "items"
set.v = "v + 1"
undo.v = "v - 1"
batch_size = 500
"#;

/// A failed first-statement backfill whose batches committed is taken back: `down` restores
/// the rows its batches changed (from its undo log) and removes its entry; 0001 stays.
#[tokio::test]
async fn down_reverts_a_failed_first_backfill_whose_batches_committed() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", ITEMS);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        let values: Vec<String> = (1..=3000)
            .map(|i| format!("({i}, {})", i * 10))
            .chain(["(3001, 25001)".to_string()])
            .collect();
        b.execute(&format!(
            "INSERT INTO items (id, v) VALUES {}",
            values.join(", ")
        ))
        .await
        .expect("rows");
        b.execute("CREATE UNIQUE INDEX items_v ON items (v)")
            .await
            .expect("index");
        dir.write("0002_bump.toml", BUMP);
        up(b.as_mut(), &dir).await.expect_err("duplicate v");
        let h = "SELECT version, state, statements_applied FROM cutover_history ORDER BY version_number";
        assert_eq!(
            rows(b.as_mut(), h).await,
            ["0001|applied|1", "0002|failed|0"]
        );
        let changed = "SELECT COUNT(*) FROM items WHERE v <> id * 10";
        let before = rows(b.as_mut(), changed).await;
        assert_ne!(before, ["0"], "some batches committed");

        let report = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("down reverts the committed batches");
        let done: Vec<(String, &str)> = report
            .migrations
            .iter()
            .map(|m| (m.version.text.clone(), m.outcome))
            .collect();
        assert_eq!(done, [("0002".to_string(), "reverted")]);
        assert_eq!(rows(b.as_mut(), h).await, ["0001|applied|1"]);
        assert_eq!(
            rows(b.as_mut(), changed).await,
            ["1"],
            "only row 3001 (seeded that way) differs: every batch was restored"
        );
        let _ = b.close().await;
    })
    .await;
}
