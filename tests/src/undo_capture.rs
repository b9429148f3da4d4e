//! Helpers of the tests of PostgreSQL's captured undo log (`undo_log_capture*.rs`): the
//! names of the log of the undo-log scenario's backfill, what its tables hold, whether its
//! trigger is there.

use std::future::Future;

use cutover_core::backend::Backend;
use cutover_core::backfill::BackfillScope;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, Silent};

use crate::crash::{CrashAt, Crashing};
use crate::snapshot as snap;
use crate::undo_log::options;
use crate::{Backend as Kind, TestDb, backends};

/// The log table of the scenario's backfill `items_fill`.
pub fn log_table() -> String {
    BackfillScope::default_history().undo_log_table("items_fill")
}

/// Triggers on `items` whose name starts with `cutover_undo_`.
pub async fn capture_triggers(b: &mut dyn Backend) -> i64 {
    snap::count(
        b,
        "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass AND tgname LIKE 'cutover\\_undo\\_%'",
    )
    .await
}

/// (rows in the per-row log, packed batches, rows in them).
pub async fn log_state(b: &mut dyn Backend) -> (i64, i64, i64) {
    let log = log_table();
    let own = snap::count(b, &format!("SELECT COUNT(*) FROM \"{log}\"")).await;
    let batches = snap::count(b, &format!("SELECT COUNT(*) FROM \"{log}_b\"")).await;
    let packed = snap::count(
        b,
        &format!("SELECT coalesce(sum(cardinality(rows)), 0) FROM \"{log}_b\""),
    )
    .await;
    (own, batches, packed)
}

/// How many rows the undo log `table` holds: its own rows, plus the rows of the batches
/// PostgreSQL logged packed (`<table>_b`, one array per batch) and nothing unpacked yet.
pub async fn logged_rows(b: &mut dyn Backend, table: &str) -> i64 {
    let own = format!("SELECT COUNT(*) FROM {}", b.dialect().quote(table));
    let mut n = snap::count(b, &own).await;
    let packed = format!("{table}_b");
    if b.table_exists(&packed).await.expect("list tables") {
        let sql = format!(
            "SELECT coalesce(sum(cardinality(rows)), 0) FROM {}",
            b.dialect().quote(&packed)
        );
        n += snap::count(b, &sql).await;
    }
    n
}

/// Runs `scenario` with the URL of a fresh PostgreSQL database; skipped only when
/// CUTOVER_TEST_BACKENDS explicitly leaves PostgreSQL out (a listed but unreachable server
/// fails in `backends()`).
pub async fn on_postgres<F, Fut>(scenario: F)
where
    F: FnOnce(String) -> Fut,
    Fut: Future<Output = ()>,
{
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    scenario(db.url().to_string()).await;
    db.drop_db().await;
}

/// The check a captured batch runs after its UPDATE: the statement to crash at or after.
pub const CAPTURE_CHECK: &str = "current_setting('cutover.undo_logged'";

/// Runs backfill `items_fill` of `plan` on a new connection to `url` that dies at `at`, as a
/// killed process would; panics unless it died.
pub async fn backfill_killed(url: &str, plan: &Plan, at: CrashAt) {
    let inner = cutover_cli::connect::connect(url).await.expect("connect");
    let mut crashing = Crashing::new(inner, at);
    let _ = Runner::new(&mut crashing, plan, options(), &Silent)
        .backfill("items_fill")
        .await;
    assert!(crashing.fired(), "the connection died");
    let _ = Box::new(crashing).close().await;
}
