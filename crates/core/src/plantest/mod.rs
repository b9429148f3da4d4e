//! `cutover test`: prove that one plan builds the same schema and the same data on every
//! database.
//!
//! Every database gets a scratch database it creates and drops, and all of them move
//! through the plan in lockstep: apply one migration at a time, compare the live schema
//! with the model and load the fixture rows that follow it; revert one at a time and
//! compare schema and rows with those from before it; apply again and compare schema and
//! rows with the first pass. After every migration and every revert the rows of every
//! table are compared across the databases; at the end their schemas too, except for the
//! objects that steps limited with `dialects = [..]` make different on purpose (see
//! [`divergence`]).

mod cell;
mod compare;
mod divergence;
mod fixture;
mod lane;
mod normalise;
mod rows;
mod scratch_dir;
mod seed;

use std::collections::BTreeSet;

use futures_util::future::BoxFuture;
use serde::Serialize;

use crate::backend::Backend;
use crate::dialect::Dialect;
use crate::error::Result;
use crate::plan::Plan;
use crate::schema::{SchemaShape, diff};

pub use compare::{portable_view, row_checksums};
pub use fixture::{FixtureRow, FixtureTable, FixtureValue, Fixtures, LOAD_AFTER};
use lane::Lane;
use seed::Schedule;

/// Opens a connection to a URL.
pub type Opener = dyn Fn(String) -> BoxFuture<'static, Result<Box<dyn Backend>>> + Send + Sync;

/// One check of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TestStep {
    /// `up`, `down`, `seed` (loading fixture rows), `again` or `rows`.
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

/// Runs the test on every URL (each names a server the scratch database is created on),
/// without fixtures.
pub async fn test_plan(plan: &Plan, urls: &[String], open: &Opener) -> Result<TestReport> {
    test_plan_with(plan, urls, open, &Fixtures::default()).await
}

/// Runs the test on every URL with seed rows. All databases move through the plan in
/// lockstep; after every migration, every revert and the second up pass, the rows of every
/// table are compared across the databases.
pub async fn test_plan_with(
    plan: &Plan,
    urls: &[String],
    open: &Opener,
    fixtures: &Fixtures,
) -> Result<TestReport> {
    let plan = &plan.with_test_only();
    let schedule = Schedule::new(plan, fixtures)?;
    let mut lanes = Vec::new();
    for (i, url) in urls.iter().enumerate() {
        match Lane::open(plan, url, i, open).await {
            Ok(lane) => lanes.push(lane),
            Err(e) => {
                for lane in lanes {
                    lane.finish().await;
                }
                return Err(e);
            }
        }
    }
    let mut cross = Vec::new();
    let driven = drive(plan, &schedule, &mut lanes, &mut cross).await;
    let mut databases = Vec::new();
    for lane in lanes {
        databases.push(lane.finish().await);
    }
    driven?;
    let divergence = divergence::Divergence::of(plan);
    for i in 0..databases.len() {
        for j in i + 1..databases.len() {
            let (a, b) = (&databases[i], &databases[j]);
            if let (Some(sa), Some(sb)) = (&a.shape, &b.shape) {
                let view =
                    |s: &SchemaShape| divergence.mask(&portable_view(s), a.dialect, b.dialect);
                for d in diff(&view(sa), &view(sb)) {
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

/// Up one at a time, down one at a time, up again; rows compared across lanes after each.
async fn drive(
    plan: &Plan,
    schedule: &Schedule,
    lanes: &mut [Lane],
    cross: &mut Vec<String>,
) -> Result<()> {
    for (i, m) in plan.migrations.iter().enumerate() {
        for lane in lanes.iter_mut() {
            lane.up(plan, i, &schedule.after[i]).await?;
        }
        compare_rows(lanes, &format!("after {}", m.version), cross).await?;
    }
    for lane in lanes.iter_mut() {
        lane.mark_first().await?;
    }
    for (i, m) in plan.migrations.iter().enumerate().rev() {
        for lane in lanes.iter_mut() {
            lane.down(plan, i, &schedule.after[i]).await?;
        }
        compare_rows(lanes, &format!("after down {}", m.version), cross).await?;
    }
    for (i, _) in plan.migrations.iter().enumerate() {
        for lane in lanes.iter_mut() {
            lane.again(plan, i, &schedule.after[i]).await?;
        }
    }
    for lane in lanes.iter_mut() {
        lane.check_again().await?;
    }
    compare_rows(lanes, "after up again", cross).await
}

/// Compares the rows of every running lane with the first running lane's, one table at a
/// time.
async fn compare_rows(lanes: &mut [Lane], when: &str, cross: &mut Vec<String>) -> Result<()> {
    let mut shapes = Vec::new();
    for (i, lane) in lanes.iter_mut().enumerate() {
        if let Some(shape) = lane.shape().await? {
            shapes.push((i, shape));
        }
    }
    let tables: BTreeSet<&String> = shapes
        .iter()
        .flat_map(|(_, s)| rows::user_tables(s).map(|(t, _)| t))
        .collect();
    for table in tables {
        let mut read = Vec::new();
        for (i, shape) in &shapes {
            if let Some(t) = shape.tables.get(table)
                && let Some(r) = lanes[*i].table_rows(table, t).await?
            {
                read.push((lanes[*i].dialect, r));
            }
        }
        if let Some(((da, first), rest)) = read.split_first() {
            let before = cross.len();
            for (db, other) in rest {
                cross.extend(
                    first
                        .differences(table, *da, other, *db)
                        .into_iter()
                        .map(|d| format!("{when}: {d}")),
                );
            }
            let generated = shapes
                .iter()
                .find_map(|(_, s)| s.tables.get(table))
                .and_then(generated_key);
            if let Some(key) = generated.filter(|_| cross.len() > before) {
                cross.push(format!(
                    "{when}: {table}: hint: rows are matched by `{key}`, which the database generates; an insert that skips a row (on_conflict = \"ignore\") uses up an id on PostgreSQL and SQLite but not on MySQL/MariaDB, so the same rows can get other ids: compare them by their natural key (see docs/ci.md)"
                ));
            }
        }
    }
    Ok(())
}

/// The primary key of `t` when it is one column the database fills (identity or serial).
fn generated_key(t: &crate::schema::TableShape) -> Option<&str> {
    let [key] = t.primary_key.as_slice() else {
        return None;
    };
    t.columns
        .iter()
        .find(|c| &c.name == key && c.has_default)
        .map(|c| c.name.as_str())
}
