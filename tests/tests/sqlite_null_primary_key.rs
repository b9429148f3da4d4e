//! SQLite lets a primary key that is not `INTEGER PRIMARY KEY` hold NULL. The keyset walk
//! never selects such a row (`key > cursor` is NULL), so a backfill by that primary key
//! finished `complete` while the row stayed pending forever (rtG F4). The NULL is now
//! refused like a NULL in a declared `key`, by `--dry-run` and before the first batch, with
//! the row count; once the row has a key, the backfill runs and leaves nothing pending.

use cutover_cli::connect::connect;
use cutover_core::Error;
use cutover_core::backfill::{BackfillScope, BackfillSpec, dry_run};
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options, rows};
use cutover_tests::{Backend as Kind, TestDb, backends};

fn plan() -> PlanDir {
    let dir = PlanDir::new();
    dir.write(
        "0001_codes.toml",
        r#"
description = "a text-keyed table"
dialects = ["sqlite"]
[[steps]]
op = "sql"
sql = "CREATE TABLE codes (code TEXT PRIMARY KEY, hits INTEGER NOT NULL DEFAULT 0)"
down = "DROP TABLE codes"
"#,
    );
    dir
}

const BUMP: &str = r#"
description = "bump"
dialects = ["sqlite"]
[[steps]]
op = "backfill"
id = "bump"
table = "codes"
pending = "hits = 0"
set.hits = "hits + 1"
batch_size = 100
"#;

fn assert_null_key(e: &Error, what: &str) {
    match e.root() {
        Error::BackfillNullKey { id, key, rows, .. } => {
            assert_eq!(
                (id.as_str(), key.as_str(), *rows),
                ("bump", "code", 1),
                "{what}"
            );
        }
        other => panic!("{what}: expected BackfillNullKey, got {other}"),
    }
    let text = e.to_string();
    for part in [
        "`bump`",
        "1 row(s)",
        "primary key of `codes` hold NULL",
        "IS NOT NULL\"` (they then keep",
    ] {
        assert!(text.contains(part), "{what}: `{part}` missing from: {text}");
    }
}

#[tokio::test]
async fn a_null_in_a_text_primary_key_refuses_the_backfill() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let dir = plan();
    let mut b = connect(db.url()).await.expect("connect");
    Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("0001");
    exec_all(
        b.as_mut(),
        [
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 3000) \
             INSERT INTO codes (code) SELECT printf('c%05d', i) FROM s",
            "INSERT INTO codes (code) VALUES (NULL)",
        ],
    )
    .await;
    dir.write("0002_bump.toml", BUMP);
    let plan = dir.load();
    let spec = BackfillSpec::find(&plan, "bump", &BackfillScope::default_history()).expect("spec");
    let e = dry_run(b.as_mut(), &spec, 5)
        .await
        .expect_err("dry run refused");
    assert_null_key(&e, "dry run");
    let e = Runner::new(b.as_mut(), &plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect_err("up refused");
    assert_null_key(&e, "up");
    let pending = "SELECT COUNT(*) FROM codes WHERE hits = 0";
    assert_eq!(
        rows(b.as_mut(), pending).await[0][0].as_deref(),
        Some("3001")
    );

    exec_all(
        b.as_mut(),
        ["UPDATE codes SET code = 'c00000' WHERE code IS NULL"],
    )
    .await;
    Runner::new(b.as_mut(), &plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("up once the row has a key");
    assert_eq!(rows(b.as_mut(), pending).await[0][0].as_deref(), Some("0"));
    let once = "SELECT COUNT(*) FROM codes WHERE hits = 1";
    assert_eq!(rows(b.as_mut(), once).await[0][0].as_deref(), Some("3001"));
    b.close().await.expect("close");
    db.drop_db().await;
}
