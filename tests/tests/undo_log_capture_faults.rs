//! PostgreSQL's captured undo log under what red team rtI found: an application trigger that
//! updates the same table, a `set` that changed between runs, a role the default privileges
//! give rights on new tables, `undo --dry-run` on packed batches, a session with
//! `session_replication_role = replica`, and a role that may not create triggers. The undo
//! stays exact, or reports every row it leaves alone.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::runner::{Runner, Silent};
use cutover_tests::crash::CrashAt;
use cutover_tests::undo_capture::{
    CAPTURE_CHECK, backfill_killed, capture_triggers, log_state, log_table, on_postgres,
};
use cutover_tests::undo_log::{
    FILL, ROWS, options, plan_dir, row, seed, seeded_at, snapshot, undo, undo_all_exactly, up,
};
use cutover_tests::{Backend as Kind, TestDb, backends, snapshot as snap};

async fn exec(b: &mut dyn Backend, sql: &str) {
    b.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

#[tokio::test]
async fn an_application_trigger_updating_the_same_table_never_loses_a_row_silently() {
    on_postgres(|url| async move {
        let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        // When the backfill writes row N (N % 10 = 1), the application's trigger sets the
        // label of row N + 1 too: a nested UPDATE of the same table in the batch.
        exec(
            b.as_mut(),
            "CREATE FUNCTION app_cascade() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN UPDATE items SET label = 'cascade' WHERE id = NEW.id + 1; RETURN NULL; END $$",
        )
        .await;
        exec(
            b.as_mut(),
            "CREATE TRIGGER app_cascade AFTER UPDATE ON items FOR EACH ROW WHEN (NEW.id % 10 = 1 AND NEW.label LIKE '%!' AND OLD.label IS DISTINCT FROM NEW.label) EXECUTE FUNCTION app_cascade()",
        )
        .await;
        let before = snapshot(b.as_mut()).await;
        up(b.as_mut(), &plan).await;
        let report = undo(b.as_mut(), &plan, "items_fill").await;
        let after = snapshot(b.as_mut()).await;
        let reported: Vec<String> = report.left_alone_keys.iter().map(|k| k[0].clone()).collect();
        for id in 1..=ROWS {
            if row(&after, id) != row(&before, id) {
                assert!(
                    reported.contains(&id.to_string()),
                    "row {id} not restored and not reported: {:?}",
                    row(&after, id)
                );
            }
        }
        assert_eq!(report.rows_restored + report.rows_left_alone, ROWS as u64);
        assert!(report.rows_left_alone >= 1, "{report:?}");
        b.close().await.expect("close");
    })
    .await;
}

const FILL_LABEL_ONLY: &str = r#"
description = "fill the label only"
[[steps]]
op = "backfill"
id = "items_fill"
table = "items"
set.label = "concat(coalesce(label, ''), '?')"
"#;

#[tokio::test]
async fn a_set_changed_between_runs_keeps_what_the_first_run_wrote() {
    on_postgres(|url| async move {
        let (dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        let before = snapshot(b.as_mut()).await;
        up(b.as_mut(), &plan).await;
        // The application changes a column only the first run wrote.
        exec(b.as_mut(), "UPDATE items SET amount = 999 WHERE id = 5").await;
        dir.write("0002_fill.toml", FILL_LABEL_ONLY);
        let plan = dir.load();
        let mut again = options();
        again.backfill.restart = true;
        again.backfill.force = true;
        Runner::new(b.as_mut(), &plan, again, &Silent)
            .backfill("items_fill")
            .await
            .expect("second run, label only");
        let report = undo(b.as_mut(), &plan, "items_fill").await;
        assert_eq!(
            (report.rows_restored, report.rows_left_alone),
            (ROWS as u64, 0),
            "{report:?}"
        );
        let after = snapshot(b.as_mut()).await;
        for id in (1..=ROWS).filter(|id| *id != 5) {
            assert_eq!(row(&after, id), row(&before, id), "row {id}");
        }
        // Row 5: every column the backfill wrote back as before it, but `amount`, which the
        // application wrote between the runs and keeps (red team rtL: column by column).
        let mut expected = row(&before, 5);
        let amount = row(&after, 5)[2].clone();
        assert!(
            amount.as_deref().is_some_and(|a| a.starts_with("999")),
            "{amount:?}"
        );
        expected[2] = amount;
        assert_eq!(row(&after, 5), expected);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn packed_batches_are_protected_and_a_dry_run_leaves_them_packed() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let app = format!("{}_app", db.name());
    let dir = plan_dir(FILL);
    let plan = dir.load();
    let mut b = connect(db.url()).await.expect("connect");
    seed(b.as_mut(), &plan, Kind::Postgres).await;
    exec(b.as_mut(), &format!("CREATE ROLE \"{app}\" NOLOGIN")).await;
    exec(
        b.as_mut(),
        &format!(
            "ALTER DEFAULT PRIVILEGES GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO \"{app}\""
        ),
    )
    .await;
    up(b.as_mut(), &plan).await;
    let packed = format!("{}_b", log_table());
    for right in ["SELECT", "INSERT", "DELETE"] {
        let sql = format!(
            "SELECT COUNT(*) FROM pg_class WHERE relname = '{packed}' AND has_table_privilege('{app}', oid, '{right}')"
        );
        assert_eq!(snap::count(b.as_mut(), &sql).await, 0, "{right} revoked");
    }
    let rls =
        format!("SELECT COUNT(*) FROM pg_class WHERE relname = '{packed}' AND relrowsecurity");
    assert_eq!(
        snap::count(b.as_mut(), &rls).await,
        1,
        "row-level security on"
    );

    let state = log_state(b.as_mut()).await;
    assert_eq!((state.0, state.2), (0, ROWS));
    let preview = Runner::new(b.as_mut(), &plan, options(), &Silent)
        .preview_undo("items_fill")
        .await
        .expect("dry run");
    assert_eq!(
        (preview.logged, preview.would_restore),
        (ROWS as u64, ROWS as u64)
    );
    assert_eq!(
        log_state(b.as_mut()).await,
        state,
        "the dry run wrote nothing"
    );
    exec(
        b.as_mut(),
        &format!("ALTER DEFAULT PRIVILEGES REVOKE ALL ON TABLES FROM \"{app}\""),
    )
    .await;
    exec(b.as_mut(), &format!("DROP OWNED BY \"{app}\"")).await;
    b.close().await.expect("close");
    db.drop_db().await;
    let mut admin = connect(&Kind::Postgres.server_url())
        .await
        .expect("connect");
    exec(admin.as_mut(), &format!("DROP ROLE \"{app}\"")).await;
    admin.close().await.expect("close");
}

#[tokio::test]
async fn a_session_in_replica_mode_still_logs_through_the_trigger() {
    on_postgres(|url| async move {
        let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
        let before = snapshot(b.as_mut()).await;
        // Ordinary triggers do not fire in this session; the capture trigger fires always.
        exec(b.as_mut(), "SET session_replication_role = replica").await;
        Runner::new(b.as_mut(), &plan, options(), &Silent)
            .backfill("items_fill")
            .await
            .expect("backfill in replica mode");
        assert_eq!(log_state(b.as_mut()).await.2, ROWS, "every row packed");
        assert_eq!(capture_triggers(b.as_mut()).await, 0);
        exec(b.as_mut(), "SET session_replication_role = origin").await;
        undo_all_exactly(b.as_mut(), &plan, &before).await;
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
    let (_dir, plan, mut b) = seeded_at(&url, Kind::Postgres, FILL).await;
    let before = snapshot(b.as_mut()).await;
    // A first run as the owner, killed after its first batch committed (packed).
    backfill_killed(
        &url,
        &plan,
        CrashAt::AfterCommitFollowing(CAPTURE_CHECK.into()),
    )
    .await;
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

    let report = undo(b.as_mut(), &plan, "items_fill").await;
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

const CASELESS: &str = r#"
description = "people, their email in a case-insensitive collation"
[[steps]]
op = "sql"
sql = """CREATE COLLATION caseless (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
CREATE TABLE people (id bigint PRIMARY KEY, email text COLLATE caseless, note text);
INSERT INTO people SELECT g, 'User' || g || '@Example.com', 'n' || g FROM generate_series(1, 1201) AS g"""
down = "DROP TABLE people; DROP COLLATION caseless"
"#;

const LOWER: &str = r#"
description = "lower-case emails"
[[steps]]
op = "backfill"
id = "lower_emails"
table = "people"
key = ["id"]
set.email = "lower(email)"
"#;

#[tokio::test]
async fn large_batches_pack_in_chunks_and_a_change_in_case_only_is_a_change() {
    on_postgres(|url| async move {
        let dir = cutover_tests::plans::PlanDir::new();
        dir.write("0001_people.toml", CASELESS)
            .write("0002_lower.toml", LOWER);
        let plan = dir.load();
        let mut b = connect(&url).await.expect("connect");
        let mut one_batch = options();
        one_batch.backfill.batch_size = Some(2000);
        Runner::new(b.as_mut(), &plan, one_batch, &Silent)
            .up(cutover_core::runner::Target::Latest)
            .await
            .expect("up");
        let log = cutover_core::backfill::BackfillScope::default_history().undo_log_table("lower_emails");
        let chunks = format!("SELECT COUNT(*) FROM \"{log}_b\"");
        // One batch of 1,201 rows: packed 500 rows at a time.
        assert_eq!(snap::count(b.as_mut(), &chunks).await, 3);
        // Row 2 back in the original case: equal to what the backfill wrote under the
        // column's collation, but not the same bytes.
        exec(b.as_mut(), "UPDATE people SET email = 'USER2@EXAMPLE.COM' WHERE id = 2").await;
        let report = undo(b.as_mut(), &plan, "lower_emails").await;
        assert_eq!((report.rows_restored, report.rows_left_alone), (1200, 1), "{report:?}");
        let kept = "SELECT COUNT(*) FROM people WHERE id = 2 AND email COLLATE \"C\" = 'USER2@EXAMPLE.COM'";
        assert_eq!(snap::count(b.as_mut(), kept).await, 1, "the user's change kept");
        let back = "SELECT COUNT(*) FROM people WHERE email COLLATE \"C\" = 'User' || id || '@Example.com'";
        assert_eq!(snap::count(b.as_mut(), back).await, 1200);
        b.close().await.expect("close");
    })
    .await;
}
