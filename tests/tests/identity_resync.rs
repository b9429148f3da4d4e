//! Identity resync on real databases: rows copied with explicit ids through a plan, then an
//! insert without an id from "the application" gets MAX(id) + 1 on every database; the same
//! after down and up again; and `op = "resync_identity"` for a table raw SQL created.
//!
//! PostgreSQL needs cutover's resync (a sequence ignores explicit values); MySQL/MariaDB's
//! AUTO_INCREMENT and SQLite's AUTOINCREMENT move on their own, which this test verifies too.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const TABLES: &str = r#"
description = "items (identity) and legacy rows with their own ids"

[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "varchar(50)", nullable = false },
]

[[steps]]
op = "create_table"
table = "legacy"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "varchar(50)", nullable = false },
]

[[steps]]
op = "sql"
sql = "INSERT INTO legacy (id, name) VALUES (10, 'x'), (20, 'y'), (30, 'z')"
down = "DELETE FROM legacy"
"#;

const COPY: &str = r#"
description = "copy legacy rows into items, keeping their ids"

[[steps]]
op = "backfill"
table = "legacy"
insert_into = "items"
values.id = "id"
values.name = "name"

[[down]]
op = "sql"
sql = "DELETE FROM items WHERE id IN (SELECT id FROM legacy)"
"#;

async fn up(b: &mut dyn Backend, plan: &Plan) {
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
}

/// Inserts a row without an id, as the application does, and returns the id it got.
async fn app_insert(b: &mut dyn Backend, table: &str, name: &str) -> i64 {
    b.execute(&format!("INSERT INTO {table} (name) VALUES ('{name}')"))
        .await
        .unwrap_or_else(|e| panic!("the application's insert collides: {e}"));
    snapshot::count(b, &format!("SELECT id FROM {table} WHERE name = '{name}'")).await
}

#[tokio::test]
async fn an_insert_after_copied_ids_gets_max_plus_one_also_after_down_and_up() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES);
        dir.write("0002_copy.toml", COPY);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await;
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            ["10|x", "20|y", "30|z"]
        );
        assert_eq!(app_insert(b.as_mut(), "items", "app1").await, 31);

        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .down(DownTarget::Steps(1))
            .await
            .unwrap_or_else(|e| panic!("down: {e}"));
        assert_eq!(snapshot::rows(b.as_mut(), "items").await, ["31|app1"]);
        // After down the next id is still past every id ever handed out.
        assert_eq!(app_insert(b.as_mut(), "items", "app2").await, 32);

        up(b.as_mut(), &plan).await;
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            ["10|x", "20|y", "30|z", "31|app1", "32|app2"]
        );
        assert_eq!(app_insert(b.as_mut(), "items", "app3").await, 33);
        let _ = b.close().await;
    })
    .await;
}

const RAW: &str = r#"
description = "a table created and filled by raw SQL, resynced explicitly"

[[steps]]
op = "sql"
postgres = "CREATE TABLE raw_items (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name varchar(50))"
mysql = "CREATE TABLE raw_items (id bigint AUTO_INCREMENT PRIMARY KEY, name varchar(50))"
sqlite = "CREATE TABLE raw_items (id integer PRIMARY KEY AUTOINCREMENT, name varchar(50))"
down = "DROP TABLE raw_items"

[[steps]]
op = "sql"
postgres = "INSERT INTO raw_items (id, name) OVERRIDING SYSTEM VALUE VALUES (7, 'seven'), (3, 'three')"
sql = "INSERT INTO raw_items (id, name) VALUES (7, 'seven'), (3, 'three')"

[[steps]]
op = "resync_identity"
table = "raw_items"
column = "id"
"#;

#[tokio::test]
async fn resync_identity_moves_a_raw_sql_tables_sequence() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_raw.toml", RAW);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await;
        assert_eq!(app_insert(b.as_mut(), "raw_items", "app").await, 8);
        assert_eq!(
            snapshot::rows(b.as_mut(), "raw_items").await,
            ["3|three", "7|seven", "8|app"]
        );
        let _ = b.close().await;
    })
    .await;
}

#[tokio::test]
async fn a_backfill_run_outside_its_migration_resyncs_too() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES);
        dir.write("0002_copy.toml", COPY);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &plan).await;
        assert_eq!(app_insert(b.as_mut(), "items", "app1").await, 31);
        // New legacy rows arrive after the migration; `cutover backfill run` copies them.
        b.execute("INSERT INTO legacy (id, name) VALUES (32, 'late1'), (33, 'late2')")
            .await
            .expect("legacy rows");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .backfill("0002_legacy")
            .await
            .unwrap_or_else(|e| panic!("backfill run: {e}"));
        assert_eq!(app_insert(b.as_mut(), "items", "app2").await, 34);
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            [
                "10|x", "20|y", "30|z", "31|app1", "32|late1", "33|late2", "34|app2"
            ]
        );
        let _ = b.close().await;
    })
    .await;
}
