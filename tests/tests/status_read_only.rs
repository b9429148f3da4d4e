//! `status` and `drift` are read-only on real PostgreSQL: a user with SELECT rights only (no
//! CREATE on the schema) sees the true state, and a user who cannot read the history table
//! gets an error instead of "every migration pending".

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, TestDb, backends};

const PLAN: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

/// `url` with its user replaced by `user` (no password: the test server trusts 127.0.0.1).
fn as_user(url: &str, user: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}@{host}")
}

#[tokio::test]
async fn status_needs_only_read_rights_and_never_hides_an_unreadable_history() {
    if !backends().contains(&Backend::Postgres) {
        return; // PostgreSQL is excluded by CUTOVER_TEST_BACKENDS: nothing to test here.
    }
    let db = TestDb::create(Backend::Postgres).await;
    let dir = PlanDir::new();
    dir.write("0001_items.toml", PLAN);
    let plan = dir.load();
    let role = format!("cutover_ro_{}", std::process::id());
    let mut admin = connect(db.url()).await.expect("connect");
    Runner::new(admin.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .expect("up");
    for sql in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
        format!("REVOKE CREATE ON SCHEMA public FROM PUBLIC, {role}"),
        // cutover's tables have row-level security on, without a policy, and cutover's
        // sessions run with row_security = off: a reader granted on purpose also needs
        // BYPASSRLS (documented in docs/dialects.md), else status fails (never "pending").
        format!("ALTER ROLE {role} BYPASSRLS"),
    ] {
        admin.execute(&sql).await.expect(&sql);
    }

    let mut reader = connect(&as_user(db.url(), &role)).await.expect("connect");
    let report = Runner::new(reader.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .status()
        .await
        .expect("status as a read-only user");
    let states: Vec<&str> = report.migrations.iter().map(|m| m.state.as_str()).collect();
    assert_eq!(states, ["applied"]);
    let drift = Runner::new(reader.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift as a read-only user");
    assert!(drift.differences.is_empty(), "{:?}", drift.differences);
    reader.close().await.expect("close");

    admin
        .execute(&format!("REVOKE SELECT ON cutover_history FROM {role}"))
        .await
        .expect("revoke");
    let mut blind = connect(&as_user(db.url(), &role)).await.expect("connect");
    let err = Runner::new(blind.as_mut(), &plan, RunnerOptions::default(), &Silent)
        .status()
        .await
        .expect_err("an unreadable history is an error");
    assert!(err.to_string().contains("permission denied"), "{err}");
    blind.close().await.expect("close");
    admin.close().await.expect("close");
    db.drop_db().await;
    let mut server = connect(&cutover_tests::Backend::Postgres.server_url())
        .await
        .expect("server");
    server
        .execute(&format!("DROP ROLE IF EXISTS {role}"))
        .await
        .expect("drop role");
    server.close().await.expect("close");
}
