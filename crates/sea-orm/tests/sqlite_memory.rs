//! An in-memory SQLite database through a sea-orm connection: the application's pool sees the
//! schema and rows the plan made (the session must not take the pool's only connection away and
//! close it, which would destroy the database).

mod common;

use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

async fn tables(orm: &DatabaseConnection) -> Vec<String> {
    orm.query_all_raw(Statement::from_string(
        DbBackend::Sqlite,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'posts') \
         ORDER BY name",
    ))
    .await
    .expect("sqlite_master through the pool")
    .iter()
    .map(|r| r.try_get_by_index::<String>(0).expect("name"))
    .collect()
}

async fn emails(orm: &DatabaseConnection) -> Vec<String> {
    orm.query_all_raw(Statement::from_string(
        DbBackend::Sqlite,
        "SELECT email FROM users ORDER BY email",
    ))
    .await
    .expect("users through the pool")
    .iter()
    .map(|r| r.try_get_by_index::<String>(0).expect("email"))
    .collect()
}

async fn check(url: &str) {
    let dir = common::plan_dir();
    let orm = Database::connect(url).await.expect("sea-orm connects");
    let report = cutover_sea_orm::run_up(&orm, &dir.load())
        .await
        .expect("up");
    assert_eq!(report.migrations.len(), 3, "{url}");
    assert_eq!(tables(&orm).await, ["posts", "users"], "{url}");
    assert_eq!(
        emails(&orm).await,
        ["ann@example.com", "bob@example.com"],
        "{url}"
    );

    // A second migrator on the same pool finds the history: nothing pending, schema intact.
    let mut again = cutover_sea_orm::migrator(&orm, dir.load())
        .await
        .expect("second migrator");
    let report = again.up().await.expect("second up");
    again.close().await.expect("close");
    let outcomes: Vec<String> = report
        .migrations
        .iter()
        .map(|m| m.outcome.to_string())
        .collect();
    assert!(
        !outcomes.iter().any(|o| o == "applied"),
        "{url}: {outcomes:?}"
    );
    assert_eq!(tables(&orm).await, ["posts", "users"], "{url}");
}

#[tokio::test]
async fn an_in_memory_database_keeps_its_schema_after_the_run() {
    check("sqlite::memory:").await;
}

#[tokio::test]
async fn a_shared_cache_in_memory_database_keeps_its_schema_after_the_run() {
    check(&format!(
        "sqlite:file:cutover_memdb_{}?mode=memory&cache=shared",
        std::process::id()
    ))
    .await;
}
