//! `cutover import --from TOOL DIR`: for sqlx, dbmate, golang-migrate, Flyway, refinery and
//! Prisma, the tool's folder (files as the tool writes them) becomes plan files with the
//! tool's versions, names, statements and downs and the source checksum; the imported plan
//! runs with `cutover up` (and its downs with `cutover down`) on PostgreSQL, MySQL/MariaDB
//! and SQLite; a second import overwrites nothing.

mod adopt_support;
mod common;

use adopt_support::{
    DOWN, FOLDER_TOOLS, NAMES, Scratch, TABLES, UP_STATEMENTS, has_down, import, versions,
    write_layout,
};
use cutover_cli::connect::connect;
use cutover_core::Dialect;
use cutover_core::plan::{LoadOptions, Plan, Step};
use cutover_tests::{for_each_backend, snapshot};

/// The SQL of each raw step of `steps`, checking it is limited to `dialect`.
fn step_sql(steps: &[cutover_core::plan::Located<Step>], dialect: Dialect) -> Vec<String> {
    steps
        .iter()
        .map(|s| {
            let Step::Sql(sql) = &s.item else {
                panic!("not a raw sql step: {:?}", s.item)
            };
            assert_eq!(sql.dialects, Some(vec![dialect]));
            sql.up().for_dialect(dialect).expect("sql").to_string()
        })
        .collect()
}

/// The checksum note each tool's first migration must carry (computed independently:
/// Python's hashlib and zlib over the users file).
fn checksum_note(tool: &str) -> &'static str {
    match tool {
        "sqlx" => {
            "sqlx checksum sha384:af67037b4aed743ffec1447fd2a371aa583de11dacd58a6a259c157a99f0a1ff358fa2f6b0528f3bf6ad1bdc949eda7e"
        }
        "flyway" => "flyway checksum crc32:-1599805671",
        "prisma" => {
            "prisma checksum sha256:0a1af74d2819d321f3c0dff5a43ead67222a81ea5876ce5acb12a1c311038cb9"
        }
        // dbmate's file holds both sections.
        "dbmate" => {
            "(checksum sha256:d5e870c42199cd681df27586a88c34c3ec8ef8b7370564b73a39d0af2fd94db0)"
        }
        _ => "(checksum sha256:0a1af74d2819d321f3c0dff5a43ead67222a81ea5876ce5acb12a1c311038cb9)",
    }
}

fn run_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = common::run(dir, args);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "cutover {args:?}: {text}");
    text
}

