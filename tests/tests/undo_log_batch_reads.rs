//! A batch that keeps an undo log reads only its own key range: on PostgreSQL the batch's
//! single statement used to read the old values through a self-join whose key range sat on
//! one side only, which the planner (estimating the benchmark's `json_length(..) = 0`
//! pending filter at 0.5% of the rows) ran as a hash join over a sequential scan of the
//! whole table, once per batch. The benchmark's table and backfill, 20,000 rows in 20
//! batches, on every selected database: the backfill then the exact undo from its log give
//! back the rows as they were, and on PostgreSQL the table was never read sequentially.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, QuietObserver};
use cutover_core::runner::{Runner, RunnerOptions, Silent};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot as snap};

const ROWS: u64 = 20_000;

/// The benchmark's backfill (tests/benches/backfill.rs).
const PLAN: &str = r#"
description = "the attachments backfill of the benchmark"
[[steps]]
op = "backfill"
id = "bench"
table = "messages"
pending = "media_url IS NOT NULL AND media_url <> '' AND json_length(attachments) = 0"
set.attachments = """json_array(json_object(
   'url', media_url,
   'type', CASE WHEN media_url LIKE '%.mp4' THEN 'video' ELSE 'image' END,
   'name', substring_after_last(media_url, '/'),
   'mimeType', CASE WHEN media_url LIKE '%.mp4' THEN 'video/mp4' ELSE 'image/jpeg' END,
   'source', 'legacy_migration'))"""
set.updated_at = "now()"
"#;

/// Loads the benchmark's `messages` table with [`ROWS`] rows (55% with a media URL).
async fn load(b: &mut dyn Backend, kind: Kind) {
    let name = kind.name();
    let path = format!(
        "{}/benches/workload/messages-{name}.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    let sql = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .replace("1000000", &ROWS.to_string());
    for stmt in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        b.execute(stmt)
            .await
            .unwrap_or_else(|e| panic!("loading: {stmt}: {e}"));
    }
}

/// Rows of `messages` read by sequential scans so far (PostgreSQL), after flushing this
/// session's counters.
async fn seq_rows_read(b: &mut dyn Backend) -> i64 {
    b.execute("SELECT pg_stat_force_next_flush()")
        .await
        .expect("flush stats");
    b.execute("SELECT pg_stat_clear_snapshot()")
        .await
        .expect("clear stats snapshot");
    snap::count(
        b,
        "SELECT COALESCE(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relname = 'messages'",
    )
    .await
}

#[tokio::test]
async fn a_logged_batch_reads_only_its_key_range_and_undo_is_exact() {
    for_each_backend(|db| async move {
        let kind = db.backend();
        let mut b = connect(db.url()).await.expect("connect");
        load(b.as_mut(), kind).await;
        let before = snap::rows(b.as_mut(), "messages").await;
        let dir = PlanDir::new();
        dir.write("0001_bench.toml", PLAN);
        let plan = dir.load();
        let spec = BackfillSpec::find(
            &plan,
            "bench",
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("spec");
        let options = BackfillOptions {
            batch_size: Some(ROWS / 20),
            adaptive: false,
            ..BackfillOptions::default()
        };
        let seq_before = match kind {
            Kind::Postgres => seq_rows_read(b.as_mut()).await,
            _ => 0,
        };
        let report = backfill::run(b.as_mut(), None, &spec, &options, &QuietObserver)
            .await
            .expect("backfill");
        assert_eq!(report.rows_changed, ROWS * 55 / 100, "{report:?}");
        if kind == Kind::Postgres {
            let read = seq_rows_read(b.as_mut()).await - seq_before;
            assert!(
                read < ROWS as i64,
                "20 logged batches read {read} rows of messages sequentially (a whole table \
                 is {ROWS}): a batch reads beyond its key range"
            );
        }
        let log = cutover_core::backfill::BackfillScope::default_history().undo_log_table("bench");
        assert_eq!(
            cutover_tests::undo_capture::logged_rows(b.as_mut(), &log).await,
            (ROWS * 55 / 100) as i64
        );
        let undo = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .undo_backfill("bench")
            .await
            .expect("undo");
        assert_eq!(undo.method, "log");
        assert_eq!(undo.rows_restored, ROWS * 55 / 100);
        assert_eq!(
            snap::rows(b.as_mut(), "messages").await,
            before,
            "undo gives back every row exactly"
        );
        b.close().await.expect("close");
    })
    .await;
}
