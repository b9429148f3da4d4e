//! `cutover database create|drop`, `cutover up --create-database` and `cutover wait` on real
//! PostgreSQL, MariaDB and SQLite.

mod common;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, backends};

const PLAN: &str = r#"
description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [{ name = "id", type = "bigint", primary_key = true }]
"#;

/// The URL of a database that does not exist yet.
fn fresh_url(backend: Backend, dir: &std::path::Path) -> String {
    let name = format!(
        "cutover_lc_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0)
    );
    match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join(format!("{name}.db")).display()),
        server => {
            let base = server.server_url();
            let root = base.rsplit_once('/').map_or(base.as_str(), |(r, _)| r);
            format!("{root}/{name}")
        }
    }
}

#[test]
fn databases_are_created_once_used_and_dropped() {
    for backend in backends() {
        let plan = PlanDir::new();
        let root = plan.path();
        std::fs::create_dir_all(root.join("migrations")).expect("dir");
        std::fs::write(root.join("migrations/0001_items.toml"), PLAN).expect("write");
        let url = fresh_url(backend, root);
        let run = |args: &[&str]| {
            let mut all = args.to_vec();
            all.extend(["--database", url.as_str()]);
            common::run(root, &all)
        };
        let name = backend.name();

        // Without --create-database a missing server database is an error (SQLite creates
        // its file on open, as it always did).
        // The error says how to create it; `status` (which only reads) says the same.
        if backend != Backend::Sqlite {
            for args in [&["up"][..], &["status"][..]] {
                let out = run(args);
                let text = common::text(&out);
                assert_eq!(out.status.code(), Some(1), "[{name}] {args:?}: {text}");
                assert!(
                    text.contains("does not exist yet; create it with `cutover database create`, or run `cutover up --create-database`"),
                    "[{name}] {args:?}: {text}"
                );
            }
        }
        let out = run(&["up", "--create-database"]);
        assert!(out.status.success(), "[{name}] {}", common::text(&out));
        let out = run(&["status"]);
        assert!(
            common::text(&out).contains("0001     applied"),
            "[{name}] {}",
            common::text(&out)
        );

        // create on an existing database changes nothing: the history is still there.
        let out = run(&["database", "create"]);
        assert!(
            common::text(&out).contains("exists already"),
            "[{name}] {}",
            common::text(&out)
        );
        let out = run(&["wait", "--timeout", "5"]);
        assert!(out.status.success(), "[{name}] {}", common::text(&out));

        // schema dump: the table's definition, no rows, mode 0600, replaced on a re-run.
        let schema = root.join("schema.sql");
        std::fs::write(&schema, "old").expect("write");
        let file = schema.to_str().expect("utf8");
        let out = run(&["schema", "dump", file]);
        assert!(out.status.success(), "[{name}] {}", common::text(&out));
        let text = std::fs::read_to_string(&schema).expect("read");
        assert!(
            text.contains("CREATE TABLE") && text.contains("items"),
            "[{name}] {text}"
        );
        assert!(
            !text.contains("old") && !text.contains("INSERT INTO"),
            "[{name}] {text}"
        );
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&schema)
            .expect("meta")
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600, "[{name}]");
        let out = run(&["schema", "dump"]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("items"),
            "[{name}] {}",
            common::text(&out)
        );

        // drop needs --yes, then removes it; a second drop finds nothing.
        let out = run(&["database", "drop"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "[{name}] {}",
            common::text(&out)
        );
        let out = run(&["status"]);
        assert!(
            common::text(&out).contains("applied"),
            "[{name}] not dropped without --yes"
        );
        let out = run(&["database", "drop", "--yes"]);
        assert!(
            common::text(&out).contains("dropped"),
            "[{name}] {}",
            common::text(&out)
        );
        let out = run(&["--json", "database", "drop", "--yes"]);
        let doc: serde_json::Value = common::json(&out);
        assert_eq!(doc["dropped"], serde_json::Value::Bool(false), "[{name}]");
        if backend == Backend::Sqlite {
            let path = url.trim_start_matches("sqlite://");
            assert!(!std::path::Path::new(path).exists(), "file removed");
        }
    }
}

#[test]
fn wait_gives_up_with_the_reason() {
    let dir = PlanDir::new();
    let out = common::run(
        dir.path(),
        &[
            "wait",
            "--timeout",
            "1",
            "--database",
            "postgres://postgres@127.0.0.1:1/postgres",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        common::text(&out).contains("did not accept a connection within 1.0 s"),
        "{}",
        common::text(&out)
    );
}
