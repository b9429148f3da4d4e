//! `down` of a migration whose up stopped part way does not depend on the migrations after
//! it, which never ran (red-team rtB #4), and a partly run backfill of it is undone exactly
//! from its undo log, on PostgreSQL, MariaDB and SQLite.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::runs::{columns, down_one, options, rows, tables, up};

const BASE: &str = r#"
description = "base"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "bigint" }]
"#;

/// Step 3 fails while `base` has a row with id 1 (a duplicate key).
const PARTS: &str = r#"
description = "a table, a column, a seed that fails"
transaction = false
[[steps]]
op = "create_table"
table = "one"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "add_column"
table = "base"
column = { name = "note", type = "varchar(20)" }
[[steps]]
op = "sql"
sql = "INSERT INTO base (id, note) VALUES (1, 'seed')"
down = "DELETE FROM base WHERE note = 'seed'"
"#;

/// Pending after the failed one: a raw step without `down`, which cannot be reversed.
const LATER: &str = r#"
description = "irreversible, never ran"
[[steps]]
op = "sql"
sql = "UPDATE base SET v = 0"
"#;

/// A backfill that writes `v` and a new uniquely indexed `code`, and stops at the row with
/// id 3000 (its code 1 is taken by row 1) after its first batches committed.
const FILL: &str = r#"
description = "a coded column, filled part way"
transaction = false
[[steps]]
op = "add_column"
table = "base"
column = { name = "code", type = "bigint" }
[[steps]]
op = "create_index"
table = "base"
columns = ["code"]
unique = true
[[steps]]
op = "backfill"
id = "base_code"
table = "base"
pending = "code IS NULL"
set.code = "CASE WHEN id = 3000 THEN 1 ELSE id END"
set.v = "v + 1"
undo.v = "v - 1"
undo_where = "code IS NOT NULL"
batch_size = 500
"#;

const ROWS: u64 = 3000;

#[tokio::test]
async fn a_later_pending_migration_that_cannot_be_reversed_does_not_block_the_down() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        b.execute("INSERT INTO base (id, v) VALUES (1, 5)")
            .await
            .expect("row");
        dir.write("0002_parts.toml", PARTS);
        dir.write("0003_later.toml", LATER);
        let e = up(b.as_mut(), &dir).await.expect_err("duplicate key");
        assert!(e.contains("step 3"), "{e}");
        assert_eq!(tables(b.as_mut()).await, ["base", "one"]);

        down_one(b.as_mut(), &dir)
            .await
            .expect("0003 never ran: only 0002's steps 1-2 are reverted");
        assert_eq!(tables(b.as_mut()).await, ["base"]);
        assert_eq!(columns(b.as_mut(), "base").await, ["id", "v"]);
        assert_eq!(
            rows(b.as_mut(), "SELECT version FROM cutover_history").await,
            ["0001"]
        );
        assert_eq!(rows(b.as_mut(), "SELECT id, v FROM base").await, ["1|5"]);
        let _ = b.close().await;
    })
    .await;
}

#[tokio::test]
async fn down_of_a_migration_whose_backfill_stopped_part_way_restores_the_rows_it_wrote() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        let values: Vec<String> = (1..=ROWS).map(|i| format!("({i}, {})", i * 10)).collect();
        b.execute(&format!(
            "INSERT INTO base (id, v) VALUES {}",
            values.join(", ")
        ))
        .await
        .expect("rows");
        dir.write("0002_fill.toml", FILL);
        dir.write("0003_later.toml", LATER);
        let e = up(b.as_mut(), &dir).await.expect_err("duplicate code");
        assert!(e.contains("base_code"), "{e}");
        let written = rows(
            b.as_mut(),
            "SELECT count(*) FROM base WHERE code IS NOT NULL",
        )
        .await;
        assert_ne!(written, ["0"], "the first batches committed: {e}");

        let r = down_one(b.as_mut(), &dir).await;
        eprintln!("down: {r:?}");
        r.expect("down reverts the backfill's rows and the steps that ran");
        assert_eq!(columns(b.as_mut(), "base").await, ["id", "v"]);
        assert_eq!(
            rows(b.as_mut(), "SELECT version FROM cutover_history").await,
            ["0001"]
        );
        assert_eq!(
            rows(b.as_mut(), "SELECT count(*) FROM base WHERE v <> id * 10").await,
            ["0"],
            "every row the backfill wrote has its value back"
        );
        let _ = b.close().await;
    })
    .await;
}

/// Without `undo` expressions the down cannot restore the rows the stopped backfill wrote:
/// `down` refuses before anything runs and names `cutover backfill undo`; after that undo
/// (from the undo log) `down` reverts the rest.
#[tokio::test]
async fn a_stopped_backfill_without_undo_points_at_backfill_undo_then_down_finishes() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        let mut b = connect(db.url()).await.expect("connect");
        up(b.as_mut(), &dir).await.expect("0001");
        let values: Vec<String> = (1..=ROWS).map(|i| format!("({i}, {})", i * 10)).collect();
        b.execute(&format!(
            "INSERT INTO base (id, v) VALUES {}",
            values.join(", ")
        ))
        .await
        .expect("rows");
        let fill = FILL.replace(
            "undo.v = \"v - 1\"\nundo_where = \"code IS NOT NULL\"\n",
            "",
        );
        assert!(!fill.contains("undo"), "{fill}");
        dir.write("0002_fill.toml", &fill);
        up(b.as_mut(), &dir).await.expect_err("duplicate code");
        let changed = rows(b.as_mut(), "SELECT count(*) FROM base WHERE v <> id * 10").await;
        assert_ne!(changed, ["0"], "the first batches committed");

        let e = down_one(b.as_mut(), &dir)
            .await
            .expect_err("no undo expressions");
        assert!(e.contains("cutover backfill undo base_code --yes"), "{e}");
        assert!(
            !e.contains("[[down]]"),
            "one remedy, the one that works: {e}"
        );
        assert_eq!(
            rows(b.as_mut(), "SELECT count(*) FROM base WHERE v <> id * 10").await,
            changed,
            "nothing ran"
        );
        assert_eq!(columns(b.as_mut(), "base").await, ["id", "v", "code"]);

        Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
            .undo_backfill("base_code")
            .await
            .expect("backfill undo restores from the undo log");
        down_one(b.as_mut(), &dir)
            .await
            .expect("down after the undo");
        assert_eq!(columns(b.as_mut(), "base").await, ["id", "v"]);
        assert_eq!(
            rows(b.as_mut(), "SELECT count(*) FROM base WHERE v <> id * 10").await,
            ["0"]
        );
        assert_eq!(
            rows(b.as_mut(), "SELECT version FROM cutover_history").await,
            ["0001"]
        );
        let _ = b.close().await;
    })
    .await;
}
