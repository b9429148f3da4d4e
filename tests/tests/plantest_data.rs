//! `cutover test` with data: fixture rows loaded into every database, rows compared across
//! the databases after every migration and revert, reverts checked against the rows from
//! before. Runs on every selected backend at once (the test is cross-dialect by nature).

use std::path::PathBuf;

use cutover_core::plantest::{Fixtures, Opener, TestReport, test_plan_with};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, backends};

fn opener() -> Box<Opener> {
    Box::new(|url: String| Box::pin(async move { cutover_cli::connect::connect(&url).await }))
}

async fn run(plan: &PlanDir, fixture_files: &[PathBuf]) -> cutover_core::Result<TestReport> {
    let urls: Vec<String> = backends().iter().map(Backend::server_url).collect();
    let fixtures = Fixtures::load(fixture_files)?;
    test_plan_with(&plan.load(), &urls, opener().as_ref(), &fixtures).await
}

/// Every problem of the report, `dialect phase migration: problem`, and the cross lines.
fn problems(r: &TestReport) -> Vec<String> {
    let mut out = Vec::new();
    for db in &r.databases {
        for s in &db.steps {
            for p in &s.problems {
                let m = s.migration.clone().unwrap_or_default();
                out.push(format!("{} {} {m}: {p}", db.dialect, s.phase));
            }
        }
    }
    out.extend(r.cross_dialect.iter().cloned());
    out
}

const ITEMS: &str = r#"description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "name", type = "varchar(100)", nullable = false },
  { name = "active", type = "boolean" },
  { name = "price", type = "decimal(10,2)" },
  { name = "meta", type = "json" },
  { name = "seen_at", type = "timestamptz" },
  { name = "day", type = "date" },
  { name = "ref", type = "uuid" },
  { name = "score", type = "double" },
  { name = "note", type = "text" },
]
"#;

/// Two hand-written rows with the values databases spell differently, then `n` more.
fn seed(n: usize) -> String {
    let mut s = String::from(
        r#"[[items]]
id = 1
name = "first"
active = true
price = "12.50"
meta = { tags = ["a", "b"], nested = { z = 1, a = 2.5 } }
seen_at = 2024-05-01T10:20:30.123456Z
day = 2024-05-01
ref = "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"
score = 0.1
note = "it's \"quoted\", a \\ backslash and ünïcode"

[[items]]
id = 2
name = "second"
active = false
price = 0
meta = []
seen_at = "2024-12-31 23:59:59+02:00"
"#,
    );
    for i in 3..3 + n {
        s.push_str(&format!(
            "\n[[items]]\nid = {i}\nname = \"item {i}\"\nactive = {}\nprice = \"{i}.{:02}\"\nmeta = {{ n = {i}, even = {} }}\nday = 2025-01-{:02}\n",
            i % 2 == 0,
            i % 100,
            i % 2 == 0,
            i % 28 + 1
        ));
    }
    s
}

fn write(dir: &PlanDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join("fixtures");
    std::fs::create_dir_all(&path).expect("fixtures dir");
    let file = path.join(name);
    std::fs::write(&file, text).expect("write fixture");
    file
}

