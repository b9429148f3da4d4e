//! Red-team finding 2, on real PostgreSQL, MariaDB and SQLite: `up` running a migration's
//! backfill step and `backfill run` of the same backfill hold the same lock
//! (`cutover-backfill:<id>`), so they never run at the same time. The backfill here is an
//! insert with no key on its target (each overlapping run would insert every row again):
//! with a long lock timeout the second runner waits and then finds it done (row counts
//! exact); with a short one it stops with `Error::Locked` (exit 4) naming the first.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_cli::exit::ExitCode;
use cutover_core::backend::Backend;
use cutover_core::backup::BackupPolicy;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_core::{Error, Result};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

const BASE: &str = r#"
description = "source rows and an unkeyed target"
[[steps]]
op = "create_table"
table = "src"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "varchar(20)" }]
[[steps]]
op = "create_table"
table = "dst"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "src_id", type = "bigint", nullable = false },
  { name = "v", type = "varchar(20)" },
]
[[steps]]
op = "sql"
sql = "INSERT INTO src (id, v) VALUES (1, 'a'), (2, 'b'), (3, 'c'), (4, 'd'), (5, 'e'), (6, 'f'), (7, 'g'), (8, 'h'), (9, 'i'), (10, 'j'), (11, 'k'), (12, 'l')"
down = "DELETE FROM src"
"#;

const COPY: &str = r#"
description = "copy src into dst"
[[steps]]
op = "backfill"
id = "copy"
table = "src"
insert_into = "dst"
values.src_id = "src.id"
values.v = "src.v"
batch_size = 2
"#;

const ROWS: i64 = 12;

fn plan() -> (PlanDir, Plan) {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE)
        .write("0002_copy.toml", COPY);
    let plan = dir.load();
    (dir, plan)
}

/// Slow batches (2 rows, 150 ms apart: about a second in all) so that runs would overlap.
fn options(who: &str, lock_wait: Duration) -> RunnerOptions {
    let mut o = RunnerOptions {
        backup: BackupPolicy::Skip,
        retry_backoff: Duration::from_millis(50),
        applied_by: who.into(),
        lock_wait,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(2);
    o.backfill.adaptive = false;
    o.backfill.min_batch = 1;
    o.backfill.pause = Duration::from_millis(150);
    o
}

async fn up(b: &mut dyn Backend, plan: &Plan, o: RunnerOptions, to: Target) -> Result<()> {
    Runner::new(b, plan, o, &Silent).up(to).await.map(drop)
}

async fn backfill(b: &mut dyn Backend, plan: &Plan, o: RunnerOptions) -> Result<()> {
    Runner::new(b, plan, o, &Silent)
        .backfill("copy")
        .await
        .map(drop)
}

/// Rows of `dst`, and distinct source ids in it.
async fn counts(b: &mut dyn Backend) -> (i64, i64) {
    (
        snapshot::count(b, "SELECT COUNT(*) FROM dst").await,
        snapshot::count(b, "SELECT COUNT(DISTINCT src_id) FROM dst").await,
    )
}

async fn base(b: &mut dyn Backend, plan: &Plan) {
    let v = Version::parse("0001").expect("version");
    up(
        b,
        plan,
        options("setup@ci", Duration::from_secs(5)),
        Target::Version(v),
    )
    .await
    .expect("up --to 0001");
}

#[tokio::test]
async fn backfill_run_waits_for_up_running_the_same_backfill() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut a = connect(db.url()).await.expect("connect a");
        let mut b = connect(db.url()).await.expect("connect b");
        base(a.as_mut(), &plan).await;
        let wait = Duration::from_secs(30);
        let (ra, rb) = tokio::join!(
            up(a.as_mut(), &plan, options("up@ci", wait), Target::Latest),
            async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                backfill(b.as_mut(), &plan, options("run@ci", wait)).await
            }
        );
        ra.expect("up");
        rb.expect("backfill run waits, then finds it done");
        assert_eq!(
            counts(a.as_mut()).await,
            (ROWS, ROWS),
            "no row copied twice"
        );

        a.close().await.expect("close a");
        b.close().await.expect("close b");
    })
    .await;
}

#[tokio::test]
async fn up_waits_for_backfill_run_of_the_same_backfill() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut a = connect(db.url()).await.expect("connect a");
        let mut b = connect(db.url()).await.expect("connect b");
        base(a.as_mut(), &plan).await;
        let wait = Duration::from_secs(30);
        let (ra, rb) = tokio::join!(
            backfill(a.as_mut(), &plan, options("run@ci", wait)),
            async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                up(b.as_mut(), &plan, options("up@ci", wait), Target::Latest).await
            }
        );
        ra.expect("backfill run");
        rb.expect("up waits, then finds the backfill done");
        assert_eq!(
            counts(a.as_mut()).await,
            (ROWS, ROWS),
            "no row copied twice"
        );
        a.close().await.expect("close a");
        b.close().await.expect("close b");
    })
    .await;
}

#[tokio::test]
async fn the_second_runner_stops_with_exit_4_naming_the_first() {
    for_each_backend(|db| async move {
        let (_dir, plan) = plan();
        let mut a = connect(db.url()).await.expect("connect a");
        let mut b = connect(db.url()).await.expect("connect b");
        base(a.as_mut(), &plan).await;
        let (ra, rb) = tokio::join!(
            backfill(
                a.as_mut(),
                &plan,
                options("runner-a@ci", Duration::from_secs(30))
            ),
            async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                up(
                    b.as_mut(),
                    &plan,
                    options("runner-b@ci", Duration::from_millis(200)),
                    Target::Latest,
                )
                .await
            }
        );
        ra.expect("backfill run");
        let e = rb.expect_err("up cannot take the backfill's lock");
        assert!(matches!(e.root(), Error::Locked { .. }), "{e}");
        let message = e.to_string();
        assert!(
            message.contains("cutover-backfill:copy") && message.contains("runner-a@ci"),
            "{message}"
        );
        let code = ExitCode::for_error(&anyhow::Error::from(e)) as u8;
        assert_eq!(code, 4);
        assert_eq!(counts(a.as_mut()).await, (ROWS, ROWS));

        // Run again once the first is done: the migration completes, nothing is copied twice.
        up(
            b.as_mut(),
            &plan,
            options("runner-b@ci", Duration::from_secs(5)),
            Target::Latest,
        )
        .await
        .expect("up again");
        assert_eq!(counts(a.as_mut()).await, (ROWS, ROWS));
        a.close().await.expect("close a");
        b.close().await.expect("close b");
    })
    .await;
}
