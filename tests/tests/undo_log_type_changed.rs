//! A written column's type changed by hand after its undo log was created (red team rtJ
//! F2; a change made by a later migration of the plan retires the backfill instead), on
//! PostgreSQL, MariaDB and SQLite: a run would convert every value it logs into the log's
//! old type, so "exact" undo would restore converted values. A log holding rows is refused
//! with advice (and undo still works); an empty one is made again with the new type.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::BackfillScope;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_capture::logged_rows;
use cutover_tests::undo_log::{exec_all, options};
use cutover_tests::{Backend as Kind, for_each_backend, snapshot as snap};

const TABLE: &str = r#"
description = "prices"
[[steps]]
op = "create_table"
table = "prices"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "amount", type = "decimal(12,2)" },
]
"#;

const DOUBLE_IT: &str = r#"
description = "double the prices"
[[steps]]
op = "backfill"
id = "double_it"
table = "prices"
set.amount = "amount * 2"
"#;

/// `prices.amount` made a double precision float by hand, as a DBA would.
fn to_double(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Postgres => vec!["ALTER TABLE prices ALTER COLUMN amount TYPE double precision"],
        Kind::Mysql => vec!["ALTER TABLE prices MODIFY amount double"],
        Kind::Sqlite => vec![
            "CREATE TABLE prices_new (id bigint PRIMARY KEY NOT NULL, amount double)",
            "INSERT INTO prices_new SELECT id, CAST(amount AS REAL) FROM prices",
            "DROP TABLE prices",
            "ALTER TABLE prices_new RENAME TO prices",
        ],
    }
}

fn plan() -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_prices.toml", TABLE)
        .write("0002_double_it.toml", DOUBLE_IT);
    dir
}

async fn up_to(b: &mut dyn Backend, plan: &Plan, version: &str) {
    let target = Target::Version(Version::parse(version).expect("version"));
    Runner::new(b, plan, options(), &Silent)
        .up(target)
        .await
        .unwrap_or_else(|e| panic!("up to {version}: {e}"));
}

/// `cutover backfill double_it --restart --force`.
async fn rerun(b: &mut dyn Backend, plan: &Plan) -> cutover_core::Result<()> {
    let mut again = options();
    again.backfill.restart = true;
    again.backfill.force = true;
    Runner::new(b, plan, again, &Silent)
        .backfill("double_it")
        .await
        .map(|_| ())
}

/// The table with `values` (an `INSERT` list), backfilled, then its `amount` made a double
/// by hand: the plan, the connection and the rows before the backfill.
async fn logged_then_retyped(
    url: &str,
    kind: Kind,
    values: &str,
) -> (PlanDir, Plan, Box<dyn Backend>, Vec<String>) {
    let dir = plan();
    let plan = dir.load();
    let mut b = connect(url).await.expect("connect");
    up_to(b.as_mut(), &plan, "0001").await;
    exec_all(
        b.as_mut(),
        [format!("INSERT INTO prices (id, amount) VALUES {values}")],
    )
    .await;
    let before = snap::rows(b.as_mut(), "prices").await;
    up_to(b.as_mut(), &plan, "0002").await;
    exec_all(b.as_mut(), to_double(kind)).await;
    (dir, plan, b, before)
}

/// `cutover backfill undo double_it`: (rows restored, rows left alone).
async fn undo_counts(b: &mut dyn Backend, plan: &Plan) -> (u64, u64) {
    let report = Runner::new(b, plan, options(), &Silent)
        .undo_backfill("double_it")
        .await
        .expect("undo");
    (report.rows_restored, report.rows_left_alone)
}

#[tokio::test]
async fn a_log_with_rows_is_refused_after_a_type_change_and_undo_still_restores() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b, before) =
            logged_then_retyped(db.url(), db.backend(), "(1, 1.13), (2, 2.21), (3, 3.07)").await;
        // A user writes a value the old type cannot hold.
        exec_all(
            b.as_mut(),
            ["UPDATE prices SET amount = 9.125 WHERE id = 2"],
        )
        .await;
        let changed = snap::rows(b.as_mut(), "prices").await;

        let err = rerun(b.as_mut(), &plan)
            .await
            .expect_err("a run into a log of the old type is refused");
        let msg = err.to_string();
        assert!(
            msg.contains("changed column types since the undo log"),
            "{msg}"
        );
        assert!(msg.contains("o_amount"), "{msg}");
        assert!(msg.contains("cutover backfill undo"), "{msg}");
        assert_eq!(
            snap::rows(b.as_mut(), "prices").await,
            changed,
            "the refused run wrote nothing"
        );

        // Undo is not blocked: rows 1 and 3 come back, row 2 (changed since) is left alone.
        assert_eq!(undo_counts(b.as_mut(), &plan).await, (2, 1));
        let after = snap::rows(b.as_mut(), "prices").await;
        assert_eq!((&after[0], &after[2]), (&before[0], &before[2]));
        assert_eq!(after[1], changed[1]);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn an_empty_log_is_made_again_with_the_new_type() {
    for_each_backend(|db| async move {
        let dir = plan();
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        // The backfill runs on an empty table: its log exists and holds nothing.
        up_to(b.as_mut(), &plan, "0002").await;
        exec_all(b.as_mut(), to_double(db.backend())).await;
        exec_all(
            b.as_mut(),
            ["INSERT INTO prices (id, amount) VALUES (1, 1.125), (2, 0.1), (3, 1e-7)"],
        )
        .await;
        let before = snap::rows(b.as_mut(), "prices").await;
        rerun(b.as_mut(), &plan).await.expect("run into a new log");
        let log = BackfillScope::default_history().undo_log_table("double_it");
        assert_eq!(logged_rows(b.as_mut(), &log).await, 3);
        assert_eq!(undo_counts(b.as_mut(), &plan).await, (3, 0));
        assert_eq!(snap::rows(b.as_mut(), "prices").await, before);
        b.close().await.expect("close");
    })
    .await;
}

/// Red team rtK F5: a finished backfill with nothing pending is "already done" after a type
/// change: no batch would write into its log, so nothing is refused.
#[tokio::test]
async fn a_finished_backfill_is_not_refused_for_a_type_change() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b, _) = logged_then_retyped(db.url(), db.backend(), "(1, 1.13)").await;
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("double_it")
            .await
            .expect("already done");
        assert_eq!(report.report.outcome, "already done", "{report:?}");
        b.close().await.expect("close");
    })
    .await;
}
