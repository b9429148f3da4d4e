//! Owner drift of functions on PostgreSQL: `create_function` records the owner the function
//! had right after it ran, and `drift` reports a function whose owner was changed by hand,
//! by name; a SECURITY DEFINER flag flipped by hand is reported too.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

const PLAN: &str = r#"
description = "a function"
[[steps]]
op = "create_function"
name = "audit_now"
returns = "timestamptz"
language = "plpgsql"
security_definer = true
set_search_path = "pg_catalog, pg_temp"
body = "BEGIN RETURN now(); END"
dialects = ["postgres"]
"#;

fn options() -> RunnerOptions {
    RunnerOptions {
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    }
}

async fn drift(url: &str, dir: &PlanDir) -> Result<Vec<String>, String> {
    let mut b = connect(url).await.map_err(|e| e.to_string())?;
    let r = Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
        .drift()
        .await
        .map_err(|e| e.to_string())?;
    let _ = b.close().await;
    Ok(r.differences.into_iter().map(|d| d.detail).collect())
}

async fn exec(url: &str, sql: &str) -> Result<(), String> {
    let mut b = connect(url).await.map_err(|e| e.to_string())?;
    let r = b
        .execute(sql)
        .await
        .map(drop)
        .map_err(|e| format!("{sql}: {e}"));
    let _ = b.close().await;
    r
}

#[tokio::test]
async fn a_function_owner_changed_by_hand_is_drift() {
    if !backends().contains(&Kind::Postgres) {
        return;
    }
    let db = TestDb::create(Kind::Postgres).await;
    let role = format!("{}_owner", db.name());
    let outcome = scenario(&db, &role).await;
    let _ = exec(db.url(), "DROP FUNCTION IF EXISTS audit_now()").await;
    db.drop_db().await;
    let _ = exec(
        &Kind::Postgres.server_url(),
        &format!("DROP ROLE IF EXISTS \"{role}\""),
    )
    .await;
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

async fn scenario(db: &TestDb, role: &str) -> Result<(), String> {
    let dir = PlanDir::new();
    dir.write("0001_fn.toml", PLAN);
    let mut b = connect(db.url()).await.map_err(|e| e.to_string())?;
    Runner::new(b.as_mut(), &dir.load(), options(), &Silent)
        .up(Target::Latest)
        .await
        .map_err(|e| e.to_string())?;
    let _ = b.close().await;
    let clean = drift(db.url(), &dir).await?;
    if !clean.is_empty() {
        return Err(format!("drift right after up: {clean:?}"));
    }

    exec(
        &Kind::Postgres.server_url(),
        &format!("CREATE ROLE \"{role}\" NOLOGIN"),
    )
    .await?;
    exec(
        db.url(),
        &format!("ALTER FUNCTION audit_now() OWNER TO \"{role}\""),
    )
    .await?;
    let found = drift(db.url(), &dir).await?;
    if !found.iter().any(|d| {
        d.contains("function \"audit_now\"()") && d.contains("owner postgres") && d.contains(role)
    }) {
        return Err(format!("owner change not reported: {found:?}"));
    }

    exec(db.url(), "ALTER FUNCTION audit_now() OWNER TO postgres").await?;
    exec(db.url(), "ALTER FUNCTION audit_now() SECURITY INVOKER").await?;
    let found = drift(db.url(), &dir).await?;
    if found.len() != 1 || !found[0].contains("audit_now") || found[0].contains("owner") {
        return Err(format!("security definer flag: {found:?}"));
    }
    Ok(())
}
