//! The backfill engine on real PostgreSQL, MariaDB and SQLite: all three forms, resume,
//! idempotence, dry run, undo, transforms, and a dropped connection.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::{
    self, BackfillOptions, BackfillSpec, QuietObserver, TransformJob, TransformRow, dry_run,
    run_transform,
};
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend, snapshot};

/// Rows a forced re-run reports as changed: MySQL counts only rows whose value changed
/// (none: the values are the same), the others every row they wrote.
fn forced_expected(kind: Kind) -> u64 {
    if kind == Kind::Mysql { 0 } else { 1503 }
}

fn small_batches() -> BackfillOptions {
    BackfillOptions {
        batch_size: Some(100),
        adaptive: false,
        ..BackfillOptions::default()
    }
}

async fn up_to(b: &mut dyn Backend, plan: &Plan, to: &str) {
    let target = Target::Version(cutover_core::plan::Version::parse(to).expect("version"));
    Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .up(target)
        .await
        .expect("up");
}

async fn run(
    b: &mut dyn Backend,
    plan: &Plan,
    id: &str,
    options: &BackfillOptions,
) -> backfill::BackfillReport {
    let spec = BackfillSpec::find(
        plan,
        id,
        &cutover_core::backfill::BackfillScope::default_history(),
    )
    .expect("backfill in plan");
    backfill::run(b, None, &spec, options, &QuietObserver)
        .await
        .expect("backfill runs")
}

#[tokio::test]
async fn update_in_place_is_batched_idempotent_and_resumable() {
    for_each_backend(|db| async move {
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;

        let preview = dry_run(b.as_mut(), &BackfillSpec::find(&plan, "messages_attachments", &cutover_core::backfill::BackfillScope::default_history()).expect("spec"), 2)
            .await
            .expect("dry run");
        assert_eq!(preview.pending, 1500);
        assert_eq!(preview.columns, ["id", "attachments", "new_attachments"]);
        assert_eq!(preview.samples.len(), 2);
        let new: serde_json::Value = serde_json::from_str(preview.samples[0][2].as_deref().expect("value")).expect("json");
        assert_eq!(new[0]["source"], "legacy_migration");
        let done_sql = match db.backend() {
            Kind::Postgres => "SELECT COUNT(*) FROM messages WHERE jsonb_array_length(attachments) > 0",
            Kind::Mysql => "SELECT COUNT(*) FROM messages WHERE JSON_LENGTH(attachments) > 0",
            Kind::Sqlite => "SELECT COUNT(*) FROM messages WHERE json_array_length(attachments) > 0",
        };
        assert_eq!(snapshot::count(b.as_mut(), done_sql).await, 0, "the dry run wrote nothing");

        let report = run(b.as_mut(), &plan, "messages_attachments", &small_batches()).await;
        assert_eq!(report.rows_changed, 1500);
        // Batches are key ranges of 100 rows over all 3,000 messages (the boundary query reads
        // only the key index), then one last that finds nothing more and marks the range done.
        assert_eq!(report.batches, 31, "3,000 rows in batches of 100");
        assert_eq!(report.rows_scanned, 3000);
        assert_eq!(snapshot::count(b.as_mut(), done_sql).await, 1500);
        let state = b
            .query("SELECT state, rows_changed, batches FROM cutover_backfill WHERE id = 'messages_attachments'")
            .await
            .expect("checkpoint");
        assert_eq!(state.rows[0], [Some("done".to_string()), Some("1500".to_string()), Some("31".to_string())]);

        // Verified (as `cutover backfill run` marks it when the checks pass), a re-run over
        // finished data is done at once and changes nothing.
        backfill::StateTable::new(b.dialect(), &cutover_core::backfill::BackfillScope::default_history())
            .mark_complete(b.as_mut(), "messages_attachments")
            .await
            .expect("mark complete");
        let again = run(b.as_mut(), &plan, "messages_attachments", &small_batches()).await;
        assert_eq!((again.outcome.as_str(), again.rows_changed, again.batches), ("already done", 0, 0));

        // Rows inserted since by old code (after the last key) are picked up by the next run.
        for _ in 0..3 {
            b.execute("INSERT INTO messages (conversation_id, body, media_url) SELECT MIN(id), 'late', 'https://cdn.example.com/late.jpg' FROM conversations")
                .await
                .expect("a late row");
        }
        let catch_up = run(b.as_mut(), &plan, "messages_attachments", &small_batches()).await;
        assert_eq!(catch_up.rows_changed, 3);
        // An old row made pending again is behind the checkpoint: even a verified backfill
        // probes the whole key space, so the next run picks it up.
        b.execute("UPDATE messages SET attachments = '[]' WHERE id = 2").await.expect("regress a row");
        backfill::StateTable::new(b.dialect(), &cutover_core::backfill::BackfillScope::default_history())
            .mark_complete(b.as_mut(), "messages_attachments")
            .await
            .expect("mark complete");
        let again = run(b.as_mut(), &plan, "messages_attachments", &small_batches()).await;
        assert_eq!(again.outcome, "done");
        assert_eq!(again.rows_changed, 1);
        let quick = run(b.as_mut(), &plan, "messages_attachments", &small_batches()).await;
        assert_eq!(quick.outcome, "already done");
        let mut restart = small_batches();
        restart.restart = true;
        assert_eq!(run(b.as_mut(), &plan, "messages_attachments", &restart).await.rows_changed, 0);

        // --force redoes every row in scope.
        let mut force = small_batches();
        force.force = true;
        force.batch_size = Some(1000);
        let forced = run(b.as_mut(), &plan, "messages_attachments", &force).await;
        assert_eq!(forced.rows_changed, forced_expected(db.backend()), "every row in scope (`where`), pending or not");

        // Undo applies `undo` to the rows the backfill marked, batched.
        let undo = BackfillSpec::find(&plan, "messages_attachments", &cutover_core::backfill::BackfillScope::default_history()).expect("spec").undo().expect("undo");
        let undone = backfill::run(b.as_mut(), None, &undo, &small_batches(), &QuietObserver).await.expect("undo");
        assert_eq!(undone.rows_changed, 1503);
        assert_eq!(snapshot::count(b.as_mut(), done_sql).await, 0);
    })
    .await;
}

