//! Resuming a half-applied contract (run statement by statement: MariaDB always, PostgreSQL
//! and SQLite with `transaction = false`) on real PostgreSQL, MariaDB and SQLite: the resume
//! does not re-run the contract gate (its first statement already dropped what the backfill
//! reads), takes no second backup, keeps the history's backup pointer on the copy taken before
//! the first statement (so `restore --before` brings the dropped column back), and keeps the
//! `--ignore-min-age` note of the run that passed the gate.

use std::path::{Path, PathBuf};

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backup::{BackupPolicy, BackupScope};
use cutover_core::plan::{Phase, Plan, Version};
use cutover_core::runner::{History, HistoryEntry, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const USERS: &str = r#"
description = "users"
[[steps]]
op = "create_table"
table = "users"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "text" }]
[[steps]]
op = "sql"
sql = "INSERT INTO users (id, name) VALUES (1, 'ann'), (2, 'bob')"
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

/// Its `where` and its check read `name`, which the contract drops first.
const BACKFILL: &str = r#"
description = "fill display_name"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_display_name"
table = "users"
where = "name IS NOT NULL"
pending = "display_name IS NULL"
set.display_name = "upper(name)"
[[checks]]
name = "every named user has a display name"
table = "users"
where = "name IS NOT NULL AND display_name IS NULL"
expect = 0
"#;

/// Drops `name`, then a check that one row violates.
const CONTRACT: &str = r#"
description = "drop name, check display_name"
phase = "contract"
min_age = "24h"
transaction = false
[[steps]]
op = "drop_column"
table = "users"
column = "name"
allow = [{ rule = "sqlite/table-rebuild", reason = "test" }, { rule = "mysql/table-copying-alter", reason = "test" }]
[[steps]]
op = "add_check"
table = "users"
name = "ck_display_name"
expr = "display_name <> 'BOB'"
allow = [{ rule = "sqlite/table-rebuild", reason = "test" }, { rule = "mysql/table-copying-alter", reason = "test" }]
[[down]]
op = "add_column"
table = "users"
column = { name = "name", type = "text" }
"#;

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_users.toml", USERS)
        .write("0002_display_name.toml", EXPAND)
        .write("0003_fill.toml", BACKFILL)
        .write("0004_drop_name.toml", CONTRACT);
    let plan = dir.load();
    (dir, plan)
}

fn options(backups: &Path, phase: Option<Phase>, ignore: Option<&str>) -> RunnerOptions {
    RunnerOptions {
        phase,
        backup: BackupPolicy::Auto {
            dir: backups.to_path_buf(),
        },
        backup_scope: BackupScope::DestroyedTables,
        ignore_min_age: ignore.map(str::to_string),
        ..RunnerOptions::default()
    }
}

async fn entry(b: &mut dyn Backend, version: &str) -> HistoryEntry {
    History::new("cutover_history", b.dialect())
        .load(b)
        .await
        .expect("history")
        .into_iter()
        .find(|e| e.version.text == version)
        .expect("history entry")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    out.retain(|p| !p.to_string_lossy().ends_with(".json"));
    out.sort();
    out
}

#[tokio::test]
async fn a_resumed_contract_keeps_its_first_backup_and_skips_the_gate() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let backups = std::env::temp_dir().join(format!("cutover_contract_resume_{}", db.name()));
        let _ = std::fs::remove_dir_all(&backups);
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(
            b.as_mut(),
            &plan,
            options(&backups, Some(Phase::Backfill), None),
            &Silent,
        )
        .up(Target::Latest)
        .await
        .expect("up --phase backfill");

        // The gate passes (soak skipped with a reason), the backup is taken, `name` is
        // dropped, and the check fails on bob's row.
        let err = Runner::new(
            b.as_mut(),
            &plan,
            options(&backups, None, Some("incident 7")),
            &Silent,
        )
        .up(Target::Latest)
        .await
        .expect_err("the check fails on one row");
        let msg = err.to_string();
        assert!(msg.contains("statement") && msg.contains("resume"), "{msg}");
        let first = entry(b.as_mut(), "0004").await;
        assert!(first.statements_applied >= 1, "{first:?}");
        let taken = first
            .backup
            .clone()
            .expect("a backup before the first statement");
        assert_eq!(files(&backups).len(), 1, "{:?}", files(&backups));
        assert!(
            !snapshot::schema(b.as_mut())
                .await
                .iter()
                .any(|l| l.starts_with("column users name ")),
            "the drop committed"
        );

        // Fixed as told; `up` resumes: no gate refusal about `name`, no second backup.
        b.execute("UPDATE users SET display_name = 'Bob' WHERE id = 2")
            .await
            .expect("fix the row");
        let report = Runner::new(b.as_mut(), &plan, options(&backups, None, None), &Silent)
            .up(Target::Latest)
            .await
            .expect("the half-applied contract resumes");
        assert!(
            report
                .migrations
                .iter()
                .any(|m| m.version.text == "0004" && m.outcome == "applied"),
            "{report:?}"
        );
        assert_eq!(
            files(&backups).len(),
            1,
            "no second backup: {:?}",
            files(&backups)
        );
        let last = entry(b.as_mut(), "0004").await;
        assert_eq!(last.backup.as_deref(), Some(taken.as_str()), "{last:?}");
        let note = last.note.clone().unwrap_or_default();
        assert!(
            note.contains("--ignore-min-age")
                && note.contains("incident 7")
                && !note.contains("failed:"),
            "{note}"
        );

        // restore --before 0004 brings `name` and its values back.
        Runner::new(b.as_mut(), &plan, options(&backups, None, None), &Silent)
            .restore_before(&Version::parse("0004").expect("version"))
            .await
            .expect("restore --before 0004");
        assert_eq!(
            snapshot::rows(b.as_mut(), "users").await,
            ["1|ann|ANN", "2|bob|BOB"]
        );
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}

/// An `--ignore-min-age` reason too long for the history note is refused before anything
/// runs, with what to do.
#[tokio::test]
async fn an_overlong_ignore_min_age_reason_is_refused_up_front() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let backups = std::env::temp_dir().join(format!("cutover_long_reason_{}", db.name()));
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(
            b.as_mut(),
            &plan,
            options(&backups, Some(Phase::Backfill), None),
            &Silent,
        )
        .up(Target::Latest)
        .await
        .expect("up --phase backfill");
        let reason = "x".repeat(1500);
        let err = Runner::new(
            b.as_mut(),
            &plan,
            options(&backups, None, Some(&reason)),
            &Silent,
        )
        .up(Target::Latest)
        .await
        .expect_err("too long");
        let msg = err.to_string();
        assert!(
            msg.contains("reason is 1500 characters long") && msg.contains("give a shorter reason"),
            "{msg}"
        );
        assert!(
            snapshot::schema(b.as_mut())
                .await
                .iter()
                .any(|l| l.starts_with("column users name ")),
            "nothing of 0004 ran"
        );
        b.close().await.expect("close");
        let _ = std::fs::remove_dir_all(&backups);
    })
    .await;
}
