//! Backfill state is namespaced by history table (issue 16, item #11), on real PostgreSQL,
//! MariaDB and SQLite: two plans share one database with history tables `hist_a` and
//! `hist_b`, each with a backfill `copy_old` (on tables `ta` and `tb`). A's finished
//! backfill is not B's: B runs all its batches, B's undo restores only B's rows from B's own
//! log, B's contract gate refuses while B is undone though A's is complete, and `status` of
//! each shows its own. The default history table keeps the names of earlier releases.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backend::Backend;
use cutover_core::backfill::BackfillScope;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{BackfillStatus, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use sha2::{Digest, Sha256};

const ROWS: i64 = 50;

fn table(t: &str) -> String {
    format!(
        r#"
description = "{t}"
[[steps]]
op = "create_table"
table = "{t}"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "old", type = "text" }},
  {{ name = "new", type = "text" }},
]
"#
    )
}

/// The same backfill id in both plans.
fn fill(t: &str) -> String {
    format!(
        r#"
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "copy_old"
table = "{t}"
where = "old IS NOT NULL"
set.new = "old"
"#
    )
}

fn contract(t: &str) -> String {
    format!(
        r#"
description = "drop old"
phase = "contract"
[[steps]]
op = "drop_column"
table = "{t}"
column = "old"
[[down]]
op = "add_column"
table = "{t}"
column = {{ name = "old", type = "text" }}
"#
    )
}

fn plan_dir(t: &str) -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_t.toml", &table(t))
        .write("0002_fill.toml", &fill(t))
        .write("0003_drop.toml", &contract(t));
    dir
}

fn options(history: &str) -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        lock_wait: Duration::ZERO,
        history_table: history.to_string(),
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(7);
    o.backfill.adaptive = false;
    o
}

async fn up(b: &mut dyn Backend, plan: &Plan, history: &str, to: &str) -> Result<(), Error> {
    Runner::new(b, plan, options(history), &Silent)
        .up(Target::Version(Version::parse(to).expect("v")))
        .await
        .map(|_| ())
}

/// Creates `t` (migration 0001) with [`ROWS`] rows to fill.
async fn seeded(b: &mut dyn Backend, plan: &Plan, history: &str, t: &str) {
    up(b, plan, history, "0001").await.expect("up 0001");
    for id in 1..=ROWS {
        b.execute(&format!(
            "INSERT INTO {t} (id, old, new) VALUES ({id}, 'o{id}', NULL)"
        ))
        .await
        .expect("insert");
    }
}

async fn count(b: &mut dyn Backend, sql: &str) -> i64 {
    let rows = b.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.scalar().unwrap_or_default().parse().expect("number")
}

async fn status(b: &mut dyn Backend, plan: &Plan, history: &str) -> BackfillStatus {
    let mut st = Runner::new(b, plan, options(history), &Silent)
        .backfill_status()
        .await
        .expect("backfill status");
    assert_eq!(st.len(), 1, "{st:?}");
    st.remove(0)
}

async fn exists(b: &mut dyn Backend, table: &str) -> bool {
    b.table_exists(table).await.expect("table_exists")
}

/// The fence row of lock `key` (every backfill lock taken records one).
async fn fenced(b: &mut dyn Backend, key: &str) -> bool {
    count(
        b,
        &format!("SELECT COUNT(*) FROM cutover_fence WHERE name = '{key}'"),
    )
    .await
        == 1
}

