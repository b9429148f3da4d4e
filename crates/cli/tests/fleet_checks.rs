//! Fleet runs of `backfill run`, `drift` and `lint` (`--group`) on a small mixed group: two
//! SQLite files, two PostgreSQL databases and one MariaDB database (those selected).

mod common;

use std::path::{Path, PathBuf};

use cutover_core::url::{redact, with_database};
use cutover_tests::Backend;
use cutover_tests::fleet::{by_target, drop_all, exec, items_plan, labels, prefix};
use cutover_tests::plans::PlanDir;
use serde_json::Value;

/// Table, three rows, a column, a backfill of the column; 0005 creates an index and 0006 drops
/// it without CONCURRENTLY (a PostgreSQL-only lint error) when `with_lint_error`.
fn plan(with_lint_error: bool) -> PlanDir {
    let plan = items_plan();
    if with_lint_error {
        plan.write(
            "0005_index.toml",
            "description = \"index\"\n[[steps]]\nop = \"create_index\"\ntable = \"items\"\nname = \"items_name\"\ncolumns = [\"name\"]\n",
        )
        .write(
            "0006_unindex.toml",
            "description = \"unindex\"\n[[steps]]\nop = \"drop_index\"\ntable = \"items\"\nname = \"items_name\"\n",
        );
    }
    plan
}

/// A project directory whose cutover.toml lists `urls` as group `fleet`.
fn project(plan: &PlanDir, urls: &[String]) -> PathBuf {
    let dir = plan.path().join("project");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let list: Vec<String> = urls.iter().map(|u| format!("{u:?}")).collect();
    std::fs::write(
        dir.join("cutover.toml"),
        format!(
            "plan = \"{}\"\n[groups.fleet]\ntargets = [{}]\n",
            plan.path().display(),
            list.join(", ")
        ),
    )
    .expect("write cutover.toml");
    dir
}

/// The mixed group: SQLite files always, PostgreSQL and MariaDB databases when selected.
fn mixed(p: &str, files: &Path) -> (Vec<String>, Vec<String>) {
    let selected = cutover_tests::backends();
    let mut urls = vec![
        format!("sqlite://{}", files.join("a.db").display()),
        format!("sqlite://{}", files.join("b.db").display()),
    ];
    let mut servers = Vec::new();
    if selected.contains(&Backend::Postgres) {
        for i in 0..2 {
            let url = with_database(&Backend::Postgres.server_url(), &format!("{p}_pg{i}"));
            servers.push(url.clone());
            urls.push(url);
        }
    }
    if selected.contains(&Backend::Mysql) {
        let url = with_database(&Backend::Mysql.server_url(), &format!("{p}_my"));
        servers.push(url.clone());
        urls.push(url);
    }
    (urls, servers)
}

