//! `cutover down` of a migration whose backfill keeps an undo log, on real PostgreSQL,
//! MariaDB and SQLite: the log restores the rows exactly (a row a user changed since keeps
//! the user's value) instead of the step's `undo` expressions, and after a `backfill undo`
//! the expressions are not applied again to rows already restored.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Version;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const TABLE: &str = r#"
description = "t"
[[steps]]
op = "create_table"
table = "t"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "old", type = "text" },
  { name = "new", type = "text" },
]
"#;

const FILL: &str = r#"
description = "fill"
phase = "backfill"
[[steps]]
op = "backfill"
id = "copy_old"
table = "t"
pending = "new IS NULL"
set.new = "upper(old)"
undo.new = "NULL"
undo_where = "new IS NOT NULL"
"#;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(4);
    o.backfill.adaptive = false;
    o
}

async fn rows(b: &mut dyn Backend) -> Vec<Vec<Option<String>>> {
    b.query("SELECT id, new FROM t ORDER BY id")
        .await
        .expect("rows")
        .rows
}

fn expected(kept: i64, value: &str) -> Vec<Vec<Option<String>>> {
    (1..=10)
        .map(|id| {
            let new = (id == kept).then(|| value.to_string());
            vec![Some(id.to_string()), new]
        })
        .collect()
}

async fn setup(b: &mut dyn Backend, plan: &cutover_core::plan::Plan) {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0001").expect("v")))
        .await
        .expect("up 0001");
    for id in 1..=10 {
        b.execute(&format!("INSERT INTO t (id, old) VALUES ({id}, 'o{id}')"))
            .await
            .expect("insert");
    }
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("up runs the backfill");
}

async fn down(b: &mut dyn Backend, plan: &cutover_core::plan::Plan) {
    Runner::new(b, plan, options(), &Silent)
        .down(DownTarget::Version(Version::parse("0001").expect("v")))
        .await
        .expect("down to 0001");
}

#[tokio::test]
async fn down_restores_from_the_undo_log_and_keeps_what_users_changed() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t.toml", TABLE)
            .write("0002_fill.toml", FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        setup(b.as_mut(), &plan).await;
        b.execute("UPDATE t SET new = 'mine' WHERE id = 3")
            .await
            .expect("user change");
        down(b.as_mut(), &plan).await;
        assert_eq!(rows(b.as_mut()).await, expected(3, "mine"));
        let log =
            cutover_core::backfill::BackfillScope::default_history().undo_log_table("copy_old");
        assert!(!b.table_exists(&log).await.expect("exists"), "log dropped");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn down_after_an_exact_undo_does_not_apply_the_undo_expressions_again() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t.toml", TABLE)
            .write("0002_fill.toml", FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        setup(b.as_mut(), &plan).await;
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("copy_old")
            .await
            .expect("undo");
        assert_eq!(report.rows_restored, 10);
        // Written after the undo: not the backfill's, so down must keep it.
        b.execute("UPDATE t SET new = 'later' WHERE id = 5")
            .await
            .expect("user change");
        down(b.as_mut(), &plan).await;
        assert_eq!(rows(b.as_mut()).await, expected(5, "later"));
        b.close().await.expect("close");
    })
    .await;
}
