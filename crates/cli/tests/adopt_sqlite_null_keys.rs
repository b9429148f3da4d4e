//! Adopting a SQLite database whose rowid table has a primary key without NOT NULL: SQLite
//! lets such a key hold NULL, which the plan model (keys are NOT NULL) cannot express. The
//! baseline copies that table's own CREATE statement with a warning, drift reads the key as
//! nullable (as the table is), and a database built from the baseline accepts the same rows.

mod common;

use common::{run, text};
use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

const SCHEMA: &[&str] = &[
    r#"CREATE TABLE "Mixed Case" ("Key" TEXT PRIMARY KEY, "Value" BLOB)"#,
    r#"INSERT INTO "Mixed Case" ("Key", "Value") VALUES (NULL, x'01'), ('a', x'02')"#,
    "CREATE TABLE strict_keys (id TEXT NOT NULL PRIMARY KEY, note TEXT)",
    "INSERT INTO strict_keys (id, note) VALUES ('k', 'n')",
];

async fn exec(url: &str, statements: &[&str]) {
    let mut b = connect(url).await.expect("connect");
    for s in statements {
        b.execute(s).await.unwrap_or_else(|e| panic!("{s}: {e}"));
    }
    b.close().await.expect("close");
}

/// `(nullable, primary key)` of `table.column` as cutover introspects it.
async fn key_column(url: &str, table: &str, column: &str) -> (bool, Vec<String>) {
    let mut b = connect(url).await.expect("connect");
    let shape = b.introspect().await.expect("introspect");
    b.close().await.expect("close");
    let t = &shape.tables[table];
    let c = t.columns.iter().find(|c| c.name == column).expect("column");
    (c.nullable, t.primary_key.clone())
}

#[tokio::test]
async fn a_nullable_sqlite_key_is_copied_as_sql_and_stays_nullable() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    exec(db.url(), SCHEMA).await;
    assert_eq!(
        key_column(db.url(), "Mixed Case", "Key").await,
        (true, vec!["Key".to_string()])
    );
    assert_eq!(
        key_column(db.url(), "strict_keys", "id").await,
        (false, vec!["id".to_string()])
    );

    let dir = PlanDir::new();
    let out = run(
        dir.path(),
        &[
            "--plan",
            ".",
            "baseline",
            "--generate",
            "--database",
            db.url(),
        ],
    );
    assert!(out.status.success(), "{}", text(&out));
    let warning = "table Mixed Case is copied as SQL: its primary-key column Key has no NOT NULL (a SQLite rowid table accepts NULL keys there), which a typed create_table cannot express; cutover cannot rebuild it (alter_column, add_foreign_key, ...), so change it with raw `sql` steps limited to sqlite";
    assert!(
        String::from_utf8_lossy(&out.stderr).contains(warning),
        "{}",
        text(&out)
    );
    let toml = std::fs::read_to_string(dir.path().join("0001_baseline.toml")).expect("written");
    assert!(toml.contains(&format!("# warning: {warning}")), "{toml}");
    assert!(
        toml.contains(
            "sqlite = '''\nCREATE TABLE \"Mixed Case\" (\"Key\" TEXT PRIMARY KEY, \"Value\" BLOB)\n'''\ncreates = [\"table Mixed Case\"]"
        ),
        "{toml}"
    );
    // The table whose key says NOT NULL stays typed.
    assert!(
        toml.contains("op = \"create_table\"\ntable = \"strict_keys\""),
        "{toml}"
    );

    let drift = run(
        dir.path(),
        &["--plan", ".", "drift", "--database", db.url()],
    );
    assert_eq!(drift.status.code(), Some(0), "{}", text(&drift));

    // A database built from the baseline accepts the rows the old one holds.
    let fresh = TestDb::create(Kind::Sqlite).await;
    let up = run(
        dir.path(),
        &["--plan", ".", "up", "--database", fresh.url()],
    );
    assert!(up.status.success(), "{}", text(&up));
    exec(
        fresh.url(),
        &[r#"INSERT INTO "Mixed Case" ("Key", "Value") VALUES (NULL, x'01')"#],
    )
    .await;
    assert_eq!(
        key_column(fresh.url(), "Mixed Case", "Key").await,
        (true, vec!["Key".to_string()])
    );
    fresh.drop_db().await;
    db.drop_db().await;
}

