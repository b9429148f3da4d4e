//! `cutover baseline --generate` on a realistic schema built by raw SQL (eleven tables: composite
//! and self-referencing foreign keys, unique constraints, partial and expression indexes where
//! the database has them, checks, literal and now() defaults, enum-ish and json columns, a
//! view and a trigger), on all three databases: the file is written, the history records it,
//! `cutover drift` is clean; `cutover up` of the generated plan on an empty database of the
//! same dialect builds an equal schema (introspected shapes and view/trigger definitions).
//! Then an index the user adds is drift, while InnoDB's implicit foreign-key index is not.

mod common;

use std::path::Path;

use common::{run, text};
use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as TestBackend, TestDb, for_each_backend};

fn fixture(backend: TestBackend) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/baseline")
        .join(format!("{}.sql", backend.name()));
    std::fs::read_to_string(&path).expect("fixture")
}

async fn run_sql(url: &str, script: &str) {
    let mut b = connect(url).await.expect("connect");
    for stmt in script.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        // SQLite trigger bodies end with `END` and need their own `;` back.
        b.execute(stmt)
            .await
            .unwrap_or_else(|e| panic!("{stmt}: {e}"));
    }
    b.close().await.expect("close");
}

/// View and trigger definitions as the catalog prints them, sorted.
async fn definitions(url: &str, backend: TestBackend) -> Vec<String> {
    let sql = match backend {
        TestBackend::Postgres => {
            "SELECT viewname || ': ' || definition FROM pg_views WHERE schemaname = current_schema() \
             UNION ALL SELECT tgname || ': ' || pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
        }
        TestBackend::Mysql => {
            "SELECT CONCAT(table_name, ': ', REPLACE(view_definition, CONCAT('`', DATABASE(), '`.'), '')) \
             FROM information_schema.views WHERE table_schema = DATABASE() \
             UNION ALL SELECT CONCAT(trigger_name, ': ', action_timing, ' ', event_manipulation, ' ', \
             event_object_table, ' ', action_statement) FROM information_schema.triggers \
             WHERE trigger_schema = DATABASE()"
        }
        TestBackend::Sqlite => {
            "SELECT name || ': ' || sql FROM sqlite_schema WHERE type IN ('view', 'trigger')"
        }
    };
    let mut b = connect(url).await.expect("connect");
    let mut rows = b.query(sql).await.expect("definitions").into_first_column();
    b.close().await.expect("close");
    rows.sort();
    rows
}

async fn shape(url: &str) -> cutover_core::schema::SchemaShape {
    let mut b = connect(url).await.expect("connect");
    let s = b.introspect().await.expect("introspect");
    b.close().await.expect("close");
    s
}

#[tokio::test]
async fn a_generated_baseline_is_applied_drift_free_and_rebuilds_the_schema() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let tag = backend.name();
        run_sql(db.url(), &fixture(backend)).await;
        let dir = PlanDir::new();
        let out = run(
            dir.path(),
            &[
                "--plan",
                ".",
                "baseline",
                "--generate",
                "--database",
                db.url(),
            ],
        );
        assert!(out.status.success(), "[{tag}] {}", text(&out));
        let file = dir.path().join("0001_baseline.toml");
        let toml = std::fs::read_to_string(&file).expect("baseline written");
        assert!(toml.contains("op = \"create_table\""), "[{tag}] {toml}");
        // PostgreSQL declares a view with its options (none here), which drift compares.
        let view = if backend == TestBackend::Postgres {
            "creates = [\"view active_users ()\"]"
        } else {
            "creates = [\"view active_users\"]"
        };
        assert!(toml.contains(view), "[{tag}] {toml}");
        // PostgreSQL triggers a typed step can write are typed (F9); the others are raw.
        let trigger = if backend == TestBackend::Postgres {
            "op = \"create_trigger\"\ndialects = [\"postgres\"]\ntable = \"settings\"\nname = \"settings_touch\""
        } else {
            "creates = [\"trigger settings_touch\"]"
        };
        assert!(toml.contains(trigger), "[{tag}] {toml}");

        let status = run(
            dir.path(),
            &["--plan", ".", "status", "--json", "--database", db.url()],
        );
        let status_text = String::from_utf8_lossy(&status.stdout).to_string();
        assert!(
            status_text.contains("baselined"),
            "[{tag}] {}",
            text(&status)
        );

        let drift = run(
            dir.path(),
            &["--plan", ".", "drift", "--database", db.url()],
        );
        assert_eq!(
            drift.status.code(),
            Some(0),
            "[{tag}] {}\n{toml}",
            text(&drift)
        );
        assert!(
            String::from_utf8_lossy(&drift.stdout).contains("no drift"),
            "[{tag}] {}",
            text(&drift)
        );

        // A second run refuses to overwrite the file.
        let again = run(
            dir.path(),
            &[
                "--plan",
                ".",
                "baseline",
                "--generate",
                "--database",
                db.url(),
            ],
        );
        assert!(!again.status.success(), "[{tag}] {}", text(&again));

        // The generated plan rebuilds the same schema in an empty database.
        let fresh = TestDb::create(backend).await;
        let up = run(
            dir.path(),
            &["--plan", ".", "up", "--database", fresh.url()],
        );
        let rebuilt = if up.status.success() {
            Some((
                shape(fresh.url()).await,
                definitions(fresh.url(), backend).await,
            ))
        } else {
            None
        };
        let fresh_url = fresh.url().to_string();
        fresh.drop_db().await;
        let (rebuilt_shape, rebuilt_defs) =
            rebuilt.unwrap_or_else(|| panic!("[{tag}] up on {fresh_url}: {}", text(&up)));
        let source_shape = shape(db.url()).await;
        assert_eq!(
            source_shape.tables.len(),
            if backend == TestBackend::Postgres {
                12
            } else {
                11
            },
            "[{tag}] {source_shape:#?}"
        );
        assert_eq!(rebuilt_shape, source_shape, "[{tag}]");
        assert_eq!(
            rebuilt_defs,
            definitions(db.url(), backend).await,
            "[{tag}]"
        );
        assert_eq!(rebuilt_defs.len(), 2, "[{tag}] {rebuilt_defs:?}");

        // A user's own index is drift; InnoDB's index for users.org_id (a key declared without
        // a name, so its index is named after the column) never was.
        run_sql(
            db.url(),
            "CREATE INDEX idx_user_made ON shipments (shipped_on, line_no)",
        )
        .await;
        let drift = run(
            dir.path(),
            &["--plan", ".", "drift", "--database", db.url()],
        );
        let report = String::from_utf8_lossy(&drift.stdout).to_string();
        assert_eq!(drift.status.code(), Some(8), "[{tag}] {}", text(&drift));
        assert!(
            report.contains("index idx_user_made not in the plan"),
            "[{tag}] {report}"
        );
        assert!(!report.contains("org_id"), "[{tag}] {report}");
    })
    .await;
}