#[tokio::test]
async fn a_plan_whose_databases_agree_passes_with_data() {
    let plan = PlanDir::new();
    plan.write("0001_items.toml", ITEMS);
    plan.write(
        "0002_tags.toml",
        r#"description = "tags, and a label backfilled from the name"
[[steps]]
op = "create_table"
table = "tags"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "item_id", type = "bigint", nullable = false },
  { name = "label", type = "text" },
]
[[steps]]
op = "add_column"
table = "items"
column = { name = "label", type = "text" }
[[steps]]
op = "backfill"
id = "items_label"
table = "items"
pending = "label IS NULL"
set.label = "concat(upper(name), '!')"
"#,
    );
    plan.write(
        "0003_notes.toml",
        r#"description = "fill empty notes; down empties them again"
[[steps]]
op = "backfill"
id = "items_note"
table = "items"
where = "note IS NULL"
pending = "note IS NULL"
set.note = "concat('auto ', name)"
undo.note = "NULL"
undo_where = "note LIKE 'auto %'"
"#,
    );
    let mut text = seed(600);
    text.push_str(
        "\n[[tags]]\nid = 1\nitem_id = 1\nlabel = \"red\"\n\n[[tags]]\nid = 2\nitem_id = 2\n",
    );
    let seed_file = write(&plan, "seed.toml", &text);
    // Rows for a table that exists before 0002, loaded after it: removed before 0002 is
    // reverted, so that the revert can be compared with the rows from before 0002.
    let late = write(
        &plan,
        "late.toml",
        "[[items]]\nid = 5000\nname = \"late\"\nlabel = \"given\"\nnote = \"kept\"\n\n[load_after]\nitems = \"0002\"\n",
    );
    let report = run(&plan, &[seed_file, late]).await.expect("test runs");
    assert!(problems(&report).is_empty(), "{:#?}", problems(&report));
    assert!(report.ok);
    assert_eq!(report.databases.len(), backends().len());
    for db in &report.databases {
        let phases: Vec<(String, Option<String>)> = db
            .steps
            .iter()
            .map(|s| (s.phase.clone(), s.migration.clone()))
            .collect();
        for m in ["0001 (items)", "0002 (tags)", "0003 (notes)"] {
            for phase in ["up", "down"] {
                assert!(
                    phases.contains(&(phase.to_string(), Some(m.to_string()))),
                    "{} has no {phase} {m}: {phases:?}",
                    db.dialect
                );
            }
        }
    }
}

#[tokio::test]
async fn a_dialect_dependent_value_and_a_dropped_row_are_named() {
    let Some(first) = backends().into_iter().find(|b| *b != Backend::Sqlite) else {
        eprintln!("needs SQLite and another backend; CUTOVER_TEST_BACKENDS excludes them");
        return;
    };
    if !backends().contains(&Backend::Sqlite) {
        eprintln!("needs SQLite and another backend; CUTOVER_TEST_BACKENDS excludes SQLite");
        return;
    }
    let plan = PlanDir::new();
    plan.write("0001_items.toml", ITEMS);
    plan.write(
        "0002_check.toml",
        r#"description = "mark item 2, differently on SQLite"
[[steps]]
op = "sql"
postgres = "UPDATE items SET note = 'checked' WHERE id = 2"
mysql = "UPDATE items SET note = 'checked' WHERE id = 2"
sqlite = "UPDATE items SET note = 'CHECKED' WHERE id = 2"
down = "UPDATE items SET note = NULL WHERE id = 2"
"#,
    );
    plan.write(
        "0003_copies.toml",
        r#"description = "copies"
[[steps]]
op = "create_table"
table = "copies"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "name", type = "text" }]
"#,
    );
    plan.write(
        "0004_copy.toml",
        r#"description = "copy items, dropping one row on SQLite"
[[steps]]
op = "sql"
postgres = "INSERT INTO copies (id, name) SELECT id, name FROM items"
mysql = "INSERT INTO copies (id, name) SELECT id, name FROM items"
sqlite = "INSERT INTO copies (id, name) SELECT id, name FROM items WHERE id <> 7"
down = "DELETE FROM copies"
"#,
    );
    let seed_file = write(&plan, "seed.toml", &seed(20));
    let report = run(&plan, &[seed_file]).await.expect("test runs");
    assert!(!report.ok);
    let found = problems(&report);
    let f = first.name();
    for expected in [
        format!("after 0002: items id=2 column note: {f} checked vs sqlite CHECKED"),
        format!("after 0004: copies id=7: on {f} (id=7, name=item 7), missing on sqlite"),
    ] {
        assert!(
            found.contains(&expected),
            "missing `{expected}` in {found:#?}"
        );
    }
    // The reverts restore every database's own rows, so only cross-database lines fail.
    assert!(found.iter().all(|p| p.starts_with("after ")), "{found:#?}");
}

