//! `cutover lint` in text, `--json` and `--sarif`, and the lint gate of `cutover up`, on the
//! classic-mistakes plan of cutover-core's tests (no database server needed: SQLite files).

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// The classic-mistakes plan (see crates/core/tests/lint_classic.rs).
fn classic() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../core/tests/fixtures/lint_classic")
}

fn example() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples/messages/migrations")
}

/// A scratch directory (the working directory of the runs), removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("cutover-lint-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn utf8(p: &Path) -> &str {
    p.to_str().expect("utf8 path")
}

/// (rule, file name, line) of the postgres findings of the classic plan, in order.
const PG_EXPECTED: &[(&str, &str, u64)] = &[
    (
        "pg/constraint-without-not-valid",
        "0002_constraints.toml",
        3,
    ),
    ("pg/index-without-concurrently", "0002_constraints.toml", 9),
    ("pg/add-not-null-without-default", "0003_profile.toml", 3),
    ("pg/rename", "0003_profile.toml", 8),
    ("pg/column-type-change", "0003_profile.toml", 14),
    ("plan/irreversible-without-down", "0003_profile.toml", 14),
    ("plan/unbatched-data-change", "0004_data.toml", 3),
    ("plan/backfill-without-pending", "0004_data.toml", 8),
    ("pg/set-not-null", "0004_data.toml", 14),
    ("plan/irreversible-without-down", "0004_data.toml", 14),
    ("plan/suppression-without-reason", "0004_data.toml", 19),
    ("plan/version-gap", "0006_cleanup.toml", 1),
    ("plan/destructive-outside-contract", "0006_cleanup.toml", 3),
    ("plan/irreversible-without-down", "0006_cleanup.toml", 3),
    ("pg/drop-cascade", "0006_cleanup.toml", 8),
    ("plan/destructive-outside-contract", "0006_cleanup.toml", 8),
    ("plan/irreversible-without-down", "0006_cleanup.toml", 8),
    ("plan/conflicting-table", "0007_orders_v2.toml", 3),
    ("plan/duplicate-migration", "0008_orders_v2_copy.toml", 1),
    ("plan/conflicting-table", "0008_orders_v2_copy.toml", 3),
];

