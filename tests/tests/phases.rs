//! Phases and the contract gate on real PostgreSQL, MariaDB and SQLite: `up --phase` stops
//! before a later phase; a contract migration is refused until the backfill before it is
//! complete, then runs after an automatic backup that the history records and that restores.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use cutover_cli::archive::verify_backup;
use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backup::{BackupPolicy, BackupScope, Manifest};
use cutover_core::plan::{Phase, Plan, Version};
use cutover_core::runner::{
    History, HistoryEntry, RunReport, Runner, RunnerOptions, Silent, Target,
};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const USERS: &str = r#"
description = "users, and a scratch table"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "text" }]
[[steps]]
op = "create_table"
table = "scratch"
columns = [{ name = "id", type = "integer" }]
[[steps]]
op = "sql"
sql = "INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob'), (3, NULL)"
down = "DELETE FROM users"
"#;

const EXPAND: &str = r#"
description = "add display_name"
phase = "expand"
[[steps]]
op = "add_column"
table = "users"
column = { name = "display_name", type = "text" }
"#;

/// The verification fails while a user has no name (upper(NULL) stays NULL), and only warns:
/// the migration stays applied, its backfill `done` but not verified.
const BACKFILL: &str = r#"
description = "fill display_name"
phase = "backfill"
[[steps]]
op = "backfill"
table = "users"
pending = "display_name IS NULL"
set.display_name = "upper(name)"
[[checks]]
name = "every user has a display name"
table = "users"
where = "display_name IS NULL"
expect = 0
on_fail = "warn"
"#;

const CONTRACT: &str = r#"
description = "drop name"
phase = "contract"
[[steps]]
op = "drop_column"
table = "users"
column = "name"
"#;

/// No phase, but destructive: gated all the same.
const DROP_SCRATCH: &str = r#"
description = "drop scratch"
[[steps]]
op = "sql"
sql = "DROP TABLE scratch"
down = "CREATE TABLE scratch (id integer)"
"#;

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_users.toml", USERS)
        .write("0002_display_name.toml", EXPAND)
        .write("0003_fill.toml", BACKFILL)
        .write("0004_drop_name.toml", CONTRACT)
        .write("0005_drop_scratch.toml", DROP_SCRATCH);
    let plan = dir.load();
    (dir, plan)
}

/// Whole-database backups (`up --backup-whole-database`): one per run, restored with the
/// history. The default table-level backup is tested in gate_safety.rs.
fn options(phase: Option<Phase>, backup: BackupPolicy) -> RunnerOptions {
    RunnerOptions {
        phase,
        backup,
        backup_scope: BackupScope::WholeDatabase,
        retry_backoff: std::time::Duration::from_millis(50),
        ..RunnerOptions::default()
    }
}

async fn up(
    b: &mut dyn Backend,
    plan: &Plan,
    options: RunnerOptions,
) -> cutover_core::Result<RunReport> {
    Runner::new(b, plan, options, &Silent)
        .up(Target::Latest)
        .await
}

fn applied(report: &RunReport) -> Vec<String> {
    report
        .migrations
        .iter()
        .map(|m| format!("{} {}", m.version, m.outcome))
        .collect()
}

async fn history(b: &mut dyn Backend, version: &str) -> Option<HistoryEntry> {
    History::new("cutover_history", b.dialect())
        .load(b)
        .await
        .expect("history")
        .into_iter()
        .find(|e| e.version.text == version)
}

