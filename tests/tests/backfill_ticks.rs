//! Batch boundaries from ticks counted ahead (issue 18). Each batch used to count its keys
//! (`ORDER BY key LIMIT 1 OFFSET n-1`), an index-only scan that on PostgreSQL fetches the heap
//! tuple of every key on a page an earlier batch updated: with random UUID keys, every page
//! after the first batches. The engine now lists every 200th key once, at the start of the
//! part, while the visibility map is clean. On PostgreSQL the primary key's heap fetches are
//! the UPDATEs' alone (one per row); on every database each row is changed exactly once, in
//! the batches its size says.

use cutover_cli::connect::connect;
use cutover_core::backfill::{BackfillOptions, BackfillScope, BackfillSpec, QuietObserver, run};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const ROWS: i64 = 20_000;
const BATCH: i64 = 400;

/// A table of ROWS random UUID keys, inserted in an order unrelated to them.
fn seed(backend: Backend) -> Vec<String> {
    let v = match backend {
        Backend::Postgres => vec![
            "CREATE TABLE tk (id uuid PRIMARY KEY, hits bigint NOT NULL DEFAULT 0, note text) WITH (autovacuum_enabled = false)".to_string(),
            format!("INSERT INTO tk (id, note) SELECT gen_random_uuid(), 'row ' || g FROM generate_series(1, {ROWS}) AS g"),
            "VACUUM ANALYZE tk".into(),
        ],
        Backend::Mysql => {
            let d = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
            vec![
                "CREATE TABLE tk (id UUID PRIMARY KEY, hits bigint NOT NULL DEFAULT 0, note text)".to_string(),
                format!("INSERT INTO tk (id, note) SELECT UUID(), CONCAT('row ', g) FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1 AS g FROM {d} a CROSS JOIN {d} b CROSS JOIN {d} c CROSS JOIN {d} e CROSS JOIN {d} f) AS n WHERE g <= {ROWS}"),
            ]
        }
        Backend::Sqlite => vec![
            "CREATE TABLE tk (id TEXT PRIMARY KEY NOT NULL, hits INTEGER NOT NULL DEFAULT 0, note TEXT)".to_string(),
            format!("INSERT INTO tk (id, note) WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {ROWS}) SELECT lower(hex(randomblob(16))), 'row ' || g FROM s"),
        ],
    };
    v
}

const PLAN: &str = r#"
description = "count the visits"
[[steps]]
op = "backfill"
id = "tk_hits"
table = "tk"
set.hits = "hits + 1"
"#;

/// Heap tuples fetched through the primary key of `tk` (index-only scans' heap fetches and
/// index scans' rows), once the statistics of the backfill are in: polled until the table's
/// `n_tup_upd` reaches `updated` and stops moving.
async fn key_fetches(b: &mut dyn cutover_core::backend::Backend, updated: i64) -> i64 {
    let sql = "SELECT i.idx_tup_fetch, t.n_tup_upd FROM pg_stat_user_indexes i JOIN pg_stat_user_tables t ON t.relid = i.relid WHERE t.relname = 'tk' AND i.indexrelname = 'tk_pkey'";
    let mut last = (-1, -1);
    for _ in 0..50 {
        b.execute("SELECT pg_stat_clear_snapshot()")
            .await
            .expect("clear snapshot");
        let rows = b.query(sql).await.expect("pg_stat_user_indexes").rows;
        let n = |i: usize| -> i64 {
            rows[0][i]
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1)
        };
        let now = (n(0), n(1));
        if now.1 >= updated && now == last {
            return now.0;
        }
        last = now;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    last.0
}

#[tokio::test]
async fn random_uuid_batches_do_not_count_their_keys() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let mut b = connect(db.url()).await.expect("connect");
        for s in seed(backend) {
            b.execute(&s).await.expect(&s);
        }
        let pg = backend == Backend::Postgres;
        let before = if pg { key_fetches(b.as_mut(), 0).await } else { 0 };
        let dir = PlanDir::new();
        dir.write("0001_hits.toml", PLAN);
        let plan = dir.load();
        let spec =
            BackfillSpec::find(&plan, "tk_hits", &BackfillScope::default_history()).expect("spec");
        let options = BackfillOptions {
            batch_size: Some(BATCH as u64),
            adaptive: false,
            ..BackfillOptions::default()
        };
        let report = run(b.as_mut(), None, &spec, &options, &QuietObserver)
            .await
            .expect("backfill");
        // Every row exactly once; ROWS / BATCH full batches and the empty one that finds the end.
        assert_eq!(report.rows_changed as i64, ROWS, "{report:?}");
        assert_eq!(report.rows_scanned as i64, ROWS, "{report:?}");
        assert_eq!(report.batches as i64, ROWS / BATCH + 1, "{report:?}");
        let once = snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM tk WHERE hits = 1").await;
        assert_eq!(once, ROWS, "every row changed exactly once");
        let notes = snapshot::count(
            b.as_mut(),
            "SELECT COUNT(DISTINCT note) FROM tk WHERE note LIKE 'row %'",
        )
        .await;
        assert_eq!(notes, ROWS, "no row lost or duplicated");
        if pg {
            let fetched = key_fetches(b.as_mut(), ROWS).await - before;
            eprintln!(
                "{} batches: {fetched} heap tuples fetched through tk_pkey",
                report.batches
            );
            // The UPDATEs fetch each row once; counting each batch's keys fetched them again.
            assert!(
                fetched < ROWS + ROWS / 4,
                "{fetched} heap tuples fetched through the key for {ROWS} rows in {} batches: the batches counted their keys through the heap",
                report.batches
            );
        }
        b.close().await.expect("close");
    })
    .await;
}