fn file_name(path: &str) -> String {
    Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

#[test]
fn text_output_lists_every_finding_with_why_and_fix_and_exits_7() {
    let dir = Scratch::new("text");
    let plan = classic();
    let out = common::run(
        &dir.0,
        &["lint", "--plan", utf8(&plan), "--dialect", "postgres"],
    );
    assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let heads: Vec<(String, String, u64)> = stdout
        .lines()
        .filter(|l| !l.starts_with("  ") && l.contains(".toml:"))
        .map(|l| {
            let (path, rest) = l.split_once(".toml:").expect("file:line");
            let (line, rest) = rest.split_once(": ").expect("line: severity");
            let rule = rest
                .split_once('[')
                .and_then(|(_, r)| r.split_once(']'))
                .map(|(r, _)| r.to_string())
                .expect("[rule]");
            (
                rule,
                file_name(&format!("{path}.toml")),
                line.parse().expect("a line number"),
            )
        })
        .collect();
    let want: Vec<(String, String, u64)> = PG_EXPECTED
        .iter()
        .map(|(r, f, l)| (r.to_string(), f.to_string(), *l))
        .collect();
    assert_eq!(heads, want, "{stdout}");
    assert!(
        stdout.contains(
            "0002_constraints.toml:9: error[pg/index-without-concurrently] migration 0002 (constraints), step 2 (create_index) [postgres]: index `uq_users_email` on existing table `users` is built without `concurrently`\n  why: CREATE INDEX without CONCURRENTLY"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("\n  fix: Set `concurrently = true`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("lint: 13 errors, 7 warnings, 0 info (postgres)"),
        "{stdout}"
    );
}

#[test]
fn json_output_carries_every_field() {
    let dir = Scratch::new("json");
    let plan = classic();
    let out = common::run(
        &dir.0,
        &[
            "lint",
            "--json",
            "--plan",
            utf8(&plan),
            "--dialect",
            "postgres",
        ],
    );
    assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["dialects"], serde_json::json!(["postgres"]));
    assert_eq!(doc["summary"]["errors"], 13);
    let findings = doc["findings"].as_array().expect("findings");
    let got: Vec<(String, String, u64)> = findings
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap_or_default().to_string(),
                file_name(f["file"].as_str().unwrap_or_default()),
                f["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    let want: Vec<(String, String, u64)> = PG_EXPECTED
        .iter()
        .map(|(r, f, l)| (r.to_string(), f.to_string(), *l))
        .collect();
    assert_eq!(got, want);
    let rename = &findings[3];
    assert_eq!(rename["severity"], "warning");
    assert_eq!(rename["dialect"], "postgres");
    assert_eq!(rename["migration"], "0003");
    assert_eq!(rename["migration_name"], "profile");
    assert_eq!(rename["step"], 2);
    assert_eq!(rename["op"], "rename_column");
    for key in ["message", "explanation", "fix"] {
        assert!(
            !rename[key].as_str().unwrap_or_default().is_empty(),
            "{key}: {rename}"
        );
    }
    // Plan-wide findings have no dialect; migration-level ones no step.
    assert!(findings[11].get("dialect").is_none() && findings[11].get("step").is_none());
}

#[test]
fn sarif_output_is_a_sarif_2_1_0_log_with_rules_and_results() {
    let dir = Scratch::new("sarif");
    // Copied under the working directory so the URIs come out relative, as in a repository.
    let plan = dir.0.join("migrations");
    std::fs::create_dir_all(&plan).expect("plan dir");
    for entry in std::fs::read_dir(classic()).expect("classic plan") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, plan.join(path.file_name().expect("name"))).expect("copy");
    }
    let out = common::run(&dir.0, &["lint", "--sarif", "--plan", "migrations"]);
    assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_eq!(log["version"], "2.1.0");
    assert!(
        log["$schema"]
            .as_str()
            .unwrap_or_default()
            .contains("sarif-2.1.0")
    );
    let run = &log["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cutover");
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), cutover_core::lint::rules().len());
    for r in rules {
        for key in ["shortDescription", "fullDescription", "help"] {
            assert!(
                !r[key]["text"].as_str().unwrap_or_default().is_empty(),
                "{r}"
            );
        }
    }
    let results = run["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        27,
        "all dialects: every finding of the classic plan"
    );
    let first = &results[0];
    assert_eq!(first["ruleId"], "mysql/table-copying-alter");
    assert_eq!(first["level"], "error");
    let location = &first["locations"][0]["physicalLocation"];
    assert_eq!(
        location["artifactLocation"]["uri"],
        "migrations/0002_constraints.toml"
    );
    assert_eq!(location["region"]["startLine"], 3);
    let index = first["ruleIndex"].as_u64().expect("ruleIndex") as usize;
    assert_eq!(rules[index]["id"], first["ruleId"]);
    let levels: Vec<&str> = results.iter().filter_map(|r| r["level"].as_str()).collect();
    assert!(levels.contains(&"warning") && levels.contains(&"error"));
}

#[test]
fn sarif_and_json_cannot_be_combined() {
    let dir = Scratch::new("both");
    let out = common::run(
        &dir.0,
        &["lint", "--sarif", "--json", "--plan", utf8(&classic())],
    );
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
}

#[test]
fn the_example_plan_lints_clean() {
    let dir = Scratch::new("example");
    let out = common::run(&dir.0, &["lint", "--plan", utf8(&example())]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("lint: no findings (postgres, mysql, sqlite)")
    );
}

