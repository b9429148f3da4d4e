//! `backfill undo` next to the contract gate, on real PostgreSQL, MariaDB and SQLite: a
//! contract migration never runs while an undo holds the backfill's lock; an undo killed
//! part-way leaves the backfill `undoing` (never a stale `complete`), so the gate refuses,
//! `backfill run` either redoes the restored rows (with `pending`) or refuses (without), and
//! `backfill undo` again finishes exactly.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::plan::Version;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::crash::{CrashAt, Crashing};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const ROWS: i64 = 50;

const TABLE: &str = r#"
description = "t"
[[steps]]
op = "create_table"
table = "t"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "old", type = "text" },
  { name = "new", type = "text" },
]
"#;

/// A backfill without `pending`: its checkpoint is the only answer to "is it done".
const FILL: &str = r#"
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "copy_old"
table = "t"
where = "old IS NOT NULL"
set.new = "old"
"#;

/// The same backfill with `pending`.
const FILL_PENDING: &str = r#"
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "copy_old"
table = "t"
pending = "new IS NULL"
set.new = "old"
"#;

const CONTRACT: &str = r#"
description = "drop old"
phase = "contract"
[[steps]]
op = "drop_column"
table = "t"
column = "old"
[[down]]
op = "add_column"
table = "t"
column = { name = "old", type = "text" }
"#;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        lock_wait: Duration::ZERO,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(7);
    o.backfill.adaptive = false;
    o
}

fn plan_dir(fill: &str) -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_t.toml", TABLE)
        .write("0002_fill.toml", fill)
        .write("0003_drop.toml", CONTRACT);
    dir
}

/// Creates `t` with [`ROWS`] rows and runs the backfill (migrations 0001-0002).
async fn filled(b: &mut dyn Backend, plan: &cutover_core::plan::Plan) {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0001").expect("v")))
        .await
        .expect("up 0001");
    for id in 1..=ROWS {
        b.execute(&format!(
            "INSERT INTO t (id, old, new) VALUES ({id}, 'o{id}', NULL)"
        ))
        .await
        .expect("insert");
    }
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0002").expect("v")))
        .await
        .expect("up 0002 runs the backfill");
    assert_eq!(unfilled(b).await, 0);
}

async fn unfilled(b: &mut dyn Backend) -> i64 {
    let rows = b
        .query("SELECT COUNT(*) FROM t WHERE new IS NULL")
        .await
        .expect("count");
    rows.scalar().unwrap_or_default().parse().expect("number")
}

/// Whether column `old` is still there (the contract did not run).
async fn old_is_there(b: &mut dyn Backend) -> bool {
    b.query("SELECT old FROM t WHERE id = 1").await.is_ok()
}

async fn state(b: &mut dyn Backend, plan: &cutover_core::plan::Plan) -> String {
    let list = Runner::new(b, plan, options(), &Silent)
        .backfill_status()
        .await
        .expect("status");
    list.into_iter()
        .find(|s| s.id == "copy_old")
        .expect("copy_old")
        .state
}

/// Kills the undo's connection right after its first batch committed; returns how many
/// rows that batch restored.
async fn undo_killed_after_one_batch(
    url: &str,
    b: &mut dyn Backend,
    plan: &cutover_core::plan::Plan,
) -> i64 {
    let inner = connect(url).await.expect("connect");
    // After the first restoring batch (PostgreSQL unpacks its log first, naming `o_new`).
    let restore = match b.dialect() {
        cutover_core::Dialect::Postgres => "SET \"new\" =",
        _ => "o_new",
    };
    let mut crashing = Crashing::new(inner, CrashAt::AfterCommitFollowing(restore.into()));
    let err = Runner::new(&mut crashing, plan, options(), &Silent)
        .undo_backfill("copy_old")
        .await
        .expect_err("the connection died");
    assert!(crashing.fired(), "crashed: {err}");
    let _ = Box::new(crashing).close().await;
    let restored = unfilled(b).await;
    assert!((1..ROWS).contains(&restored), "one batch: {restored}");
    restored
}

