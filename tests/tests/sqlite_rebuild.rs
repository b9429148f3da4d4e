//! SQLite's table rebuild: every ALTER that SQLite cannot do in place works, keeping rows,
//! rowids, child rows (ON DELETE CASCADE must not fire), views and triggers.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends, snapshot};

const BASE: &str = r#"
description = "accounts (100k rows), orders referencing them, a view and a trigger"
[[steps]]
op = "create_table"
table = "accounts"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "text" },
  { name = "email", type = "varchar(100)" },
  { name = "score", type = "integer" },
  { name = "legacy_code", type = "varchar(10)" },
]
unique = [{ name = "uq_accounts_legacy", columns = ["legacy_code"] }]
[[steps]]
op = "create_index"
table = "accounts"
columns = ["email"]
[[steps]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "account_id", type = "bigint", nullable = false },
]
foreign_keys = [{ columns = ["account_id"], references = "accounts(id)", on_delete = "cascade" }]
[[steps]]
op = "create_table"
table = "audit"
columns = [{ name = "account_id", type = "bigint" }]
[[steps]]
op = "sql"
sqlite = """
WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 100000)
INSERT INTO accounts (id, name, email, score, legacy_code)
SELECT g * 3, CASE WHEN g % 10 = 0 THEN NULL ELSE 'user ' || g END, 'u' || g || '@example.com', g % 100, 'L' || g FROM s;
INSERT INTO orders (id, account_id) SELECT id, id FROM accounts WHERE id % 300 = 0;
CREATE VIEW account_names AS SELECT id, name FROM accounts;
CREATE TRIGGER accounts_audit AFTER UPDATE OF score ON accounts BEGIN INSERT INTO audit (account_id) VALUES (NEW.id); END;
"""
dialects = ["sqlite"]
down = "DROP TRIGGER accounts_audit; DROP VIEW account_names; DELETE FROM orders; DELETE FROM accounts;"
"#;

const ALTERS: &str = r#"
description = "everything SQLite's ALTER TABLE cannot do"
[[steps]]
op = "alter_column"
table = "accounts"
column = "name"
nullable = false
default = "unknown"
[[steps]]
op = "alter_column"
table = "accounts"
column = "score"
type = "bigint"
[[steps]]
op = "add_check"
table = "accounts"
name = "email_has_at"
expr = "email LIKE '%@%'"
[[steps]]
op = "drop_unique"
table = "accounts"
name = "uq_accounts_legacy"
[[steps]]
op = "drop_column"
table = "accounts"
column = "email"
[[steps]]
op = "drop_foreign_key"
table = "orders"
name = "fk_orders_account_id"
[[steps]]
op = "add_foreign_key"
table = "orders"
name = "fk_orders_account"
columns = ["account_id"]
references = "accounts(id)"
on_delete = "restrict"
[[steps]]
op = "add_column"
table = "accounts"
column = { name = "token", type = "varchar(40)", unique = true }
[[steps]]
op = "add_column"
table = "accounts"
column = { name = "joined", type = "text", default_expr = "lower('JOINED')" }
[[down]]
op = "sql"
sql = "SELECT 1"
"#;

