//! PostgreSQL logs a backfill's batches by itself (a statement trigger with transition
//! tables, one packed row per batch): the trigger is there only while a run's batches run,
//! the log is unpacked before an undo (also after an undo killed while unpacking), a batch
//! whose trigger was dropped under it fails instead of committing unlogged, and the undo is
//! exact in every case.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::BackfillScope;
use cutover_core::runner::{Runner, Silent, Target};
use cutover_tests::crash::{CrashAt, Crashing};
use cutover_tests::undo_log::{FILL, ROWS, options, plan_dir, row, seed, snapshot};
use cutover_tests::{Backend as Kind, TestDb, backends, snapshot as snap};

fn log_table() -> String {
    BackfillScope::default_history().undo_log_table("items_fill")
}

/// Triggers on `items` whose name starts with `cutover_undo_`.
async fn capture_triggers(b: &mut dyn Backend) -> i64 {
    snap::count(
        b,
        "SELECT COUNT(*) FROM pg_trigger WHERE tgrelid = 'items'::regclass AND tgname LIKE 'cutover\\_undo\\_%'",
    )
    .await
}

/// (rows in the per-row log, packed batches, rows in them).
async fn log_state(b: &mut dyn Backend) -> (i64, i64, i64) {
    let log = log_table();
    let own = snap::count(b, &format!("SELECT COUNT(*) FROM \"{log}\"")).await;
    let batches = snap::count(b, &format!("SELECT COUNT(*) FROM \"{log}_b\"")).await;
    let packed = snap::count(
        b,
        &format!("SELECT coalesce(sum(cardinality(rows)), 0) FROM \"{log}_b\""),
    )
    .await;
    (own, batches, packed)
}

/// Runs `scenario` with the URL of a fresh PostgreSQL database; skipped only when
/// CUTOVER_TEST_BACKENDS explicitly leaves PostgreSQL out (a listed but unreachable server
/// fails in `backends()`).
async fn on_postgres<F, Fut>(scenario: F)
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    scenario(db.url().to_string()).await;
    db.drop_db().await;
}

