//! An expression undo (`undo_log = false`) killed part-way and run again, on real PostgreSQL,
//! MariaDB and SQLite: it goes on from the batch it stopped after, so a non-idempotent `undo`
//! (`ver - 10`) is never applied twice to a row; `undo` again afterwards says it is already
//! undone.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::crash::{CrashAt, Crashing};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const TABLE: &str = r#"
description = "accounts"
[[steps]]
op = "create_table"
table = "accounts"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "src", type = "integer", nullable = true },
  { name = "ver", type = "integer", nullable = false },
]
"#;

const SHIFT: &str = r#"
description = "shift ver"
phase = "backfill"
[[steps]]
op = "backfill"
id = "shift_ver"
table = "accounts"
where = "src IS NOT NULL"
pending = "ver < 10"
set.ver = "ver + 10"
undo.ver = "ver - 10"
undo_log = false
batch_size = 10
"#;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(1),
        retries: 0,
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(10);
    o.backfill.adaptive = false;
    o.backfill.min_batch = 1;
    o
}

/// `ver` of every row, by id.
async fn vers(b: &mut dyn Backend) -> Vec<String> {
    b.query("SELECT ver FROM accounts ORDER BY id")
        .await
        .expect("rows")
        .rows
        .into_iter()
        .map(|r| r.into_iter().next().flatten().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn a_killed_expression_undo_resumes_without_writing_a_row_twice() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_accounts.toml", TABLE)
            .write("0002_shift.toml", SHIFT);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Version(
                cutover_core::plan::Version::parse("0001").expect("v"),
            ))
            .await
            .expect("up 0001");
        for id in 1..=60 {
            let src = if id % 6 == 0 { "NULL" } else { "1" };
            b.execute(&format!(
                "INSERT INTO accounts (id, src, ver) VALUES ({id}, {src}, 0)"
            ))
            .await
            .expect("insert");
        }
        let before = vers(b.as_mut()).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up runs the backfill");

        // Killed right after the first undo batch that wrote rows committed.
        let inner = connect(db.url()).await.expect("connect");
        let mut crashing = Crashing::new(inner, CrashAt::AfterCommitFollowing("'undoing'".into()));
        let err = Runner::new(&mut crashing, &plan, options(), &Silent)
            .undo_backfill("shift_ver")
            .await
            .expect_err("killed");
        assert!(crashing.fired(), "crashed: {err}");
        let _ = Box::new(crashing).close().await;
        let halfway = vers(b.as_mut()).await;
        let undone = halfway.iter().filter(|v| *v == "0").count();
        assert!((10..60).contains(&undone), "first batch only: {halfway:?}");

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("shift_ver")
            .await
            .expect("undo resumed");
        assert_eq!(
            vers(b.as_mut()).await,
            before,
            "every row undone exactly once"
        );
        let note = report.note.unwrap_or_default();
        assert!(!note.contains("did not complete"), "{note}");

        // Again: already undone, nothing written.
        let again = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("shift_ver")
            .await
            .expect("already undone is not an error");
        assert_eq!(again.rows_restored, 0);
        let note = again.note.unwrap_or_default();
        assert!(note.contains("already undone"), "{note}");
        assert_eq!(vers(b.as_mut()).await, before, "nothing written again");
        b.close().await.expect("close");
    })
    .await;
}
