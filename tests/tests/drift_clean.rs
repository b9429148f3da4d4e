//! Plain schemas leave `drift` clean on every database: an `integer` primary key without
//! `identity` (SQLite's rowid, which once showed as "no default expected") and a nullable
//! `json` column, whose SQLite check must also accept NULL from clients older than 3.45.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const PLAN: &str = r#"
description = "profiles"
[[steps]]
op = "create_table"
table = "profiles"
columns = [{ name = "id", type = "integer", primary_key = true }, { name = "social", type = "json" }, { name = "n", type = "bigint", identity = false }]
"#;

#[tokio::test]
async fn an_integer_key_and_a_nullable_json_column_show_no_drift() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_profiles.toml", PLAN);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let mut runner = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent);
        runner.up(Target::Latest).await.expect("up");
        let report = runner.drift().await.expect("drift");
        assert!(
            report.differences.is_empty(),
            "unexpected drift: {:?}",
            report.differences
        );
        b.execute("INSERT INTO profiles (id, social, n) VALUES (1, NULL, 1)")
            .await
            .expect("NULL is a valid json value");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn side_tables_of_a_renamed_history_table_are_not_drift() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_profiles.toml", PLAN);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let options = RunnerOptions {
            history_table: "deploy_log".into(),
            ..RunnerOptions::default()
        };
        let mut runner = Runner::new(b.as_mut(), &plan, options, &Silent);
        runner.up(Target::Latest).await.expect("up");
        // `verify` creates `deploy_log_verified`.
        runner.verify(&[]).await.expect("verify");
        let report = runner.drift().await.expect("drift");
        assert!(
            report.differences.is_empty(),
            "unexpected drift: {:?}",
            report.differences
        );
        let _ = b.close().await;
    })
    .await;
}
