//! The expression undo of a backfill without an undo log (`undo_log = false`) writes only the
//! rows the backfill's `where` selects, on real PostgreSQL, MariaDB and SQLite: `down`,
//! `backfill undo` and the partial form (limited to checkpointed key ranges) leave rows outside
//! `where` as they were, NULL included. A `where` that reads a column the backfill sets is
//! refused without `undo_where`, and nothing is written.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const TABLE: &str = r#"
description = "t"
[[steps]]
op = "create_table"
table = "t"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "kind", type = "varchar(10)", nullable = false },
  { name = "flag", type = "integer", nullable = true },
]
"#;

const FLAG_A: &str = r#"
description = "flag a"
phase = "backfill"
[[steps]]
op = "backfill"
id = "flag_a"
table = "t"
where = "kind = 'a'"
set.flag = "1"
undo.flag = "0"
undo_log = false
"#;

/// `where` reads the column it sets: after the backfill it selects nothing it changed.
const STALE_WHERE: &str = r#"
description = "flag null"
phase = "backfill"
[[steps]]
op = "backfill"
id = "flag_null"
table = "t"
where = "flag IS NULL"
set.flag = "1"
undo.flag = "NULL"
undo_log = false
"#;

/// A table whose `v` cannot be NULL, so that the backfill below fails part-way.
const TABLE_V: &str = r#"
description = "tv"
[[steps]]
op = "create_table"
table = "tv"
columns = [
  { name = "id", type = "integer", primary_key = true },
  { name = "kind", type = "varchar(10)", nullable = false },
  { name = "v", type = "integer", nullable = false },
]
"#;

/// Fails at id 9 (kind 'a', NULL into NOT NULL) after the batches up to id 7 committed.
const PARTIAL: &str = r#"
description = "bump a"
[[steps]]
op = "backfill"
id = "bump_a"
table = "tv"
where = "kind = 'a'"
set.v = "CASE WHEN id = 9 THEN NULL ELSE v + 1 END"
undo.v = "v - 1"
undo_log = false
batch_size = 2
"#;

fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: Duration::from_millis(1),
        retries: 0,
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(2);
    o.backfill.adaptive = false;
    o.backfill.min_batch = 1;
    o
}

/// `id|kind|flag` of every row of `t`, by id (`NULL` spelled out).
async fn rows(b: &mut dyn Backend) -> Vec<String> {
    table_rows(b, "SELECT id, kind, flag FROM t ORDER BY id").await
}

/// The rows `q` returns, columns joined with `|` (`NULL` spelled out).
async fn table_rows(b: &mut dyn Backend, q: &str) -> Vec<String> {
    b.query(q)
        .await
        .expect("rows")
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

const SEED: &str = "INSERT INTO t (id, kind, flag) VALUES (1, 'a', 0), (2, 'b', 5), (3, 'b', NULL), (4, 'a', 7), (5, 'c', -2)";
const UNDONE: [&str; 5] = ["1|a|0", "2|b|5", "3|b|NULL", "4|a|0", "5|c|-2"];

async fn seeded(b: &mut dyn Backend, plan: &Plan) {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Version(Version::parse("0001").expect("v")))
        .await
        .expect("up 0001");
    b.execute(SEED).await.expect("seed");
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("up");
}

async fn down(b: &mut dyn Backend, plan: &Plan) -> cutover_core::error::Result<()> {
    Runner::new(b, plan, options(), &Silent)
        .down(DownTarget::Version(Version::parse("0001").expect("v")))
        .await
        .map(|_| ())
}

#[tokio::test]
async fn down_undoes_only_the_rows_the_backfill_where_selects() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t.toml", TABLE)
            .write("0002_flag.toml", FLAG_A);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seeded(b.as_mut(), &plan).await;
        let done = ["1|a|1", "2|b|5", "3|b|NULL", "4|a|1", "5|c|-2"];
        assert_eq!(rows(b.as_mut()).await, done, "backfill");
        down(b.as_mut(), &plan).await.expect("down");
        assert_eq!(rows(b.as_mut()).await, UNDONE, "down");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn backfill_undo_undoes_and_counts_only_the_rows_the_backfill_where_selects() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t.toml", TABLE)
            .write("0002_flag.toml", FLAG_A);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seeded(b.as_mut(), &plan).await;
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("flag_a")
            .await
            .expect("undo");
        assert_eq!(report.rows_restored, 2, "rows 1 and 4 only");
        assert_eq!(rows(b.as_mut()).await, UNDONE, "backfill undo");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn partial_undo_stays_within_where_inside_checkpointed_ranges() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_tv.toml", TABLE_V)
            .write("0002_bump.toml", PARTIAL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Version(Version::parse("0001").expect("v")))
            .await
            .expect("up 0001");
        // Odd ids are kind 'a'; even ids, kind 'b' with distinct values.
        for id in 1..=12 {
            let (kind, v) = if id % 2 == 1 {
                ("a", id)
            } else {
                ("b", 100 + id)
            };
            b.execute(&format!(
                "INSERT INTO tv (id, kind, v) VALUES ({id}, '{kind}', {v})"
            ))
            .await
            .expect("insert");
        }
        let q = "SELECT id, kind, v FROM tv ORDER BY id";
        let before = table_rows(b.as_mut(), q).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("the backfill fails at id 9");
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("bump_a")
            .await
            .expect("undo");
        assert_eq!(table_rows(b.as_mut(), q).await, before, "backfill undo");
        assert_eq!(report.rows_restored, 4, "ids 1, 3, 5 and 7");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_where_reading_a_set_column_is_refused_without_undo_where() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t.toml", TABLE)
            .write("0002_flag.toml", STALE_WHERE);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        seeded(b.as_mut(), &plan).await;
        let done = ["1|a|0", "2|b|5", "3|b|1", "4|a|7", "5|c|-2"];
        assert_eq!(rows(b.as_mut()).await, done, "backfill");
        let e = down(b.as_mut(), &plan).await.expect_err("down refused");
        let msg = e.to_string();
        assert!(
            msg.contains("flag_null") && msg.contains("undo_where") && msg.contains("`flag`"),
            "{msg}"
        );
        let e = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("flag_null")
            .await
            .expect_err("undo refused");
        assert!(e.to_string().contains("undo_where"), "{e}");
        assert_eq!(rows(b.as_mut()).await, done, "nothing written");
        b.close().await.expect("close");
    })
    .await;
}
