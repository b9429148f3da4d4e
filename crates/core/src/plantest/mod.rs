//! `cutover test`: prove that one plan builds the same schema on every database.
//!
//! For each database, in a scratch database it creates and drops: apply the plan one
//! migration at a time and compare the live schema with the model after each; revert one at
//! a time and compare with the schema before it; apply again and compare schema and rows
//! with the first pass. Then compare the schemas of all databases with each other.

mod compare;
mod scratch_dir;

use std::time::Instant;

use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::backend::Backend;
use crate::backup::BackupPolicy;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::Plan;
use crate::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use crate::schema::{Schema, SchemaShape, diff};
use crate::url::{dialect_of, redact, with_database};

pub use compare::{portable_view, row_checksums};

/// Opens a connection to a URL.
pub type Opener = dyn Fn(String) -> BoxFuture<'static, Result<Box<dyn Backend>>> + Send + Sync;

/// One check of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestStep {
    /// `up`, `down`, `again` or `rows`.
    pub phase: String,
    /// The migration it concerns, when it concerns one.
    pub migration: Option<String>,
    /// Whether it passed.
    pub ok: bool,
    /// What went wrong (one line per difference).
    pub problems: Vec<String>,
}

/// The result for one database.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DatabaseReport {
    /// The URL, password masked.
    pub url: String,
    /// Its dialect.
    pub dialect: Dialect,
    /// Every check, in order.
    pub steps: Vec<TestStep>,
    /// Whether all passed.
    pub ok: bool,
    /// Wall time.
    pub duration_ms: u64,
    /// The final schema (for the cross-database comparison).
    #[serde(skip)]
    pub shape: Option<SchemaShape>,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestReport {
    /// Per database.
    pub databases: Vec<DatabaseReport>,
    /// Differences between the databases' final schemas (`a vs b: detail`).
    pub cross_dialect: Vec<String>,
    /// Whether everything passed.
    pub ok: bool,
}

fn step(phase: &str, migration: Option<String>, problems: Vec<String>) -> TestStep {
    TestStep {
        phase: phase.into(),
        migration,
        ok: problems.is_empty(),
        problems,
    }
}

/// Runs the test on every URL (each names a server the scratch database is created on).
pub async fn test_plan(plan: &Plan, urls: &[String], open: &Opener) -> Result<TestReport> {
    let mut databases = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        databases.push(test_one(plan, url, i, open).await?);
    }
    let mut cross = Vec::new();
    for i in 0..databases.len() {
        for j in i + 1..databases.len() {
            let (a, b) = (&databases[i], &databases[j]);
            if let (Some(sa), Some(sb)) = (&a.shape, &b.shape) {
                for d in diff(&portable_view(sa), &portable_view(sb)) {
                    cross.push(format!(
                        "{} vs {}: {}: {}",
                        a.dialect, b.dialect, d.object, d.detail
                    ));
                }
            }
        }
    }
    let ok = databases.iter().all(|d| d.ok) && cross.is_empty();
    Ok(TestReport {
        databases,
        cross_dialect: cross,
        ok,
    })
}

async fn test_one(plan: &Plan, url: &str, n: usize, open: &Opener) -> Result<DatabaseReport> {
    let started = Instant::now();
    let dialect = dialect_of(url)?;
    let name = format!(
        "cutover_test_{}_{n}_{}",
        std::process::id(),
        started.elapsed().subsec_nanos()
    );
    let mut admin = match dialect.sql().create_database_sql(&name) {
        Some(sql) => {
            let mut admin = open(url.to_string()).await?;
            admin.execute(&sql).await?;
            Some(admin)
        }
        None => None,
    };
    let scratch = with_database(url, &name);
    let backups = scratch_dir::ScratchDir::new(n)?;
    let options = RunnerOptions {
        backup: BackupPolicy::Auto {
            dir: backups.path().to_path_buf(),
        },
        ..RunnerOptions::default()
    };
    let result = run_scratch(plan, &scratch, dialect, open, &options).await;
    drop(backups);
    if let Some(a) = admin.as_mut()
        && let Some(sql) = dialect.sql().drop_database_sql(&name)
    {
        let _ = a.execute(&sql).await;
    }
    if let Some(a) = admin {
        let _ = a.close().await;
    }
    if dialect == Dialect::Sqlite
        && let Some(path) = crate::url::sqlite_path(&scratch)
    {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
    }
    let (steps, shape) = result?;
    Ok(DatabaseReport {
        url: redact(url),
        dialect,
        ok: steps.iter().all(|s| s.ok),
        steps,
        duration_ms: started.elapsed().as_millis() as u64,
        shape,
    })
}

