//! A `set` column removed between two runs (`--restart`) is still in the undo log ("held"),
//! and the later run logs it too; so, on PostgreSQL, MariaDB and SQLite (red team rtK F3,
//! F4): a held column renamed by hand refuses the run (rows logged without it would look
//! changed since to undo), a held column whose type changed by hand refuses it too, and
//! once the column is back as it was, the run and the undo are exact.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::undo_log::{exec_all, options};
use cutover_tests::undo_plans::{PAIRS, SHOUT_A_ONLY, SHOUT_BOTH};
use cutover_tests::{Backend as Kind, for_each_backend, snapshot as snap};

/// `pairs.b` made a `varchar(20)` (SQLite: an integer-affinity) column by hand.
fn retype_b(kind: Kind) -> Vec<&'static str> {
    match kind {
        Kind::Postgres => vec!["ALTER TABLE pairs ALTER COLUMN b TYPE varchar(20)"],
        Kind::Mysql => vec!["ALTER TABLE pairs MODIFY b varchar(20)"],
        Kind::Sqlite => vec![
            "CREATE TABLE pairs_new (id bigint PRIMARY KEY NOT NULL, a text, b integer)",
            "INSERT INTO pairs_new SELECT id, a, b FROM pairs",
            "DROP TABLE pairs",
            "ALTER TABLE pairs_new RENAME TO pairs",
        ],
    }
}

/// `cutover backfill shout --restart --force` with the plan as it is now.
async fn rerun(b: &mut dyn Backend, plan: &Plan) -> Result<(), String> {
    let mut again = options();
    again.backfill.restart = true;
    again.backfill.force = true;
    Runner::new(b, plan, again, &Silent)
        .backfill("shout")
        .await
        .map(drop)
        .map_err(|e| format!("{e:#}"))
}

#[tokio::test]
async fn a_held_column_renamed_or_retyped_by_hand_refuses_the_run() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_pairs.toml", PAIRS);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("0001");
        exec_all(
            b.as_mut(),
            ["INSERT INTO pairs (id, a, b) VALUES (1, 'a1', 'b1'), (2, 'a2', 'b2')"],
        )
        .await;
        let before = snap::rows(b.as_mut(), "pairs").await;
        dir.write("0002_shout.toml", SHOUT_BOTH);
        let plan = dir.load();
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("first run");
        dir.write("0002_shout.toml", SHOUT_A_ONLY);
        let plan = dir.load();
        exec_all(
            b.as_mut(),
            ["INSERT INTO pairs (id, a, b) VALUES (3, 'a3', 'b3')"],
        )
        .await;
        let mut before = before;
        before.push(snap::rows(b.as_mut(), "pairs").await[2].clone());

        exec_all(b.as_mut(), ["ALTER TABLE pairs RENAME COLUMN b TO b2"]).await;
        let e = rerun(b.as_mut(), &plan).await.expect_err("`b` is gone");
        assert!(e.contains("no longer has `b`"), "{e}");
        assert!(e.contains("cutover backfill undo shout --yes"), "{e}");
        exec_all(b.as_mut(), ["ALTER TABLE pairs RENAME COLUMN b2 TO b"]).await;

        let unretyped = snap::rows(b.as_mut(), "pairs").await;
        exec_all(b.as_mut(), retype_b(db.backend())).await;
        let e = rerun(b.as_mut(), &plan)
            .await
            .expect_err("`b` changed type");
        assert!(e.contains("changed column types"), "{e}");
        assert!(e.contains("o_b"), "{e}");
        assert_eq!(
            snap::rows(b.as_mut(), "pairs").await,
            unretyped,
            "nothing written"
        );

        // The undo is exact all the same, also of row 3, which no run logged.
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("shout")
            .await
            .expect("undo");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (2, 0),
            "{report:?}"
        );
        assert_eq!(snap::rows(b.as_mut(), "pairs").await, before);
        b.close().await.expect("close");
    })
    .await;
}
