//! Where a fleet's members come from, and how a fleet run ends (red-team rtA #5, #7 and the
//! low findings): relative SQLite paths and `targets_command` resolve against the config
//! file's directory, a missing SQLite file fails `status`/`drift`, duplicates are found
//! however the URL is spelled, the command has a time limit, `--parallel 0`/`--workers 0`
//! are refused, Ctrl-C prints the summary of what ran (exit 130), and the summary lists each
//! database's backups and the DRIFT column. SQLite only: none of this depends on a server.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cutover_tests::plans::PlanDir;
use serde_json::Value;

/// A table, a slower step (a generated table of `rows` rows), then a contract migration
/// that drops it (so `up` takes a backup before it).
fn plan(rows: u64) -> PlanDir {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [ { name = \"id\", type = \"bigint\", primary_key = true }, { name = \"name\", type = \"text\" } ]\n",
    )
    .write(
        "0002_slow.toml",
        &format!(
            "description = \"slow\"\n[[steps]]\nop = \"sql\"\nsql = \"CREATE TABLE slow AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < {rows}) SELECT x FROM c\"\ndown = \"DROP TABLE slow\"\n"
        ),
    )
    .write(
        "0003_drop.toml",
        "description = \"drop slow\"\nphase = \"contract\"\n[[steps]]\nop = \"drop_table\"\ntable = \"slow\"\n",
    );
    plan
}

/// `root/sub/cutover.toml` with `group`, plus `extra` files (relative to `sub`).
fn project(plan: &PlanDir, group: &str, extra: &[(&str, &str)]) -> PathBuf {
    let root = plan.path().join("root");
    let sub = root.join("sub");
    std::fs::create_dir_all(sub.join("dbs")).expect("mkdir");
    std::fs::write(
        sub.join("cutover.toml"),
        format!("plan = \"{}\"\n{group}", plan.path().display()),
    )
    .expect("write cutover.toml");
    for (name, text) in extra {
        std::fs::write(sub.join(name), text).expect("write");
    }
    root
}

fn executable(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
}

fn statuses(doc: &Value) -> Vec<String> {
    doc["targets"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| t["status"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn relative_paths_and_commands_resolve_against_the_config_directory() {
    let plan = plan(10);
    let root = project(
        &plan,
        "[groups.g]\ntargets = [\"sqlite://dbs/a.db\"]\ntargets_file = \"more.txt\"\ntargets_command = \"./list.sh\"\n",
        &[
            ("more.txt", "sqlite:dbs/b.db\n"),
            ("list.sh", "#!/bin/sh\necho sqlite://dbs/c.db\n"),
        ],
    );
    let sub = root.join("sub");
    executable(&sub.join("list.sh"));
    // From the parent directory, with a relative --config.
    let out = common::run(
        &root,
        &[
            "--config",
            "sub/cutover.toml",
            "up",
            "--group",
            "g",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let doc = common::json(&out);
    for name in ["a.db", "b.db", "c.db"] {
        assert!(
            sub.join("dbs").join(name).is_file(),
            "{name} beside cutover.toml"
        );
        assert!(
            !root.join("dbs").join(name).exists(),
            "{name} not in the cwd"
        );
    }
    // Each backup before the contract migration is in the summary, JSON and text.
    for t in doc["targets"].as_array().expect("targets") {
        let backups = t["backups"].as_array().expect("backups listed");
        assert_eq!(backups.len(), 1, "{t:#}");
        let b = backups[0].as_str().unwrap_or_default();
        assert!(
            b.contains(".cutover/backups/") && b.contains("before 0003"),
            "{b}"
        );
    }
    // From inside the directory, with a bare --config (its parent is empty).
    let out = common::run(
        &sub,
        &["--config", "cutover.toml", "status", "--group", "g"],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("3 databases: 3 ok"), "{text}");

    // A missing file: `status` and `drift` fail it (exit 11), `up` creates it.
    std::fs::remove_file(sub.join("dbs/b.db")).expect("rm");
    for command in ["status", "drift"] {
        let out = common::run(
            &root,
            &[
                "--config",
                "sub/cutover.toml",
                command,
                "--group",
                "g",
                "--json",
            ],
        );
        assert_eq!(out.status.code(), Some(11), "{}", common::text(&out));
        let doc = common::json(&out);
        assert_eq!(statuses(&doc), ["ok", "failed", "ok"], "{doc:#}");
        let err = doc["targets"][1]["error"].as_str().unwrap_or_default();
        assert!(err.contains("MISSING") && err.contains("dbs/b.db"), "{err}");
        assert!(!sub.join("dbs/b.db").exists(), "{command} creates nothing");
    }
    let out = common::run(
        &root,
        &["--config", "sub/cutover.toml", "drift", "--group", "g"],
    );
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        text.lines().next().unwrap_or_default().contains("DRIFT"),
        "{text}"
    );
    assert!(text.contains("none"), "{text}");
    let out = common::run(
        &root,
        &["--config", "sub/cutover.toml", "up", "--group", "g"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    assert!(sub.join("dbs/b.db").is_file());
}

#[test]
fn a_database_that_fails_after_its_backup_names_the_backup() {
    let plan = plan(10);
    plan.write(
        "0004_bad.toml",
        "description = \"bad\"\nphase = \"contract\"\n[[steps]]\nop = \"sql\"\nsql = \"DROP TABLE nope\"\n",
    );
    let root = project(
        &plan,
        "[groups.g]\ntargets = [\"sqlite://dbs/a.db\"]\n",
        &[],
    );
    let out = common::run(
        &root,
        &[
            "--config",
            "sub/cutover.toml",
            "up",
            "--group",
            "g",
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(11), "{}", common::text(&out));
    let doc = common::json(&out);
    let err = doc["targets"][0]["error"].as_str().unwrap_or_default();
    assert!(err.contains("no such table: nope"), "{err}");
    assert!(
        err.contains("; backup taken: ") && err.contains("(before 0004 (bad))"),
        "{err}"
    );
}

#[test]
fn duplicates_limits_and_zero_counts_are_refused() {
    let plan = plan(10);
    let root = project(
        &plan,
        "[groups.dup]\ntargets = [\"sqlite://dbs/a.db\", \"sqlite://./dbs/../dbs/a.db\"]\n[groups.slow]\ntargets_command = [\"sleep\", \"30\"]\ntargets_command_timeout = 1\n[groups.ok]\ntargets = [\"sqlite://dbs/a.db\"]\n",
        &[],
    );
    let sub = root.join("sub");
    let out = common::run(&sub, &["status", "--group", "dup"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("the same database"), "{text}");

    let started = Instant::now();
    let out = common::run(&sub, &["status", "--group", "slow"]);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("did not finish within 1 s"), "{text}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "stopped at its limit"
    );

    for args in [
        &["up", "--group", "ok", "--parallel", "0"][..],
        &[
            "backfill",
            "run",
            "--database",
            "sqlite://dbs/a.db",
            "--workers",
            "0",
        ][..],
    ] {
        let out = common::run(&sub, args);
        let text = common::text(&out);
        assert_eq!(out.status.code(), Some(2), "{text}");
        assert!(text.contains("0 would run nothing"), "{text}");
    }
    assert!(!sub.join("dbs/a.db").exists(), "nothing ran");
}

#[cfg(unix)]
#[test]
fn ctrl_c_starts_no_new_database_and_prints_what_ran() {
    let plan = plan(1_000_000);
    let list: String = (0..6).map(|i| format!("sqlite://dbs/t{i}.db\n")).collect();
    let root = project(
        &plan,
        "[groups.six]\ntargets_file = \"six.txt\"\n",
        &[("six.txt", &list)],
    );
    let sub = root.join("sub");
    let child = std::process::Command::new(common::bin())
        .args(["up", "--group", "six", "--parallel", "1", "--json"])
        .current_dir(&sub)
        .env_remove("DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    // Interrupt once the first database exists (its migrations are under way).
    let deadline = Instant::now() + Duration::from_secs(60);
    while !sub.join("dbs/t0.db").exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    let sent = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill -INT");
    assert!(sent.success());
    let out = child.wait_with_output().expect("wait");
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(130), "{text}");
    let doc = common::json(&out);
    assert_eq!(doc["interrupted"], true, "{doc:#}");
    let states = statuses(&doc);
    assert_eq!(states[0], "ok", "the running database finished: {doc:#}");
    assert!(!states.contains(&"failed".to_string()), "{doc:#}");
    let not_started = states.iter().filter(|s| *s == "not_started").count();
    assert!(not_started >= 3, "{doc:#}");
    for (i, s) in states.iter().enumerate() {
        let exists = sub.join(format!("dbs/t{i}.db")).exists();
        assert_eq!(exists, s == "ok", "t{i}: {s}");
    }
    assert!(
        doc["stopped"]
            .as_str()
            .unwrap_or_default()
            .contains("interrupted"),
        "{doc:#}"
    );
}