fn lines(d: Vec<crate::schema::Difference>) -> Vec<String> {
    d.into_iter()
        .map(|d| format!("{}: {}", d.object, d.detail))
        .collect()
}

async fn run_scratch(
    plan: &Plan,
    url: &str,
    dialect: Dialect,
    open: &Opener,
    options: &RunnerOptions,
) -> Result<(Vec<TestStep>, Option<SchemaShape>)> {
    let mut b = open(url.to_string()).await?;
    let mut steps = Vec::new();
    let mut model = Schema::default();
    let mut after_each: Vec<SchemaShape> = Vec::new();
    let empty = b.introspect().await?;
    let raw_sql = plan.migrations.iter().any(|m| {
        m.steps
            .iter()
            .any(|s| matches!(s.item, crate::plan::Step::Sql(_)))
    });
    // Up, one migration at a time.
    for m in &plan.migrations {
        let label = Some(m.label());
        let up = Runner::new(b.as_mut(), plan, options.clone(), &Silent)
            .up(Target::Version(m.version.clone()))
            .await;
        if let Err(e) = up {
            steps.push(step("up", label, vec![e.to_string()]));
            let _ = b.close().await;
            return Ok((steps, None));
        }
        // The model of this dialect: steps limited to others are not in it.
        for (_, s) in m.steps_for(dialect) {
            model.apply(&s.item);
        }
        let live = b.introspect().await?;
        // Objects made by raw SQL are not in the model; they are still compared across
        // databases at the end.
        let problems = lines(diff(&model.shape(dialect), &live))
            .into_iter()
            .filter(|p| !(raw_sql && p.ends_with(" not in the plan") && !p.contains(": column ")))
            .collect();
        steps.push(step("up", label, problems));
        after_each.push(live);
    }
    let first = b.introspect().await?;
    let rows = row_checksums(b.as_mut(), &first, &model).await?;
    // Down, one at a time: each must give back the schema from before its migration.
    for (i, m) in plan.migrations.iter().enumerate().rev() {
        let label = Some(m.label());
        let down = Runner::new(b.as_mut(), plan, options.clone(), &Silent)
            .down(DownTarget::Steps(1))
            .await;
        if let Err(e) = down {
            steps.push(step("down", label, vec![e.to_string()]));
            let _ = b.close().await;
            return Ok((steps, Some(first)));
        }
        let before = if i == 0 { &empty } else { &after_each[i - 1] };
        let live = b.introspect().await?;
        let problems: Vec<String> = lines(diff(before, &live))
            .into_iter()
            .map(|p| format!("after down: {p}"))
            .collect();
        steps.push(step("down", label, problems));
    }
    // Up again: the same schema and the same rows as the first pass.
    let again = Runner::new(b.as_mut(), plan, options.clone(), &Silent)
        .up(Target::Latest)
        .await;
    match again {
        Err(e) => steps.push(step("again", None, vec![e.to_string()])),
        Ok(_) => {
            let live = b.introspect().await?;
            steps.push(step("again", None, lines(diff(&first, &live))));
            let rows_again = row_checksums(b.as_mut(), &live, &model).await?;
            let problems = rows
                .iter()
                .filter(|r| !rows_again.contains(r))
                .map(|(t, c)| {
                    let now = rows_again
                        .iter()
                        .find(|x| x.0 == *t)
                        .map(|x| x.1.as_str())
                        .unwrap_or("missing");
                    format!("table {t}: {c} after the first up, {now} after down and up")
                })
                .collect();
            steps.push(step("rows", None, problems));
        }
    }
    let _ = b.close().await;
    Ok((steps, Some(first)))
}
