//! `restore --before` with the contract gate's table-level backup, on real PostgreSQL,
//! MariaDB and SQLite: the history follows the restored tables (the contract migration is
//! forgotten, so `status`/`drift`/`up` agree), a backup is still found after the migration was
//! reverted with data loss, and a restore that would leave later migrations half-undone is
//! refused before anything changes.

use std::path::PathBuf;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backup::{BackupPolicy, BackupScope};
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, History, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const USERS: &str = r#"
description = "users with emails"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "email", type = "text" }]
[[steps]]
op = "sql"
sql = "INSERT INTO users (id, email) VALUES (1, 'a@x'), (2, 'b@x')"
down = "DELETE FROM users"
"#;

const DROP_EMAIL: &str = r#"
description = "drop email"
phase = "contract"
[[steps]]
op = "drop_column"
table = "users"
column = "email"
[[down]]
op = "add_column"
table = "users"
column = { name = "email", type = "text" }
"#;

const TAGS: &str = r#"
description = "tags"
[[steps]]
op = "create_table"
table = "tags"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_users.toml", USERS)
        .write("0002_drop_email.toml", DROP_EMAIL)
        .write("0003_tags.toml", TAGS);
    let plan = dir.load();
    (dir, plan)
}

fn options(dir: &std::path::Path) -> RunnerOptions {
    RunnerOptions {
        backup: BackupPolicy::Auto {
            dir: dir.to_path_buf(),
        },
        backup_scope: BackupScope::DestroyedTables,
        ..RunnerOptions::default()
    }
}

async fn versions(b: &mut dyn Backend) -> Vec<String> {
    History::new("cutover_history", b.dialect())
        .load(b)
        .await
        .expect("history")
        .into_iter()
        .map(|e| e.version.text)
        .collect()
}

fn run<'a>(b: &'a mut dyn Backend, plan: &'a Plan, opts: &RunnerOptions) -> Runner<'a> {
    Runner::new(b, plan, opts.clone(), &Silent)
}

fn v(text: &str) -> Version {
    Version::parse(text).expect("version")
}

