//! The schema and rows the portable-query tests share (portable_queries.rs,
//! portable_query_forms.rs): conversations with messages, and 2,000 profiles with link
//! arrays.

use cutover_core::backend::Backend;

/// Migration 0001: conversations, messages, profiles, media, profile_media, profile_copy.
pub const SCHEMA: &str = r#"
description = "conversations, messages, profiles and the tables their links move to"
[[steps]]
op = "create_table"
table = "conversations"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "message_count", type = "bigint" },
]
[[steps]]
op = "create_table"
table = "messages"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "conversation_id", type = "bigint", nullable = false },
  { name = "attachments", type = "json", nullable = false },
]
[[steps]]
op = "create_table"
table = "profiles"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint", nullable = false },
  { name = "social_links", type = "json", nullable = false },
]
[[steps]]
op = "create_table"
table = "media"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "owner_id", type = "bigint", nullable = false },
  { name = "url", type = "varchar(255)", nullable = false },
]
unique = [{ columns = ["owner_id", "url"] }]
[[steps]]
op = "create_table"
table = "profile_media"
primary_key = ["profile_id", "position"]
columns = [
  { name = "profile_id", type = "bigint" },
  { name = "position", type = "integer" },
  { name = "media_id", type = "bigint", nullable = false },
]
[[steps]]
op = "create_table"
table = "profile_copy"
columns = [
  { name = "profile_id", type = "bigint", primary_key = true },
  { name = "user_id", type = "bigint", nullable = false },
]
"#;

/// Rows in `profiles`.
pub const PROFILES: i64 = 2000;

/// The URLs of profile `i`, in array order: the profiles of one user (every 400th id, so
/// in batches far apart) share them, and some arrays repeat their first URL.
pub fn links(i: i64) -> Vec<String> {
    let mut out: Vec<String> = (0..i % 4)
        .map(|k| format!("https://site{}.example/p/{}", k % 2, (i % 400 + k) % 6))
        .collect();
    if i % 10 == 3 && !out.is_empty() {
        out.push(out[0].clone());
    }
    out
}

/// The user of profile `i`.
pub fn user_of(i: i64) -> i64 {
    i % 400 + 1
}

/// Fills the tables of [`SCHEMA`].
pub async fn seed(b: &mut dyn Backend) {
    let conversations: Vec<String> = (1..=10).map(|i| format!("({i})")).collect();
    b.execute(&format!(
        "INSERT INTO conversations (id) VALUES {}",
        conversations.join(", ")
    ))
    .await
    .expect("seed conversations");
    let messages: Vec<String> = (1..=120)
        .map(|i: i64| {
            let items: Vec<String> = (0..i % 4).map(|k| format!("{{\"n\": {k}}}")).collect();
            format!("({i}, {}, '[{}]')", i % 12 + 1, items.join(", "))
        })
        .collect();
    b.execute(&format!(
        "INSERT INTO messages (id, conversation_id, attachments) VALUES {}",
        messages.join(", ")
    ))
    .await
    .expect("seed messages");
    let profiles: Vec<String> = (1..=PROFILES)
        .map(|i| {
            let json: Vec<String> = links(i).iter().map(|u| format!("\"{u}\"")).collect();
            format!("({i}, {}, '[{}]')", user_of(i), json.join(", "))
        })
        .collect();
    for chunk in profiles.chunks(500) {
        b.execute(&format!(
            "INSERT INTO profiles (id, user_id, social_links) VALUES {}",
            chunk.join(", ")
        ))
        .await
        .expect("seed profiles");
    }
    // Ten profiles were copied before: the NOT EXISTS pending must skip them (their key
    // would collide) and keep their marker.
    let copied: Vec<String> = (1..=10).map(|i| format!("({i}, -1)")).collect();
    b.execute(&format!(
        "INSERT INTO profile_copy (profile_id, user_id) VALUES {}",
        copied.join(", ")
    ))
    .await
    .expect("seed profile_copy");
}