async fn has_column(b: &mut dyn Backend, column: &str) -> bool {
    snapshot::schema(b)
        .await
        .iter()
        .any(|l| l.starts_with(&format!("column users {column} ")))
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn contract_waits_for_a_verified_backfill_and_a_backup() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let backups = std::env::temp_dir().join(format!("cutover_phases_{}", db.name()));
        let auto = BackupPolicy::Auto {
            dir: backups.clone(),
        };
        let mut b = connect(db.url()).await.expect("connect");

        // --phase expand stops before the backfill migration; --phase backfill before the
        // contract one.
        let report = up(
            b.as_mut(),
            &plan,
            options(Some(Phase::Expand), auto.clone()),
        )
        .await
        .expect("up --phase expand");
        assert_eq!(applied(&report), ["0001 applied", "0002 applied"]);
        let stop = report.stopped_before.expect("stopped");
        assert!(stop.starts_with("0003 (fill), phase backfill"), "{stop}");
        let report = up(
            b.as_mut(),
            &plan,
            options(Some(Phase::Backfill), auto.clone()),
        )
        .await
        .expect("up --phase backfill");
        assert_eq!(applied(&report), ["0003 applied"]);
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.contains("every user has a display name"))
        );
        assert!(report.stopped_before.expect("stopped").starts_with("0004"));

        // The backfill ran but its verification failed: the contract migration is refused,
        // naming the backfill and the command, before any backup or change.
        let err = up(b.as_mut(), &plan, options(None, auto.clone()))
            .await
            .expect_err("contract refused");
        let msg = err.to_string();
        assert!(
            msg.contains("refusing migration 0004 (drop_name): it is a contract migration")
                && msg.contains(
                    "backfill `0003_users` of migration 0003 (fill) is done but not verified"
                )
                && msg.contains("cutover backfill run 0003_users"),
            "{msg}"
        );
        assert!(has_column(b.as_mut(), "name").await);
        assert!(
            files_in(&backups).is_empty(),
            "no backup before the refusal"
        );

        // Fix the data; `backfill run` completes and verifies it.
        b.execute("UPDATE users SET name = 'cy' WHERE name IS NULL")
            .await
            .expect("fix data");
        let outcome = Runner::new(b.as_mut(), &plan, options(None, auto.clone()), &Silent)
            .backfill("0003_users")
            .await
            .expect("backfill run");
        assert!(outcome.complete, "{:?}", outcome.checks);

        // Now it runs, after an automatic backup that both gated migrations record.
        let report = up(b.as_mut(), &plan, options(None, auto.clone()))
            .await
            .expect("contract runs");
        assert_eq!(applied(&report), ["0004 applied", "0005 applied"]);
        assert!(!has_column(b.as_mut(), "name").await);
        let path = PathBuf::from(report.backup.expect("backup taken"));
        assert!(path.starts_with(&backups), "{}", path.display());
        let name = path.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            name.contains("-0003-"),
            "named after the last migration it holds: {name}"
        );
        let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&Manifest::path_for(&path)), 0o600);
        let verified = verify_backup(&path).await.expect("backup verifies");
        let last = verified.manifest.last_migration.expect("last migration");
        assert_eq!(last.version, "0003");
        let recorded = path.display().to_string();
        for v in ["0004", "0005"] {
            let entry = history(b.as_mut(), v).await.expect("history entry");
            assert_eq!(entry.backup.as_deref(), Some(recorded.as_str()), "{v}");
            assert_eq!(entry.note, None);
        }
        assert_eq!(files_in(&backups).len(), 2, "one backup and its manifest");

        // `restore --before 0004` brings back the database as it was before the contract.
        let (restored, _) = Runner::new(b.as_mut(), &plan, options(None, auto.clone()), &Silent)
            .restore_before(&Version::parse("0004").expect("version"))
            .await
            .expect("restore --before");
        assert_eq!(restored, path);
        assert!(has_column(b.as_mut(), "name").await);
        assert!(history(b.as_mut(), "0004").await.is_none());
        assert_eq!(
            snapshot::rows(b.as_mut(), "users").await,
            ["1|ann|ANN", "2|bob|BOB", "3|cy|CY"]
        );

        // --no-backup: runs without one, and the history says so.
        let report = up(b.as_mut(), &plan, options(None, BackupPolicy::Skip))
            .await
            .expect("up --no-backup");
        assert_eq!(applied(&report), ["0004 applied", "0005 applied"]);
        assert_eq!(report.backup, None);
        for v in ["0004", "0005"] {
            let entry = history(b.as_mut(), v).await.expect("history entry");
            assert_eq!(entry.backup, None);
            let note = entry.note.unwrap_or_default();
            assert!(note.contains("--no-backup"), "{v}: {note}");
        }
        assert_eq!(files_in(&backups).len(), 2, "no new backup");
        let err = Runner::new(
            b.as_mut(),
            &plan,
            options(None, BackupPolicy::Skip),
            &Silent,
        )
        .restore_before(&Version::parse("0004").expect("version"))
        .await
        .expect_err("nothing recorded");
        assert!(
            err.to_string()
                .contains("no backup is recorded before migration 0004"),
            "{err}"
        );
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}