#[tokio::test]
async fn table_level_restore_rewinds_the_history() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let backups: PathBuf =
            std::env::temp_dir().join(format!("cutover_restore_history_{}", db.name()));
        let opts = options(&backups);
        let mut b = connect(db.url()).await.expect("connect");

        // The contract runs after a table-level backup; restoring it brings the column and
        // its data back and forgets migration 0002, so `up` would run it again.
        let report = run(b.as_mut(), &plan, &opts)
            .up(Target::Version(v("0002")))
            .await
            .expect("up to 0002");
        assert!(report.backup.is_some(), "a table-level backup was taken");
        run(b.as_mut(), &plan, &opts)
            .restore_before(&v("0002"))
            .await
            .expect("restore --before 0002");
        assert_eq!(versions(b.as_mut()).await, ["0001"]);
        assert_eq!(
            snapshot::rows(b.as_mut(), "users").await,
            ["1|a@x", "2|b@x"]
        );
        let drift = run(b.as_mut(), &plan, &opts).drift().await.expect("drift");
        assert!(drift.differences.is_empty(), "{:?}", drift.differences);

        // Applied again, then reverted with data loss (the down re-adds an empty column): the
        // history has no 0002 any more, so --before 0002 picks nothing (a shared backup
        // directory may hold another environment's) but names the candidates; restoring one
        // by path brings the data back.
        let report = run(b.as_mut(), &plan, &opts)
            .up(Target::Version(v("0002")))
            .await
            .expect("up to 0002 again");
        let taken = PathBuf::from(report.backup.expect("backup"));
        run(b.as_mut(), &plan, &opts)
            .down(DownTarget::Steps(1))
            .await
            .expect("lossy down");
        let emptied = ["1|NULL", "2|NULL"];
        assert_eq!(snapshot::rows(b.as_mut(), "users").await, emptied);
        let err = run(b.as_mut(), &plan, &opts)
            .restore_before(&v("0002"))
            .await
            .expect_err("not recorded any more");
        let msg = err.to_string();
        assert!(
            msg.contains("is not in the history") && msg.contains(&taken.display().to_string()),
            "{msg}"
        );
        assert_eq!(snapshot::rows(b.as_mut(), "users").await, emptied);
        run(b.as_mut(), &plan, &opts)
            .restore(&taken)
            .await
            .expect("restore PATH of a reverted migration's backup");
        let original = ["1|a@x", "2|b@x"];
        assert_eq!(snapshot::rows(b.as_mut(), "users").await, original);
        assert_eq!(versions(b.as_mut()).await, ["0001"]);

        // After everything was reverted, that backup no longer matches the history: refused.
        run(b.as_mut(), &plan, &opts)
            .down(DownTarget::Version(v("0")))
            .await
            .expect("down to 0");
        let err = run(b.as_mut(), &plan, &opts)
            .restore(&taken)
            .await
            .expect_err("history does not match");
        let msg = err.to_string();
        assert!(
            msg.contains("which is not applied in this database"),
            "{msg}"
        );
        run(b.as_mut(), &plan, &opts)
            .up(Target::Version(v("0001")))
            .await
            .expect("up to 0001");

        // With 0003 applied after the contract, restoring only `users` would leave `tags`
        // while the history forgot it: refused, and nothing changes.
        run(b.as_mut(), &plan, &opts)
            .up(Target::Latest)
            .await
            .expect("up all");
        let before = snapshot::schema(b.as_mut()).await;
        let err = run(b.as_mut(), &plan, &opts)
            .restore_before(&v("0002"))
            .await
            .expect_err("refused");
        let msg = err.to_string();
        assert!(
            msg.contains("migrations 0002 (drop_email), 0003 (tags) ran after it")
                && msg.contains("cutover down --to 0002"),
            "{msg}"
        );
        assert_eq!(snapshot::schema(b.as_mut()).await, before);
        assert_eq!(versions(b.as_mut()).await, ["0001", "0002", "0003"]);

        // Following the advice works.
        run(b.as_mut(), &plan, &opts)
            .down(DownTarget::Version(v("0002")))
            .await
            .expect("down --to 0002");
        run(b.as_mut(), &plan, &opts)
            .restore_before(&v("0002"))
            .await
            .expect("restore after reverting 0003");
        assert_eq!(versions(b.as_mut()).await, ["0001"]);
        assert_eq!(
            snapshot::rows(b.as_mut(), "users").await,
            ["1|a@x", "2|b@x"]
        );
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}

const DROP_AND_CREATE: &str = r#"
description = "drop email, and a new table"
phase = "contract"
[[steps]]
op = "drop_column"
table = "users"
column = "email"
[[steps]]
op = "create_table"
table = "audit"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[down]]
op = "drop_table"
table = "audit"
[[down]]
op = "add_column"
table = "users"
column = { name = "email", type = "text" }
"#;

#[tokio::test]
async fn a_contract_that_changed_other_tables_is_not_forgotten_by_a_table_restore() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_users.toml", USERS)
            .write("0002_drop_and_create.toml", DROP_AND_CREATE);
        let plan = dir.load();
        let backups: PathBuf =
            std::env::temp_dir().join(format!("cutover_restore_other_{}", db.name()));
        let opts = options(&backups);
        let mut b = connect(db.url()).await.expect("connect");
        run(b.as_mut(), &plan, &opts)
            .up(Target::Latest)
            .await
            .expect("up");
        let before = snapshot::schema(b.as_mut()).await;
        let err = run(b.as_mut(), &plan, &opts)
            .restore_before(&v("0002"))
            .await
            .expect_err("refused");
        let msg = err.to_string();
        assert!(
            msg.contains("also changed table(s) audit") && msg.contains("cutover down --steps 1"),
            "{msg}"
        );
        assert_eq!(snapshot::schema(b.as_mut()).await, before);
        assert_eq!(versions(b.as_mut()).await, ["0001", "0002"]);
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}
