//! PostgreSQL schema-per-tenant sessions (red-team rtA #4, #6): the migration lock follows the
//! schema a session really uses (`current_schema()`), whatever URL spelling put it there, and
//! mixed-case schema names are kept apart from their lower-case twins and quoted in hints.

mod common;

use std::time::Duration;

use cutover_cli::connect::{connect, open_url};
use cutover_core::lifecycle::{create_database, drop_database};
use cutover_core::url::with_database;
use cutover_tests::Backend;
use cutover_tests::plans::PlanDir;

/// The lock key every runner with the default history table takes.
const LOCK: &str = "cutover:cutover_history";

fn plan() -> PlanDir {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [ { name = \"id\", type = \"bigint\", primary_key = true }, { name = \"name\", type = \"text\" } ]\n",
    );
    plan
}

/// A fresh database for one test (dropped by the test).
async fn database(tag: &str) -> String {
    let url = with_database(
        &Backend::Postgres.server_url(),
        &format!("fleet3_t_{tag}_{}", std::process::id()),
    );
    let _ = drop_database(&url, &open_url).await;
    create_database(&url, &open_url)
        .await
        .expect("create the test database");
    url
}

async fn exec(url: &str, sql: &str) {
    let mut b = connect(url).await.expect("connect");
    b.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = b.close().await;
}

#[tokio::test]
async fn two_url_spellings_of_one_schema_share_the_migration_lock() {
    if !cutover_tests::backends().contains(&Backend::Postgres) {
        return; // PostgreSQL only; the backend list is the user's explicit choice.
    }
    let base = database("lock").await;
    exec(&base, "CREATE SCHEMA t1; CREATE SCHEMA t2").await;
    let by_param = format!("{base}?search_path=t1");
    // The driver's own `options`: the session lands in t1 without cutover's parameter.
    let by_options = format!("{base}?options=-csearch_path%3Dt1");
    let other = format!("{base}?search_path=t2");

    let mut holder = connect(&by_param).await.expect("connect");
    assert!(
        holder
            .try_lock(LOCK, Duration::ZERO)
            .await
            .expect("try_lock")
    );
    let mut second = connect(&by_options).await.expect("connect");
    assert!(
        !second
            .try_lock(LOCK, Duration::from_millis(300))
            .await
            .expect("try_lock"),
        "a session in the same schema through `options=` must wait for the lock"
    );
    let _ = second.close().await;

    // The CLI: `up` through the other spelling waits, then gives up with exit 4.
    let plan = plan();
    let dir = plan.path().to_str().expect("utf8").to_string();
    let up = |url: &str| {
        common::run(
            plan.path(),
            &[
                "up",
                "--database",
                url,
                "--plan",
                &dir,
                "--no-backup",
                "--lock-timeout",
                "0.5",
            ],
        )
    };
    let out = up(&by_options);
    assert_eq!(out.status.code(), Some(4), "{}", common::text(&out));
    // Another schema of the same database is not blocked.
    let out = up(&other);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    holder.unlock(LOCK).await.expect("unlock");
    let out = up(&by_options);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let mut check = connect(&base).await.expect("connect");
    let rows = check
        .query("SELECT (SELECT count(*) FROM t1.cutover_history), (SELECT count(*) FROM t2.cutover_history)")
        .await
        .expect("history in each schema");
    assert_eq!(
        rows.rows,
        vec![vec![Some("1".to_string()), Some("1".to_string())]]
    );
    let _ = check.close().await;
    let _ = holder.close().await;
    let _ = drop_database(&base, &open_url).await;
}

#[tokio::test]
async fn a_mixed_case_schema_is_its_own_tenant_and_hints_quote_it() {
    if !cutover_tests::backends().contains(&Backend::Postgres) {
        return;
    }
    let base = database("case").await;
    let plan = plan();
    let project = plan.path().join("project");
    std::fs::create_dir_all(&project).expect("mkdir");
    std::fs::write(
        project.join("cutover.toml"),
        format!(
            "plan = \"{}\"\n[groups.fleet]\ntargets = [\"{base}?search_path=Tenant_A\", \"{base}?search_path=tenant_a\"]\n",
            plan.path().display()
        ),
    )
    .expect("write cutover.toml");
    let out = common::run(
        &project,
        &["up", "--group", "fleet", "--create-database", "--json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let doc = common::json(&out);
    assert_eq!(doc["targets"][0]["applied"], 1, "{doc:#}");
    assert_eq!(doc["targets"][1]["applied"], 1, "{doc:#}");
    let mut check = connect(&base).await.expect("connect");
    let rows = check
        .query("SELECT (SELECT count(*) FROM \"Tenant_A\".items), (SELECT count(*) FROM tenant_a.items)")
        .await
        .expect("items in both schemas");
    assert_eq!(rows.rows.len(), 1);
    let _ = check.close().await;

    // A missing mixed-case schema: the hint's SQL must create exactly that schema.
    let dir = plan.path().to_str().expect("utf8").to_string();
    let missing = format!("{base}?search_path=Tenant_B");
    let out = common::run(
        plan.path(),
        &["status", "--database", &missing, "--plan", &dir],
    );
    let text = common::text(&out);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("CREATE SCHEMA \"Tenant_B\""), "{text}");
    let _ = drop_database(&base, &open_url).await;
}
