//! The undo log is exact under a concurrent writer (pgrr16), on real PostgreSQL, MariaDB and
//! SQLite: another session updates a row of the first batch's range and holds its lock; the
//! backfill starts and waits for that lock; the other session commits; the backfill
//! finishes. `backfill undo` must then give the row back the other session's committed value,
//! not the value from before its write.
//!
//! On PostgreSQL under READ COMMITTED the batch's UPDATE re-evaluated on the writer's new row
//! version while the logged old value (a sub-select in `RETURNING`) still read the
//! statement's snapshot: the log held the value from before the write and the undo lost the
//! writer's commit. The batch now runs in REPEATABLE READ: it fails with 40001 and is retried.
//!
//! The other session commits only once the backfill's session is seen waiting for its lock
//! (`pg_locks`; on MariaDB, its statement still running after
//! 200 ms in `information_schema.PROCESSLIST`), so the interleaving is the same every run.
//! SQLite has one writer: the batch's `BEGIN IMMEDIATE` waits for the writer's commit.

use std::time::{Duration, Instant};

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options, rows, undo};
use cutover_tests::{Backend as Kind, TestDb, for_each_backend};

const ROWS: i64 = 20;

const TABLE: &str = r#"
description = "a table a user writes to during the backfill"
[[steps]]
op = "create_table"
table = "c"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "v", type = "varchar(40)" },
]
"#;

/// Repeatable, so MariaDB logs its batches ahead of the UPDATE (`INSERT .. SELECT .. FOR
/// UPDATE`).
const FILL: &str = r#"
description = "mark every value"
[[steps]]
op = "backfill"
id = "c_fill"
table = "c"
set.v = "concat(v, '!')"
"#;

/// The same with a non-repeatable expression: MariaDB logs before and after the UPDATE.
const FILL_VOLATILE: &str = r#"
description = "mark every value, with a random part"
[[steps]]
op = "backfill"
id = "c_fill"
table = "c"
set.v = "concat(v, '!', CASE WHEN uuid() IS NULL THEN 'x' ELSE '' END)"
"#;

/// SQL whose one value is the number of sessions of this database waiting for a row lock;
/// `None` on SQLite, whose writer waits in `BEGIN IMMEDIATE`, seen by no one.
fn waiting_sql(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Postgres => Some(
            "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE NOT l.granted AND a.datname = current_database()",
        ),
        Kind::Mysql => Some(
            // A statement of another session running for 200 ms: 20 rows take that long
            // only behind a lock (`INNODB_TRX` showed stale rows on MariaDB 10.11).
            "SELECT count(*) FROM information_schema.PROCESSLIST \
             WHERE DB = DATABASE() AND ID <> CONNECTION_ID() AND COMMAND = 'Query' \
             AND TIME_MS >= 200",
        ),
        Kind::Sqlite => None,
    }
}

/// Waits until a session of `db` waits for a lock (or, on SQLite, a moment for the
/// backfill to reach its `BEGIN IMMEDIATE`).
async fn until_waiting(db: &TestDb) {
    let Some(sql) = waiting_sql(db.backend()) else {
        tokio::time::sleep(Duration::from_millis(300)).await;
        return;
    };
    let mut watcher = connect(db.url()).await.expect("connect the watcher");
    let started = Instant::now();
    loop {
        let waiting = watcher.query(sql).await.expect("waiting sessions");
        if waiting.scalar().is_some_and(|n| n != "0") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "the backfill never waited for the writer's row lock"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    watcher.close().await.expect("close the watcher");
}

async fn writer_commit_during_backfill_is_kept_by_undo(db: TestDb, fill: &str) {
    let dir = PlanDir::new();
    dir.write("0001_c.toml", TABLE)
        .write("0002_fill.toml", fill);
    let plan = dir.load();
    let mut b = connect(db.url()).await.expect("connect");
    let v = cutover_core::plan::Version::parse("0001").expect("version");
    Runner::new(b.as_mut(), &plan, options(), &Silent)
        .up(Target::Version(v))
        .await
        .expect("up 0001");
    exec_all(
        b.as_mut(),
        (1..=ROWS).map(|id| format!("INSERT INTO c (id, v) VALUES ({id}, 'old{id}')")),
    )
    .await;
    // The writer: row 3 (first batch) changed, not committed.
    let mut writer = connect(db.url()).await.expect("connect the writer");
    writer.begin().await.expect("writer begin");
    writer
        .execute("UPDATE c SET v = 'writerA' WHERE id = 3")
        .await
        .expect("writer update");
    let backfill = async {
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up runs the backfill");
    };
    let commit = async {
        until_waiting(&db).await;
        writer.commit().await.expect("writer commit");
    };
    tokio::join!(backfill, commit);
    let filled = rows(b.as_mut(), "SELECT v FROM c WHERE id = 3").await;
    assert_eq!(
        filled[0][0].as_deref(),
        Some("writerA!"),
        "the backfill ran"
    );
    let report = undo(b.as_mut(), &plan, "c_fill").await;
    assert_eq!(report.method, "log", "{report:?}");
    let after = rows(b.as_mut(), "SELECT id, v FROM c ORDER BY id").await;
    for r in &after {
        let id = r[0].clone().expect("id");
        let want = if id == "3" {
            "writerA".to_string()
        } else {
            format!("old{id}")
        };
        assert_eq!(
            r[1].as_deref(),
            Some(want.as_str()),
            "row {id} after undo (the writer's committed value must be kept)"
        );
    }
    assert_eq!(after.len(), ROWS as usize);
    writer.close().await.expect("close the writer");
    b.close().await.expect("close");
}

#[tokio::test]
async fn undo_keeps_a_write_committed_while_the_batch_waited_for_its_lock() {
    for_each_backend(|db| writer_commit_during_backfill_is_kept_by_undo(db, FILL)).await;
}

#[tokio::test]
async fn undo_keeps_a_write_committed_while_a_volatile_batch_waited_for_its_lock() {
    for_each_backend(|db| writer_commit_during_backfill_is_kept_by_undo(db, FILL_VOLATILE)).await;
}