#[tokio::test]
async fn batches_are_logged_packed_by_a_trigger_that_exists_only_while_they_run() {
    on_postgres(|url| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(&url).await.expect("connect");
        seed(b.as_mut(), &plan, Kind::Postgres).await;
        let before = snapshot(b.as_mut()).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up runs the backfill");
        assert_eq!(
            capture_triggers(b.as_mut()).await,
            0,
            "removed after the run"
        );
        let (own, batches, packed) = log_state(b.as_mut()).await;
        // One packed row per batch (the batches start at 7 rows), nothing per row yet.
        assert_eq!((own, packed), (0, ROWS));
        assert!(batches >= 3, "{batches} batches");

        // An application write after the run is not logged (no trigger, nothing packed).
        b.execute("UPDATE items SET other = 'app' WHERE id = 5")
            .await
            .expect("app write");
        b.execute("UPDATE items SET label = 'user' WHERE id = 6")
            .await
            .expect("app write");
        assert_eq!(log_state(b.as_mut()).await, (0, batches, ROWS));

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64 - 1, 1)
        );
        assert_eq!(report.left_alone_keys, vec![vec!["6".to_string()]]);
        let after = snapshot(b.as_mut()).await;
        for id in (1..=ROWS).filter(|id| ![5, 6].contains(id)) {
            assert_eq!(row(&after, id), row(&before, id), "row {id} restored");
        }
        let mut five = row(&before, 5);
        five[8] = Some("app".into());
        assert_eq!(row(&after, 5), five, "row 5: old values, the app's `other`");
        assert_eq!(
            log_state(b.as_mut()).await,
            (0, 0, 0),
            "unpacked and undone"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn an_undo_killed_while_unpacking_the_log_resumes_exactly() {
    on_postgres(|url| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(&url).await.expect("connect");
        seed(b.as_mut(), &plan, Kind::Postgres).await;
        let before = snapshot(b.as_mut()).await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        // A forced re-run logs every row a second time: unpacking keeps the oldest values.
        let mut forced = options();
        forced.backfill.force = true;
        Runner::new(b.as_mut(), &plan, forced, &Silent)
            .backfill("items_fill")
            .await
            .expect("forced re-run");
        let (_, batches, packed) = log_state(b.as_mut()).await;
        assert_eq!(packed, 2 * ROWS);
        let first = snap::count(
            b.as_mut(),
            &format!(
                "SELECT cardinality(rows) FROM \"{}_b\" ORDER BY seq LIMIT 1",
                log_table()
            ),
        )
        .await;

        // Killed right after the first unpacking step committed.
        let inner = connect(&url).await.expect("connect");
        let mut crashing = Crashing::new(inner, CrashAt::AfterCommitFollowing("unnest(".into()));
        Runner::new(&mut crashing, &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect_err("killed");
        assert!(crashing.fired(), "crashed while unpacking");
        let _ = Box::new(crashing).close().await;
        assert_eq!(
            log_state(b.as_mut()).await,
            (first, batches - 1, 2 * ROWS - first),
            "the oldest batch unpacked, the others left"
        );

        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo resumed");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64, 0)
        );
        assert_eq!(
            snapshot(b.as_mut()).await,
            before,
            "values from before the first run"
        );
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_batch_whose_trigger_was_dropped_under_it_fails_instead_of_committing_unlogged() {
    on_postgres(|url| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(&url).await.expect("connect");
        seed(b.as_mut(), &plan, Kind::Postgres).await;
        let before = snapshot(b.as_mut()).await;
        // Before the third batch's UPDATE, inside its transaction, the trigger goes.
        let inner = connect(&url).await.expect("connect");
        let mut dropping = Crashing::new(
            inner,
            CrashAt::RunBefore {
                text: "SET LOCAL cutover.undo_log".into(),
                n: 3,
                sql: format!("DROP FUNCTION \"{}\"() CASCADE", log_table()),
            },
        );
        let err = Runner::new(&mut dropping, &plan, options(), &Silent)
            .backfill("items_fill")
            .await
            .expect_err("the unlogged batch fails");
        assert!(dropping.fired());
        let text = err.to_string();
        assert!(
            text.contains("did not run for this batch") && text.contains("run the backfill again"),
            "{text}"
        );
        let _ = Box::new(dropping).close().await;
        // Two batches committed, logged; the third rolled back.
        let (own, batches, logged) = log_state(b.as_mut()).await;
        assert_eq!((own, batches), (0, 2));
        let halfway = snapshot(b.as_mut()).await;
        let written = (1..=ROWS)
            .filter(|id| row(&halfway, *id) != row(&before, *id))
            .count();
        assert_eq!(written as i64, logged, "every written row logged");
        assert!(logged < ROWS);

        // The next run installs the trigger again and finishes; undo is exact.
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_fill")
            .await
            .expect("run again");
        assert_eq!(log_state(b.as_mut()).await.2, ROWS);
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64, 0)
        );
        assert_eq!(snapshot(b.as_mut()).await, before);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_run_killed_mid_batch_leaves_a_trigger_that_is_no_drift_and_logs_nothing() {
    on_postgres(|url| async move {
        let dir = plan_dir(FILL);
        let plan = dir.load();
        let mut b = connect(&url).await.expect("connect");
        seed(b.as_mut(), &plan, Kind::Postgres).await;
        let before = snapshot(b.as_mut()).await;
        // Killed inside the first batch, after its UPDATE was logged, before the commit.
        let mut crashing = Crashing::new(
            connect(&url).await.expect("connect"),
            CrashAt::AfterStatement("current_setting('cutover.undo_logged'".into()),
        );
        let _ = Runner::new(&mut crashing, &plan, options(), &Silent)
            .backfill("items_fill")
            .await;
        assert!(crashing.fired());
        let _ = Box::new(crashing).close().await;
        assert_eq!(
            capture_triggers(b.as_mut()).await,
            1,
            "left by the killed run"
        );
        assert_eq!(
            log_state(b.as_mut()).await,
            (0, 0, 0),
            "the batch rolled back"
        );
        assert_eq!(snapshot(b.as_mut()).await, before);
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .drift()
            .await
            .expect("drift");
        assert!(
            report.differences.is_empty(),
            "cutover's own trigger is no drift: {:?}",
            report.differences
        );
        // The application's writes go on, unlogged.
        b.execute("UPDATE items SET label = 'user' WHERE id = 2")
            .await
            .expect("app write");
        assert_eq!(log_state(b.as_mut()).await, (0, 0, 0));

        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up finishes the backfill");
        assert_eq!(capture_triggers(b.as_mut()).await, 0);
        let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
            .undo_backfill("items_fill")
            .await
            .expect("undo");
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64, 0)
        );
        // Row 2 was written by the application before the backfill reached it: its
        // `user` label is the old value the log holds.
        let after = snapshot(b.as_mut()).await;
        for id in (1..=ROWS).filter(|id| *id != 2) {
            assert_eq!(row(&after, id), row(&before, id), "row {id}");
        }
        assert_eq!(row(&after, 2)[1].as_deref(), Some("user"));
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn a_role_that_may_not_create_triggers_logs_with_statements_after_the_packed_batches() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let role = format!("{}_writer", db.name());
    let url = db.url().to_string();
    let dir = plan_dir(FILL);
    let plan = dir.load();
    let mut b = connect(&url).await.expect("connect");
    seed(b.as_mut(), &plan, Kind::Postgres).await;
    let before = snapshot(b.as_mut()).await;
    // A first run as the owner, killed after its first batch committed (packed).
    let mut crashing = Crashing::new(
        connect(&url).await.expect("connect"),
        CrashAt::AfterCommitFollowing("current_setting('cutover.undo_logged'".into()),
    );
    let _ = Runner::new(&mut crashing, &plan, options(), &Silent)
        .backfill("items_fill")
        .await;
    assert!(crashing.fired());
    let _ = Box::new(crashing).close().await;
    let (_, batches, first) = log_state(b.as_mut()).await;
    assert_eq!(batches, 1);
    // The app changes a row of that batch (it is left alone) and one not reached yet (its
    // new value is the old value logged later).
    b.execute("UPDATE items SET label = 'early' WHERE id = 1")
        .await
        .expect("app write");
    b.execute("UPDATE items SET label = 'late' WHERE id = 40")
        .await
        .expect("app write");
    let changed = snapshot(b.as_mut()).await;

    // The rest as a role with UPDATE on the table but no TRIGGER privilege.
    for sql in [
        format!("CREATE ROLE \"{role}\" LOGIN BYPASSRLS"),
        format!("GRANT USAGE, CREATE ON SCHEMA public TO \"{role}\""),
        format!(
            "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO \"{role}\""
        ),
        format!("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO \"{role}\""),
    ] {
        b.execute(&sql).await.expect("role setup");
    }
    let role_url = url.replacen("postgres@", &format!("{role}@"), 1);
    assert_ne!(role_url, url, "the test URL names the user postgres");
    let mut w = connect(&role_url).await.expect("connect as the role");
    let outcome = Runner::new(w.as_mut(), &plan, options(), &Silent)
        .backfill("items_fill")
        .await;
    w.close().await.expect("close");
    outcome.expect("the role's run logs with statements");
    let (own, batches, packed) = log_state(b.as_mut()).await;
    assert_eq!(
        (batches, packed),
        (0, 0),
        "the packed batch was unpacked first"
    );
    assert_eq!(own, ROWS, "one log row per row");
    // The owner's killed run left its trigger, which the role may not drop: inert (it acts
    // only in a batch that names its log), dropped with the log.
    assert_eq!(capture_triggers(b.as_mut()).await, 1);
    assert!(first > 0);

    let report = Runner::new(b.as_mut(), &plan, options(), &Silent)
        .undo_backfill("items_fill")
        .await
        .expect("undo");
    assert_eq!(
        (report.rows_restored, report.rows_left_alone),
        (ROWS as u64 - 1, 1)
    );
    assert_eq!(report.left_alone_keys, vec![vec!["1".to_string()]]);
    let after = snapshot(b.as_mut()).await;
    assert_eq!(row(&after, 1), row(&changed, 1), "left alone");
    assert_eq!(
        row(&after, 40),
        row(&changed, 40),
        "back to the app's value"
    );
    for id in 2..ROWS {
        assert_eq!(row(&after, id), row(&before, id), "row {id}");
    }
    b.execute(&format!("DROP OWNED BY \"{role}\""))
        .await
        .expect("drop owned");
    b.close().await.expect("close");
    db.drop_db().await;
    let mut admin = connect(&Kind::Postgres.server_url())
        .await
        .expect("connect");
    admin
        .execute(&format!("DROP ROLE \"{role}\""))
        .await
        .expect("drop role");
    admin.close().await.expect("close");
}
