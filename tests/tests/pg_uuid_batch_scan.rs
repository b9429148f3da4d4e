//! An undo-logged backfill on a random uuid key on PostgreSQL reads each batch's key range,
//! never the whole table. The batch used to join its UPDATE with a sub-select of the key
//! range (for the old values); PostgreSQL, which cannot tell how many random uuids a range
//! holds nor finds them together in the heap, then preferred a sequential scan of the table
//! per batch: the gap between uuid and integer keys (issue 18). The old values now come from
//! sub-selects on the key in the UPDATE's RETURNING, so each batch reads its range only; the
//! undo log still holds the values from before the backfill, and undo restores them.

use cutover_cli::connect::connect;
use cutover_core::backfill::{BackfillOptions, BackfillSpec, QuietObserver, run, undo_exact};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const ROWS: i64 = 100_000;

/// Random v4 keys inserted in an order unrelated to them (as `gen_random_uuid()` defaults
/// leave a table), rows as wide as the benchmark's, statistics fresh.
const SEED: [&str; 3] = [
    "CREATE TABLE u_msgs (id uuid PRIMARY KEY, media_url text, attachments jsonb NOT NULL DEFAULT '[]'::jsonb, created_at timestamptz NOT NULL DEFAULT now())",
    "INSERT INTO u_msgs (id, media_url) SELECT gen_random_uuid(), CASE WHEN g % 20 < 11 THEN 'https://cdn.example.com/u/' || g || '/photo.jpg' END FROM generate_series(1, 100000) AS g",
    "VACUUM ANALYZE u_msgs",
];

const PLAN: &str = r#"
description = "attachments from media urls"
[[steps]]
op = "backfill"
id = "u_msgs_media"
table = "u_msgs"
pending = "media_url IS NOT NULL AND json_length(attachments) = 0"
set.attachments = "json_array(media_url)"
"#;

/// `(sequential scans, tuples they read)` on `u_msgs`, once the statistics of finished
/// sessions are in: polled until `n_tup_upd` reaches `updated` and stops moving.
async fn seq_reads(b: &mut dyn cutover_core::backend::Backend, updated: i64) -> (i64, i64) {
    let sql = "SELECT seq_scan, seq_tup_read, n_tup_upd FROM pg_stat_user_tables WHERE relname = 'u_msgs'";
    let mut last = (-1, -1, -1);
    for _ in 0..50 {
        b.execute("SELECT pg_stat_clear_snapshot()")
            .await
            .expect("clear snapshot");
        let rows = b.query(sql).await.expect("pg_stat_user_tables").rows;
        let n = |i: usize| -> i64 {
            rows[0][i]
                .as_deref()
                .and_then(|v| v.parse().ok())
                .unwrap_or(-1)
        };
        let now = (n(0), n(1), n(2));
        if now.2 >= updated && now == last {
            return (now.0, now.1);
        }
        last = now;
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    (last.0, last.1)
}

/// A digest of every row's key and attachments.
async fn fingerprint_of(b: &mut dyn cutover_core::backend::Backend) -> String {
    let sql = "SELECT md5(string_agg(id::text || attachments::text, ',' ORDER BY id)) FROM u_msgs";
    b.query(sql)
        .await
        .expect("fingerprint")
        .scalar()
        .map(str::to_string)
        .expect("a digest")
}

#[tokio::test]
async fn a_random_uuid_batch_reads_its_range_not_the_table() {
    for_each_backend(|db| async move {
        // The one-statement undo-logged batch is PostgreSQL's (data-modifying CTE with
        // RETURNING); MySQL and SQLite log ahead of the UPDATE (backfill_undo_ahead.rs).
        if db.backend() != Backend::Postgres {
            return;
        }
        let mut b = connect(db.url()).await.expect("connect");
        for s in SEED {
            b.execute(s).await.expect(s);
        }
        let original = fingerprint_of(b.as_mut()).await;
        let (scans0, read0) = seq_reads(b.as_mut(), 0).await;
        let dir = PlanDir::new();
        dir.write("0001_media.toml", PLAN);
        let plan = dir.load();
        let spec = BackfillSpec::find(&plan, "u_msgs_media", &cutover_core::backfill::BackfillScope::default_history()).expect("spec");
        let options = BackfillOptions {
            batch_size: Some(2_000),
            adaptive: false,
            ..BackfillOptions::default()
        };
        let report = run(b.as_mut(), None, &spec, &options, &QuietObserver)
            .await
            .expect("backfill");
        let pending = ROWS * 11 / 20;
        assert_eq!(report.rows_changed as i64, pending, "{report:?}");
        let (scans, read) = seq_reads(b.as_mut(), pending).await;
        let (scans, read) = (scans - scans0, read - read0);
        eprintln!(
            "{} batches: {scans} sequential scans of u_msgs reading {read} tuples",
            report.batches
        );
        // The engine's size probe reads at most 10,000 rows; a batch that scans the table
        // reads all 100,000, and there are 50 batches.
        assert!(
            read < 2 * ROWS,
            "{} batches read {read} tuples of u_msgs in {scans} sequential scans: a batch scanned the table",
            report.batches
        );
        let wrong = snapshot::count(
            b.as_mut(),
            "SELECT COUNT(*) FROM u_msgs WHERE (media_url IS NULL) <> (attachments = '[]'::jsonb) OR (media_url IS NOT NULL AND attachments <> jsonb_build_array(media_url))",
        )
        .await;
        assert_eq!(wrong, 0, "rows not backfilled exactly");
        // The log holds the values from before the batch (per row, or packed by the batch's
        // trigger): undo gives the table back.
        let log = cutover_core::backfill::BackfillScope::default_history().undo_log_table("u_msgs_media");
        let logged = snapshot::count(
            b.as_mut(),
            &format!(
                "SELECT COUNT(*) FROM (SELECT o_attachments, n_attachments FROM \"{log}\" UNION ALL SELECT r.o_attachments, r.n_attachments FROM \"{log}_b\" CROSS JOIN LATERAL unnest(rows) AS r) AS l WHERE o_attachments = '[]'::jsonb AND n_attachments <> '[]'::jsonb"
            ),
        )
        .await;
        assert_eq!(logged, pending, "every changed row logged with its old value");
        undo_exact(b.as_mut(), &spec, &options, &QuietObserver, None)
            .await
            .expect("undo");
        assert_eq!(
            fingerprint_of(b.as_mut()).await,
            original,
            "undo restores the table"
        );
        b.close().await.expect("close");
    })
    .await;
}
