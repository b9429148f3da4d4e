//! An undo-logged backfill on a uuid key on PostgreSQL. PostgreSQL estimates a uuid (or text)
//! range that falls inside one histogram bucket at 1 row; when the batch's UPDATE repeated
//! the key range of its old-values sub-select, the planner joined the two range scans in a
//! nested loop and read the whole range once per row of the batch (quadratic: 300k rows took
//! 34 s instead of 9 s). The key index reads of the backfill stay a small multiple of its rows.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const ROWS: i64 = 20_000;

/// Ten histogram buckets of 2,000 keys: a batch falls inside one, as on a large table with
/// the default statistics target (300k rows: buckets of 3,000 keys).
const SEED: &str = r#"
description = "items on a uuid key, half of them on one prefix"
[[steps]]
op = "create_table"
table = "u_items"
columns = [
  { name = "id", type = "uuid", primary_key = true },
  { name = "val", type = "bigint", nullable = false },
  { name = "hits", type = "integer", nullable = false, default = 0 },
]
[[steps]]
op = "sql"
sql = """INSERT INTO u_items (id, val) SELECT (CASE WHEN g % 2 = 0 THEN md5(g::text)::uuid ELSE ('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid END), g FROM generate_series(1, 20000) AS g;
ALTER TABLE u_items ALTER COLUMN id SET STATISTICS 10;
ANALYZE u_items"""
down = "DELETE FROM u_items"
"#;

/// `hits + 1` has no `undo`: the batch logs the old values (one CTE statement on PostgreSQL).
const BACKFILL: &str = r#"
description = "count a hit"
[[steps]]
op = "backfill"
id = "u_items_hits"
table = "u_items"
batch_size = 400
set.hits = "hits + 1"
"#;

/// Index tuples read on `u_items`, once the statistics of finished sessions are in.
async fn index_reads(b: &mut dyn cutover_core::backend::Backend, at_least: i64) -> i64 {
    let sql = "SELECT COALESCE(SUM(idx_tup_read), 0)::bigint FROM pg_stat_user_indexes WHERE relname = 'u_items'";
    let mut last = -1;
    for _ in 0..50 {
        b.execute("SELECT pg_stat_clear_snapshot()")
            .await
            .expect("clear snapshot");
        let now = snapshot::count(b, sql).await;
        if now >= at_least && now == last {
            return now;
        }
        last = now;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    last
}

#[tokio::test]
async fn a_uuid_batch_reads_its_range_once() {
    for_each_backend(|db| async move {
        if db.backend() != Backend::Postgres {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_items.toml", SEED);
        dir.write("0002_hits.toml", BACKFILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let v1 = cutover_core::plan::Version::parse("0001").expect("version");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Version(v1))
            .await
            .expect("up 0001");
        let before = index_reads(b.as_mut(), 0).await;
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up 0002");
        let after = index_reads(b.as_mut(), before + ROWS).await;
        let reads = after - before;
        eprintln!("index tuples read by the backfill of {ROWS} rows: {reads}");
        assert!(
            (ROWS..20 * ROWS).contains(&reads),
            "the backfill read {reads} index tuples for {ROWS} rows: a batch reads its range once per row"
        );
        let done = snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM u_items WHERE hits = 1").await;
        assert_eq!(done, ROWS, "every row counted once");
        b.close().await.expect("close");
    })
    .await;
}
