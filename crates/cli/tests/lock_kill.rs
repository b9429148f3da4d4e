//! Issue 10, item 1, as an operator meets it: `cutover up` is killed from the server in the
//! middle of a backfill and a second `cutover up` starts 0.6 s later. Whichever wins, every
//! migration is applied once (the marker row exists once), the checkpoint counts every row
//! once, and the other process either finds nothing to do or exits 4.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_tests::marker::{ROWS, kill_other_sessions, marker_plan, wait_for_batches};
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

fn spawn_up(url: &str, plan: &std::path::Path) -> Child {
    Command::new(common::bin())
        .args(["up", "--database", url, "--plan"])
        .arg(plan)
        .args(["--lock-timeout", "30"])
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn cutover")
}

#[tokio::test]
async fn a_killed_run_and_a_second_run_apply_every_migration_once() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // No server session to kill.
        }
        let plan = marker_plan(Some(20));
        let to_0001 = common::run(
            plan.path(),
            &["up", "--database", db.url(), "--plan", ".", "--to", "0001"],
        );
        assert_eq!(to_0001.status.code(), Some(0), "{}", common::text(&to_0001));
        // The last row stays locked, so the backfill is surely still running when its
        // session is killed, however fast the machine.
        // Killing the other sessions kills this one too, releasing the row.
        let mut blocker = connect(db.url()).await.expect("connect");
        blocker.begin().await.expect("begin");
        let last = format!("SELECT id FROM items WHERE id = {ROWS} FOR UPDATE");
        blocker.query(&last).await.expect("lock the last row");
        let first = spawn_up(db.url(), plan.path());
        let mut watcher = connect(db.url()).await.expect("connect");
        wait_for_batches(watcher.as_mut(), 3).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        kill_other_sessions(watcher.as_mut(), db.backend()).await;
        drop(blocker);
        tokio::time::sleep(Duration::from_millis(600)).await;
        let second = spawn_up(db.url(), plan.path());
        let outputs = [
            first.wait_with_output().expect("wait first"),
            second.wait_with_output().expect("wait second"),
        ];
        let mut marker_applied = 0;
        for out in &outputs {
            match out.status.code() {
                Some(0) => {}
                Some(4) => assert!(
                    String::from_utf8_lossy(&out.stderr).contains("holds the migration lock"),
                    "{}",
                    common::text(out)
                ),
                _ => panic!("a run may only succeed or exit 4:\n{}", common::text(out)),
            }
            marker_applied += String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| l.starts_with("applied") && l.contains("0003"))
                .count();
        }
        let texts: Vec<String> = outputs.iter().map(common::text).collect();
        assert!(
            outputs.iter().any(|o| o.status.code() == Some(0)),
            "{texts:#?}"
        );
        assert_eq!(marker_applied, 1, "one run applies 0003: {texts:#?}");
        let b = watcher.as_mut();
        assert_eq!(snapshot::count(b, "SELECT COUNT(*) FROM marker").await, 1);
        let applied = "SELECT COUNT(*) FROM cutover_history WHERE state = 'applied'";
        assert_eq!(snapshot::count(b, applied).await, 3);
        let wrong = "SELECT COUNT(*) FROM items WHERE doubled IS NULL OR doubled <> v * 2";
        assert_eq!(snapshot::count(b, wrong).await, 0);
        let changed = "SELECT SUM(rows_changed) FROM cutover_backfill WHERE id = 'double_v'";
        assert_eq!(snapshot::count(b, changed).await, ROWS, "{texts:#?}");
    })
    .await;
}