#[tokio::test]
async fn backfill_run_then_drift_over_a_mixed_group() {
    let plan = plan(false);
    let files = plan.path().join("sqlite");
    std::fs::create_dir_all(&files).expect("mkdir");
    let (urls, servers) = mixed(&prefix("cfc", "bf"), &files);
    let dir = project(&plan, &urls);

    // Schema up to the column, backfill not yet run: every label is NULL.
    let (code, doc) = common::run_json(
        &dir,
        &[
            "up",
            "--group",
            "fleet",
            "--create-database",
            "--to",
            "0003",
            "--json",
        ],
    );
    assert_eq!(code, Some(0), "{doc:#}");
    for url in &urls {
        assert_eq!(labels(url).await, vec![None, None, None], "{url}");
    }

    // backfill run over the group fills every database, ahead of migration 0004.
    let (code, doc) = common::run_json(&dir, &["backfill", "run", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["command"], "backfill run");
    assert_eq!(doc["ok"], Value::from(urls.len()), "{doc:#}");
    for url in &urls {
        let t = by_target(&doc, &redact(url));
        assert_eq!(
            (
                &t["status"],
                &t["rows_changed"],
                &t["version"],
                &t["pending"]
            ),
            (
                &Value::from("ok"),
                &Value::from(3),
                &Value::from("0003"),
                &Value::from(1)
            ),
            "{t:#}"
        );
        let want: Vec<Option<String>> = ["A", "B", "C"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        assert_eq!(labels(url).await, want, "{url}");
    }
    // A second run has nothing left to change.
    let (code, doc) = common::run_json(&dir, &["backfill", "run", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    for url in &urls {
        assert_eq!(by_target(&doc, &redact(url))["rows_changed"], 0, "{doc:#}");
    }

    // No drift anywhere, then a hand-made change on exactly one database.
    let (code, doc) = common::run_json(&dir, &["up", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    let (code, doc) = common::run_json(&dir, &["drift", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["drifted"], serde_json::json!([]), "{doc:#}");
    let changed = urls.last().cloned().expect("a url");
    exec(&changed, "ALTER TABLE items ADD extra_note varchar(20)").await;
    let (code, doc) = common::run_json(&dir, &["drift", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(8), "drift on one database exits 8: {doc:#}");
    assert_eq!(
        doc["drifted"],
        serde_json::json!([redact(&changed)]),
        "{doc:#}"
    );
    let t = by_target(&doc, &redact(&changed));
    let diffs = t["drift"].to_string();
    assert!(
        diffs.contains("items") && diffs.contains("extra_note"),
        "{t:#}"
    );
    for url in urls.iter().filter(|u| **u != changed) {
        assert!(
            by_target(&doc, &redact(url)).get("drift").is_none(),
            "{doc:#}"
        );
    }
    // Text mode names it too.
    let out = common::run(&dir, &["drift", "--group", "fleet"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(8), "{text}");
    assert!(
        text.contains("1 database(s) drifted") && text.contains("extra_note"),
        "{text}"
    );

    // A database that cannot be checked (missing SQLite file) makes the fleet exit 11.
    let mut more = urls.clone();
    more.push(format!("sqlite://{}", files.join("missing.db").display()));
    let dir = project(&plan, &more);
    let (code, doc) = common::run_json(&dir, &["drift", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(11), "{doc:#}");
    assert_eq!(doc["failed"], 1, "{doc:#}");
    assert!(!files.join("missing.db").exists(), "drift created a file");
    // backfill run: the missing database fails (exit 11), the others still run.
    let (code, doc) = common::run_json(&dir, &["backfill", "run", "--group", "fleet", "--json"]);
    assert_eq!(code, Some(11), "{doc:#}");
    assert_eq!(
        (&doc["ok"], &doc["failed"]),
        (&Value::from(urls.len()), &Value::from(1))
    );
    let missing = by_target(&doc, &redact(&more[more.len() - 1]));
    assert!(
        missing["error"]
            .as_str()
            .unwrap_or_default()
            .contains("missing.db"),
        "{missing:#}"
    );
    assert!(
        !files.join("missing.db").exists(),
        "backfill run created a file"
    );
    drop_all(&servers).await;
}

#[tokio::test]
async fn lint_runs_once_per_dialect_of_the_group() {
    let plan = plan(true);
    let dir = plan.path().join("project");
    std::fs::create_dir_all(&dir).expect("mkdir");
    // Lint reads no database: the URLs need not exist.
    std::fs::write(
        dir.join("cutover.toml"),
        format!(
            "plan = \"{}\"\n[groups.lite]\ntargets = [\"sqlite://x1.db\", \"sqlite://x2.db\"]\n[groups.mixed]\ntargets = [\"sqlite://x1.db\", \"postgres://u@127.0.0.1:1/a\", \"postgres://u@127.0.0.1:1/b\", \"mysql://u@127.0.0.1:1/c\"]\n",
            plan.path().display()
        ),
    )
    .expect("write cutover.toml");
    let (code, doc) = common::run_json(&dir, &["lint", "--group", "lite", "--json"]);
    assert_eq!(code, Some(0), "{doc:#}");
    assert_eq!(doc["dialects"], serde_json::json!(["sqlite"]), "{doc:#}");
    assert_eq!(doc["fleet"]["sqlite"].as_array().map(Vec::len), Some(2));
    let (code, doc) = common::run_json(&dir, &["lint", "--group", "mixed", "--json"]);
    assert_eq!(
        code,
        Some(7),
        "a PostgreSQL lint error fails a group with PostgreSQL: {doc:#}"
    );
    assert_eq!(
        doc["dialects"],
        serde_json::json!(["sqlite", "postgres", "mysql"])
    );
    assert_eq!(doc["fleet"]["postgres"].as_array().map(Vec::len), Some(2));
    let findings = doc["findings"].to_string();
    assert!(
        findings.contains("pg/drop-index-without-concurrently"),
        "{findings}"
    );
    // Two PostgreSQL databases, one finding: linted per dialect, not per database.
    let n = doc["findings"].as_array().map(|f| {
        f.iter()
            .filter(|f| f["rule"] == "pg/drop-index-without-concurrently")
            .count()
    });
    assert_eq!(n, Some(1), "{doc:#}");
    assert!(!dir.join("x1.db").exists());
    // An unknown group is a clear error.
    let out = common::run(&dir, &["lint", "--group", "nope"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    assert!(
        common::text(&out).contains("nope"),
        "{}",
        common::text(&out)
    );
}
