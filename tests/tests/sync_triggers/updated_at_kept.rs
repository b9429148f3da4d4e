//! A table with an `updated_at_trigger` and a `sync = true` backfill (red-team rt4 F4): an
//! UPDATE or INSERT that writes `updated_at` explicitly keeps the value on all three
//! databases (SQLite's dual-write trigger updates the row a second time, which fires the
//! `updated_at` trigger; the value written is put back), and an UPDATE that does not write it
//! still moves it.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

use super::support::up_to;

const POSTS: &str = r#"
description = "posts"
[[steps]]
op = "create_table"
table = "posts"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "title", type = "varchar(200)", nullable = false },
  { name = "updated_at", type = "timestamp", nullable = false, default_expr = "now()" },
]
allow = [{ rule = "pg/prefer-timestamptz", reason = "test" }]
[[steps]]
op = "updated_at_trigger"
table = "posts"
"#;

const SLUG: &str = r#"
description = "slug"
phase = "expand"
[[steps]]
op = "add_column"
table = "posts"
column = { name = "slug", type = "varchar(200)" }
"#;

const FILL: &str = r#"
description = "slug from title"
phase = "backfill"
[[steps]]
op = "backfill"
table = "posts"
pending = "slug IS NULL"
set.slug = "lower(title)"
undo.slug = "NULL"
sync = true
"#;

async fn row(b: &mut dyn Backend, id: i64) -> String {
    let rows = b
        .query(&format!(
            "SELECT title, slug, updated_at FROM posts WHERE id = {id}"
        ))
        .await
        .expect("select");
    let r = rows.rows.first().cloned().unwrap_or_default();
    r.into_iter()
        .map(|v| {
            let v = v.unwrap_or_default().replace('T', " ");
            v.chars().take(19).collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("|")
}

#[tokio::test]
async fn an_explicit_updated_at_is_kept_with_a_sync_trigger() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_posts.toml", POSTS)
            .write("0002_slug.toml", SLUG)
            .write("0003_fill.toml", FILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        up_to(b.as_mut(), &plan, "0001").await;
        b.execute("INSERT INTO posts (id, title, updated_at) VALUES (1, 'A', '2000-01-01 00:00:00'), (2, 'B', '2000-01-01 00:00:00')")
            .await
            .expect("seed");
        up_to(b.as_mut(), &plan, "0003").await;
        b.execute("UPDATE posts SET title = 'New B', updated_at = '2001-01-01 00:00:00' WHERE id = 2")
            .await
            .expect("explicit update");
        assert_eq!(row(b.as_mut(), 2).await, "New B|new b|2001-01-01 00:00:00");
        b.execute("INSERT INTO posts (id, title, updated_at) VALUES (3, 'C', '2002-02-02 00:00:00')")
            .await
            .expect("explicit insert");
        assert_eq!(row(b.as_mut(), 3).await, "C|c|2002-02-02 00:00:00");
        b.execute("UPDATE posts SET title = 'New A' WHERE id = 1")
            .await
            .expect("plain update");
        let moved = row(b.as_mut(), 1).await;
        assert!(moved.starts_with("New A|new a|"), "{moved}");
        assert!(!moved.ends_with("2000-01-01 00:00:00"), "updated_at moved: {moved}");
        b.close().await.expect("close");
    })
    .await;
}
