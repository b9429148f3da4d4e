//! The expression undo (`undo_log = false`) of a backfill that joins another table (`from`),
//! on real PostgreSQL, MariaDB and SQLite: `backfill undo` and `down` restore the rows the
//! backfill wrote (key columns qualified, never ambiguous with the joined table's).

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const TABLES: &str = r#"
description = "orders"
[[steps]]
op = "create_table"
table = "customers"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "tier", type = "varchar(10)", nullable = false },
  { name = "region", type = "varchar(10)", nullable = true },
]
[[steps]]
op = "create_table"
table = "orders"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "customer_id", type = "integer", nullable = false },
  { name = "region", type = "varchar(10)", nullable = true },
  { name = "n", type = "integer", nullable = false, default = "0" },
]
"#;

/// Fails at order 30 (NULL into NOT NULL `n`) after the batches through order 28 committed:
/// its undo is limited to the key ranges its checkpoint records as done.
const PARTIAL: &str = r#"
description = "gold regions"
[[steps]]
op = "backfill"
id = "gold_region"
table = "orders"
from = { table = "customers", on = "customers.id = orders.customer_id AND customers.tier = 'gold'" }
set.region = "customers.region"
set.n = "CASE WHEN orders.id = 30 THEN NULL ELSE 1 END"
undo.region = "NULL"
undo.n = "0"
undo_log = false
batch_size = 7
"#;

const FILL: &str = r#"
description = "gold regions"
phase = "backfill"
[[steps]]
op = "backfill"
id = "gold_region"
table = "orders"
from = { table = "customers", on = "customers.id = orders.customer_id AND customers.tier = 'gold'" }
set.region = "customers.region"
undo.region = "NULL"
undo_log = false
batch_size = 7
"#;

/// `where` reads the column it sets (stale after the backfill) while the join does not: the
/// undo keeps the join, which its `undo` expression reads.
const STALE_WHERE: &str = r#"
description = "gold regions"
phase = "backfill"
[[steps]]
op = "backfill"
id = "gold_region"
table = "orders"
where = "orders.region IS NULL"
from = { table = "customers", on = "customers.id = orders.customer_id" }
set.region = "customers.region"
undo.region = "CASE WHEN customers.tier = 'gold' THEN NULL ELSE orders.region END"
undo_where = "orders.n = 0"
undo_log = false
batch_size = 7
"#;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(1),
        retries: 0,
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(7);
    o.backfill.adaptive = false;
    o.backfill.min_batch = 1;
    o
}

/// `region` of every order, by id (`NULL` spelled out).
async fn regions(b: &mut dyn Backend) -> Vec<String> {
    b.query("SELECT region FROM orders ORDER BY id")
        .await
        .expect("rows")
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .next()
                .flatten()
                .unwrap_or_else(|| "NULL".into())
        })
        .collect()
}

async fn seeded(b: &mut dyn Backend, plan: &Plan) -> Vec<String> {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0001").expect("v")))
        .await
        .expect("up 0001");
    b.execute("INSERT INTO customers (id, tier, region) VALUES (1, 'gold', 'eu'), (2, 'basic', 'us'), (3, 'gold', 'ap')")
        .await
        .expect("customers");
    for id in 1..=40 {
        b.execute(&format!(
            "INSERT INTO orders (id, customer_id, region) VALUES ({id}, {}, NULL)",
            id % 3 + 1
        ))
        .await
        .expect("orders");
    }
    let before = regions(b).await;
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("up runs the backfill");
    assert_ne!(regions(b).await, before, "the backfill wrote rows");
    before
}

#[tokio::test]
async fn backfill_undo_and_down_of_a_joined_backfill_restore_its_rows() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES)
            .write("0002_fill.toml", FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let before = seeded(b.as_mut(), &plan).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("gold_region")
            .await
            .expect("backfill undo");
        assert_eq!(regions(b.as_mut()).await, before, "backfill undo");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(DownTarget::Version(Version::parse("0001").expect("v")))
            .await
            .expect("down");
        assert_eq!(regions(b.as_mut()).await, before, "down");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn backfill_undo_of_a_joined_backfill_that_did_not_complete_restores_its_rows() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES)
            .write("0002_fill.toml", PARTIAL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Version(Version::parse("0001").expect("v")))
            .await
            .expect("up 0001");
        b.execute("INSERT INTO customers (id, tier, region) VALUES (1, 'gold', 'eu'), (2, 'basic', 'us'), (3, 'gold', 'ap')")
            .await
            .expect("customers");
        for id in 1..=40 {
            b.execute(&format!(
                "INSERT INTO orders (id, customer_id, region) VALUES ({id}, {}, NULL)",
                id % 3 + 1
            ))
            .await
            .expect("orders");
        }
        let q = "SELECT id, region, n FROM orders ORDER BY id";
        let before = b.query(q).await.expect("rows").rows;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("the backfill fails at order 30");
        assert_ne!(b.query(q).await.expect("rows").rows, before, "batches committed");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("gold_region")
            .await
            .expect("backfill undo");
        assert_eq!(b.query(q).await.expect("rows").rows, before, "backfill undo");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_stale_where_keeps_the_join_its_undo_reads() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES)
            .write("0002_fill.toml", STALE_WHERE);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let before = seeded(b.as_mut(), &plan).await;
        let after = regions(b.as_mut()).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("gold_region")
            .await
            .expect("backfill undo");
        // Gold customers' orders are NULL again; basic customers' keep `us`.
        let expected: Vec<String> = after
            .iter()
            .map(|r| if r == "us" { r.clone() } else { "NULL".into() })
            .collect();
        assert_ne!(
            expected, before,
            "basic customers' orders keep their region"
        );
        assert_eq!(regions(b.as_mut()).await, expected, "backfill undo");
        b.close().await.expect("close");
    })
    .await;
}
