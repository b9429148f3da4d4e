//! Fleet runs (`up|status --group`): 60 databases of every kind in one run, two of them made
//! to fail; two overlapping fleet runs at once (canaries and `--max-failures`:
//! fleet_stops.rs).
//!
//! Here and not in tests/tests because it runs the `cutover` binary (only this crate's tests
//! know its path).

mod common;

use std::path::PathBuf;

use cutover_cli::connect::open_url;
use cutover_core::lifecycle::drop_database;
use cutover_core::url::with_database;
use cutover_tests::Backend;
use cutover_tests::fleet::{
    applied_and_labels, by_target, drop_all, exec, items_plan, prefix, project, rows,
};
use serde_json::Value;

/// Databases the fleet test creates, dropped at the end (also after a failure, by `Drop`-less
/// explicit cleanup in [`cleanup`]).
struct Made {
    servers: Vec<String>,
    files: PathBuf,
}

async fn cleanup(made: &Made) {
    drop_all(&made.servers).await;
    let _ = std::fs::remove_dir_all(&made.files);
}

#[tokio::test]
async fn sixty_mixed_databases_two_fail_then_a_rerun_completes_only_what_is_missing() {
    let selected = cutover_tests::backends();
    let has = |b| selected.contains(&b);
    let plan = items_plan();
    let p = prefix("cf", "mix");
    let files = plan.path().join("sqlite");
    std::fs::create_dir_all(&files).expect("mkdir");
    let mut made = Made {
        servers: Vec::new(),
        files: files.clone(),
    };
    let mut urls: Vec<String> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    let pg = Backend::Postgres.server_url();
    let my = Backend::Mysql.server_url();
    if has(Backend::Postgres) {
        for i in 0..10 {
            let url = with_database(&pg, &format!("{p}_pg{i}"));
            made.servers.push(url.clone());
            urls.push(url);
        }
        // One database holding 20 tenant schemas; tenant s7 has a conflicting table.
        let shared = with_database(&pg, &format!("{p}_schemas"));
        made.servers.push(shared.clone());
        cutover_core::lifecycle::create_database(&shared, &open_url)
            .await
            .expect("create schema database");
        exec(&shared, "CREATE SCHEMA s7; CREATE TABLE s7.items (x int)").await;
        for i in 0..20 {
            urls.push(format!("{shared}?search_path=s{i}"));
        }
        broken.push(format!("{shared}?search_path=s7"));
    }
    if has(Backend::Mysql) {
        for i in 0..10 {
            let url = with_database(&my, &format!("{p}_my{i}"));
            made.servers.push(url.clone());
            urls.push(url);
        }
        // MariaDB database my3 exists already with a conflicting table.
        let bad = with_database(&my, &format!("{p}_my3"));
        cutover_core::lifecycle::create_database(&bad, &open_url)
            .await
            .expect("create my3");
        exec(&bad, "CREATE TABLE items (x int)").await;
        broken.push(bad);
    }
    let mut i = 0;
    while urls.len() < 60 {
        urls.push(format!(
            "sqlite://{}",
            files.join(format!("t{i}.db")).display()
        ));
        i += 1;
    }
    if broken.len() < 2 {
        // Without a server, break SQLite files instead.
        for url in urls
            .iter()
            .rev()
            .take(2 - broken.len())
            .cloned()
            .collect::<Vec<_>>()
        {
            exec(&url, "CREATE TABLE items (x int)").await;
            broken.push(url);
        }
    }
    let dir = project(&plan, &urls);

    let (code, doc) = common::run_json(
        &dir,
        &[
            "up",
            "--group",
            "fleet",
            "--create-database",
            "--parallel",
            "8",
            "--json",
        ],
    );
    assert_eq!(code, Some(11), "a failed database makes exit 11: {doc:#}");
    assert_eq!(
        (&doc["ok"], &doc["failed"], &doc["not_started"]),
        (&Value::from(58), &Value::from(2), &Value::from(0)),
        "{doc:#}"
    );
    assert_eq!(doc["versions"], serde_json::json!(["0004"]));
    assert_eq!(doc["converged"], false);
    assert_eq!(doc["targets"].as_array().map(Vec::len), Some(60));
    for url in &urls {
        let name = cutover_core::url::redact(url);
        let t = by_target(&doc, &name);
        if broken.contains(url) {
            assert_eq!(t["status"], "failed", "{t:#}");
            let err = t["error"].as_str().unwrap_or_default();
            assert!(
                err.contains("migration 0001") && err.contains("items"),
                "{err}"
            );
            assert_eq!(
                (&t["applied"], &t["rows_changed"]),
                (&Value::from(0), &Value::from(0))
            );
        } else {
            assert_eq!(t["status"], "ok", "{t:#}");
            assert_eq!(
                (
                    &t["version"],
                    &t["pending"],
                    &t["applied"],
                    &t["rows_changed"]
                ),
                (
                    &Value::from("0004"),
                    &Value::from(0),
                    &Value::from(4),
                    &Value::from(3)
                ),
                "{t:#}"
            );
        }
    }
    // Real outcomes on one database of each kind, and the schemas do not see each other.
    for url in urls.iter().filter(|u| !broken.contains(u)).step_by(7) {
        assert_eq!(
            applied_and_labels(url).await,
            (
                4,
                vec![Some("A".into()), Some("B".into()), Some("C".into())]
            ),
            "{url}"
        );
    }
    if has(Backend::Postgres) {
        let shared = with_database(&pg, &format!("{p}_schemas"));
        let histories = rows(
            &shared,
            "SELECT table_schema FROM information_schema.tables WHERE table_name = 'cutover_history' ORDER BY 1",
        )
        .await;
        assert_eq!(
            histories.len(),
            20,
            "one history table per schema (s7's holds its failure)"
        );
        assert!(rows(&shared, "SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'items'").await.is_empty());
    }

    // Fix the two, re-run: only they apply anything.
    for url in &broken {
        match cutover_core::url::search_path_of(url) {
            Some(schema) => {
                exec(
                    &cutover_core::url::without_search_path(url),
                    &format!("DROP TABLE {schema}.items"),
                )
                .await
            }
            None => exec(url, "DROP TABLE items").await,
        }
    }
    let (code, doc) = common::run_json(
        &dir,
        &["up", "--group", "fleet", "--parallel", "8", "--json"],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(
        (&doc["ok"], &doc["converged"]),
        (&Value::from(60), &Value::Bool(true))
    );
    for t in doc["targets"].as_array().into_iter().flatten() {
        let was_broken = broken
            .iter()
            .any(|u| cutover_core::url::redact(u) == t["target"].as_str().unwrap_or_default());
        let expect = if was_broken { (4, 3) } else { (0, 0) };
        assert_eq!(
            (t["applied"].as_u64(), t["rows_changed"].as_u64()),
            (Some(expect.0), Some(expect.1)),
            "{t:#}"
        );
    }
    for url in &broken {
        assert_eq!(
            applied_and_labels(url).await,
            (
                4,
                vec![Some("A".into()), Some("B".into()), Some("C".into())]
            )
        );
    }
    let (code, doc) = common::run_json(&dir, &["status", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["behind"], serde_json::json!([]));
    cleanup(&made).await;
}
#[tokio::test]
async fn two_overlapping_fleet_runs_apply_each_migration_once_per_database() {
    let plan = items_plan();
    let mut urls: Vec<String> = Vec::new();
    let files = plan.path().join("sqlite");
    std::fs::create_dir_all(&files).expect("mkdir");
    for i in 0..4 {
        urls.push(format!(
            "sqlite://{}",
            files.join(format!("t{i}.db")).display()
        ));
    }
    let mut made = Vec::new();
    if cutover_tests::backends().contains(&Backend::Postgres) {
        let shared = with_database(&Backend::Postgres.server_url(), &prefix("cf", "two"));
        made.push(shared.clone());
        for i in 0..4 {
            urls.push(format!("{shared}?search_path=tenant_{i}"));
        }
    }
    let dir = project(&plan, &urls);
    let spawn = || {
        std::process::Command::new(common::bin())
            .args([
                "up",
                "--group",
                "fleet",
                "--create-database",
                "--parallel",
                "4",
                "--json",
            ])
            .current_dir(&dir)
            .env_remove("DATABASE_URL")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn")
    };
    let (a, b) = (spawn(), spawn());
    let (a, b) = (
        a.wait_with_output().expect("a"),
        b.wait_with_output().expect("b"),
    );
    for out in [&a, &b] {
        assert_eq!(out.status.code(), Some(0), "{}", common::text(out));
    }
    let (da, db) = (common::json(&a), common::json(&b));
    for i in 0..urls.len() {
        let applied = da["targets"][i]["applied"].as_u64().unwrap_or(99)
            + db["targets"][i]["applied"].as_u64().unwrap_or(99);
        assert_eq!(applied, 4, "each migration once on {}", urls[i]);
    }
    for url in &urls {
        assert_eq!(applied_and_labels(url).await.0, 4, "{url}");
    }
    for url in &made {
        let _ = drop_database(url, &open_url).await;
    }
}
