//! Portable queries and subqueries on real PostgreSQL, MariaDB and SQLite: checks that join
//! and aggregate (orphan rows, duplicates through a derived table, count(new) - count(old),
//! JSON elements summed across rows), a NOT EXISTS `pending`, an update whose `set` and
//! `where` are subqueries over another table, and links of 2,000 profiles
//! exploded into deduplicated `media` rows and `profile_media` rows that look up their media
//! id with a correlated subquery, in batches of 50 with duplicates spread across batches.

use std::collections::BTreeSet;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, QuietObserver};
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target, run_check};
use cutover_tests::plans::PlanDir;
use cutover_tests::portable::{PROFILES, SCHEMA, links, seed, user_of};
use cutover_tests::{for_each_backend, snapshot};

const BACKFILLS: &str = r#"
description = "links into deduplicated media, portable checks"
[[steps]]
op = "backfill"
id = "media"
table = "profiles"
insert_into = "media"
explode = { column = "social_links", as = "link" }
values.owner_id = "profiles.user_id"
values.url = "link.text"
on_conflict = "ignore"
batch_size = 50

[[steps]]
op = "backfill"
id = "profile_media"
table = "profiles"
insert_into = "profile_media"
explode = { column = "social_links", as = "link" }
values.profile_id = "profiles.id"
values.position = "link.position"
values.media_id = "(SELECT m.id FROM media m WHERE m.owner_id = profiles.user_id AND m.url = link.text)"
batch_size = 50

[[steps]]
op = "backfill"
id = "profile_copy"
table = "profiles"
insert_into = "profile_copy"
values.profile_id = "profiles.id"
values.user_id = "profiles.user_id"
pending = "NOT EXISTS (SELECT 1 FROM profile_copy c WHERE c.profile_id = profiles.id)"
batch_size = 50

[[steps]]
op = "backfill"
id = "message_count"
table = "conversations"
where = "id IN (SELECT conversation_id FROM messages WHERE json_length(attachments) = 3 AND id < 40)"
pending = "message_count IS NULL"
set.message_count = "(SELECT COUNT(*) FROM messages m WHERE m.conversation_id = conversations.id)"
batch_size = 3

[[checks]]
name = "counted where the subquery selects"
table = "conversations"
where = "message_count IS NULL AND EXISTS (SELECT 1 FROM messages m WHERE m.conversation_id = conversations.id AND json_length(m.attachments) = 3 AND m.id < 40)"
expect = 0

[[checks]]
name = "every link has its media"
query = "SELECT COUNT(*) FROM profile_media pm LEFT JOIN media m ON m.id = pm.media_id WHERE m.id IS NULL"
expect = 0

[[checks]]
name = "no owner has the same url twice"
query = "SELECT COUNT(*) FROM (SELECT owner_id, url FROM media GROUP BY owner_id, url HAVING COUNT(*) > 1) d"
expect = 0

[[checks]]
name = "one link row per array element"
query = "SELECT SUM(json_length(social_links)) - (SELECT COUNT(*) FROM profile_media) FROM profiles"
expect = 0

[[checks]]
name = "every profile copied"
query = "SELECT (SELECT COUNT(*) FROM profile_copy) - COUNT(*) FROM profiles"
expect = 0

[[checks]]
name = "orphan messages"
query = "SELECT COUNT(*) FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id WHERE c.id IS NULL"
expect = 20

[[checks]]
name = "attachments"
query = "SELECT SUM(json_length(attachments)) FROM messages"
expect = 180

[[checks]]
name = "orphan messages (warn)"
query = "SELECT COUNT(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.id = m.conversation_id)"
expect = 0
on_fail = "warn"
"#;

