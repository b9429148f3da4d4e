//! `cutover lint --sql-dir`: folders of plain SQL migrations written for other tools, one
//! fixture per layout under tests/fixtures/sql_dirs, each with one dangerous statement.
//! Findings point at the SQL file and the statement's line; errors exit 7, a safe folder 0,
//! and a folder cutover cannot read is a clear error.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sql_dirs")
}

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("cutover-sql-dirs-{name}-{}", std::process::id()));
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

fn lint(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["lint", "--json", "--sql-dir", dir.to_str().expect("utf8")];
    args.extend_from_slice(extra);
    common::run(&fixtures(), &args)
}

/// (fixture, dialect, layout flag, detected layout, error rule, file under the fixture, line)
const CASES: &[(&str, &str, &str, &str, &str, &str, u64)] = &[
    (
        "sqlx",
        "postgres",
        "auto",
        "sqlx",
        "pg/index-without-concurrently",
        "20240102000000_email_index.up.sql",
        3,
    ),
    (
        "dbmate",
        "postgres",
        "auto",
        "dbmate",
        "pg/set-not-null",
        "20240102000000_email_not_null.sql",
        3,
    ),
    (
        "golang_migrate",
        "mysql",
        "golang-migrate",
        "golang-migrate",
        "mysql/table-copying-alter",
        "000002_widen_email.up.sql",
        2,
    ),
    (
        "flyway",
        "postgres",
        "auto",
        "flyway",
        "pg/column-type-change",
        "V2__bigint_ids.sql",
        4,
    ),
    (
        "prisma",
        "postgres",
        "auto",
        "prisma",
        "pg/constraint-without-not-valid",
        "20240102000000_orders_user_fk/migration.sql",
        2,
    ),
    (
        "refinery",
        "sqlite",
        "refinery",
        "refinery",
        "plan/unbatched-data-change",
        "V2__forget_emails.sql",
        2,
    ),
];

#[test]
fn each_layout_reports_the_statement_file_and_line_and_exits_7() {
    for &(fixture, dialect, layout, detected, rule, file, line) in CASES {
        let dir = fixtures().join(fixture);
        let out = lint(&dir, &["--dialect", dialect, "--layout", layout]);
        assert_eq!(
            out.status.code(),
            Some(7),
            "{fixture}: {}",
            common::text(&out)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
        assert_eq!(doc["layout"], detected, "{fixture}");
        let errors: Vec<(String, PathBuf, u64)> = doc["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| {
                (
                    f["rule"].as_str().unwrap_or_default().to_string(),
                    PathBuf::from(f["file"].as_str().unwrap_or_default()),
                    f["line"].as_u64().unwrap_or_default(),
                )
            })
            .collect();
        assert_eq!(
            errors,
            vec![(rule.to_string(), dir.join(file), line)],
            "{fixture}"
        );
    }
}

#[test]
fn text_output_names_the_sql_file_and_the_layout() {
    let out = common::run(
        &fixtures(),
        &["lint", "--sql-dir", "dbmate", "--dialect", "postgres"],
    );
    assert_eq!(out.status.code(), Some(7), "{}", common::text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("dbmate/20240102000000_email_not_null.sql:3: error[pg/set-not-null] migration 20240102000000 (email_not_null), step 1 (sql) [postgres]"),
        "{stdout}"
    );
    assert!(stdout.contains("dbmate: dbmate layout"), "{stdout}");
    // The CONCURRENTLY index of the `transaction:false` section is fine.
    assert!(!stdout.contains("index-without-concurrently"), "{stdout}");
}

#[test]
fn a_safe_folder_exits_0() {
    let out = lint(&fixtures().join("safe"), &["--dialect", "postgres"]);
    assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(doc["findings"], serde_json::json!([]), "{doc}");
    // .up/.down files fit sqlx and golang-migrate; a `-- no-transaction` line makes it sqlx.
    assert_eq!(doc["layout"], "sqlx");
}

#[test]
fn tools_without_downs_get_no_irreversible_warnings() {
    let out = lint(&fixtures().join("prisma"), &["--dialect", "postgres"]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let irreversible = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "plan/irreversible-without-down")
        .count();
    assert_eq!(irreversible, 0, "{doc}");
    // Flyway has undo files: a versioned migration without one is flagged.
    let out = lint(&fixtures().join("flyway"), &["--dialect", "postgres"]);
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let warned: Vec<&str> = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["rule"] == "plan/irreversible-without-down")
        .filter_map(|f| f["migration"].as_str())
        .collect();
    assert_eq!(warned, vec!["1", "R__user_emails"], "{doc}");
}

