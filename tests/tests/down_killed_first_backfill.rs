//! `down` after the runner was killed inside a backfill that is the FIRST step of its
//! migration (rtg MEDIUM 6), on PostgreSQL, MariaDB and SQLite: `down` takes the migration
//! back exactly (the committed batches are restored from the backfill's undo log, a row a
//! user edited since is left alone) and removes its entry; the migration before it stays,
//! and `up` afterwards runs the backfill again from the start. A backfill with no down in
//! the plan (no `undo`, a column the migration did not create) is refused as a fully applied
//! one is, with the commands to run, and those commands end in the same place.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{DownTarget, Runner, Silent, Target};
use cutover_tests::crash::{CrashAt, Crashing};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::runs::options;

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "v", type = "bigint" },
  { name = "w", type = "bigint", nullable = true },
]
"#;

/// Reversible: `undo` gives its down; the undo log makes that down exact.
const DOUBLE: &str = r#"
description = "v times 7 into w"
[[steps]]
op = "backfill"
id = "double"
table = "items"
set.w = "v * 7"
undo.w = "NULL"
batch_size = 100
"#;

/// No `undo`: the plan gives no down (as when it is fully applied); the undo log is kept.
const NO_UNDO: &str = r#"
description = "v times 7 into w"
[[steps]]
op = "backfill"
id = "double"
table = "items"
set.w = "v * 7"
batch_size = 100
"#;

const ROWS: i64 = 1000;

async fn rows(b: &mut dyn Backend, sql: &str) -> Vec<String> {
    b.query(sql)
        .await
        .expect(sql)
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

/// 0001 applied with rows, then `up` of 0002 (`backfill`) killed right after its third
/// batch committed, then a user edit of a row the backfill wrote.
async fn killed_inside(b: &mut dyn Backend, db_url: &str, dir: &PlanDir, second: &str) {
    dir.write("0001_items.toml", ITEMS);
    Runner::new(b, &dir.load(), options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("0001");
    let values: Vec<String> = (1..=ROWS).map(|i| format!("({i}, {i})")).collect();
    b.execute(&format!(
        "INSERT INTO items (id, v) VALUES {}",
        values.join(", ")
    ))
    .await
    .expect("rows");
    b.execute("UPDATE items SET w = -1 WHERE id = 900")
        .await
        .expect("a row that already has a value");
    dir.write("0002_double.toml", second);
    let plan = dir.load();
    // Killed right after a batch committed (`* 7` is only in the batch).
    let inner = connect(db_url).await.expect("connect");
    let mut crashing = Crashing::new(inner, CrashAt::AfterCommitFollowing("* 7".into()));
    let _ = Runner::new(&mut crashing, &plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect_err("killed");
    assert!(crashing.fired(), "killed after a batch committed");
    let _ = Box::new(crashing).close().await;
    let done = rows(b, WRITTEN).await;
    assert_ne!(done, ["0"], "a batch committed: {done:?}");
    assert_eq!(
        rows(b, HISTORY).await,
        ["0001|applied|1", "0002|partial|0"],
        "killed: partial, no statement recorded"
    );
    // A user edits a row the backfill wrote, after the kill.
    b.execute("UPDATE items SET w = 5 WHERE id = 2")
        .await
        .expect("user edit");
}

const WRITTEN: &str = "SELECT COUNT(*) FROM items WHERE w = v * 7";
const HISTORY: &str =
    "SELECT version, state, statements_applied FROM cutover_history ORDER BY version_number";

/// Where `down` must leave the database: 0002 gone, its rows back, the user's edit kept; then
/// `up` runs the backfill again over the whole table.
async fn reverted_then_up(b: &mut dyn Backend, dir: &PlanDir) {
    assert_eq!(rows(b, HISTORY).await, ["0001|applied|1"]);
    assert_eq!(
        rows(b, "SELECT id, w FROM items WHERE w IS NOT NULL ORDER BY id").await,
        ["2|5", "900|-1"],
        "every row the backfill wrote is back to NULL; the user's edit and the older value stay"
    );
    assert_eq!(
        rows(
            b,
            "SELECT COUNT(*) FROM cutover_backfill WHERE id = 'double'"
        )
        .await,
        ["0"],
        "its checkpoint is gone"
    );
    Runner::new(b, &dir.load(), options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("up again");
    assert_eq!(
        rows(b, "SELECT COUNT(*) FROM items WHERE w IS NULL").await,
        ["0"],
        "every row backfilled"
    );
    assert_eq!(rows(b, HISTORY).await, ["0001|applied|1", "0002|applied|1"]);
}

#[tokio::test]
async fn down_after_a_kill_inside_a_first_step_backfill_reverts_it_exactly() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        let mut b = connect(db.url()).await.expect("connect");
        killed_inside(b.as_mut(), db.url(), &dir, DOUBLE).await;
        let report = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("down reverts the killed migration");
        let outcome: Vec<(String, &str)> = report
            .migrations
            .iter()
            .map(|m| (m.version.text.clone(), m.outcome))
            .collect();
        assert_eq!(outcome, [("0002".to_string(), "reverted")]);
        reverted_then_up(b.as_mut(), &dir).await;
        let _ = b.close().await;
    })
    .await;
}

#[tokio::test]
async fn down_after_a_kill_inside_an_irreversible_first_step_backfill_names_the_commands() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        let mut b = connect(db.url()).await.expect("connect");
        killed_inside(b.as_mut(), db.url(), &dir, NO_UNDO).await;
        let before = rows(b.as_mut(), "SELECT id, w FROM items ORDER BY id").await;
        let e = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect_err("no down in the plan")
            .to_string();
        assert!(
            e.contains("run `cutover backfill undo double --yes`")
                && e.contains("then `cutover down` again"),
            "{e}"
        );
        assert_eq!(
            rows(b.as_mut(), "SELECT id, w FROM items ORDER BY id").await,
            before,
            "refused before anything ran"
        );
        // The commands it names.
        let undo = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .undo_backfill("double")
            .await
            .expect("backfill undo");
        assert_eq!(undo.rows_left_alone, 1, "the user's edit");
        let report = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .expect("down clears the entry");
        let outcome: Vec<(String, &str)> = report
            .migrations
            .iter()
            .map(|m| (m.version.text.clone(), m.outcome))
            .collect();
        assert_eq!(outcome, [("0002".to_string(), "cleared")]);
        reverted_then_up(b.as_mut(), &dir).await;
        let _ = b.close().await;
    })
    .await;
}
