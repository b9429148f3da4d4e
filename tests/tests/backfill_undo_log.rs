//! Exact undo from the undo log, on real PostgreSQL, MariaDB and SQLite: rows nobody changed
//! since the backfill get exactly their old values back (NULL, empty text, trailing spaces,
//! decimals, JSON, microseconds, bytes, UUIDs), rows changed since are left alone and
//! reported by key, `--force` re-runs keep the oldest old value, insert-select undo deletes
//! the rows still as inserted, and `undo_log = false` falls back to the `undo` expressions.

use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::undo_log::{
    FILL, FILL_REPEATABLE, ROWS, exec_all, options, row, seeded, snapshot, undo, up,
};
use cutover_tests::{for_each_backend, snapshot as snap};

/// How many rows the undo log of backfill `id` holds (packed batches included).
async fn log_rows(b: &mut dyn Backend, id: &str) -> i64 {
    let table = cutover_core::backfill::BackfillScope::default_history().undo_log_table(id);
    cutover_tests::undo_capture::logged_rows(b, &table).await
}

async fn users_change_some_rows(b: &mut dyn Backend) {
    exec_all(
        b,
        [
            // A column the backfill wrote.
            "UPDATE items SET label = 'user' WHERE id = 3",
            // Only a column the backfill did not write: still undone.
            "UPDATE items SET other = 'changed' WHERE id = 4",
            "DELETE FROM items WHERE id = 10",
            // A written column set to NULL.
            "UPDATE items SET amount = NULL WHERE id = 11",
        ],
    )
    .await;
}

#[tokio::test]
async fn undo_restores_exactly_the_rows_nobody_changed_since() {
    restores_exactly(FILL).await;
}

/// Repeatable expressions (MySQL logs them ahead of the UPDATE, with its clock pinned).
#[tokio::test]
async fn undo_of_a_batch_logged_ahead_restores_exactly_the_rows_nobody_changed_since() {
    restores_exactly(FILL_REPEATABLE).await;
}

async fn restores_exactly(fill: &'static str) {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, fill).await;
        let before = snapshot(b.as_mut()).await;
        up(b.as_mut(), &plan).await;
        let filled = snapshot(b.as_mut()).await;
        for id in 1..=ROWS {
            assert_ne!(
                row(&filled, id),
                row(&before, id),
                "row {id} was backfilled"
            );
        }
        assert_eq!(
            log_rows(b.as_mut(), "items_fill").await,
            ROWS,
            "one log row per changed row"
        );
        users_change_some_rows(b.as_mut()).await;
        let changed = snapshot(b.as_mut()).await;

        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(report.method, "log");
        assert_eq!(report.rows_restored, ROWS as u64 - 3);
        // Row 10 was deleted: reported too.
        assert_eq!(report.rows_left_alone, 3, "{report:?}");
        let keys: Vec<Vec<String>> = vec![vec!["3".into()], vec!["10".into()], vec!["11".into()]];
        assert_eq!(report.left_alone_keys, keys);

        let after = snapshot(b.as_mut()).await;
        assert_eq!(after.len(), ROWS as usize - 1);
        for id in (1..=ROWS).filter(|i| ![3, 4, 10, 11].contains(i)) {
            assert_eq!(
                row(&after, id),
                row(&before, id),
                "row {id} is exactly as before"
            );
        }
        let mut four = row(&before, 4);
        four[8] = Some("changed".into());
        assert_eq!(
            row(&after, 4),
            four,
            "row 4: old values back, the user's `other` kept"
        );
        assert_eq!(row(&after, 3), row(&changed, 3), "row 3 left alone");
        assert_eq!(row(&after, 11), row(&changed, 11), "row 11 left alone");
        assert_eq!(
            log_rows(b.as_mut(), "items_fill").await,
            0,
            "the log is empty after the undo"
        );

        // A second undo finds an empty log: nothing is overwritten.
        let again = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo again");
        assert_eq!((again.method.as_str(), again.rows_restored), ("log", 0));
        assert_eq!(snapshot(b.as_mut()).await, after);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn undo_after_a_forced_rerun_restores_the_values_from_before_the_first_run() {
    forced_rerun(FILL).await;
}

/// The upsert of a batch logged ahead keeps the oldest old value too (of rows nobody
/// changed between the runs).
#[tokio::test]
async fn undo_after_a_forced_rerun_logged_ahead_restores_the_values_from_before_the_first_run() {
    forced_rerun(FILL_REPEATABLE).await;
}

async fn forced_rerun(fill: &'static str) {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, fill).await;
        let before = snapshot(b.as_mut()).await;
        up(b.as_mut(), &plan).await;
        // Between the runs a user changes row 5: the forced run overwrites it again.
        b.execute("UPDATE items SET label = 'between' WHERE id = 5")
            .await
            .expect("user");
        let between = snapshot(b.as_mut()).await;
        let mut force = options();
        force.backfill.force = true;
        Runner::new(b.as_mut(), &plan, force, &Silent)
            .backfill("items_fill")
            .await
            .expect("forced re-run");
        let forced = snapshot(b.as_mut()).await;
        assert_eq!(row(&forced, 5)[1].as_deref(), Some("between!"));
        // After the forced run a user changes row 6.
        b.execute("UPDATE items SET uid = NULL WHERE id = 6")
            .await
            .expect("user");

        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(report.rows_left_alone, 1, "{report:?}");
        assert_eq!(report.left_alone_keys, vec![vec!["6".to_string()]]);
        let after = snapshot(b.as_mut()).await;
        for id in (1..=ROWS).filter(|i| *i != 5 && *i != 6) {
            assert_eq!(
                row(&after, id),
                row(&before, id),
                "row {id}: the oldest old value (before the first run)"
            );
        }
        // Row 5 gets the user's label back, which the forced run overwrote (red team rtL:
        // the value from before the first run undid it silently), and its other columns
        // as before the first run (decided column by column).
        let mut expected = row(&before, 5);
        expected[1] = row(&between, 5)[1].clone();
        assert_eq!(expected[1].as_deref(), Some("between"));
        assert_eq!(row(&after, 5), expected, "row 5: the user's label");
        b.close().await.expect("close");
    })
    .await;
}