#[tokio::test]
async fn imported_folders_keep_versions_statements_downs_and_checksums_and_run() {
    for_each_backend(|db| async move {
        let dialect = db.backend().name();
        let d: Dialect = dialect.parse().expect("dialect");
        for tool in FOLDER_TOOLS {
            let src = Scratch::new(&format!("{tool}-src"));
            let out = Scratch::new(&format!("{tool}-plan"));
            let plan_dir = out.join("migrations");
            write_layout(tool, &src.0);
            let o = import(tool, &src.0, &plan_dir, dialect);
            let text = common::text(&o);
            assert_eq!(o.status.code(), Some(0), "{tool}: {text}");
            let v = versions(tool);
            let files: Vec<String> = (0..3).map(|i| format!("{}_{}.toml", v[i], NAMES[i])).collect();
            for f in &files {
                assert!(text.contains(&format!("wrote {}", plan_dir.join(f).display())), "{tool}: {text}");
            }
            let mut listed: Vec<String> = std::fs::read_dir(&plan_dir)
                .expect("plan dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            listed.sort();
            assert_eq!(listed, files, "{tool}");
            // Readable TOML: multi-line SQL is a literal block, as written in the file.
            let users = std::fs::read_to_string(plan_dir.join(&files[0])).expect("read");
            assert!(
                users.contains("sql = '''\nCREATE TABLE users (\n  id integer PRIMARY KEY,\n  email varchar(255) NOT NULL\n)'''"),
                "{tool}: {users}"
            );

            let plan = Plan::load_with(&plan_dir, &LoadOptions { dialects: vec![d] })
                .unwrap_or_else(|e| panic!("{tool}: imported plan does not load: {e}"));
            assert_eq!(plan.migrations.len(), 3, "{tool}");
            for (i, m) in plan.migrations.iter().enumerate() {
                assert_eq!((m.version.text.as_str(), m.name.as_str()), (v[i], NAMES[i]), "{tool}");
                assert_eq!(step_sql(&m.steps, d), UP_STATEMENTS[i], "{tool} {}", m.name);
                let down = m.down.as_ref().map(|s| step_sql(s, d));
                let want = has_down(tool, i).then(|| vec![DOWN[i].trim_end_matches(";\n").to_string()]);
                assert_eq!(down, want, "{tool} {}", m.name);
            }
            let desc = &plan.migrations[0].description;
            assert!(desc.contains(checksum_note(tool)), "{tool}: {desc}");
            assert!(desc.starts_with("users, imported from "), "{tool}: {desc}");

            // The imported plan runs on this database; downs revert. (`cutover down` renders
            // the down of every migration of the plan, applied or not, so the downs are
            // tried on a plan of the first two.)
            let plan_arg = plan_dir.to_str().expect("utf8");
            let two = out.join("first_two");
            std::fs::create_dir_all(&two).expect("mkdir");
            for f in &files[..2] {
                std::fs::copy(plan_dir.join(f), two.join(f)).expect("copy");
            }
            let two_arg = two.to_str().expect("utf8");
            run_ok(&out.0, &["up", "--database", db.url(), "--plan", two_arg]);
            let mut b = connect(db.url()).await.expect("connect");
            let mut want: Vec<String> = TABLES[..2].iter().map(|t| t.to_string()).collect();
            want.sort();
            assert_eq!(snapshot::tables(b.as_mut()).await, want, "{tool}");
            if has_down(tool, 1) {
                run_ok(&out.0, &["down", "--database", db.url(), "--plan", two_arg]);
                assert_eq!(snapshot::tables(b.as_mut()).await, ["users"], "{tool}: down reverts orders");
            }
            run_ok(&out.0, &["up", "--database", db.url(), "--plan", plan_arg]);
            let mut all: Vec<String> = TABLES.iter().map(|t| t.to_string()).collect();
            all.sort();
            assert_eq!(snapshot::tables(b.as_mut()).await, all, "{tool}");
            // Leave the database empty for the next tool.
            for t in TABLES.iter().rev() {
                b.execute(&format!("DROP TABLE {t}")).await.expect("drop");
            }
            b.execute("DROP TABLE cutover_history").await.expect("drop history");
            b.close().await.expect("close");

            // A second import writes nothing and says why.
            let again = import(tool, &src.0, &plan_dir, dialect);
            let text = common::text(&again);
            assert_eq!(again.status.code(), Some(1), "{tool}: {text}");
            assert!(text.contains("import refused, nothing written") && text.contains("exists"), "{tool}: {text}");
        }
    })
    .await;
}

#[test]
fn import_needs_a_dialect_it_can_tell_and_names_a_folder_it_cannot_read() {
    let src = Scratch::new("nodialect");
    write_layout("sqlx", &src.0);
    let out = common::run(
        &src.0,
        &["import", "--from", "sqlx", src.0.to_str().expect("utf8")],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("pass --dialect postgres, mysql or sqlite"),
        "{text}"
    );
    assert!(!src.0.join("migrations").exists(), "nothing written");

    // cutover.toml with one target on PostgreSQL says it.
    std::fs::write(
        src.join("cutover.toml"),
        "plan = \"plan\"\n[targets.prod]\nurl = \"postgres://app@db/app\"\n",
    )
    .expect("write config");
    let out = common::run(
        &src.0,
        &[
            "import",
            "--json",
            "--from",
            "sqlx",
            src.0.to_str().expect("utf8"),
        ],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let doc: serde_json::Value = common::json(&out);
    assert_eq!(doc["dialect"], "postgres", "{text}");
    assert_eq!(doc["layout"], "sqlx", "{text}");
    assert_eq!(doc["written"].as_array().map(Vec::len), Some(3), "{text}");
    assert_eq!(
        doc["written"][0]["checksum"]["algorithm"], "sha384",
        "{text}"
    );
    assert!(src.join("plan/20240101000000_users.toml").is_file());

    // A folder that is not golang-migrate's.
    let out = common::run(
        &src.0,
        &[
            "import",
            "--from",
            "golang-migrate",
            "--dialect",
            "sqlite",
            "--plan",
            "other",
            src.0.to_str().expect("utf8"),
        ],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("20240103000000_notes.sql") && text.contains("golang-migrate layout"),
        "{text}"
    );
}

#[test]
fn prisma_folders_name_their_database_in_migration_lock_toml() {
    let src = Scratch::new("prisma-lock");
    write_layout("prisma", &src.0);
    let out = common::run(
        &src.0,
        &[
            "import",
            "--json",
            "--from",
            "prisma",
            src.0.to_str().expect("utf8"),
            "--plan",
            "plan",
        ],
    );
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    let doc: serde_json::Value = common::json(&out);
    assert_eq!(doc["dialect"], "postgres", "{text}");
    let users = std::fs::read_to_string(src.join("plan/20240101000000_users.toml")).expect("read");
    assert!(users.contains("dialects = [\"postgres\"]"), "{users}");
}