#[tokio::test]
async fn a_changed_definition_needs_restart() {
    for_each_backend(|db| async move {
        let dir = PlanDir::example("messages");
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &dir.load(), "0003").await;
        // Stop after the first batch by making the range end early: run on a plan, then edit it.
        let mut opts = small_batches();
        opts.max_batch = 100;
        run(b.as_mut(), &dir.load(), "messages_attachments", &opts).await;
        let path = dir.path().join("0004_backfill_attachments.toml");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, text.replace("'video/mp4'", "'video/mpeg4'")).expect("edit");
        let plan = dir.load();
        let spec = BackfillSpec::find(
            &plan,
            "messages_attachments",
            &cutover_core::backfill::BackfillScope::default_history(),
        )
        .expect("spec");
        let err = backfill::run(b.as_mut(), None, &spec, &opts, &QuietObserver)
            .await
            .expect_err("refused");
        assert!(err.to_string().contains("--restart"), "{err}");
        opts.restart = true;
        backfill::run(b.as_mut(), None, &spec, &opts, &QuietObserver)
            .await
            .expect("restart works");
    })
    .await;
}

const JOIN_PLAN: &str = r#"
description = "messages.auth_user_id from the conversation"
[[steps]]
op = "add_column"
table = "messages"
column = { name = "auth_user_id", type = "bigint" }
[[steps]]
op = "backfill"
id = "auth_user"
table = "messages"
pending = "messages.auth_user_id IS NULL"
set.auth_user_id = "conversations.auth_user_id"
from = { table = "conversations", on = "conversations.id = messages.conversation_id" }
"#;

#[tokio::test]
async fn update_from_a_related_table() {
    for_each_backend(|db| async move {
        let dir = PlanDir::example("messages");
        dir.write("0006_auth_user.toml", JOIN_PLAN);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0004").await;
        // Two conversations share a user, so the join matters.
        b.execute("UPDATE conversations SET auth_user_id = 1000 WHERE auth_user_id IN (1, 2)")
            .await
            .expect("users");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let mismatched = snapshot::count(
            b.as_mut(),
            "SELECT COUNT(*) FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.auth_user_id IS NULL OR m.auth_user_id <> c.auth_user_id",
        )
        .await;
        assert_eq!(mismatched, 0);
        assert_eq!(
            snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM messages WHERE auth_user_id = 1000"
            )
            .await,
            120
        );
    })
    .await;
}

const PROFILES: &str = r#"
description = "profiles with a JSON array of social links"
[[steps]]
op = "create_table"
table = "profiles"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "social_links", type = "json", nullable = false, default = "[]" },
]
[[steps]]
op = "create_table"
table = "profile_links"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "profile_id", type = "bigint", nullable = false },
  { name = "position", type = "integer", nullable = false },
  { name = "kind", type = "varchar(20)" },
  { name = "url", type = "text", nullable = false },
]
unique = [{ columns = ["profile_id", "position"] }]
[[steps]]
op = "sql"
sql = """INSERT INTO profiles (id, social_links) VALUES
 (1, '[{"kind":"github","url":"https://github.com/a"},{"kind":"blog","url":"https://a.dev"}]'),
 (2, '[]'),
 (3, '[{"kind":"mastodon","url":"https://m.social/@c"}]'),
 (4, '[{"kind":"x","url":"https://x.com/d"},{"kind":"site","url":"https://d.io"},{"kind":"rss","url":"https://d.io/feed"}]')"""
down = "DELETE FROM profiles"
"#;

