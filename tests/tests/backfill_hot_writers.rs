//! A logged backfill finishes under an application that keeps writing to its rows, on real
//! PostgreSQL, MariaDB and SQLite, and its undo stays exact.
//!
//! On PostgreSQL an undo-logged batch runs in REPEATABLE READ, so any write to one of its
//! rows between its snapshot and its UPDATE fails it with 40001. Before the batch locked its
//! rows after a first conflict, every retry met the same writers and failed the same way: the
//! CI's live-traffic smoke benchmark stopped with "could not serialize access due to
//! concurrent update" after its 8 retries. Here three writers update random rows as fast as
//! they can while the backfill runs with only 3 retries a batch.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, QuietObserver};
use cutover_core::runner::{Runner, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options, rows, undo};
use cutover_tests::{Backend as Kind, TestDb, for_each_backend};

const ROWS: u64 = 4000;
const WRITERS: u64 = 3;

const TABLE: &str = r#"
description = "a table the application writes to all the time"
[[steps]]
op = "create_table"
table = "h"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "v", type = "varchar(40)" },
  { name = "n", type = "bigint" },
]
"#;

const FILL: &str = r#"
description = "mark every value"
[[steps]]
op = "backfill"
id = "h_fill"
table = "h"
pending = "v NOT LIKE '%!'"
set.v = "concat(v, '!')"
"#;

/// One writer: `UPDATE h SET n = n + 1` on pseudo-random rows until `stop`; counts its commits.
async fn writer(url: String, seed: u64, stop: Arc<AtomicBool>, commits: Arc<AtomicU64>) {
    let mut w = connect(&url).await.expect("connect a writer");
    let mut x = seed;
    while !stop.load(Ordering::Relaxed) {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let id = (x >> 33) % ROWS + 1;
        // A busy SQLite database or a MariaDB deadlock fails a write now and then: the
        // application would retry it; only commits are counted.
        if w.execute(&format!("UPDATE h SET n = n + 1 WHERE id = {id}"))
            .await
            .is_ok()
        {
            commits.fetch_add(1, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
    w.close().await.expect("close a writer");
}

async fn sum_n(b: &mut dyn cutover_core::backend::Backend) -> u64 {
    let r = rows(b, "SELECT SUM(n) FROM h").await;
    r[0][0]
        .as_deref()
        .and_then(|s| s.parse().ok())
        .expect("a sum")
}

async fn hot_writers(db: TestDb) {
    let dir = PlanDir::new();
    dir.write("0001_h.toml", TABLE)
        .write("0002_fill.toml", FILL);
    let plan = dir.load();
    let mut b = connect(db.url()).await.expect("connect");
    let v = cutover_core::plan::Version::parse("0001").expect("version");
    Runner::new(b.as_mut(), &plan, options(), &cutover_core::runner::Silent)
        .up(Target::Version(v))
        .await
        .expect("up 0001");
    exec_all(
        b.as_mut(),
        (0..ROWS / 500).map(|chunk| {
            let values: Vec<String> = (chunk * 500 + 1..=chunk * 500 + 500)
                .map(|id| format!("({id}, 'old{id}', 0)"))
                .collect();
            format!("INSERT INTO h (id, v, n) VALUES {}", values.join(", "))
        }),
    )
    .await;

    let stop = Arc::new(AtomicBool::new(false));
    let commits = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..WRITERS)
        .map(|i| {
            tokio::spawn(writer(
                db.url().to_string(),
                i * 7919 + 13,
                stop.clone(),
                commits.clone(),
            ))
        })
        .collect();
    // The writers warm up before the backfill starts.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let spec = BackfillSpec::find(
        &plan,
        "h_fill",
        &cutover_core::backfill::BackfillScope::default_history(),
    )
    .expect("the backfill");
    let opts = BackfillOptions {
        batch_size: Some(1000),
        retries: 3,
        retry_backoff: Duration::from_millis(20),
        ..BackfillOptions::default()
    };
    let outcome = backfill::run(b.as_mut(), None, &spec, &opts, &QuietObserver).await;
    let during = commits.load(Ordering::Relaxed);
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("a writer");
    }
    let report = outcome.unwrap_or_else(|e| {
        panic!(
            "{}: the backfill must finish under busy writers: {e}",
            db.backend().name()
        )
    });
    assert!(
        during >= 10,
        "the writers wrote while it ran ({during} commits)"
    );
    assert_eq!(report.rows_changed, ROWS, "{report:?}");
    let written = commits.load(Ordering::Relaxed);
    assert_eq!(sum_n(b.as_mut()).await, written, "no writer's commit lost");
    let marked = rows(b.as_mut(), "SELECT COUNT(*) FROM h WHERE v LIKE 'old%!'").await;
    assert_eq!(marked[0][0].as_deref(), Some(ROWS.to_string().as_str()));
    eprintln!(
        "{}: {} writer commits, backfill {} batches, {} retries",
        db.backend().name(),
        written,
        report.batches,
        report.retries
    );

    let undone = undo(b.as_mut(), &plan, "h_fill").await;
    assert_eq!(undone.method, "log", "{undone:?}");
    let wrong = rows(
        b.as_mut(),
        &format!(
            "SELECT id, v FROM h WHERE v <> {} ORDER BY id",
            concat_sql(db.backend())
        ),
    )
    .await;
    assert!(
        wrong.is_empty(),
        "rows not given back their old value: {wrong:?}"
    );
    assert_eq!(
        sum_n(b.as_mut()).await,
        written,
        "undo kept every writer's commit"
    );
    // A second undo finds nothing to do and says so (rtD L3).
    let again = undo(b.as_mut(), &plan, "h_fill").await;
    assert_eq!(again.rows_restored, 0);
    let note = again.note.unwrap_or_default();
    assert!(note.contains("is already undone"), "{note}");
    let preview = Runner::new(b.as_mut(), &plan, options(), &cutover_core::runner::Silent)
        .preview_undo("h_fill")
        .await
        .expect("dry run");
    let note = preview.note.unwrap_or_default();
    assert!(note.contains("is already undone"), "{note}");
    b.close().await.expect("close");
}

/// `'old' || id` in the database's own spelling.
fn concat_sql(kind: Kind) -> &'static str {
    match kind {
        Kind::Mysql => "concat('old', id)",
        _ => "'old' || id",
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_logged_backfill_finishes_under_busy_writers_and_undoes_exactly() {
    for_each_backend(hot_writers).await;
}
