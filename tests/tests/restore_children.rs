//! Restoring a contract's table-level backup when another table references the destroyed
//! table (a child with `ON DELETE CASCADE`): the parent comes back, every child row stays,
//! on PostgreSQL (where `pg_restore --clean` cannot drop a referenced table by itself),
//! MariaDB and SQLite (where dropping the parent would cascade into the child).

use cutover_cli::connect::connect;
use cutover_core::backup::BackupPolicy;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const TABLES: &str = r#"
description = "parent and child"
[[steps]]
op = "create_table"
table = "parent"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "legacy", type = "text" }]
[[steps]]
op = "create_table"
table = "child"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "parent_id", type = "integer", nullable = false }]
foreign_keys = [{ columns = ["parent_id"], references = "parent(id)", on_delete = "cascade" }]
[[steps]]
op = "sql"
sql = "INSERT INTO parent (id, legacy) VALUES (1, 'a'), (2, 'b'); INSERT INTO child (id, parent_id) VALUES (10, 1), (11, 1), (12, 2)"
down = "DELETE FROM child; DELETE FROM parent"
"#;

const CONTRACT: &str = r#"
description = "drop the legacy column"
phase = "contract"
[[steps]]
op = "drop_column"
table = "parent"
column = "legacy"
[[down]]
op = "add_column"
table = "parent"
column = { name = "legacy", type = "text" }
"#;

#[tokio::test]
async fn restoring_a_referenced_table_keeps_its_children() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES)
            .write("0002_contract.toml", CONTRACT);
        let plan = dir.load();
        let backups = std::env::temp_dir().join(format!("cutover_restore_children_{}", db.name()));
        let _ = std::fs::remove_dir_all(&backups);
        let options = RunnerOptions {
            backup: BackupPolicy::Auto {
                dir: backups.clone(),
            },
            ..RunnerOptions::default()
        };
        let mut b = connect(db.url()).await.expect("connect");
        let report = Runner::new(b.as_mut(), &plan, options, &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let path = std::path::PathBuf::from(report.backup.expect("a backup was taken"));
        // A write after the contract to the child table, which the backup does not hold.
        b.execute("INSERT INTO child (id, parent_id) VALUES (13, 2)")
            .await
            .expect("insert child");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .restore(&path)
            .await
            .expect("restore");
        assert_eq!(
            snapshot::rows(b.as_mut(), "parent").await,
            ["1|a", "2|b"],
            "the parent is back with its dropped column"
        );
        assert_eq!(
            snapshot::rows(b.as_mut(), "child").await,
            ["10|1", "11|1", "12|2", "13|2"],
            "every child row stays, the later one included"
        );
        // The foreign key still holds after the restore.
        let orphan = b
            .execute("INSERT INTO child (id, parent_id) VALUES (14, 99)")
            .await;
        assert!(orphan.is_err(), "the foreign key is enforced again");
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}