const COPIES: &str = r#"
description = "copies of items"
[[steps]]
op = "create_table"
table = "item_copies"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "label", type = "varchar(40)" },
  { name = "amount", type = "decimal(12,4)" },
]
[[steps]]
op = "backfill"
id = "copy_items"
table = "items"
insert_into = "item_copies"
values.id = "items.id"
values.label = "items.label"
values.amount = "items.amount"
"#;

#[tokio::test]
async fn insert_select_undo_deletes_the_rows_still_as_inserted() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, COPIES).await;
        up(b.as_mut(), &plan).await;
        let count = "SELECT COUNT(*) FROM item_copies";
        assert_eq!(snap::count(b.as_mut(), count).await, ROWS);
        exec_all(
            b.as_mut(),
            [
                "UPDATE item_copies SET label = 'mine' WHERE id = 2",
                "DELETE FROM item_copies WHERE id = 3",
                "INSERT INTO item_copies (id, label) VALUES (1000, 'added by a user')",
            ],
        )
        .await;
        let report = undo(b.as_mut(), &plan, "copy_items").await;
        assert_eq!(report.method, "log");
        assert_eq!(report.rows_restored, ROWS as u64 - 2, "{report:?}");
        assert_eq!(report.left_alone_keys, vec![vec!["2".to_string()]]);
        let left: Vec<Vec<Option<String>>> = b
            .query("SELECT id, label FROM item_copies ORDER BY id")
            .await
            .expect("rows")
            .rows;
        assert_eq!(
            left,
            vec![
                vec![Some("2".into()), Some("mine".into())],
                vec![Some("1000".into()), Some("added by a user".into())],
            ]
        );
        b.close().await.expect("close");
    })
    .await;
}

const NO_LOG: &str = r#"
description = "fill labels without an undo log"
[[steps]]
op = "backfill"
id = "items_fill"
table = "items"
undo_log = false
pending = "label IS NULL"
set.label = "'filled'"
undo.label = "NULL"
undo_where = "label = 'filled'"
"#;

#[tokio::test]
async fn without_a_log_undo_applies_the_expressions_and_says_so() {
    for_each_backend(|db| async move {
        let (_dir, plan, mut b) = seeded(&db, NO_LOG).await;
        up(b.as_mut(), &plan).await;
        let table =
            cutover_core::backfill::BackfillScope::default_history().undo_log_table("items_fill");
        assert!(
            !b.table_exists(&table).await.expect("tables"),
            "no log table"
        );
        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(report.method, "expressions");
        assert_eq!(report.rows_restored, 8);
        assert!(
            report
                .note
                .as_deref()
                .is_some_and(|n| n.contains("no undo log")),
            "{report:?}"
        );
        assert_eq!(
            snap::count(b.as_mut(), "SELECT COUNT(*) FROM items WHERE label IS NULL").await,
            8
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn reverting_the_migration_or_retiring_the_backfill_drops_its_undo_log() {
    for_each_backend(|db| async move {
        let fill =
            format!("{FILL}\n[[down]]\nop = \"sql\"\nsql = \"UPDATE items SET other = NULL\"\n");
        let (_dir, plan, mut b) = seeded(&db, &fill).await;
        up(b.as_mut(), &plan).await;
        let table =
            cutover_core::backfill::BackfillScope::default_history().undo_log_table("items_fill");
        assert!(
            b.table_exists(&table).await.expect("tables"),
            "the log exists"
        );
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .down(cutover_core::runner::DownTarget::Steps(1))
            .await
            .expect("down 1");
        assert!(
            !b.table_exists(&table).await.expect("tables"),
            "the log is gone"
        );

        // Applied again, then retired: the log goes too.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up again");
        assert!(b.table_exists(&table).await.expect("tables"), "a new log");
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .retire_backfill("items_fill", Some("done with it"))
            .await
            .expect("retire");
        assert!(
            !b.table_exists(&table).await.expect("tables"),
            "retired: the log is gone"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_log_written_for_another_definition_is_refused_with_what_to_do() {
    for_each_backend(|db| async move {
        let (dir, plan, mut b) = seeded(&db, FILL).await;
        up(b.as_mut(), &plan).await;
        let filled = snapshot(b.as_mut()).await;
        // The definition now writes another column; --restart walks the table again.
        dir.write("0002_fill.toml", &format!("{FILL}set.other = \"'x'\"\n"));
        let changed = dir.load();
        let mut restart = options();
        restart.backfill.restart = true;
        let err = Runner::new(b.as_mut(), &changed, restart, &Silent)
            .backfill("items_fill")
            .await
            .expect_err("the log has no column for `other`");
        let text = format!("{err:#}");
        assert!(
            text.contains("written for another definition")
                && text.contains("cutover backfill undo"),
            "{text}"
        );
        assert_eq!(snapshot(b.as_mut()).await, filled, "nothing written");
        b.close().await.expect("close");
    })
    .await;
}
