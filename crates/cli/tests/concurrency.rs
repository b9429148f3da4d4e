//! Eight `cutover up` processes at once apply every migration exactly once.

mod common;

use std::process::{Command, Stdio};

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

#[tokio::test]
async fn eight_concurrent_runs_apply_each_migration_once() {
    for_each_backend(|db| async move {
        let plan = PlanDir::example("messages");
        let dir = plan.path().to_path_buf();
        let children: Vec<_> = (0..8)
            .map(|i| {
                // Half wait for the lock, half give up at once and must exit with code 4.
                let wait = if i % 2 == 0 { "60" } else { "0" };
                Command::new(common::bin())
                    .args(["up", "--database", db.url(), "--plan"])
                    .arg(&dir)
                    .args(["--lock-timeout", wait])
                    .env_remove("DATABASE_URL")
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .expect("spawn cutover")
            })
            .collect();
        let mut codes = Vec::new();
        for child in children {
            let out = child.wait_with_output().expect("wait");
            let code = out.status.code();
            assert!(
                matches!(code, Some(0) | Some(4)),
                "every run succeeds or reports the lock: {}",
                common::text(&out)
            );
            if code == Some(4) {
                // The migration lock, or (a loaded machine, where a SQLite lock row can
                // expire before its holder renews it) the backfill lock of the run that held
                // the migration lock before, or the lock taken over while this run worked.
                let err = String::from_utf8_lossy(&out.stderr);
                assert!(
                    [
                        "holds the migration lock",
                        "holds the backfill lock",
                        "was taken by another cutover run"
                    ]
                    .iter()
                    .any(|m| err.contains(m)),
                    "exit 4 names the lock: {}",
                    common::text(&out)
                );
            }
            codes.push(code);
        }
        assert!(codes.contains(&Some(0)));
        let mut b = connect(db.url()).await.expect("connect");
        let per_version = b
            .query(
                "SELECT version, COUNT(*) FROM cutover_history GROUP BY version ORDER BY version",
            )
            .await
            .expect("history");
        let got: Vec<(String, String)> = per_version
            .rows
            .iter()
            .map(|r| {
                (
                    r[0].clone().unwrap_or_default(),
                    r[1].clone().unwrap_or_default(),
                )
            })
            .collect();
        let expected: Vec<(String, String)> = ["0001", "0002", "0003", "0004", "0005"]
            .iter()
            .map(|v| (v.to_string(), "1".to_string()))
            .collect();
        assert_eq!(got, expected);
        // The seed ran once: a second run would have doubled the rows.
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM messages").await,
            3000
        );
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM conversations").await,
            50
        );
        b.close().await.expect("close");
    })
    .await;
}
