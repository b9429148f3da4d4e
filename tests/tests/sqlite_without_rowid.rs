//! SQLite: an `updated_at_trigger` or a `sync = true` backfill on a WITHOUT ROWID table (made
//! by raw SQL) is refused with a typed error naming the table and a way forward, before any
//! statement of the migration runs, not with SQLite's `no such column: rowid` part way.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

const KV: &str = r#"
description = "kv, a WITHOUT ROWID table made by raw SQL"
[[steps]]
op = "sql"
sql = "CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT, w TEXT, updated_at TEXT) WITHOUT ROWID; INSERT INTO kv (k, v) VALUES ('a', 'x')"
down = "DROP TABLE kv"
"#;

/// A marker table first, so that a statement that ran would show.
const TOUCH: &str = r#"
description = "updated_at on kv"
transaction = false
[[steps]]
op = "create_table"
table = "marker"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "updated_at_trigger"
table = "kv"
column = "updated_at"
"#;

const SYNC: &str = r#"
description = "w from v, kept in sync"
[[steps]]
op = "create_table"
table = "marker"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "backfill"
id = "kv_w"
table = "kv"
key = ["k"]
pending = "w IS NULL"
set.w = "upper(v)"
sync = true
"#;

async fn up(b: &mut dyn Backend, dir: &PlanDir) -> Result<(), String> {
    Runner::new(b, &dir.load(), RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .map(drop)
        .map_err(|e| e.to_string())
}

async fn count(b: &mut dyn Backend, sql: &str) -> String {
    b.query(sql).await.expect(sql).rows[0][0]
        .clone()
        .unwrap_or_default()
}

/// Runs `second` after KV and returns its error, having checked that nothing of it ran.
async fn refused(second: &str) -> Option<String> {
    if !backends().contains(&Kind::Sqlite) {
        return None;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_kv.toml", KV);
    up(b.as_mut(), &dir).await.expect("0001");
    dir.write("0002_second.toml", second);
    let e = up(b.as_mut(), &dir).await.expect_err("refused");
    assert_eq!(
        count(
            b.as_mut(),
            "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'marker' OR type = 'trigger'"
        )
        .await,
        "0",
        "nothing of 0002 ran"
    );
    assert_eq!(
        count(
            b.as_mut(),
            "SELECT COUNT(*) FROM cutover_history WHERE version = '0002'"
        )
        .await,
        "0",
        "0002 has no history entry: fixing the plan and running up again starts it afresh"
    );
    let _ = b.close().await;
    db.drop_db().await;
    Some(e)
}

#[tokio::test]
async fn updated_at_trigger_on_a_without_rowid_table_is_refused_before_anything_runs() {
    let Some(e) = refused(TOUCH).await else {
        return;
    };
    assert!(e.contains("WITHOUT ROWID table \"kv\""), "{e}");
    assert!(e.contains("0002_second.toml:"), "{e}");
    assert!(e.contains("step 2 (updated_at_trigger)"), "{e}");
    assert!(e.contains("give the table a rowid"), "{e}");
    assert!(!e.contains("no such column"), "{e}");
}

#[tokio::test]
async fn a_sync_backfill_on_a_without_rowid_table_is_refused_before_anything_runs() {
    let Some(e) = refused(SYNC).await else {
        return;
    };
    assert!(e.contains("WITHOUT ROWID table \"kv\""), "{e}");
    assert!(e.contains("step 2 (backfill)"), "{e}");
    assert!(e.contains("without `sync = true`"), "{e}");
    assert!(!e.contains("no such column"), "{e}");
}

/// `backfill run` ahead of `up` installs the sync trigger itself: refused the same way.
#[tokio::test]
async fn backfill_run_of_a_sync_backfill_on_a_without_rowid_table_is_refused() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_kv.toml", KV);
    up(b.as_mut(), &dir).await.expect("0001");
    dir.write("0002_second.toml", SYNC);
    let e = Runner::new(b.as_mut(), &dir.load(), RunnerOptions::default(), &Silent)
        .backfill("kv_w")
        .await
        .expect_err("refused")
        .to_string();
    assert!(e.contains("`backfill run` of `kv_w`"), "{e}");
    assert!(e.contains("WITHOUT ROWID table \"kv\""), "{e}");
    assert_eq!(
        count(
            b.as_mut(),
            "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'trigger'"
        )
        .await,
        "0",
        "no trigger was installed"
    );
    assert_eq!(
        count(b.as_mut(), "SELECT COUNT(*) FROM kv WHERE w IS NOT NULL").await,
        "0",
        "no batch ran"
    );
    let _ = b.close().await;
    db.drop_db().await;
}
