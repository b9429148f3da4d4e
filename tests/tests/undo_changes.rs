//! Exact undo after things changed since the backfill, on real PostgreSQL, MariaDB and
//! SQLite: a widening type change of a written column (values compared in the column's type
//! now, so every row is restored), a `set` entry removed from the step (the columns the log
//! holds are restored), and a later migration that renamed a written column or made it NOT
//! NULL (refused, naming that migration and `cutover down --to`).

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const ROWS: i64 = 30;

const TABLE: &str = r#"
description = "w"
[[steps]]
op = "create_table"
table = "w"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "n", type = "decimal(20,6)" },
  { name = "ts", type = "timestamp" },
  { name = "label", type = "varchar(20)" },
]
"#;

const FILL: &str = r#"
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "w_fill"
table = "w"
pending = "label IS NULL"
set.n = "n * 2"
set.ts = "now()"
set.label = "'x'"
"#;

/// The same step after someone removed `set.n`.
const FILL_EDITED: &str = r#"
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "w_fill"
table = "w"
pending = "label IS NULL"
set.ts = "now()"
set.label = "'x'"
"#;

const WIDEN: &str = r#"
description = "widen"
[[steps]]
op = "alter_column"
table = "w"
column = "n"
type = "decimal(30,10)"
[[steps]]
op = "alter_column"
table = "w"
column = "ts"
type = "timestamptz"
"#;

const RENAME: &str = r#"
description = "rename label"
[[steps]]
op = "rename_column"
table = "w"
column = "label"
to = "tag"
"#;

const NOT_NULL: &str = r#"
description = "label required"
[[steps]]
op = "alter_column"
table = "w"
column = "label"
nullable = false
[[down]]
op = "alter_column"
table = "w"
column = "label"
nullable = true
"#;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(7);
    o.backfill.adaptive = false;
    o
}

fn plan_dir(fill: &str, later: Option<&str>) -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_w.toml", TABLE)
        .write("0002_fill.toml", fill);
    if let Some(later) = later {
        dir.write("0003_later.toml", later);
    }
    dir
}

/// Creates `w` with [`ROWS`] rows, a copy `snap` of them, and runs the backfill.
async fn filled(b: &mut dyn Backend, plan: &Plan) {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0001").expect("v")))
        .await
        .expect("up 0001");
    for id in 1..=ROWS {
        b.execute(&format!(
            "INSERT INTO w (id, n, ts, label) VALUES ({id}, {id}.{:06}, '2024-01-02 03:04:{:02}', NULL)",
            id * 142_857 % 1_000_000,
            id % 60
        ))
        .await
        .expect("insert");
    }
    b.execute("CREATE TABLE snap AS SELECT * FROM w")
        .await
        .expect("snapshot");
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0002").expect("v")))
        .await
        .expect("up 0002 runs the backfill");
    assert_eq!(differing(b).await, ROWS, "every row backfilled");
}

/// Rows of `w` whose `n` or `label` differ from the snapshot (by value).
async fn differing(b: &mut dyn Backend) -> i64 {
    let rows = b
        .query(
            "SELECT COUNT(*) FROM w JOIN snap ON w.id = snap.id \
             WHERE NOT (w.n = snap.n) OR w.label IS NOT NULL",
        )
        .await
        .expect("compare");
    rows.scalar().unwrap_or_default().parse().expect("number")
}

#[tokio::test]
async fn undo_after_a_widening_type_change_restores_every_row() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL, Some(WIDEN));
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        filled(b.as_mut(), &plan).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up widens n and ts");
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("w_fill")
            .await
            .expect("undo");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64, 0),
            "{report:?}"
        );
        assert_eq!(differing(b.as_mut()).await, 0, "every row as before");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn undo_restores_the_columns_the_log_holds_after_the_step_was_edited() {
    for_each_backend(|db| async move {
        let dir = plan_dir(FILL, None);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        filled(b.as_mut(), &plan).await;
        let edited = plan_dir(FILL_EDITED, None).load();
        let report = Runner::new(b.as_mut(), &edited, options(), &Silent)
            .undo_backfill("w_fill")
            .await
            .expect("undo with the edited step");
        assert_eq!(report.rows_restored, ROWS as u64, "{report:?}");
        let note = report.note.unwrap_or_default();
        assert!(note.contains("`n`"), "{note}");
        assert_eq!(differing(b.as_mut()).await, 0, "n restored too");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn undo_after_a_later_rename_or_not_null_names_that_migration() {
    for_each_backend(|db| async move {
        for (later, what) in [(RENAME, "renames `label`"), (NOT_NULL, "alters `label`")] {
            let dir = plan_dir(FILL, Some(later));
            let plan = dir.load();
            let mut b = connect(db.url()).await.expect("connect");
            let _ = b.execute("DROP TABLE snap").await;
            let _ = b.execute("DROP TABLE w").await;
            let _ = b.execute("DROP TABLE cutover_history").await;
            let _ = b.execute("DROP TABLE cutover_backfill").await;
            filled(b.as_mut(), &plan).await;
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .up(Target::Latest)
                .await
                .expect("up 0003");
            // The dry run names the migration to revert too (rtD M5): refused when the log
            // cannot even be read against the table (a renamed column), else in its note.
            let preview = Runner::new(b.as_mut(), &plan, options(), &Silent)
                .preview_undo("w_fill")
                .await;
            let preview = match preview {
                Ok(p) => p.note.unwrap_or_default(),
                Err(e) => format!("{e:#}"),
            };
            assert!(preview.contains("0003"), "{preview}");
            assert!(preview.contains("cutover down --to 0002"), "{preview}");
            let err = Runner::new(b.as_mut(), &plan, options(), &Silent)
                .undo_backfill("w_fill")
                .await
                .expect_err("cannot be undone as the table is now");
            let text = format!("{err:#}");
            assert!(text.contains("0003"), "{text}");
            assert!(text.contains(what), "{text}");
            assert!(text.contains("cutover down --to 0002"), "{text}");
            assert!(!text.contains("again to go on"), "{text}");
            // Nothing was restored.
            let left = b
                .query(
                    "SELECT COUNT(*) FROM w JOIN snap ON w.id = snap.id WHERE NOT (w.n = snap.n)",
                )
                .await
                .expect("count");
            assert_eq!(left.scalar(), Some(ROWS.to_string().as_str()));
            // After `down --to 0002` the undo works.
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .down(cutover_core::runner::DownTarget::Version(
                    Version::parse("0002").expect("v"),
                ))
                .await
                .expect("down 0003");
            let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
                .undo_backfill("w_fill")
                .await
                .expect("undo after down");
            assert_eq!(report.rows_restored, ROWS as u64, "{report:?}");
            assert_eq!(differing(b.as_mut()).await, 0);
            b.close().await.expect("close");
        }
    })
    .await;
}
