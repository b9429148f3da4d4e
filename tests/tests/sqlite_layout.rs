//! A table's storage layout (SQLite `WITHOUT ROWID` or a rowid table) and the key its sync
//! triggers find rows by, found by red team rtB:
//! - `backfill run` after a later migration renamed the table's key column leaves the
//!   triggers (which SQLite rewrote to the new name) alone and says what to do, instead of
//!   installing triggers on the old column that break every insert (all backends);
//! - an `alter_column` that makes the key `uuid` keeps a rowid table a rowid table, so its
//!   rowid sync triggers keep working (SQLite);
//! - a generated baseline of a uuid-keyed rowid table writes `sqlite_rowid = true`, and
//!   `drift` reports a WITHOUT ROWID table where the plan's rowid triggers expect a rowid
//!   table, not an older rowid table of a uuid key (SQLite);
//! - `down` of a contract that ended a sync trigger after a rename of the key reinstalls it
//!   by the new key (SQLite, rendered).

use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::backend::Backend;
use cutover_core::generate::generate_baseline;
use cutover_core::plan::Version;
use cutover_core::render::{Direction, RenderOptions, render_plan};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, for_each_backend, snapshot};

const NOTES: &str = r#"
description = "notes"
[[steps]]
op = "create_table"
table = "notes"
columns = [
  { name = "id", type = "uuid", primary_key = true },
  { name = "body", type = "text" },
  { name = "body_len", type = "integer" },
]
"#;

const NOTE_LEN: &str = r#"
description = "body_len, kept in sync"
phase = "backfill"
[[steps]]
op = "backfill"
id = "note_len"
table = "notes"
pending = "body_len IS NULL"
set.body_len = "length(body)"
sync = true
"#;

const RENAME_KEY: &str = r#"
description = "rename the key"
phase = "expand"
[[steps]]
op = "rename_column"
table = "notes"
column = "id"
to = "note_id"
"#;

