//! Runbook 000: messages.media_url -> messages.attachments, on 12,000 generated messages.

use std::collections::BTreeMap;
use std::path::Path;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::{BackfillSpec, dry_run};
use cutover_tests::TestDb;
use cutover_tests::plans::PlanDir;
use cutover_tests::seed::{Rng, insert_rows, lit};
use cutover_tests::snapshot;
use serde_json::{Value, json};

use super::{assert_halted, backfill_state, columns, down_to, names, up, verify};

const MESSAGES: usize = 12_000;
const CONVERSATIONS: usize = 300;

/// File names of media URLs: extensions in both cases, unicode names, one unknown type.
const FILES: &[&str] = &[
    "photo.jpg",
    "IMG_2041.JPG",
    "clip.mp4",
    "Holiday.MP4",
    "movie.mov",
    "scan.png",
    "anim.gif",
    "pic.webp",
    "portrait.jpeg",
    "café-menü.jpeg",
    "写真.png",
    "contract.pdf",
];

/// One generated message: its id, media_url, and attachments the new code wrote itself.
struct Message {
    id: String,
    conversation: String,
    media_url: Option<String>,
    app_attachments: Option<Value>,
}

fn generate(rng: &mut Rng, conversations: &[String]) -> Vec<Message> {
    (0..MESSAGES)
        .map(|i| {
            let conversation = rng.pick(conversations);
            let media_url = match rng.below(100) {
                0..=24 => None,
                25..=32 => Some(String::new()),
                n => {
                    let scheme = if n % 9 == 0 { "http" } else { "https" };
                    let file = rng.pick(FILES);
                    Some(format!(
                        "{scheme}://cdn.example.com/u/{}/{i}/{file}",
                        &conversation[..8]
                    ))
                }
            };
            // 3% were written by the new backend already (with or without a media_url).
            let app_attachments = rng.chance(3).then(|| {
                json!([{ "url": format!("https://app.example.com/a/{i}.png"), "type": "image",
                         "name": format!("{i}.png"), "mimeType": "image/png", "source": "app" }])
            });
            Message {
                id: rng.uuid(),
                conversation: conversation.clone(),
                media_url,
                app_attachments,
            }
        })
        .collect()
}

/// The attachments the runbook's backfill gives a message, computed independently of SQL.
fn expected(m: &Message) -> Value {
    if let Some(app) = &m.app_attachments {
        return app.clone();
    }
    let Some(url) = m.media_url.as_deref().filter(|u| !u.is_empty()) else {
        return json!([]);
    };
    let lower = url.to_ascii_lowercase();
    let ends = |ext: &str| lower.ends_with(ext);
    let kind = if ends(".mp4") || ends(".mov") {
        "video"
    } else if [".jpg", ".jpeg", ".png", ".gif", ".webp"]
        .iter()
        .any(|e| ends(e))
    {
        "image"
    } else {
        "file"
    };
    let mime = match () {
        _ if ends(".mp4") => "video/mp4",
        _ if ends(".mov") => "video/quicktime",
        _ if ends(".jpg") || ends(".jpeg") => "image/jpeg",
        _ if ends(".png") => "image/png",
        _ if ends(".gif") => "image/gif",
        _ if ends(".webp") => "image/webp",
        _ => "application/octet-stream",
    };
    let name = url.rsplit('/').next().unwrap_or(url);
    json!([{ "url": url, "type": kind, "name": name, "mimeType": mime, "source": "legacy_migration" }])
}

async fn seed(b: &mut dyn Backend, rng: &mut Rng) -> Vec<Message> {
    let conversations: Vec<String> = (0..CONVERSATIONS).map(|_| rng.uuid()).collect();
    let rows: Vec<Vec<String>> = conversations
        .iter()
        .enumerate()
        .map(|(i, id)| vec![lit(Some(id)), lit(Some(&format!("conversation {i} – ☕")))])
        .collect();
    insert_rows(b, "conversations", &["id", "title"], &rows, 500).await;
    let messages = generate(rng, &conversations);
    let rows: Vec<Vec<String>> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            vec![
                lit(Some(&m.id)),
                lit(Some(&m.conversation)),
                lit(Some(&format!("message {i} ✓"))),
                lit(m.media_url.as_deref()),
            ]
        })
        .collect();
    insert_rows(
        b,
        "messages",
        &["id", "conversation_id", "body", "media_url"],
        &rows,
        500,
    )
    .await;
    messages
}