/// A database built outside cutover with a foreign key declared without a name: InnoDB adds
/// an index named after the column. A plan that models the key (typed, baselined) shows no
/// drift for it; an index the user adds is drift.
#[tokio::test]
async fn an_implicit_innodb_foreign_key_index_is_not_drift_but_a_user_index_is() {
    if !cutover_tests::backends().contains(&TestBackend::Mysql) {
        return;
    }
    let db = TestDb::create(TestBackend::Mysql).await;
    run_sql(
        db.url(),
        "CREATE TABLE a (id bigint PRIMARY KEY);\n\
         CREATE TABLE b (id bigint PRIMARY KEY, a_id bigint, x int, FOREIGN KEY (a_id) REFERENCES a (id))",
    )
    .await;
    let dir = PlanDir::new();
    dir.write(
        "0001_tables.toml",
        r#"description = "tables"
[[steps]]
op = "create_table"
table = "a"
columns = [{ name = "id", type = "bigint", primary_key = true }]
[[steps]]
op = "create_table"
table = "b"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "a_id", type = "bigint" },
  { name = "x", type = "integer" },
]
foreign_keys = [{ columns = ["a_id"], references = "a(id)" }]
"#,
    );
    let base = run(
        dir.path(),
        &["--plan", ".", "baseline", "0001", "--database", db.url()],
    );
    let clean = run(
        dir.path(),
        &["--plan", ".", "drift", "--database", db.url()],
    );
    run_sql(db.url(), "CREATE INDEX idx_b_x ON b (x)").await;
    let drift = run(
        dir.path(),
        &["--plan", ".", "drift", "--database", db.url()],
    );
    db.drop_db().await;
    assert!(base.status.success(), "{}", text(&base));
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));
    let report = String::from_utf8_lossy(&drift.stdout).to_string();
    assert_eq!(drift.status.code(), Some(8), "{}", text(&drift));
    assert!(report.contains("index idx_b_x not in the plan"), "{report}");
    assert!(!report.contains("a_id"), "{report}");
}

/// `cutover init --from-database URL` makes the project and the baseline in one go; on a
/// database cutover already migrated it writes no migration.
#[tokio::test]
async fn init_from_database_makes_the_project_and_a_clean_baseline() {
    for_each_backend(|db| async move {
        let tag = db.backend().name();
        run_sql(db.url(), &fixture(db.backend())).await;
        let dir = PlanDir::new();
        let init = run(dir.path(), &["--json", "init", "--from-database", db.url()]);
        assert!(init.status.success(), "[{tag}] {}", text(&init));
        let doc: serde_json::Value = serde_json::from_slice(&init.stdout)
            .unwrap_or_else(|e| panic!("[{tag}] {e}: {}", text(&init)));
        assert_eq!(doc["version"], "0001", "[{tag}] {doc}");
        assert!(dir.path().join("cutover.toml").is_file());
        assert!(dir.path().join("migrations/0001_baseline.toml").is_file());
        let drift = run(dir.path(), &["drift", "--database", db.url()]);
        assert_eq!(drift.status.code(), Some(0), "[{tag}] {}", text(&drift));

        let again = PlanDir::new();
        let refused = run(again.path(), &["init", "--from-database", db.url()]);
        assert!(!refused.status.success(), "[{tag}] {}", text(&refused));
        assert!(
            String::from_utf8_lossy(&refused.stderr).contains("never migrated"),
            "[{tag}] {}",
            text(&refused)
        );
        assert!(!again.path().join("migrations/0001_baseline.toml").exists());
    })
    .await;
}
