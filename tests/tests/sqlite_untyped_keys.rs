//! A SQLite key column declared without a type (`code PRIMARY KEY`) keeps each value as it
//! came and converts no literal compared with it: integers sort before all text. The walk
//! took such a column for text and wrote its cursor back as a string literal, so a key
//! mixing integers and `'00001'`-style text had rows changed twice (rtG F3: 3000 rows, 4400
//! changed). Mixed storage classes are now refused before anything is written; a key of one
//! class is walked as that class.

use cutover_cli::connect::connect;
use cutover_core::backfill::{self, BackfillOptions, BackfillScope, BackfillSpec, QuietObserver};
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options, rows};
use cutover_tests::{Backend as Kind, TestDb, backends};

const ROWS: &str = "3000";

fn plan() -> PlanDir {
    let dir = PlanDir::new();
    dir.write(
        "0001_legacy.toml",
        r#"
description = "a legacy table, key without a type"
dialects = ["sqlite"]
[[steps]]
op = "sql"
sql = "CREATE TABLE legacy_codes (code PRIMARY KEY, label TEXT, hits INTEGER NOT NULL DEFAULT 0)"
down = "DROP TABLE legacy_codes"
"#,
    )
    .write(
        "0002_bump.toml",
        r#"
description = "bump"
dialects = ["sqlite"]
[[steps]]
op = "backfill"
id = "bump"
table = "legacy_codes"
set.hits = "hits + 1"
batch_size = 100
"#,
    );
    dir
}

/// Creates the table, fills it with `code` values made by `code_of_i`, runs the backfill.
async fn bump(code_of_i: &str) -> (cutover_core::Result<()>, Vec<Vec<Option<String>>>) {
    let db = TestDb::create(Kind::Sqlite).await;
    let dir = plan();
    let plan = dir.load();
    let mut b = connect(db.url()).await.expect("connect");
    let v = cutover_core::plan::Version::parse("0001").expect("version");
    Runner::new(b.as_mut(), &plan, options(), &Silent)
        .up(Target::Version(v))
        .await
        .expect("up 0001");
    exec_all(
        b.as_mut(),
        [format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {ROWS}) \
             INSERT INTO legacy_codes (code, label) SELECT {code_of_i}, 'l' || i FROM s"
        )],
    )
    .await;
    let spec = BackfillSpec::find(&plan, "bump", &BackfillScope::default_history()).expect("spec");
    let result = backfill::run(
        b.as_mut(),
        None,
        &spec,
        &BackfillOptions::default(),
        &QuietObserver,
    )
    .await
    .map(|_| ());
    let hits = rows(
        b.as_mut(),
        "SELECT COUNT(CASE WHEN hits = 0 THEN 1 END), COUNT(CASE WHEN hits = 1 THEN 1 END), \
         COUNT(CASE WHEN hits > 1 THEN 1 END) FROM legacy_codes",
    )
    .await;
    b.close().await.expect("close");
    db.drop_db().await;
    (result, hits)
}

fn counts(untouched: &str, once: &str, more: &str) -> Vec<Vec<Option<String>>> {
    vec![vec![
        Some(untouched.into()),
        Some(once.into()),
        Some(more.into()),
    ]]
}

#[tokio::test]
async fn an_untyped_key_mixing_integers_and_text_is_refused() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let (result, hits) = bump("CASE WHEN i % 2 = 0 THEN i ELSE printf('%05d', i) END").await;
    let text = format!(
        "{:#}",
        result.expect_err("mixed storage classes are refused")
    );
    for part in [
        "`bump`",
        "`legacy_codes.code`",
        "no declared type",
        "integer and text",
        "nothing was changed",
    ] {
        assert!(text.contains(part), "`{part}` missing from: {text}");
    }
    assert_eq!(hits, counts(ROWS, "0", "0"), "nothing written: {text}");
}

#[tokio::test]
async fn an_untyped_key_of_integers_is_walked_as_integers() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let (result, hits) = bump("i").await;
    result.expect("one storage class runs");
    assert_eq!(hits, counts("0", ROWS, "0"), "every row changed once");
}

#[tokio::test]
async fn an_untyped_key_of_text_is_walked_as_text() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let (result, hits) = bump("printf('%05d', i)").await;
    result.expect("one storage class runs");
    assert_eq!(hits, counts("0", ROWS, "0"), "every row changed once");
}
