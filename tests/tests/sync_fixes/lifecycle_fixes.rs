//! `backfill run` and the sync trigger's lifecycle: `--restart` after the definition changed
//! reinstalls the trigger from the current `set`; a trigger a later applied migration ended
//! (a contract, a renamed source column) is not put back, and the run does not fail on it.

use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{for_each_backend, snapshot};

use cutover_cli::connect::connect;

const ITEMS: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "price", type = "integer" },
  { name = "qty", type = "integer" },
]
"#;

const EXPAND: &str = r#"
description = "total"
phase = "expand"
[[steps]]
op = "add_column"
table = "items"
column = { name = "total", type = "integer" }
"#;

fn fill(formula: &str) -> String {
    format!(
        r#"
description = "total, kept in sync"
phase = "backfill"
[[steps]]
op = "backfill"
id = "b_total"
table = "items"
where = "price IS NOT NULL AND qty IS NOT NULL"
pending = "total IS NULL"
set.total = "{formula}"
sync = true
"#
    )
}

fn options(restart: bool) -> RunnerOptions {
    let mut o = RunnerOptions::default();
    o.backfill.restart = restart;
    o
}

async fn up_to(b: &mut dyn Backend, plan: &Plan, to: Option<&str>) {
    let target = to.map_or(Target::Latest, |v| {
        Target::Version(Version::parse(v).expect("version"))
    });
    Runner::new(b, plan, options(false), &Silent)
        .up(target)
        .await
        .unwrap_or_else(|e| panic!("up: {e}"));
}

async fn run(b: &mut dyn Backend, plan: &Plan, restart: bool) {
    Runner::new(b, plan, options(restart), &Silent)
        .backfill("b_total")
        .await
        .unwrap_or_else(|e| panic!("backfill run b_total (restart {restart}): {e}"));
}

async fn sync_triggers(b: &mut dyn Backend) -> usize {
    let sql = b.dialect().sync_triggers().list_sync_triggers_sql();
    b.query(&sql).await.expect("list sync triggers").rows.len()
}

#[tokio::test]
async fn restart_reinstalls_the_trigger_with_the_current_definition() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", ITEMS)
            .write("0002_expand.toml", EXPAND)
            .write("0003_fill.toml", &fill("price * qty"));
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, Some("0002")).await;
        b.execute("INSERT INTO items (id, price, qty) VALUES (1, 2, 3)")
            .await
            .expect("insert");
        // Ahead of `up`: installs the trigger and fills row 1.
        run(b.as_mut(), &plan, false).await;
        assert!(sync_triggers(b.as_mut()).await > 0, "installed");

        // The formula is fixed before 0003 is applied; --restart runs it again.
        dir.write("0003_fill.toml", &fill("price * qty * 10"));
        let plan = dir.load();
        run(b.as_mut(), &plan, true).await;
        b.execute("INSERT INTO items (id, price, qty) VALUES (2, 2, 3)")
            .await
            .expect("insert after the restart");
        assert_eq!(
            snapshot::rows(b.as_mut(), "items").await,
            ["1|2|3|6", "2|2|3|60"],
            "the trigger computes the new formula"
        );
        up_to(b.as_mut(), &plan, None).await;
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn backfill_run_leaves_a_trigger_a_later_migration_ended() {
    let contract = r#"
description = "index total (contract)"
phase = "contract"
[[steps]]
op = "create_index"
table = "items"
columns = ["total"]
"#;
    let rename = r#"
description = "rename qty"
phase = "expand"
[[steps]]
op = "rename_column"
table = "items"
column = "qty"
to = "quantity"
"#;
    for (name, later) in [("0004_index.toml", contract), ("0004_rename.toml", rename)] {
        for_each_backend(|db| async move {
            let dir = PlanDir::new();
            dir.write("0001_items.toml", ITEMS)
                .write("0002_expand.toml", EXPAND)
                .write("0003_fill.toml", &fill("price * qty"))
                .write(name, later);
            let plan = dir.load();
            let mut b = connect(db.url()).await.expect("connect");
            up_to(b.as_mut(), &plan, Some("0003")).await;
            assert!(sync_triggers(b.as_mut()).await > 0, "0003 installed it");
            up_to(b.as_mut(), &plan, None).await;
            assert_eq!(sync_triggers(b.as_mut()).await, 0, "{name} ended it");
            // A routine re-run (cron) does not put the trigger back. After the contract it
            // succeeds; after the rename its `where` no longer runs, and it says what to do.
            let result = Runner::new(b.as_mut(), &plan, options(false), &Silent)
                .backfill("b_total")
                .await;
            if name.contains("rename") {
                let msg = result.expect_err("`qty` was renamed").to_string();
                assert!(
                    msg.contains("after migration 0004 (rename), step 1 changed its table")
                        && msg.contains("cutover backfill retire b_total --yes"),
                    "{msg}"
                );
            } else {
                result.expect("backfill run after the contract");
            }
            assert_eq!(
                sync_triggers(b.as_mut()).await,
                0,
                "{name}: not reinstalled"
            );
            b.execute("INSERT INTO items (id, price, total) VALUES (7, 2, 5)")
                .await
                .expect("the new version's insert");
            let rows = snapshot::rows(b.as_mut(), "items").await;
            assert_eq!(rows.len(), 1);
            assert!(
                rows[0].ends_with("|5"),
                "{name}: the new version's value stays: {rows:?}"
            );
            b.close().await.expect("close");
        })
        .await;
    }
}

/// `(status says missing, drift reports it)` for the trigger of `b_total`.
async fn missing(b: &mut dyn Backend, plan: &Plan) -> (bool, bool) {
    let mut r = Runner::new(b, plan, options(false), &Silent);
    let st = r.backfill_status().await.expect("status");
    let drift = r.drift().await.expect("drift");
    let reported = drift
        .differences
        .iter()
        .any(|d| d.detail.contains("sync trigger cutover_sync_b_total"));
    (st[0].sync_missing, reported)
}

/// A sync trigger dropped by hand while its migration is applied: `status` marks it missing,
/// `drift` reports it, `backfill run` installs it again, and both are clean afterwards.
#[tokio::test]
async fn a_sync_trigger_dropped_by_hand_is_reported_and_reinstalled() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_items.toml", ITEMS)
            .write("0002_expand.toml", EXPAND)
            .write("0003_fill.toml", &fill("price * qty"));
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, None).await;
        assert_eq!(
            missing(b.as_mut(), &plan).await,
            (false, false),
            "installed by up"
        );
        let sql = b.dialect().sync_triggers().list_sync_triggers_sql();
        let first = b.query(&sql).await.expect("list").into_first_column()[0].clone();
        let drop = match db.backend() {
            cutover_tests::Backend::Postgres => format!("DROP TRIGGER \"{first}\" ON items"),
            _ => format!("DROP TRIGGER {first}"),
        };
        b.execute(&drop).await.expect("drop the trigger by hand");
        assert_eq!(
            missing(b.as_mut(), &plan).await,
            (true, true),
            "missing is reported"
        );
        run(b.as_mut(), &plan, false).await;
        assert_eq!(
            missing(b.as_mut(), &plan).await,
            (false, false),
            "reinstalled"
        );
        b.execute("INSERT INTO items (id, price, qty) VALUES (9, 2, 3)")
            .await
            .expect("old app insert");
        assert_eq!(snapshot::rows(b.as_mut(), "items").await, ["9|2|3|6"]);
        b.close().await.expect("close");
    })
    .await;
}