async fn lines(b: &mut dyn Backend, sql: &str) -> Vec<String> {
    let rows = b.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

fn expected_media() -> BTreeSet<String> {
    (1..=PROFILES)
        .flat_map(|i| {
            links(i)
                .into_iter()
                .map(move |u| format!("{}|{u}", user_of(i)))
        })
        .collect()
}

fn expected_profile_media() -> Vec<String> {
    (1..=PROFILES)
        .flat_map(|i| {
            links(i)
                .into_iter()
                .enumerate()
                .map(move |(p, u)| format!("{i}|{}|{}|{u}", p + 1, user_of(i)))
        })
        .collect()
}

const MEDIA_ROWS: &str = "SELECT owner_id, url FROM media ORDER BY owner_id, url";
const LINK_ROWS: &str = "SELECT pm.profile_id, pm.position, m.owner_id, m.url \
    FROM profile_media pm JOIN media m ON m.id = pm.media_id ORDER BY pm.profile_id, pm.position";

async fn assert_rows(b: &mut dyn Backend) {
    let media = lines(b, MEDIA_ROWS).await;
    let want: Vec<String> = expected_media().into_iter().collect();
    assert_eq!(
        media.len(),
        want.len(),
        "one media row per distinct owner + url"
    );
    let got: BTreeSet<String> = media.into_iter().collect();
    assert_eq!(got, want.into_iter().collect::<BTreeSet<_>>());
    assert_eq!(lines(b, LINK_ROWS).await, expected_profile_media());
    let copies = lines(
        b,
        "SELECT profile_id, user_id FROM profile_copy ORDER BY profile_id",
    )
    .await;
    let want: Vec<String> = (1..=PROFILES)
        .map(|i| format!("{i}|{}", if i <= 10 { -1 } else { user_of(i) }))
        .collect();
    assert_eq!(copies, want);
    // Messages 3, 7, .. 39 (three attachments) belong to conversations 4, 8 and 12 (not a
    // conversation): only 4 and 8 are counted, 10 messages each.
    let counts = lines(b, "SELECT id, message_count FROM conversations ORDER BY id").await;
    let want: Vec<String> = (1..=10)
        .map(|i| format!("{i}|{}", if i == 4 || i == 8 { "10" } else { "NULL" }))
        .collect();
    assert_eq!(counts, want);
}

fn check<'a>(plan: &'a Plan, name: &str) -> &'a cutover_core::plan::Check {
    plan.migrations[1]
        .checks
        .iter()
        .map(|c| &c.item)
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("check {name}"))
}

#[tokio::test]
async fn portable_checks_subqueries_and_deduplicated_links() {
    let want_links = expected_profile_media().len();
    let want_media = expected_media().len();
    assert!(
        want_media < want_links / 3,
        "the data has duplicates to fold"
    );
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_schema.toml", SCHEMA);
        dir.write("0002_backfills.toml", BACKFILLS);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let version = cutover_core::plan::Version::parse("0001").expect("version");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Version(version))
            .await
            .expect("schema");
        seed(b.as_mut()).await;

        // Before the backfills, the checks see what is missing.
        let before = run_check(b.as_mut(), check(&plan, "every profile copied"))
            .await
            .expect("runs");
        assert_eq!(
            before.value.parse::<f64>().ok(),
            Some(10.0 - PROFILES as f64)
        );
        assert!(!before.passed);

        let report = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("backfills run and every halting check passes");
        assert_eq!(report.migrations.len(), 1, "{report:?}");
        assert_rows(b.as_mut()).await;

        for (name, value, passed) in [
            ("counted where the subquery selects", 0.0, true),
            ("every link has its media", 0.0, true),
            ("no owner has the same url twice", 0.0, true),
            ("one link row per array element", 0.0, true),
            ("every profile copied", 0.0, true),
            ("orphan messages", 20.0, true),
            ("attachments", 180.0, true),
            ("orphan messages (warn)", 20.0, false),
        ] {
            let r = run_check(b.as_mut(), check(&plan, name))
                .await
                .expect("check runs");
            assert_eq!(r.value.parse::<f64>().ok(), Some(value), "{name}: {r:?}");
            assert_eq!(r.passed, passed, "{name}: {r:?}");
        }

        // A duplicate makes the duplicate check count it; a missing media row is an orphan.
        b.execute("INSERT INTO media (owner_id, url) VALUES (999999, 'x'), (999999, 'y')")
            .await
            .expect("extra media");
        b.execute("UPDATE profile_media SET media_id = -5 WHERE profile_id = 3 AND position = 1")
            .await
            .expect("break one link");
        let orphans = run_check(b.as_mut(), check(&plan, "every link has its media"))
            .await
            .expect("runs");
        assert_eq!(
            (orphans.value.parse::<f64>().ok(), orphans.passed),
            (Some(1.0), false)
        );
        let media_id = lines(
            b.as_mut(),
            "SELECT m.id FROM profiles p JOIN media m ON m.owner_id = p.user_id \
             WHERE p.id = 3 AND m.url = 'https://site0.example/p/3'",
        )
        .await;
        b.execute(&format!(
            "UPDATE profile_media SET media_id = {} WHERE profile_id = 3 AND position = 1",
            media_id[0]
        ))
        .await
        .expect("repair the link");
        b.execute("DELETE FROM media WHERE owner_id = 999999")
            .await
            .expect("remove extra media");

        // Re-running every backfill from the start inserts nothing.
        let again = BackfillOptions {
            batch_size: Some(50),
            adaptive: false,
            restart: true,
            ..BackfillOptions::default()
        };
        for id in ["media", "profile_media", "profile_copy", "message_count"] {
            let spec = BackfillSpec::find(
                &plan,
                id,
                &cutover_core::backfill::BackfillScope::default_history(),
            )
            .expect("spec");
            let r = backfill::run(b.as_mut(), None, &spec, &again, &QuietObserver)
                .await
                .expect("re-run");
            assert_eq!(r.rows_changed, 0, "{id} re-run");
        }
        assert_rows(b.as_mut()).await;
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM profile_media").await,
            want_links as i64
        );
    })
    .await;
}