#[tokio::test]
async fn a_down_that_does_not_restore_the_rows_fails() {
    let plan = PlanDir::new();
    plan.write("0001_items.toml", ITEMS);
    plan.write(
        "0002_touch.toml",
        r#"description = "touch item 1; only SQLite's down restores it"
[[steps]]
op = "sql"
sql = "UPDATE items SET note = 'touched' WHERE id = 1"
down = { postgres = "SELECT 1", mysql = "SELECT 1", sqlite = "UPDATE items SET note = 'it''s \"quoted\", a \\ backslash and ünïcode' WHERE id = 1" }
"#,
    );
    let seed_file = write(&plan, "seed.toml", &seed(5));
    let report = run(&plan, &[seed_file]).await.expect("test runs");
    // Only SQLite's down restores the row: the run fails unless SQLite is the only backend.
    let only_sqlite = backends().iter().all(|b| *b == Backend::Sqlite);
    assert_eq!(report.ok, only_sqlite);
    let found = problems(&report);
    for b in backends() {
        let wrong = format!(
            "{} down 0002 (touch): rows after down: items id=1 column note: differs from before 0002; now touched",
            b.name()
        );
        let has = found.contains(&wrong);
        assert_eq!(
            has,
            b != Backend::Sqlite,
            "{} `{wrong}` in {found:#?}",
            b.name()
        );
    }
    if let Some(first) = backends().into_iter().find(|b| *b != Backend::Sqlite)
        && backends().contains(&Backend::Sqlite)
    {
        let expected = format!(
            "after down 0002: items id=1 column note: {} touched vs sqlite it's \"quoted\", a \\ backslash and ünïcode",
            first.name()
        );
        assert!(
            found.contains(&expected),
            "missing `{expected}` in {found:#?}"
        );
    }
}

#[tokio::test]
async fn fixture_value_errors_name_file_and_line() {
    let plan = PlanDir::new();
    plan.write("0001_items.toml", ITEMS);
    let cases = [
        (
            "[[items]]\nid = 1\nname = \"a\"\n\n[[items]]\nid = 2\nname = \"b\"\nactive = \"yes\"\n",
            ":8: items.active: expects true or false (column type boolean), got \"yes\"",
        ),
        (
            "[[items]]\nid = 1\nname = \"a\"\nmeta = { a = 1 }\nref = \"not-a-uuid\"\n",
            ":5: items.ref: expects a uuid string (column type uuid), got \"not-a-uuid\"",
        ),
        (
            "[[items]]\nid = 1\nname = \"a\"\ncolour = \"red\"\n",
            ":4: table `items` has no column `colour` after migration 0001 (items)",
        ),
        (
            "[[items]]\nid = 1\nname = \"a\"\n[load_after]\nitems = \"0009\"\n",
            ":5: load_after: the plan has no migration 0009",
        ),
        (
            "[[nothing]]\nid = 1\n",
            ":1: no migration of the plan creates table `nothing`",
        ),
    ];
    for (text, expected) in cases {
        let file = write(&plan, "bad.toml", text);
        let err = run(&plan, std::slice::from_ref(&file))
            .await
            .expect_err("a bad fixture is refused before any database is touched")
            .to_string();
        let want = format!("{}{expected}", file.display());
        assert!(err.starts_with(&want), "expected `{want}`, got `{err}`");
    }
}

const TEST_ONLY_SEED: &str = r#"description = "seed rows for cutover test only"
test_only = true
[[steps]]
op = "sql"
postgres = "INSERT INTO items (id, name, active) VALUES (1, 'a', TRUE), (2, 'b', FALSE)"
mysql = "INSERT INTO items (id, name, active) VALUES (1, 'a', TRUE), (2, 'b', FALSE)"
sqlite = "INSERT INTO items (id, name, active) VALUES (1, 'a', TRUE), (2, 'B', FALSE)"
down = "DELETE FROM items"
"#;

const ADD_LABEL: &str = r#"description = "label"
[[steps]]
op = "add_column"
table = "items"
column = { name = "label", type = "text" }
"#;