const EXPLODE: &str = r#"
description = "one profile_links row per social link"
[[steps]]
op = "backfill"
id = "profile_links"
table = "profiles"
insert_into = "profile_links"
explode = { column = "social_links", as = "link" }
values.profile_id = "profiles.id"
values.position = "link.position"
values.kind = "json_text(link.value, 'kind')"
values.url = "json_text(link.value, 'url')"
on_conflict = "ignore"
"#;

#[tokio::test]
async fn insert_select_explodes_json_arrays_once() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_profiles.toml", PROFILES).write("0002_links.toml", EXPLODE);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent).up(Target::Latest).await.expect("up");
        let rows = b
            .query("SELECT profile_id, position, kind, url FROM profile_links ORDER BY profile_id, position")
            .await
            .expect("links");
        let got: Vec<String> = rows
            .rows
            .iter()
            .map(|r| r.iter().map(|v| v.clone().unwrap_or_default()).collect::<Vec<_>>().join("|"))
            .collect();
        assert_eq!(
            got,
            [
                "1|1|github|https://github.com/a",
                "1|2|blog|https://a.dev",
                "3|1|mastodon|https://m.social/@c",
                "4|1|x|https://x.com/d",
                "4|2|site|https://d.io",
                "4|3|rss|https://d.io/feed",
            ]
        );
        // A forced re-run walks every profile again and inserts nothing twice.
        let mut force = small_batches();
        force.force = true;
        let again = run(b.as_mut(), &plan, "profile_links", &force).await;
        assert_eq!(again.rows_changed, 0, "{again:?}");
        assert_eq!(snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM profile_links").await, 6);
    })
    .await;
}

#[tokio::test]
async fn rust_transforms_write_one_statement_per_batch() {
    for_each_backend(|db| async move {
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0002").await;
        let job = TransformJob {
            id: "reverse_bodies".into(),
            table: "messages".into(),
            key: "id".into(),
            read: vec!["body".into()],
            write: vec!["body".into()],
            pending: Some(
                cutover_core::expr::Expression::parse("body LIKE 'message %'").expect("expr"),
            ),
            batch_size: 700,
        };
        let transform = |rows: &[TransformRow]| -> cutover_core::Result<Vec<Vec<Option<String>>>> {
            Ok(rows
                .iter()
                .map(|r| {
                    vec![
                        r.values[0]
                            .as_ref()
                            .map(|s| format!("done {}", s.chars().rev().collect::<String>())),
                    ]
                })
                .collect())
        };
        let report = run_transform(b.as_mut(), &job, &transform)
            .await
            .expect("transform");
        assert_eq!(report.rows_changed, 3000);
        assert_eq!(report.batches, 5, "3,000 rows in batches of 700");
        let body = b
            .query("SELECT body FROM messages WHERE body LIKE '%21 egassem'")
            .await
            .expect("read");
        assert_eq!(body.scalar(), Some("done 21 egassem"));
        let again = run_transform(b.as_mut(), &job, &transform)
            .await
            .expect("re-run");
        assert_eq!(again.rows_changed, 0, "pending rows only");
    })
    .await;
}

#[tokio::test]
async fn a_dropped_connection_is_retried_and_the_backfill_finishes() {
    for_each_backend(|db| async move {
        if db.backend() == Kind::Sqlite {
            return; // No server connection to drop.
        }
        let dir = PlanDir::example("messages");
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0003").await;
        let mut killer = connect(db.url()).await.expect("second connection");
        let kill_others = match db.backend() {
            Kind::Postgres => "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()".to_string(),
            _ => String::new(),
        };
        let spec = BackfillSpec::find(&plan, "messages_attachments", &cutover_core::backfill::BackfillScope::default_history()).expect("spec");
        let options = BackfillOptions {
            batch_size: Some(50),
            adaptive: false,
            pause: std::time::Duration::from_millis(40),
            retry_backoff: std::time::Duration::from_millis(50),
            ..BackfillOptions::default()
        };
        let backend = db.backend();
        let killing = async move {
            tokio::time::sleep(std::time::Duration::from_millis(400)).await;
            if backend == Kind::Postgres {
                killer.query(&kill_others).await.expect("terminate");
            } else {
                let ids = killer
                    .query("SELECT id FROM information_schema.processlist WHERE db = DATABASE() AND id <> CONNECTION_ID()")
                    .await
                    .expect("processlist");
                for r in ids.rows {
                    let id = r[0].clone().expect("id");
                    killer.execute(&format!("KILL {id}")).await.expect("kill");
                }
            }
        };
        let (report, ()) = tokio::join!(backfill::run(b.as_mut(), None, &spec, &options, &QuietObserver), killing);
        let report = report.expect("the backfill survives the dropped connection");
        assert!(report.retries >= 1, "{report:?}");
        assert_eq!(report.rows_changed, 1500);
        let left = "SELECT COUNT(*) FROM cutover_backfill WHERE state <> 'done'";
        assert_eq!(snapshot::count(b.as_mut(), left).await, 0);
    })
    .await;
}
