//! A schema LIST in a PostgreSQL URL (red-team rtf #1): `?options=-csearch_path%3Dtenant,public`
//! and `?search_path=tenant,public`. The target schema is the first one listed: the history
//! and every table land there, `--create-database` creates it, a missing one is refused
//! instead of silently working in `public`, and `public`'s history is never read as the
//! tenant's.

mod common;

use cutover_cli::connect::{connect, open_url};
use cutover_core::lifecycle::{create_database, drop_database};
use cutover_core::url::with_database;
use cutover_tests::Backend;
use cutover_tests::plans::PlanDir;

fn plan() -> PlanDir {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [ { name = \"id\", type = \"bigint\", primary_key = true }, { name = \"name\", type = \"text\" } ]\n",
    );
    plan
}

async fn database(tag: &str) -> String {
    let url = with_database(
        &Backend::Postgres.server_url(),
        &format!("fleet4_t_{tag}_{}", std::process::id()),
    );
    let _ = drop_database(&url, &open_url).await;
    create_database(&url, &open_url)
        .await
        .expect("create the test database");
    url
}

/// `schema.table` pairs of the database's own tables, sorted.
async fn tables(url: &str) -> Vec<String> {
    let mut b = connect(url).await.expect("connect");
    let rows = b
        .query(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables \
             WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
        )
        .await
        .expect("list tables");
    let _ = b.close().await;
    rows.rows.into_iter().filter_map(|r| r[0].clone()).collect()
}

#[tokio::test]
async fn a_schema_list_targets_its_first_schema_and_never_falls_back_to_public() {
    if !cutover_tests::backends().contains(&Backend::Postgres) {
        return; // PostgreSQL only; the backend list is the user's explicit choice.
    }
    let base = database("list").await;
    let plan = plan();
    let dir = plan.path().to_str().expect("utf8").to_string();
    let acme = format!("{base}?options=-csearch_path%3Dacme,public");
    let globex = format!("{base}?search_path=globex,public");

    // A missing first schema: refused with the CREATE SCHEMA hint, nothing lands in public.
    for url in [&acme, &globex] {
        for cmd in ["up", "status"] {
            let mut args = vec![cmd, "--database", url.as_str(), "--plan", dir.as_str()];
            if cmd == "up" {
                args.push("--no-backup");
            }
            let out = common::run(plan.path(), &args);
            let text = common::text(&out);
            assert_ne!(out.status.code(), Some(0), "{cmd} {url}: {text}");
            assert!(text.contains("CREATE SCHEMA"), "{text}");
        }
    }
    assert!(tables(&base).await.is_empty(), "{:?}", tables(&base).await);

    // `--create-database` creates the first schema of each list, as a group.
    let project = plan.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(
        project.join("cutover.toml"),
        format!("plan = \"{dir}\"\n[groups.sp]\ntargets = [\"{acme}\", \"{globex}\"]\n"),
    )
    .expect("write cutover.toml");
    let out = common::run(
        &project,
        &[
            "up",
            "--group",
            "sp",
            "--create-database",
            "--no-backup",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let doc = common::json(&out);
    assert_eq!(doc["targets"][0]["applied"], 1, "{doc:#}");
    assert_eq!(doc["targets"][1]["applied"], 1, "{doc:#}");
    let mut expected: Vec<String> = ["acme", "globex"]
        .iter()
        .flat_map(|s| ["cutover_fence", "cutover_history", "items"].map(|t| format!("{s}.{t}")))
        .collect();
    expected.sort();
    assert_eq!(tables(&base).await, expected);

    // public has a history at 0001; an existing EMPTY tenant listed first gets its own
    // migrations, not "up to date" from public's history.
    let out = common::run(
        plan.path(),
        &["up", "--database", &base, "--plan", &dir, "--no-backup"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let mut b = connect(&base).await.expect("connect");
    b.execute("CREATE SCHEMA newt")
        .await
        .expect("create schema");
    let _ = b.close().await;
    let newt = format!("{base}?options=-csearch_path%3Dnewt%2Cpublic");
    let out = common::run(
        plan.path(),
        &["up", "--database", &newt, "--plan", &dir, "--no-backup"],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("applied"), "{text}");
    let mut b = connect(&base).await.expect("connect");
    let rows = b
        .query("SELECT count(*) FROM newt.cutover_history WHERE state = 'applied'")
        .await
        .expect("newt has its own history");
    assert_eq!(rows.rows, vec![vec![Some("1".to_string())]]);
    let _ = b.close().await;
    let out = common::run(
        plan.path(),
        &["status", "--database", &newt, "--plan", &dir, "--exit-code"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let _ = drop_database(&base, &open_url).await;
}