fn error_of(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn undo_files_make_flyway_and_refinery_ambiguous() {
    let out = lint(&fixtures().join("refinery"), &["--dialect", "sqlite"]);
    assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
    let err = common::text(&out);
    assert!(
        err.contains("fits several layouts that read it differently: flyway, refinery; pass --layout flyway or --layout refinery"),
        "{err}"
    );
}

#[test]
fn unreadable_folders_and_files_are_clear_errors() {
    let s = Scratch::new("errors");
    let dir = |name: &str| {
        let d = s.0.join(name);
        std::fs::create_dir_all(&d).expect("dir");
        d
    };
    let write = |d: &Path, f: &str, text: &str| std::fs::write(d.join(f), text).expect("write");
    let run = |d: &Path, extra: &[&str]| {
        let mut args = vec!["lint", "--sql-dir", d.to_str().expect("utf8")];
        args.extend_from_slice(extra);
        common::run(&s.0, &args)
    };
    let pg = ["--dialect", "postgres"];

    let out = run(&s.0.join("missing"), &pg);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        error_of(&out).contains("SQL migration folder not found"),
        "{}",
        common::text(&out)
    );

    let empty = dir("empty");
    write(&empty, "README.md", "notes\n");
    let out = run(&empty, &pg);
    assert!(
        error_of(&out).contains("holds no SQL migrations"),
        "{}",
        common::text(&out)
    );

    let odd = dir("odd");
    write(
        &odd,
        "20240101000000_users.sql",
        "CREATE TABLE users (id int);\n",
    );
    write(&odd, "notes.sql", "SELECT 1;\n");
    let out = run(&odd, &["--dialect", "postgres", "--layout", "sqlx"]);
    assert_eq!(out.status.code(), Some(1));
    let err = error_of(&out);
    assert!(
        err.contains("notes.sql: this file does not follow the sqlx layout (<version>_<name>.sql or <version>_<name>.up.sql / .down.sql)"),
        "{err}"
    );
    let out = run(&odd, &pg);
    let err = error_of(&out);
    assert!(
        err.contains("cannot tell which tool wrote this folder"),
        "{err}"
    );
    assert!(err.contains("flyway (V<version>__<name>.sql"), "{err}");

    let unmarked = dir("unmarked");
    write(
        &unmarked,
        "20240101000000_users.sql",
        "CREATE TABLE users (id int);\n",
    );
    let out = run(&unmarked, &["--dialect", "postgres", "--layout", "dbmate"]);
    assert!(
        error_of(&out).contains(
            "20240101000000_users.sql:1: a dbmate migration needs a `-- migrate:up` line"
        ),
        "{}",
        common::text(&out)
    );

    let orphan = dir("orphan");
    write(&orphan, "000001_users.down.sql", "DROP TABLE users;\n");
    let out = run(
        &orphan,
        &["--dialect", "postgres", "--layout", "golang-migrate"],
    );
    assert!(
        error_of(&out).contains("a down migration without its up: add 000001_users.up.sql"),
        "{}",
        common::text(&out)
    );

    let dotted = dir("dotted");
    write(&dotted, "V1.1__users.sql", "CREATE TABLE users (id int);\n");
    let out = run(&dotted, &["--dialect", "postgres", "--layout", "flyway"]);
    assert!(
        error_of(&out).contains("version 1.1 has parts"),
        "{}",
        common::text(&out)
    );

    #[cfg(unix)]
    {
        let broken = dir("broken");
        std::os::unix::fs::symlink(
            broken.join("nowhere.sql"),
            broken.join("20240101000000_x.sql"),
        )
        .expect("symlink");
        let out = run(&broken, &["--dialect", "postgres", "--layout", "sqlx"]);
        assert_eq!(out.status.code(), Some(1));
        assert!(
            error_of(&out).contains("cannot read"),
            "{}",
            common::text(&out)
        );
        assert!(
            error_of(&out).contains("20240101000000_x.sql"),
            "{}",
            common::text(&out)
        );
    }

    let out = run(&fixtures().join("sqlx"), &[]);
    assert!(
        error_of(&out).contains("--sql-dir needs exactly one --dialect"),
        "{}",
        common::text(&out)
    );

    let out = run(
        &fixtures().join("sqlx"),
        &["--dialect", "postgres", "--layout", "liquibase"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", common::text(&out));
    assert!(error_of(&out).contains("unknown layout `liquibase`; expected one of sqlx, dbmate, golang-migrate, flyway, prisma, refinery, or auto"), "{}", common::text(&out));
}