#[tokio::test]
async fn up_skips_a_test_only_migration_and_never_records_it() {
    cutover_tests::for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_items.toml", ITEMS);
        plan.write("0002_seed.toml", TEST_ONLY_SEED);
        plan.write("0003_label.toml", ADD_LABEL);
        let plan = plan.load();
        let mut b = cutover_cli::connect::connect(db.url())
            .await
            .expect("connect");
        let options = cutover_core::runner::RunnerOptions {
            backup: cutover_core::backup::BackupPolicy::Skip,
            ..Default::default()
        };
        let silent = cutover_core::runner::Silent;
        let report = cutover_core::runner::Runner::new(b.as_mut(), &plan, options.clone(), &silent)
            .up(cutover_core::runner::Target::Latest)
            .await
            .expect("up");
        let applied: Vec<String> = report
            .migrations
            .iter()
            .map(|m| m.version.to_string())
            .collect();
        assert_eq!(applied, ["0001", "0003"]);
        let count = cutover_tests::snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM items").await;
        assert_eq!(count, 0, "the test-only seed ran on a real database");
        let history = b
            .query("SELECT version FROM cutover_history ORDER BY version_number")
            .await
            .expect("history")
            .into_first_column();
        assert_eq!(history, ["0001", "0003"]);
        let status = cutover_core::runner::Runner::new(b.as_mut(), &plan, options, &silent)
            .status()
            .await
            .expect("status");
        let listed: Vec<String> = status
            .migrations
            .iter()
            .map(|m| m.version.to_string())
            .collect();
        assert_eq!(listed, ["0001", "0003"]);
        assert_eq!(status.pending, 0);
        assert_eq!(status.checksum_mismatches, 0);
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn cutover_test_runs_test_only_migrations_and_compares_their_rows() {
    let plan = PlanDir::new();
    plan.write("0001_items.toml", ITEMS);
    plan.write("0002_seed.toml", TEST_ONLY_SEED);
    plan.write("0003_label.toml", ADD_LABEL);
    let report = run(&plan, &[]).await.expect("test runs");
    let found = problems(&report);
    for db in &report.databases {
        assert!(
            db.steps
                .iter()
                .any(|s| s.phase == "up" && s.migration.as_deref() == Some("0002 (seed)") && s.ok),
            "{}: the test-only migration did not run: {:?}",
            db.dialect,
            db.steps
        );
    }
    match backends().into_iter().find(|b| *b != Backend::Sqlite) {
        Some(first) if backends().contains(&Backend::Sqlite) => {
            let expected = format!(
                "after 0002: items id=2 column name: {} b vs sqlite B",
                first.name()
            );
            assert!(
                found.contains(&expected),
                "missing `{expected}` in {found:#?}"
            );
            assert!(!report.ok);
        }
        _ => assert!(report.ok, "{found:#?}"),
    }
}

#[tokio::test]
async fn fixture_ids_move_the_identity_so_later_inserts_agree() {
    let plan = PlanDir::new();
    plan.write(
        "0001_people.toml",
        r#"description = "people"
[[steps]]
op = "create_table"
table = "people"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "text", nullable = false },
]
"#,
    );
    plan.write(
        "0002_admin.toml",
        r#"description = "the plan's own insert, without an id"
[[steps]]
op = "sql"
sql = "INSERT INTO people (name) VALUES ('admin')"
down = "DELETE FROM people WHERE name = 'admin'"
"#,
    );
    let seed_file = write(
        &plan,
        "seed.toml",
        "[[people]]\nid = 1\nname = \"ann\"\n\n[[people]]\nid = 2\nname = \"bob\"\n\n[[people]]\nid = 7\nname = \"eve\"\n",
    );
    // Without moving PostgreSQL's sequence, its insert would take id 1 and fail.
    let report = run(&plan, &[seed_file]).await.expect("test runs");
    assert!(report.ok, "{:#?}", problems(&report));
}

#[tokio::test]
async fn data_a_contract_migration_destroys_is_not_expected_back_from_its_down() {
    let plan = PlanDir::new();
    plan.write("0001_items.toml", ITEMS);
    plan.write(
        "0002_copy_note.toml",
        r#"description = "copy note into label"
[[steps]]
op = "add_column"
table = "items"
column = { name = "label", type = "text" }
[[steps]]
op = "backfill"
id = "items_label"
table = "items"
pending = "label IS NULL AND note IS NOT NULL"
set.label = "note"
"#,
    );
    plan.write(
        "0003_drop_note.toml",
        r#"description = "contract: drop note"
phase = "contract"
[[steps]]
op = "drop_column"
table = "items"
column = "note"
[[down]]
op = "add_column"
table = "items"
column = { name = "note", type = "text" }
"#,
    );
    let mut text = seed(3);
    text.push_str("\n[[items]]\nid = 100\nname = \"with note\"\nnote = \"keep me\"\n");
    let seed_file = write(&plan, "seed.toml", &text);
    let report = run(&plan, &[seed_file]).await.expect("test runs");
    // The down of 0003 brings the column back empty: that is what dropping it means (the
    // backup `up` took before the contract restores it). Its revert check leaves the column
    // out, and the reverts after it (0002 here) are not row-checked: they may depend on it.
    assert!(report.ok, "{:#?}", problems(&report));
}
