//! SQLite: a `create_table` keyed by one `uuid` column is created `WITHOUT ROWID` (its rows in
//! key order, as a key-order backfill walks them), unless `sqlite_rowid = true`. Its sync and
//! `updated_at` triggers find the written row by the primary key (a rowid trigger would fail
//! with `no such column: rowid` on every write), with writers on their own connections
//! during the backfill, and a table rebuild keeps the table WITHOUT ROWID.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::Version;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb};

const TABLES: &str = r#"
description = "three tables"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "uuid", primary_key = true },
  { name = "url", type = "varchar(200)" },
  { name = "label", type = "varchar(250)", nullable = true },
  { name = "updated_at", type = "timestamp", nullable = true },
]
[[steps]]
op = "updated_at_trigger"
table = "items"
column = "updated_at"
[[steps]]
op = "create_table"
table = "kept"
sqlite_rowid = true
columns = [{ name = "id", type = "uuid", primary_key = true }]
[[steps]]
op = "create_table"
table = "counted"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

const FILL: &str = r#"
description = "label from url, kept in sync"
[[steps]]
op = "backfill"
id = "items_label"
table = "items"
pending = "label IS NULL"
set.label = "upper(url)"
batch_size = 20
sync = true
"#;

const REBUILD: &str = r#"
description = "a check: SQLite rebuilds the table"
[[steps]]
op = "add_check"
table = "items"
name = "items_url_set"
expr = "url <> ''"
allow = [{ rule = "sqlite/table-rebuild", reason = "test table" }]
"#;

const SEED: usize = 600;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        backup: BackupPolicy::Skip,
        retry_backoff: Duration::from_millis(50),
        ..RunnerOptions::default()
    };
    o.backfill.adaptive = false;
    o
}

async fn up_to(b: &mut dyn Backend, dir: &PlanDir, to: &str) {
    let target = Target::Version(Version::parse(to).expect("version"));
    Runner::new(b, &dir.load(), options(), &Silent)
        .up(target)
        .await
        .unwrap_or_else(|e| panic!("up to {to}: {e}"));
}

async fn scalar(b: &mut dyn Backend, sql: &str) -> String {
    b.query(sql).await.expect(sql).rows[0][0]
        .clone()
        .unwrap_or_default()
}

/// `pragma_table_list.wr` of `table`: 1 for WITHOUT ROWID.
async fn without_rowid(b: &mut dyn Backend, table: &str) -> String {
    scalar(
        b,
        &format!("SELECT wr FROM pragma_table_list WHERE name = '{table}'"),
    )
    .await
}

/// A random v4-shaped UUID in SQLite, as an application would write it.
const NEW_UUID: &str = "lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))";

/// Inserts rows and changes urls until `stop`; counts its successful writes.
async fn writer(url: String, w: u64, stop: Arc<AtomicBool>, ok: Arc<AtomicU64>) {
    let mut b = connect(&url).await.expect("writer connects");
    let mut i: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        let sql = if i.is_multiple_of(2) {
            format!("INSERT INTO items (id, url) VALUES ({NEW_UUID}, 'https://w{w}/new{i}')")
        } else {
            format!(
                "UPDATE items SET url = 'https://w{w}/upd{i}' WHERE id = \
                 (SELECT id FROM items ORDER BY id LIMIT 1 OFFSET {})",
                (i * 7919 + w * 31) % SEED as u64
            )
        };
        if b.execute(&sql).await.is_ok() {
            ok.fetch_add(1, Ordering::Relaxed);
        }
        tokio::task::yield_now().await;
    }
    b.close().await.expect("writer closes");
}

#[tokio::test]
async fn a_uuid_keyed_create_table_is_without_rowid_unless_sqlite_rowid() {
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_tables.toml", TABLES);
    up_to(b.as_mut(), &dir, "0001").await;
    assert_eq!(without_rowid(b.as_mut(), "items").await, "1", "uuid key");
    assert_eq!(without_rowid(b.as_mut(), "kept").await, "0", "sqlite_rowid");
    assert_eq!(
        without_rowid(b.as_mut(), "counted").await,
        "0",
        "bigint key"
    );
    let _ = b.close().await;
    db.drop_db().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sync_and_updated_at_triggers_find_the_row_by_key_and_a_rebuild_keeps_it() {
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_tables.toml", TABLES)
        .write("0002_fill.toml", FILL)
        .write("0003_rebuild.toml", REBUILD);
    up_to(b.as_mut(), &dir, "0001").await;
    for i in 0..SEED {
        b.execute(&format!(
            "INSERT INTO items (id, url) VALUES ({NEW_UUID}, 'https://seed/{i}')"
        ))
        .await
        .expect("seed");
    }
    let stop = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..3)
        .map(|w| tokio::spawn(writer(db.url().to_string(), w, stop.clone(), ok.clone())))
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let before = ok.load(Ordering::Relaxed);
    up_to(b.as_mut(), &dir, "0002").await;
    let during = ok.load(Ordering::Relaxed) - before;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.await.expect("writer task");
    }
    assert!(during > 20, "writes while the backfill ran: {during}");
    let bad = scalar(
        b.as_mut(),
        "SELECT COUNT(*) FROM items WHERE label IS NOT upper(url)",
    )
    .await;
    assert_eq!(bad, "0", "every row, inserted or updated, is in sync");
    let total: usize = scalar(b.as_mut(), "SELECT COUNT(*) FROM items")
        .await
        .parse()
        .expect("count");
    assert!(total > SEED, "the writers inserted rows ({total})");
    let stamped = scalar(
        b.as_mut(),
        "SELECT COUNT(*) FROM items WHERE url LIKE '%/upd%' AND updated_at IS NULL",
    )
    .await;
    assert_eq!(stamped, "0", "every updated row has its updated_at");
    let by_rowid = scalar(
        b.as_mut(),
        "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'trigger' AND sql LIKE '%rowid%'",
    )
    .await;
    assert_eq!(by_rowid, "0", "no trigger addresses the row by rowid");

    up_to(b.as_mut(), &dir, "0003").await;
    assert_eq!(without_rowid(b.as_mut(), "items").await, "1", "rebuilt");
    let after: usize = scalar(b.as_mut(), "SELECT COUNT(*) FROM items")
        .await
        .parse()
        .expect("count");
    assert_eq!(after, total, "the rebuild kept every row");
    b.execute("INSERT INTO items (id, url) VALUES ('00000000-0000-4000-8000-000000000001', 'https://after/rebuild')")
        .await
        .expect("insert after the rebuild");
    b.execute("UPDATE items SET url = 'https://after/x' WHERE id = '00000000-0000-4000-8000-000000000001'")
        .await
        .expect("update after the rebuild");
    assert_eq!(
        scalar(
            b.as_mut(),
            "SELECT label || ' ' || (updated_at IS NOT NULL) FROM items WHERE id = '00000000-0000-4000-8000-000000000001'"
        )
        .await,
        "HTTPS://AFTER/X 1",
        "the triggers still work on the rebuilt table"
    );
    let _ = b.close().await;
    db.drop_db().await;
}