#[tokio::test]
async fn drift_shows_a_typed_key_that_the_live_table_lets_be_null() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    exec(db.url(), SCHEMA).await;
    // The typed step an earlier baseline wrote for this table.
    let dir = PlanDir::new();
    dir.write(
        "0001_baseline.toml",
        r#"
description = "baseline"
[[steps]]
op = "create_table"
table = "Mixed Case"
columns = [
  { name = "Key", type = "text", primary_key = true },
  { name = "Value", type = "bytes" },
]
sqlite_rowid = true
[[steps]]
op = "create_table"
table = "strict_keys"
columns = [
  { name = "id", type = "text", primary_key = true },
  { name = "note", type = "text" },
]
sqlite_rowid = true
"#,
    );
    let mark = run(
        dir.path(),
        &["--plan", ".", "baseline", "0001", "--database", db.url()],
    );
    assert!(mark.status.success(), "{}", text(&mark));
    let drift = run(
        dir.path(),
        &["--plan", ".", "drift", "--database", db.url()],
    );
    assert_eq!(drift.status.code(), Some(8), "{}", text(&drift));
    let report = String::from_utf8_lossy(&drift.stdout).to_string();
    assert!(
        report.contains("Mixed Case: column Key: NOT NULL expected, NULL found"),
        "{report}"
    );
    assert!(!report.contains("strict_keys"), "{report}");
    db.drop_db().await;
}

#[tokio::test]
async fn a_rebuild_that_would_tighten_a_null_key_names_the_column() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    exec(db.url(), SCHEMA).await;
    let dir = PlanDir::new();
    dir.write(
        "0001_baseline.toml",
        r#"
description = "baseline"
[[steps]]
op = "create_table"
table = "Mixed Case"
columns = [
  { name = "Key", type = "text", primary_key = true },
  { name = "Value", type = "bytes" },
]
sqlite_rowid = true
"#,
    );
    let mark = run(
        dir.path(),
        &["--plan", ".", "baseline", "0001", "--database", db.url()],
    );
    assert!(mark.status.success(), "{}", text(&mark));
    dir.write(
        "0002_value_default.toml",
        r#"
description = "a default for Value (a rebuild on SQLite)"
[[steps]]
op = "alter_column"
table = "Mixed Case"
column = "Value"
default = "x"
"#,
    );
    let up = run(
        dir.path(),
        &["--plan", ".", "up", "--no-backup", "--database", db.url()],
    );
    assert_eq!(up.status.code(), Some(1), "{}", text(&up));
    let err = String::from_utf8_lossy(&up.stderr).to_string();
    assert!(
        err.contains("the live table `Mixed Case` lets its primary-key column(s) `Key` hold NULL (declared without NOT NULL), but the plan's definition of the table, which the rebuild copies the rows into, makes them NOT NULL; give the rows with a NULL key a key or delete them before this migration"),
        "{}",
        text(&up)
    );
    // Rolled back: the rows and the table's definition are as they were.
    let mut b = connect(db.url()).await.expect("connect");
    let ddl = b
        .query("SELECT sql FROM sqlite_schema WHERE name = 'Mixed Case'")
        .await
        .expect("ddl")
        .into_first_column();
    assert_eq!(
        ddl,
        [r#"CREATE TABLE "Mixed Case" ("Key" TEXT PRIMARY KEY, "Value" BLOB)"#]
    );
    let nulls = b
        .query(r#"SELECT COUNT(*) FROM "Mixed Case" WHERE "Key" IS NULL"#)
        .await
        .expect("rows")
        .into_first_column();
    assert_eq!(nulls, ["1"]);
    b.close().await.expect("close");
    db.drop_db().await;
}