#[tokio::test]
async fn every_refused_alter_works_through_a_rebuild_with_data_kept() {
    if !backends().contains(&Kind::Sqlite) {
        eprintln!("sqlite excluded by CUTOVER_TEST_BACKENDS");
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE);
    let mut b = connect(db.url()).await.expect("connect");
    Runner::new(b.as_mut(), &dir.load(), RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .expect("base");
    // Rows with NULL names would violate the new NOT NULL: the plan's default fills them.
    b.execute("UPDATE accounts SET name = 'unknown' WHERE name IS NULL")
        .await
        .expect("prepare data");
    let rowids = b
        .query("SELECT rowid, id, name, score FROM accounts ORDER BY id")
        .await
        .expect("before")
        .rows;
    assert_eq!(rowids.len(), 100_000);
    let orders = snapshot::rows(b.as_mut(), "orders").await;

    dir.write("0002_alters.toml", ALTERS);
    // Not about backups: the contract gate's automatic backup (100k rows) is skipped.
    let no_backup = RunnerOptions {
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    let report = Runner::new(b.as_mut(), &dir.load(), no_backup, &Silent)
        .up(Target::Latest)
        .await
        .expect("the rebuilds apply");
    assert_eq!(report.migrations.len(), 1);

    // Rows and rowids kept; children not cascaded away; view and trigger alive.
    let after = b
        .query("SELECT rowid, id, name, score FROM accounts ORDER BY id")
        .await
        .expect("after")
        .rows;
    assert!(after == rowids, "rows or rowids changed");
    assert_eq!(snapshot::rows(b.as_mut(), "orders").await, orders);
    assert_eq!(
        snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM account_names").await,
        100_000
    );
    b.execute("UPDATE accounts SET score = score + 1 WHERE id = 3")
        .await
        .expect("fire trigger");
    assert_eq!(
        snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM audit").await,
        1
    );
    assert!(
        b.query("PRAGMA foreign_key_check")
            .await
            .expect("fk check")
            .rows
            .is_empty()
    );

    // The new shape is enforced.
    let cols = b
        .query("SELECT name, type, \"notnull\" FROM pragma_table_info('accounts') ORDER BY cid")
        .await
        .expect("cols")
        .rows;
    let cols: Vec<String> = cols
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| v.clone().unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    assert_eq!(
        cols,
        [
            "id BIGINT 1",
            "name TEXT 1",
            "score BIGINT 0",
            "legacy_code VARCHAR(10) 0",
            "token VARCHAR(40) 0",
            "joined TEXT 0"
        ]
    );
    // The expression default filled the old rows; the new column is unique.
    assert_eq!(
        snapshot::count(
            b.as_mut(),
            "SELECT COUNT(*) FROM accounts WHERE joined = 'joined'"
        )
        .await,
        100_000
    );
    b.execute("UPDATE accounts SET token = 't' WHERE id = 3")
        .await
        .expect("one token");
    assert!(
        b.execute("UPDATE accounts SET token = 't' WHERE id = 6")
            .await
            .is_err(),
        "UNIQUE holds"
    );
    assert!(
        b.execute("INSERT INTO accounts (id, name) VALUES (1, NULL)")
            .await
            .is_err(),
        "NOT NULL holds"
    );
    b.execute("INSERT INTO accounts (id, legacy_code) VALUES (1, 'L1')")
        .await
        .expect("unique dropped, default applies");
    let name = b
        .query("SELECT name FROM accounts WHERE id = 1")
        .await
        .expect("default")
        .rows;
    assert_eq!(name[0][0].as_deref(), Some("unknown"));
    // ON DELETE RESTRICT replaced CASCADE.
    assert!(
        b.execute("DELETE FROM accounts WHERE id = 300")
            .await
            .is_err(),
        "restrict holds"
    );
    // The index on the dropped column is gone; the others were re-created.
    let idx = b.query("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'accounts' AND sql IS NOT NULL").await.expect("indexes").rows;
    assert!(idx.is_empty(), "{idx:?}");
    b.close().await.expect("close");
    db.drop_db().await;
}

#[tokio::test]
async fn the_rebuild_is_printed_offline() {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE)
        .write("0002_alters.toml", ALTERS);
    let plan = dir.load();
    let rendered = cutover_core::render::render_plan(
        &plan,
        cutover_core::Dialect::Sqlite,
        &Default::default(),
    )
    .expect("sqlite renders the rebuilds");
    let first = &rendered[1].statements[0];
    assert_eq!(first.kind, cutover_core::render::StatementKind::Rebuild);
    assert!(
        first
            .sql
            .starts_with("CREATE TABLE \"_cutover_new_accounts\""),
        "{}",
        first.sql
    );
    assert!(
        first
            .sql
            .contains("INSERT INTO \"_cutover_new_accounts\" (rowid, "),
        "{}",
        first.sql
    );
    assert!(
        first
            .sql
            .contains("ALTER TABLE \"_cutover_new_accounts\" RENAME TO \"accounts\""),
        "{}",
        first.sql
    );
    assert!(
        first.sql.contains("CREATE INDEX \"idx_accounts_email\""),
        "{}",
        first.sql
    );
}

#[tokio::test]
async fn a_rebuild_keeps_the_names_of_unnamed_constraints() {
    if !backends().contains(&Kind::Sqlite) {
        return;
    }
    let db = TestDb::create(Kind::Sqlite).await;
    let dir = PlanDir::new();
    dir.write(
        "0001_base.toml",
        r#"
description = "accounts with an unnamed unique key, sessions with an unnamed foreign key"
[[steps]]
op = "create_table"
table = "accounts"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "email", type = "varchar(100)" },
]
unique = [{ columns = ["email"] }]
[[steps]]
op = "create_table"
table = "sessions"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "account_id", type = "bigint" },
  { name = "ip", type = "varchar(20)" },
]
foreign_keys = [{ columns = ["account_id"], references = "accounts(id)" }]
"#,
    )
    .write(
        "0002_widen.toml",
        r#"
description = "rebuild both tables"
[[steps]]
op = "alter_column"
table = "accounts"
column = "email"
type = "varchar(200)"
[[steps]]
op = "alter_column"
table = "sessions"
column = "ip"
type = "varchar(45)"
"#,
    );
    let mut b = connect(db.url()).await.expect("connect");
    Runner::new(b.as_mut(), &dir.load(), RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .expect("the rebuilds apply");
    let ddl = b
        .query("SELECT sql FROM sqlite_schema WHERE name IN ('accounts', 'sessions') ORDER BY name")
        .await
        .expect("ddl")
        .into_first_column();
    assert_eq!(ddl.len(), 2, "{ddl:?}");
    assert!(
        ddl[0].contains("CONSTRAINT \"uq_accounts_email\" UNIQUE (\"email\")"),
        "{ddl:?}"
    );
    assert!(
        ddl[1].contains("FOREIGN KEY (\"account_id\") REFERENCES \"accounts\" (\"id\")"),
        "{ddl:?}"
    );
    assert!(ddl.iter().all(|d| !d.contains("_cutover_new_")), "{ddl:?}");
    b.close().await.expect("close");
    db.drop_db().await;
}
