//! `cutover test` with data: fixture rows loaded into every database, rows compared across
//! the databases after every migration and revert, reverts checked against the rows from
//! before. Runs on every selected backend at once (the test is cross-dialect by nature).

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, backends};

use cutover_tests::plantest::{ITEMS, problems, run, seed, write};

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