#[tokio::test]
async fn a_contract_migration_does_not_run_while_an_undo_holds_the_backfill() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        filled(b.as_mut(), &plan).await;
        // Another session holds the backfill's lock, as a running `backfill undo` does.
        let key = "cutover-backfill:copy_old";
        let mut undo = connect(db.url()).await.expect("connect other");
        assert!(undo.try_lock(key, Duration::ZERO).await.expect("lock"));
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("the gate waits for the backfill's lock");
        assert!(matches!(err.root(), Error::Locked { .. }), "{err}");
        assert!(err.to_string().contains("0003"), "{err}");
        assert!(old_is_there(b.as_mut()).await, "the contract did not run");
        undo.unlock(key).await.expect("unlock");
        undo.close().await.expect("close other");
        // The gate released the locks it took: the undo runs, then the gate refuses.
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("copy_old")
            .await
            .expect("undo");
        assert_eq!(report.rows_restored, ROWS as u64);
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("undone: the gate refuses");
        assert!(matches!(err.root(), Error::GateRefused { .. }), "{err}");
        assert!(old_is_there(b.as_mut()).await);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn an_undo_killed_part_way_leaves_the_backfill_undoing_and_the_gate_shut() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        filled(b.as_mut(), &plan).await;
        assert_eq!(state(b.as_mut(), &plan).await, "complete");
        undo_killed_after_one_batch(db.url(), b.as_mut(), &plan).await;
        assert_eq!(state(b.as_mut(), &plan).await, "undoing");
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("half undone: the gate refuses");
        assert!(matches!(err.root(), Error::GateRefused { .. }), "{err}");
        assert!(err.to_string().contains("being undone"), "{err}");
        assert!(old_is_there(b.as_mut()).await, "the contract did not run");
        // Without `pending`, a run cannot tell restored rows from backfilled ones.
        let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("copy_old")
            .await
            .expect_err("refused");
        assert!(err.to_string().contains("half undone"), "{err}");
        // The undo again finishes: every row back to NULL.
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("copy_old")
            .await
            .expect("undo resumed");
        assert_eq!(report.rows_left_alone, 0, "{report:?}");
        assert_eq!(unfilled(b.as_mut()).await, ROWS);
        assert_eq!(state(b.as_mut(), &plan).await, "not started");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_backfill_with_pending_run_after_a_half_undo_redoes_the_restored_rows() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL_PENDING);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        filled(b.as_mut(), &plan).await;
        undo_killed_after_one_batch(db.url(), b.as_mut(), &plan).await;
        assert_eq!(state(b.as_mut(), &plan).await, "undoing");
        let outcome = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("copy_old")
            .await
            .expect("run again");
        assert!(outcome.complete, "{outcome:?}");
        assert_eq!(
            unfilled(b.as_mut()).await,
            0,
            "the restored rows are filled again"
        );
        assert_eq!(state(b.as_mut(), &plan).await, "complete");
        // The log still undoes every row exactly.
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("copy_old")
            .await
            .expect("undo");
        assert_eq!(report.rows_left_alone, 0, "{report:?}");
        assert_eq!(unfilled(b.as_mut()).await, ROWS);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn undo_honours_the_pause_between_batches_like_run() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        filled(b.as_mut(), &plan).await;
        let mut paced = options();
        paced.backfill.pause = Duration::from_millis(150);
        let started = std::time::Instant::now();
        let report = Runner::new(b.as_mut(), &plan, paced, &Silent)
            .undo_backfill("copy_old")
            .await
            .expect("undo");
        // 50 rows in batches of 7: 8 batches, each followed by the pause.
        assert_eq!(report.batches, 8, "{report:?}");
        assert!(
            started.elapsed() >= Duration::from_millis(150 * 7),
            "paused: {:?}",
            started.elapsed()
        );
        assert_eq!(unfilled(b.as_mut()).await, ROWS);
        b.close().await.expect("close");
    })
    .await;
}
