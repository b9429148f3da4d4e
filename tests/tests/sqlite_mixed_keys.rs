//! A SQLite key column holding values of another storage class than its declared kind is
//! refused before anything is written (rtF C1, C2). SQLite keeps any value in any column, and
//! every text sorts before every blob: a `BLOB` key holding hex-looking text had rows written
//! twice (300 rows, 400 changed), a `TEXT` key holding blobs looped forever.

use cutover_cli::connect::connect;
use cutover_core::backfill::{self, BackfillOptions, BackfillScope, BackfillSpec, QuietObserver};
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options, rows};
use cutover_tests::{Backend as Kind, TestDb, backends};

fn plan(key_type: &str) -> PlanDir {
    let dir = PlanDir::new();
    dir.write(
        "0001_t.toml",
        &format!(
            r#"
description = "a legacy table"
dialects = ["sqlite"]
[[steps]]
op = "sql"
sql = "CREATE TABLE t (id {key_type} NOT NULL PRIMARY KEY, n INTEGER NOT NULL DEFAULT 0)"
down = "DROP TABLE t"
"#
        ),
    )
    .write(
        "0002_bump.toml",
        r#"
description = "bump"
dialects = ["sqlite"]
[[steps]]
op = "backfill"
id = "bump"
table = "t"
set.n = "n + 1"
batch_size = 100
"#,
    );
    dir
}

async fn refused(key_type: &str, fill: &[&str], stored_as: &str) {
    let db = TestDb::create(Kind::Sqlite).await;
    let dir = plan(key_type);
    let plan = dir.load();
    let mut b = connect(db.url()).await.expect("connect");
    let v = cutover_core::plan::Version::parse("0001").expect("version");
    Runner::new(b.as_mut(), &plan, options(), &Silent)
        .up(Target::Version(v))
        .await
        .expect("up 0001");
    exec_all(b.as_mut(), fill.iter().copied()).await;
    let spec = BackfillSpec::find(&plan, "bump", &BackfillScope::default_history()).expect("spec");
    let err = backfill::run(
        b.as_mut(),
        None,
        &spec,
        &BackfillOptions::default(),
        &QuietObserver,
    )
    .await
    .expect_err("mixed key storage is refused");
    let text = format!("{err:#}");
    assert!(
        text.contains(&format!("at least one stored as {stored_as}")),
        "{text}"
    );
    let changed = rows(b.as_mut(), "SELECT COUNT(*) FROM t WHERE n <> 0").await;
    assert_eq!(
        changed[0][0].as_deref(),
        Some("0"),
        "nothing written: {text}"
    );
    b.close().await.expect("close");
    db.drop_db().await;
}

#[tokio::test]
async fn a_blob_key_holding_text_is_refused() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    refused(
        "BLOB",
        &[
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) \
             INSERT INTO t (id) SELECT printf('%02x', i % 256) || i FROM s",
            "INSERT INTO t (id) VALUES (X'00ff'), (X'41c0')",
        ],
        "text",
    )
    .await;
}

#[tokio::test]
async fn a_text_key_holding_blobs_is_refused() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    refused(
        "TEXT",
        &[
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 300) \
             INSERT INTO t (id) SELECT CASE WHEN i % 2 = 0 THEN randomblob(8) ELSE 'k' || i END FROM s",
        ],
        "blob",
    )
    .await;
}
