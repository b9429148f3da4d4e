//! The round trip of the baseline tests: build a source database, generate its baseline,
//! apply it to a fresh database, and read both with one catalog query.

#![allow(dead_code)]

use crate::common::{run, text};
use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb};

/// Runs `script`'s statements (separated by `;` and a newline) on `url`, in order.
pub async fn exec(url: &str, script: &str) -> Result<(), String> {
    let mut b = connect(url).await.map_err(|e| e.to_string())?;
    for stmt in script.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        b.execute(stmt).await.map_err(|e| format!("{stmt}: {e}"))?;
    }
    let _ = b.close().await;
    Ok(())
}

/// `query`'s first column on `url`, sorted.
pub async fn facts(url: &str, query: &str) -> Result<Vec<String>, String> {
    let mut b = connect(url).await.map_err(|e| e.to_string())?;
    let mut rows = b
        .query(query)
        .await
        .map_err(|e| e.to_string())?
        .into_first_column();
    let _ = b.close().await;
    rows.sort();
    Ok(rows)
}

/// Creates `roles` (NOLOGIN) on the PostgreSQL server.
pub async fn create_roles(roles: &[String]) -> Result<(), String> {
    let mut s = connect(&Kind::Postgres.server_url())
        .await
        .map_err(|e| e.to_string())?;
    for r in roles {
        s.execute(&format!("CREATE ROLE \"{r}\" NOLOGIN"))
            .await
            .map_err(|e| e.to_string())?;
    }
    let _ = s.close().await;
    Ok(())
}

/// Drops what the roles own or hold in each database, the databases, then the roles.
pub async fn cleanup(dbs: Vec<TestDb>, roles: &[String]) {
    for db in dbs {
        if let Ok(mut b) = connect(db.url()).await {
            for r in roles {
                let _ = b.execute(&format!("DROP OWNED BY \"{r}\"")).await;
            }
            let _ = b.close().await;
        }
        db.drop_db().await;
    }
    if let Ok(mut s) = connect(&Kind::Postgres.server_url()).await {
        for r in roles {
            let _ = s.execute(&format!("DROP ROLE IF EXISTS \"{r}\"")).await;
        }
        let _ = s.close().await;
    }
}

/// Creates `roles`, runs `fixture` (`{0}`, `{1}`, .. name the roles) on a new database,
/// generates its baseline, checks that `drift` on the source is clean, applies it to a fresh
/// database, checks that `drift` there is clean too, and returns `query`'s rows on both, with
/// the baseline's text. With `changed` `(sql, seen)`: then runs `sql` on the rebuilt
/// database and checks that `drift` exits 8 with `seen` in its output.
pub async fn round_trip(
    roles: &[&str],
    fixture: &str,
    query: &str,
    changed: Option<(&str, &str)>,
) -> Result<(Vec<String>, Vec<String>, String), String> {
    let db = TestDb::create(Kind::Postgres).await;
    let fresh = TestDb::create(Kind::Postgres).await;
    let roles: Vec<String> = roles.iter().map(|s| format!("{}_{s}", db.name())).collect();
    let outcome = async {
        create_roles(&roles).await?;
        let mut script = fixture.to_string();
        for (i, r) in roles.iter().enumerate() {
            script = script.replace(&format!("{{{i}}}"), r);
        }
        exec(db.url(), &script).await?;
        let dir = PlanDir::new();
        let init = run(dir.path(), &["init", "--from-database", db.url()]);
        if !init.status.success() {
            return Err(format!("init: {}", text(&init)));
        }
        let toml = std::fs::read_to_string(dir.path().join("migrations/0001_baseline.toml"))
            .map_err(|e| format!("baseline: {e}"))?;
        let drift = run(dir.path(), &["drift", "--database", db.url()]);
        if drift.status.code() != Some(0) {
            return Err(format!("drift on the source: {}\n{toml}", text(&drift)));
        }
        let up = run(dir.path(), &["up", "--database", fresh.url()]);
        if !up.status.success() {
            return Err(format!("up on a fresh database: {}\n{toml}", text(&up)));
        }
        let drift = run(dir.path(), &["drift", "--database", fresh.url()]);
        if drift.status.code() != Some(0) {
            return Err(format!("drift on the rebuilt: {}\n{toml}", text(&drift)));
        }
        let source = facts(db.url(), query).await?;
        let rebuilt = facts(fresh.url(), query).await?;
        if let Some((change, seen)) = changed {
            exec(fresh.url(), change).await?;
            let drift = run(dir.path(), &["drift", "--database", fresh.url()]);
            if drift.status.code() != Some(8) || !text(&drift).contains(seen) {
                return Err(format!(
                    "drift after `{change}` should exit 8 naming {seen}: {}",
                    text(&drift)
                ));
            }
        }
        Ok((source, rebuilt, toml))
    }
    .await;
    cleanup(vec![db, fresh], &roles).await;
    outcome
}