async fn up(b: &mut dyn Backend, dir: &PlanDir) {
    Runner::new(b, &dir.load(), RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
}

async fn cell(b: &mut dyn Backend, sql: &str) -> String {
    b.query(sql).await.expect(sql).rows[0][0]
        .clone()
        .unwrap_or_default()
}

/// `wr` of `table` in `pragma_table_list`: 1 for WITHOUT ROWID.
async fn without_rowid(b: &mut dyn Backend, table: &str) -> String {
    cell(
        b,
        &format!("SELECT wr FROM pragma_table_list WHERE type = 'table' AND name = '{table}'"),
    )
    .await
}

#[tokio::test]
async fn backfill_run_after_a_key_rename_refuses_and_leaves_the_triggers_working() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_notes.toml", NOTES)
            .write("0002_len.toml", NOTE_LEN)
            .write("0003_rename.toml", RENAME_KEY);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await;
        let plan = dir.load();
        let status = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .backfill_status()
            .await
            .expect("status");
        assert!(
            status.iter().all(|s| !s.sync_altered && !s.sync_missing),
            "the trigger SQLite rewrote to the new key is the plan's: {status:?}"
        );
        let e = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .backfill("note_len")
            .await
            .expect_err("the batches walk the renamed key");
        let e = e.to_string();
        assert!(e.contains("backfill `note_len` (0002 (len)) cannot run"), "{e}");
        assert!(e.contains("migration 0003 (rename), step 1"), "{e}");
        assert!(e.contains("cutover_sync_note_len"), "{e}");
        assert!(e.contains("nothing was changed"), "{e}");
        assert!(e.contains("cutover backfill retire note_len"), "{e}");
        // The application's writes still get their body_len from the trigger.
        b.execute(
            "INSERT INTO notes (note_id, body) VALUES ('00000000-0000-0000-0000-000000000001', 'abc')",
        )
        .await
        .expect("an application insert after the refused run");
        assert_eq!(
            snapshot::rows(b.as_mut(), "notes").await,
            ["00000000-0000-0000-0000-000000000001|abc|3"]
        );
        if db.backend() == Kind::Sqlite {
            let sql = cell(
                b.as_mut(),
                "SELECT group_concat(sql) FROM sqlite_schema WHERE type = 'trigger'",
            )
            .await;
            assert!(sql.contains(r#"WHERE "note_id" = NEW."note_id""#), "{sql}");
            assert!(!sql.contains(r#""id" = NEW."id""#), "{sql}");
        }
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn alter_column_of_the_key_to_uuid_keeps_a_rowid_table_and_its_sync_triggers() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write(
        "0001_accounts.toml",
        r#"
description = "accounts"
[[steps]]
op = "create_table"
table = "accounts"
columns = [
  { name = "id", type = "text", primary_key = true },
  { name = "email", type = "text" },
  { name = "email_lc", type = "text" },
]
"#,
    )
    .write(
        "0002_lc.toml",
        r#"
description = "email_lc, kept in sync"
[[steps]]
op = "backfill"
id = "email_lc"
table = "accounts"
pending = "email_lc IS NULL"
set.email_lc = "lower(email)"
sync = true
"#,
    )
    .write(
        "0003_uuid.toml",
        r#"
description = "uuid key"
[[steps]]
op = "alter_column"
table = "accounts"
column = "id"
type = "uuid"
"#,
    );
    up(b.as_mut(), &dir).await;
    assert_eq!(
        without_rowid(b.as_mut(), "accounts").await,
        "0",
        "still a rowid table"
    );
    b.execute(
        "INSERT INTO accounts (id, email) VALUES ('00000000-0000-0000-0000-000000000001', 'A@B')",
    )
    .await
    .expect("an application insert after the rebuild");
    assert_eq!(
        snapshot::rows(b.as_mut(), "accounts").await,
        ["00000000-0000-0000-0000-000000000001|A@B|a@b"]
    );
    let plan = dir.load();
    let drift = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift");
    assert!(drift.differences.is_empty(), "{:?}", drift.differences);
    let _ = b.close().await;
    db.drop_db().await;
}

#[tokio::test]
async fn a_baseline_of_a_uuid_keyed_rowid_table_keeps_its_rowid() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let old = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(old.url()).await.expect("connect");
    b.execute(
        "CREATE TABLE \"old_uuid\" (\"id\" UUID TEXT NOT NULL PRIMARY KEY, \"name\" TEXT); \
         CREATE TABLE \"new_uuid\" (\"id\" UUID TEXT NOT NULL PRIMARY KEY, \"name\" TEXT) WITHOUT ROWID",
    )
    .await
    .expect("tables");
    let shape = b.introspect().await.expect("introspect");
    let details = b.introspect_details().await.expect("details");
    let g = generate_baseline(Dialect::Sqlite, &shape, &details, "baseline").expect("generate");
    assert_eq!(g.typed_tables, 2, "{}", g.toml);
    let old_step = g
        .toml
        .split("table = \"old_uuid\"")
        .nth(1)
        .expect("old_uuid");
    assert!(old_step.contains("sqlite_rowid = true"), "{}", g.toml);
    let new_step = g
        .toml
        .split("table = \"new_uuid\"")
        .nth(1)
        .expect("new_uuid");
    let new_step = new_step.split("[[steps]]").next().unwrap_or_default();
    assert!(!new_step.contains("sqlite_rowid"), "{}", g.toml);
    let _ = b.close().await;
    old.drop_db().await;

    // A fresh database built from the baseline has the layouts of the old one.
    let fresh = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(fresh.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_baseline.toml", &g.toml);
    up(b.as_mut(), &dir).await;
    assert_eq!(without_rowid(b.as_mut(), "old_uuid").await, "0");
    assert_eq!(without_rowid(b.as_mut(), "new_uuid").await, "1");
    let _ = b.close().await;
    fresh.drop_db().await;
}

#[tokio::test]
async fn drift_reports_a_table_whose_layout_is_not_the_plans() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write(
        "0001_notes.toml",
        &NOTES.replace(
            "table = \"notes\"\n",
            "table = \"notes\"\nsqlite_rowid = true\n",
        ),
    );
    up(b.as_mut(), &dir).await;
    assert_eq!(without_rowid(b.as_mut(), "notes").await, "0");
    let plan = dir.load();
    // Replaced by hand with a WITHOUT ROWID table of the same columns: the plan's rowid
    // triggers could not find its rows.
    b.execute(
        "DROP TABLE notes; CREATE TABLE \"notes\" (\"id\" UUID TEXT NOT NULL PRIMARY KEY, \
         \"body\" TEXT, \"body_len\" INTEGER) WITHOUT ROWID",
    )
    .await
    .expect("replace");
    let drift = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift");
    let details: Vec<String> = drift.differences.iter().map(|d| d.detail.clone()).collect();
    assert_eq!(drift.differences.len(), 1, "{details:?}");
    assert_eq!(drift.differences[0].object, "notes");
    assert!(
        details[0].starts_with("layout: a rowid table expected, WITHOUT ROWID found"),
        "{details:?}"
    );
    let _ = b.close().await;
    db.drop_db().await;
}

/// A rowid table where the plan now makes WITHOUT ROWID is what cutover made before uuid keys
/// were WITHOUT ROWID by default: not drift (its rows are found by key either way).
#[tokio::test]
async fn a_legacy_rowid_table_of_a_uuid_key_is_not_drift() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let mut b = connect(db.url()).await.expect("connect");
    let dir = PlanDir::new();
    dir.write("0001_notes.toml", NOTES);
    up(b.as_mut(), &dir).await;
    assert_eq!(without_rowid(b.as_mut(), "notes").await, "1");
    b.execute(
        "DROP TABLE notes; CREATE TABLE \"notes\" (\"id\" UUID TEXT NOT NULL PRIMARY KEY, \
         \"body\" TEXT, \"body_len\" INTEGER)",
    )
    .await
    .expect("replace");
    let plan = dir.load();
    let drift = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift");
    let details: Vec<String> = drift.differences.iter().map(|d| d.detail.clone()).collect();
    assert!(drift.differences.is_empty(), "{details:?}");
    let _ = b.close().await;
    db.drop_db().await;
}

#[test]
fn down_of_a_contract_after_a_key_rename_reinstalls_the_trigger_by_the_new_key() {
    let dir = PlanDir::new();
    dir.write("0001_notes.toml", NOTES)
        .write("0002_len.toml", NOTE_LEN)
        .write("0003_rename.toml", RENAME_KEY)
        .write(
            "0004_contract.toml",
            r#"
description = "index body (a contract on the table)"
phase = "contract"
[[steps]]
op = "create_index"
table = "notes"
columns = ["body"]
"#,
        );
    let options = RenderOptions {
        direction: Direction::Down,
        from: Some(Version::parse("0004").expect("version")),
        ..RenderOptions::default()
    };
    let down = render_plan(&dir.load(), Dialect::Sqlite, &options).expect("renders");
    let contract = down
        .iter()
        .find(|m| m.version.to_string() == "0004")
        .expect("0004");
    let installs: Vec<&str> = contract
        .statements
        .iter()
        .filter(|s| s.op == "sync_trigger" && s.sql.starts_with("CREATE TRIGGER"))
        .map(|s| s.sql.as_str())
        .collect();
    assert_eq!(installs.len(), 2, "{installs:?}");
    for sql in installs {
        assert!(sql.contains(r#"WHERE "note_id" = NEW."note_id""#), "{sql}");
    }
}