#[test]
fn up_refuses_a_plan_with_lint_errors_and_touches_nothing() {
    let dir = Scratch::new("up");
    let db = dir.0.join("x.db");
    let url = format!("sqlite://{}", utf8(&db));
    let plan = classic();
    let out = common::run(&dir.0, &["up", "--database", &url, "--plan", utf8(&plan)]);
    assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("error[plan/unbatched-data-change]"),
        "{stderr}"
    );
    assert!(stderr.contains("lint errors for sqlite"), "{stderr}");
    assert!(stderr.contains("--allow-lint-errors"), "{stderr}");
    // Only the database's dialect is linted: no PostgreSQL finding.
    assert!(!stderr.contains("[pg/"), "{stderr}");
    assert!(!db.exists(), "nothing was created or recorded");

    let out = common::run(
        &dir.0,
        &["up", "--json", "--database", &url, "--plan", utf8(&plan)],
    );
    assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["exit_code"], 7);
    assert!(!doc["findings"].as_array().expect("findings").is_empty());
    assert!(!db.exists());
}

#[test]
fn up_with_allow_lint_errors_proceeds() {
    let dir = Scratch::new("up-allow");
    let db = dir.0.join("x.db");
    let url = format!("sqlite://{}", utf8(&db));
    let up = |plan: &Path| {
        common::run(
            &dir.0,
            &[
                "up",
                "--allow-lint-errors",
                "--database",
                &url,
                "--plan",
                utf8(plan),
            ],
        )
    };
    // The classic plan gets past the gate and then meets the renderer's own refusal (SQLite
    // cannot add a NOT NULL column without a default): exit 1, not 7.
    let classic = classic();
    let out = up(&classic);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("applying despite 8 lint errors"),
        "{stderr}"
    );
    assert!(
        stderr.contains("cannot add a NOT NULL column without a default"),
        "{stderr}"
    );

    // A plan whose only problem is a lint error is refused without the flag, applied with it.
    let plan = dir.0.join("plan");
    std::fs::create_dir_all(&plan).expect("plan dir");
    std::fs::copy(classic.join("0001_init.toml"), plan.join("0001_init.toml")).expect("copy");
    std::fs::write(
        plan.join("0002_reset.toml"),
        "description = \"reset ages\"\n\n[[steps]]\nop = \"sql\"\nsql = \"UPDATE users SET age = 0\"\ndown = \"SELECT 1\"\n",
    )
    .expect("write");
    let refused = common::run(&dir.0, &["up", "--database", &url, "--plan", utf8(&plan)]);
    assert_eq!(refused.status.code(), Some(7), "{}", common::text(&refused));
    let out = up(&plan);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let status = common::run(
        &dir.0,
        &[
            "status",
            "--json",
            "--database",
            &url,
            "--plan",
            utf8(&plan),
        ],
    );
    let doc: Value = serde_json::from_slice(&status.stdout).expect("status JSON");
    assert_eq!(doc["status"]["pending"], 0, "{doc}");
    assert_eq!(doc["status"]["migrations"][1]["state"], "applied", "{doc}");
}

#[test]
fn up_applies_a_clean_plan_as_before() {
    let dir = Scratch::new("up-clean");
    let db = dir.0.join("x.db");
    let url = format!("sqlite://{}", utf8(&db));
    let out = common::run(
        &dir.0,
        &["up", "--database", &url, "--plan", utf8(&example())],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
}

#[test]
fn sarif_of_a_plan_that_does_not_load_reports_a_failed_run() {
    let scratch = Scratch::new("sarif-broken");
    let plan = scratch.0.join("migrations");
    std::fs::create_dir_all(&plan).expect("dir");
    std::fs::write(
        plan.join("0001_x.toml"),
        "description = \"x\"\n[[steps]]\nop = \"nope\"\n",
    )
    .expect("write");
    let out = common::run(&scratch.0, &["lint", "--sarif", "--plan", utf8(&plan)]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    let log: Value = serde_json::from_slice(&out.stdout).expect("a SARIF log on stdout");
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], Value::Bool(false));
    let note = &invocation["toolExecutionNotifications"][0];
    assert!(
        note["message"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("unknown variant `nope`")),
        "{note}"
    );
    assert_eq!(
        note["locations"][0]["physicalLocation"]["region"]["startLine"],
        3
    );
}