#[tokio::test]
async fn two_history_tables_keep_their_backfills_apart() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await.expect("connect");
        let (dir_a, dir_b) = (plan_dir("ta"), plan_dir("tb"));
        let (plan_a, plan_b) = (dir_a.load(), dir_b.load());
        seeded(b.as_mut(), &plan_a, "hist_a", "ta").await;
        seeded(b.as_mut(), &plan_b, "hist_b", "tb").await;

        // A's backfill runs to the end.
        up(b.as_mut(), &plan_a, "hist_a", "0002")
            .await
            .expect("A up 0002");
        assert_eq!(
            count(b.as_mut(), "SELECT COUNT(*) FROM ta WHERE new IS NULL").await,
            0
        );
        let a = status(b.as_mut(), &plan_a, "hist_a").await;
        assert_eq!(a.state, "complete", "{a:?}");

        // B has not started: A's checkpoint is not B's.
        let before = status(b.as_mut(), &plan_b, "hist_b").await;
        assert_eq!(before.rows_changed, 0, "B sees A's checkpoint: {before:?}");
        assert_ne!(before.state, "complete", "{before:?}");

        // B runs every one of its batches.
        up(b.as_mut(), &plan_b, "hist_b", "0002")
            .await
            .expect("B up 0002");
        assert_eq!(
            count(b.as_mut(), "SELECT COUNT(*) FROM tb WHERE new IS NULL").await,
            0
        );
        let filled = status(b.as_mut(), &plan_b, "hist_b").await;
        assert_eq!(filled.state, "complete", "{filled:?}");
        assert_eq!(filled.rows_changed, ROWS, "{filled:?}");
        assert!(a.batches > 1, "{a:?}");
        assert_eq!(
            filled.batches, a.batches,
            "B ran fewer batches than A: {filled:?}"
        );
        // A's own status did not move.
        assert_eq!(status(b.as_mut(), &plan_a, "hist_a").await, a);

        // Each scope has its own state table, undo log and lock; the default has none.
        let (sa, sb) = (BackfillScope::of("hist_a"), BackfillScope::of("hist_b"));
        assert!(exists(b.as_mut(), "cutover_backfill_hist_a").await);
        assert!(exists(b.as_mut(), "cutover_backfill_hist_b").await);
        assert!(!exists(b.as_mut(), "cutover_backfill").await);
        assert!(exists(b.as_mut(), &sa.undo_log_table("copy_old")).await);
        assert!(exists(b.as_mut(), &sb.undo_log_table("copy_old")).await);
        assert!(fenced(b.as_mut(), "cutover-backfill:copy_old@hist_a").await);
        assert!(fenced(b.as_mut(), "cutover-backfill:copy_old@hist_b").await);
        assert!(!fenced(b.as_mut(), "cutover-backfill:copy_old").await);

        // B's undo restores B's rows from B's log, and leaves A alone.
        let undo = Runner::new(b.as_mut(), &plan_b, options("hist_b"), &Silent)
            .undo_backfill("copy_old")
            .await
            .expect("undo B");
        assert_eq!(undo.rows_restored, ROWS as u64, "{undo:?}");
        assert_eq!(
            count(b.as_mut(), "SELECT COUNT(*) FROM tb WHERE new IS NULL").await,
            ROWS
        );
        assert_eq!(
            count(b.as_mut(), "SELECT COUNT(*) FROM ta WHERE new IS NULL").await,
            0
        );
        assert_eq!(status(b.as_mut(), &plan_a, "hist_a").await, a);
        let undone = status(b.as_mut(), &plan_b, "hist_b").await;
        assert_ne!(undone.state, "complete", "{undone:?}");

        // B's contract gate refuses on B's state although A's backfill is complete.
        let refused = up(b.as_mut(), &plan_b, "hist_b", "0003").await;
        assert!(
            matches!(refused, Err(ref e) if e.to_string().contains("copy_old")),
            "B's gate opened on A's state: {refused:?}"
        );
        assert_eq!(
            count(b.as_mut(), "SELECT COUNT(*) FROM tb WHERE old IS NOT NULL").await,
            ROWS
        );
        // A's gate opens on A's own state.
        up(b.as_mut(), &plan_a, "hist_a", "0003")
            .await
            .expect("A up 0003");
        assert!(b.query("SELECT old FROM ta WHERE id = 1").await.is_err());
    })
    .await;
}

#[tokio::test]
async fn the_default_history_table_keeps_the_old_names() {
    for_each_backend(|db| async move {
        let mut b = connect(db.url()).await.expect("connect");
        let dir = plan_dir("t");
        let plan = dir.load();
        seeded(b.as_mut(), &plan, "cutover_history", "t").await;
        up(b.as_mut(), &plan, "cutover_history", "0002")
            .await
            .expect("up 0002");

        // The names every earlier release used, spelled out here, not taken from the code.
        let digest = Sha256::digest(b"copy_old");
        let hex: String = digest.iter().take(8).map(|x| format!("{x:02x}")).collect();
        let log = format!("cutover_undo_{hex}");
        assert!(exists(b.as_mut(), "cutover_backfill").await);
        assert!(exists(b.as_mut(), &log).await, "{log}");
        assert_eq!(
            BackfillScope::default_history().undo_log_table("copy_old"),
            log
        );
        assert!(fenced(b.as_mut(), "cutover-backfill:copy_old").await);
        assert_eq!(
            count(
                b.as_mut(),
                "SELECT COUNT(*) FROM cutover_backfill WHERE id = 'copy_old' AND state = 'complete'"
            )
            .await,
            1
        );

        // A database written before scopes existed keeps working: its checkpoint is read
        // (the backfill is complete, so the contract gate opens).
        let st = status(b.as_mut(), &plan, "cutover_history").await;
        assert_eq!(st.state, "complete", "{st:?}");
        up(b.as_mut(), &plan, "cutover_history", "0003")
            .await
            .expect("up 0003");
    })
    .await;
}