/// After the expand migration, the new code writes attachments of its own.
async fn app_writes(b: &mut dyn Backend, messages: &[Message]) {
    b.begin().await.expect("begin");
    for m in messages {
        if let Some(a) = &m.app_attachments {
            let sql = format!(
                "UPDATE messages SET attachments = {} WHERE id = '{}'",
                lit(Some(&a.to_string())),
                m.id
            );
            b.execute(&sql).await.expect("app write");
        }
    }
    b.commit().await.expect("commit");
}

/// Every message's attachments, parsed, compared with [`expected`].
async fn assert_rows(b: &mut dyn Backend, messages: &[Message]) {
    let rows = b
        .query("SELECT id, attachments FROM messages")
        .await
        .expect("messages");
    let got: BTreeMap<String, Value> = rows
        .rows
        .into_iter()
        .map(|r| {
            let id = r[0].clone().expect("id");
            let text = r[1].clone().expect("attachments is NOT NULL");
            let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{id}: {text}: {e}"));
            (id, value)
        })
        .collect();
    assert_eq!(got.len(), messages.len(), "one row per generated message");
    let mut wrong = Vec::new();
    for m in messages {
        let want = expected(m);
        if got.get(&m.id) != Some(&want) {
            wrong.push(format!(
                "{} (media_url {:?}): got {:?}, want {want}",
                m.id,
                m.media_url,
                got.get(&m.id)
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} messages differ, e.g. {:?}",
        wrong.len(),
        messages.len(),
        &wrong[..wrong.len().min(3)]
    );
}

fn with_media(messages: &[Message]) -> usize {
    messages
        .iter()
        .filter(|m| {
            m.app_attachments.is_none() && m.media_url.as_deref().is_some_and(|u| !u.is_empty())
        })
        .count()
}

pub(super) async fn scenario(db: &TestDb, backups: &Path) {
    let dir = PlanDir::example("attachments");
    let plan = dir.load();
    let mut conn = connect(db.url()).await.expect("connect");
    let b = conn.as_mut();
    let mut rng = Rng::new(0x000A_77AC);

    // The existing schema and its data, then the expand migration and the new code's writes.
    up(b, &plan, backups, Some("0001")).await.expect("up 0001");
    let messages = seed(b, &mut rng).await;
    up(b, &plan, backups, Some("0002")).await.expect("expand");
    assert!(
        columns(b, "messages")
            .await
            .contains(&"attachments".to_string())
    );
    app_writes(b, &messages).await;
    let before = snapshot::rows(b, "messages").await;

    // Preflight: a relative media_url stops the run before anything is written.
    let bad = format!(
        "INSERT INTO messages (id, conversation_id, media_url) VALUES ('00000000-0000-4000-8000-000000000001', '{}', '/uploads/a.jpg')",
        messages[0].conversation
    );
    b.execute(&bad).await.expect("a bad row");
    assert_halted(
        up(b, &plan, backups, Some("0003")).await,
        "every media_url is an absolute http(s) URL",
    );
    b.execute("DELETE FROM messages WHERE id = '00000000-0000-4000-8000-000000000001'")
        .await
        .expect("fix it");
    assert_eq!(
        snapshot::rows(b, "messages").await,
        before,
        "the halted run wrote nothing"
    );

    // Dry run: counts and samples, changes nothing.
    let spec = BackfillSpec::find(
        &plan,
        "messages_attachments",
        &cutover_core::backfill::BackfillScope::default_history(),
    )
    .expect("spec");
    let preview = dry_run(b, &spec, 3).await.expect("dry run");
    assert_eq!(preview.pending as usize, with_media(&messages));
    assert_eq!(preview.samples.len(), 3);
    for s in &preview.samples {
        let new: Value =
            serde_json::from_str(s[2].as_deref().expect("computed value")).expect("json");
        assert_eq!(new[0]["source"], "legacy_migration");
    }
    assert_eq!(
        snapshot::rows(b, "messages").await,
        before,
        "the dry run wrote nothing"
    );

    // The backfill: preflight, batches, verification; every row as computed here.
    let report = up(b, &plan, backups, Some("0003")).await.expect("backfill");
    assert_eq!(report.migrations.len(), 1);
    let (state, batches) = backfill_state(b, "messages_attachments").await;
    assert_eq!(state, "complete", "verified");
    assert!(batches > 3, "run in batches, not one statement: {batches}");
    assert_eq!(verify(b, &plan, "0003").await, 3);
    assert_rows(b, &messages).await;

    // Rollback: down reverts the backfill through its undo, which clears only its own
    // attachments: the rows are exactly what they were, the new code's attachments included.
    down_to(b, &plan, backups, "0002").await;
    assert_eq!(
        snapshot::rows(b, "messages").await,
        before,
        "undo restored every row"
    );

    // Up again, then the contract (after the gate re-verifies and backs up messages).
    up(b, &plan, backups, Some("0003"))
        .await
        .expect("backfill again");
    assert_rows(b, &messages).await;
    // The old version removes one migrated message's media: the row leaves the backfill's
    // `where`, keeps its attachment, and the verification (and so the contract) still passes.
    let removed = messages
        .iter()
        .find(|m| m.app_attachments.is_none() && expected(m) != json!([]))
        .expect("a migrated message");
    b.execute(&format!(
        "UPDATE messages SET media_url = NULL WHERE id = '{}'",
        removed.id
    ))
    .await
    .expect("the old version clears media_url");
    assert_eq!(
        verify(b, &plan, "0003").await,
        3,
        "the checks agree with the trigger"
    );
    // The contract soaks a day (`min_age = "24h"`) after the backfill was verified: refused
    // now, then run "a day later" (the history and the checkpoint moved back 25 hours).
    match up(b, &plan, backups, None).await {
        Err(e) => assert!(
            matches!(e.root(), cutover_core::Error::SoakPending(r) if r.left_secs > 86_000),
            "{e}"
        ),
        Ok(r) => panic!("the contract ran before it soaked: {r:?}"),
    }
    assert!(
        columns(b, "messages")
            .await
            .contains(&"media_url".to_string())
    );
    a_day_passes(b).await;
    let contract = up(b, &plan, backups, None).await.expect("contract");
    let backup = contract.backup.expect("the contract took a backup");
    assert!(Path::new(&backup).exists(), "{backup}");
    assert_eq!(
        columns(b, "messages").await,
        names(&[
            "id",
            "conversation_id",
            "body",
            "created_at",
            "attachments",
            "replied_to_message_id"
        ])
    );
    let migrated = messages.iter().filter(|m| expected(m) != json!([])).count();
    let sql = match b.dialect() {
        cutover_core::Dialect::Postgres => {
            "SELECT COUNT(*) FROM messages WHERE jsonb_array_length(attachments) > 0"
        }
        cutover_core::Dialect::Mysql => {
            "SELECT COUNT(*) FROM messages WHERE JSON_LENGTH(attachments) > 0"
        }
        cutover_core::Dialect::Sqlite => {
            "SELECT COUNT(*) FROM messages WHERE json_array_length(attachments) > 0"
        }
    };
    assert_eq!(
        snapshot::count(b, sql).await as usize,
        migrated,
        "no attachment lost by the contract"
    );
}

/// Moves every time the soak of `min_age` is measured from 25 hours back, as if the team had
/// watched the new code path for a day.
async fn a_day_passes(b: &mut dyn Backend) {
    let then = (chrono::Utc::now() - chrono::Duration::hours(25))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    b.execute(&format!(
        "UPDATE cutover_history SET finished_at = '{then}'"
    ))
    .await
    .expect("age the history");
    b.execute(&format!(
        "UPDATE cutover_backfill SET updated_at = '{then}'"
    ))
    .await
    .expect("age the checkpoints");
}
