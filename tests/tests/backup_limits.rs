//! The contract gate backs up the whole database when a table-level copy would not restore
//! faithfully (PostgreSQL: the table has child tables; SQLite: a trigger), on real databases;
//! the restore then brings back every table and the history. MySQL/MariaDB has no such limit
//! here: its backup stays table-level.

use std::path::PathBuf;

use cutover_cli::connect::connect;
use cutover_core::backup::{BackupPolicy, BackupScope};
use cutover_core::plan::Version;
use cutover_core::runner::{History, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const BASE: &str = r#"
description = "parent and child"
[[steps]]
op = "create_table"
table = "parent"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "legacy", type = "text" }]
[[steps]]
op = "create_table"
table = "child"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "parent_id", type = "bigint" }]
foreign_keys = [{ columns = ["parent_id"], references = "parent(id)" }]
[[steps]]
op = "sql"
sql = "INSERT INTO parent (id, legacy) VALUES (1, 'old'), (2, 'older')"
down = "DELETE FROM parent"
[[steps]]
op = "sql"
sql = "INSERT INTO child (id, parent_id) VALUES (10, 1)"
down = "DELETE FROM child"
[[steps]]
op = "sql"
dialects = ["postgres"]
sql = "CREATE TABLE parent_archive () INHERITS (parent)"
down = "DROP TABLE parent_archive"
[[steps]]
op = "sql"
dialects = ["sqlite"]
sql = "CREATE TRIGGER parent_touch AFTER UPDATE ON parent BEGIN UPDATE child SET parent_id = parent_id WHERE parent_id = NEW.id; END"
down = "DROP TRIGGER parent_touch"
"#;

const CONTRACT: &str = r#"
description = "drop legacy"
phase = "contract"
[[steps]]
op = "drop_column"
table = "parent"
column = "legacy"
"#;

#[tokio::test]
async fn a_table_with_dependents_gets_a_whole_database_backup() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE)
            .write("0002_drop_legacy.toml", CONTRACT);
        let plan = dir.load();
        let backups: PathBuf =
            std::env::temp_dir().join(format!("cutover_backup_limits_{}", db.name()));
        let opts = RunnerOptions {
            backup: BackupPolicy::Auto {
                dir: backups.clone(),
            },
            backup_scope: BackupScope::DestroyedTables,
            ..RunnerOptions::default()
        };
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, opts.clone(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let entries = History::new("cutover_history", b.dialect())
            .load(b.as_mut())
            .await
            .expect("history");
        let note = entries
            .iter()
            .find(|e| e.version.text == "0002")
            .and_then(|e| e.note.clone())
            .unwrap_or_default();
        let whole = b.dialect() != cutover_core::Dialect::Mysql;
        assert_eq!(note.contains("whole-database backup"), whole, "{note}");

        Runner::new(b.as_mut(), &plan, opts.clone(), &Silent)
            .restore_before(&Version::parse("0002").expect("version"))
            .await
            .expect("restore --before 0002");
        assert_eq!(
            snapshot::rows(b.as_mut(), "parent").await,
            ["1|old", "2|older"]
        );
        assert_eq!(snapshot::rows(b.as_mut(), "child").await, ["10|1"]);
        let versions: Vec<String> = History::new("cutover_history", b.dialect())
            .load(b.as_mut())
            .await
            .expect("history")
            .into_iter()
            .map(|e| e.version.text)
            .collect();
        assert_eq!(versions, ["0001"]);
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}
