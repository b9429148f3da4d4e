//! Fleet runs that stop early, on groups of SQLite files: a failing canary stops the fleet
//! before anything else starts; `--max-failures` stops new starts and a rerun continues.
//!
//! Here and not in tests/tests because it runs the `cutover` binary (only this crate's tests
//! know its path).

mod common;

use std::path::PathBuf;

use cutover_tests::fleet::{applied_and_labels, exec, items_plan, project};
use cutover_tests::plans::PlanDir;
use serde_json::Value;

/// A group of SQLite files in a fresh directory; `broken` ones get a conflicting table.
async fn sqlite_fleet(plan: &PlanDir, n: usize, broken: &[usize]) -> (PathBuf, Vec<String>) {
    let files = plan.path().join("sqlite");
    std::fs::create_dir_all(&files).expect("mkdir");
    let urls: Vec<String> = (0..n)
        .map(|i| format!("sqlite://{}", files.join(format!("t{i}.db")).display()))
        .collect();
    for &i in broken {
        exec(&urls[i], "CREATE TABLE items (x int)").await;
    }
    (project(plan, &urls), urls)
}

fn statuses(doc: &Value) -> Vec<String> {
    doc["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn a_failing_canary_stops_the_fleet_before_anything_else_starts() {
    let plan = items_plan();
    let (dir, urls) = sqlite_fleet(&plan, 6, &[1]).await;
    let (code, doc) = common::run_json(
        &dir,
        &[
            "up",
            "--group",
            "fleet",
            "--canary",
            "2",
            "--parallel",
            "4",
            "--json",
        ],
    );
    assert_eq!(code, Some(11), "{doc:#}");
    assert_eq!(
        statuses(&doc),
        [
            "ok",
            "failed",
            "not_started",
            "not_started",
            "not_started",
            "not_started"
        ]
    );
    assert!(
        doc["stopped"]
            .as_str()
            .unwrap_or_default()
            .contains("canary"),
        "{doc:#}"
    );
    for url in &urls[2..] {
        assert!(
            cutover_core::url::is_missing_file(url),
            "{url} was never opened"
        );
    }
    assert_eq!(applied_and_labels(&urls[0]).await.0, 4);
}

#[tokio::test]
async fn max_failures_stops_new_starts_and_a_rerun_continues() {
    let plan = items_plan();
    let (dir, urls) = sqlite_fleet(&plan, 8, &[1, 2, 5]).await;
    let (code, doc) = common::run_json(
        &dir,
        &[
            "up",
            "--group",
            "fleet",
            "--parallel",
            "1",
            "--max-failures",
            "2",
            "--json",
        ],
    );
    assert_eq!(code, Some(11), "{doc:#}");
    assert_eq!(
        statuses(&doc),
        [
            "ok",
            "failed",
            "failed",
            "not_started",
            "not_started",
            "not_started",
            "not_started",
            "not_started"
        ]
    );
    assert!(cutover_core::url::is_missing_file(&urls[3]));
    // Text summary of the same state: the four files never created are MISSING (a status
    // creates nothing and does not pass a missing file off as "everything pending"). Then a
    // run without the limit finishes the rest but t5.
    let out = common::run(&dir, &["status", "--group", "fleet"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("8 databases: 4 ok, 4 failed"),
        "{}",
        common::text(&out)
    );
    assert_eq!(text.matches("MISSING").count(), 4, "{}", common::text(&out));
    assert_eq!(out.status.code(), Some(11), "{}", common::text(&out));
    assert!(
        cutover_core::url::is_missing_file(&urls[3]),
        "status created nothing"
    );
    let (code, doc) = common::run_json(&dir, &["up", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(11));
    assert_eq!(
        statuses(&doc),
        ["ok", "failed", "failed", "ok", "ok", "failed", "ok", "ok"]
    );
    assert_eq!(doc["targets"][0]["applied"], 0, "t0 was done already");
    assert_eq!(doc["targets"][3]["applied"], 4);
}
