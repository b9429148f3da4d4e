//! `cutover test` passes on the example plan and fails, precisely, on broken plans.

mod common;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, backends};

fn urls() -> Vec<String> {
    backends().iter().map(Backend::server_url).collect()
}

fn run_test(plan: &PlanDir) -> (Option<i32>, serde_json::Value, String) {
    let dir = plan.path().to_str().expect("utf8").to_string();
    let mut args = vec!["test".to_string(), "--json".into(), "--plan".into(), dir];
    for u in urls() {
        args.push("--database".into());
        args.push(u);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::run(plan.path(), &args);
    let doc = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    (out.status.code(), doc, common::text(&out))
}

fn problems(doc: &serde_json::Value) -> Vec<String> {
    let mut out = Vec::new();
    for db in doc["test"]["databases"].as_array().into_iter().flatten() {
        for s in db["steps"].as_array().into_iter().flatten() {
            for p in s["problems"].as_array().into_iter().flatten() {
                out.push(format!(
                    "{} {} {}: {}",
                    db["dialect"],
                    s["phase"],
                    s["migration"],
                    p.as_str().unwrap_or("")
                ));
            }
        }
    }
    for c in doc["test"]["cross_dialect"]
        .as_array()
        .into_iter()
        .flatten()
    {
        out.push(c.as_str().unwrap_or("").to_string());
    }
    out
}

#[test]
fn the_example_plan_passes_on_every_database() {
    let plan = PlanDir::example("messages");
    let (code, doc, text) = run_test(&plan);
    assert_eq!(code, Some(0), "{text}");
    assert_eq!(
        doc["test"]["databases"].as_array().map(Vec::len),
        Some(backends().len())
    );
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));
}

#[test]
fn the_example_plan_passes_with_its_fixtures() {
    let plan = PlanDir::example("messages");
    let seed = cutover_tests::plans::repo_root().join("examples/messages/fixtures/seed.toml");
    let dir = plan.path().to_str().expect("utf8").to_string();
    let seed = seed.to_str().expect("utf8").to_string();
    let mut args = vec!["test", "--json", "--plan", &dir, "--fixtures", &seed];
    let urls = urls();
    for u in &urls {
        args.push("--database");
        args.push(u);
    }
    let out = common::run(plan.path(), &args);
    let text = common::text(&out);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(problems(&doc).is_empty(), "{:?}", problems(&doc));
}

#[test]
fn a_down_that_does_not_restore_the_schema_fails() {
    let plan = PlanDir::new();
    plan.write(
        "0001_t.toml",
        "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }]\n",
    );
    plan.write(
        "0002_extra.toml",
        "description = \"add a column, with a down that forgets it\"\n[[steps]]\nop = \"add_column\"\ntable = \"t\"\ncolumn = { name = \"extra\", type = \"integer\" }\n[[down]]\nop = \"sql\"\nsql = \"SELECT 1\"\n",
    );
    let (code, doc, text) = run_test(&plan);
    assert_eq!(code, Some(9), "{text}");
    let found = problems(&doc);
    for b in backends() {
        let expected = format!(
            "\"{}\" \"down\" \"0002 (extra)\": after down: t: column extra not in the plan",
            b.name()
        );
        assert!(
            found.contains(&expected),
            "missing `{expected}` in {found:#?}"
        );
    }
}

#[test]
fn a_raw_sql_step_with_another_type_on_one_dialect_fails() {
    if backends().len() < 2 || !backends().contains(&Backend::Mysql) {
        eprintln!(
            "needs MySQL and another backend to compare; CUTOVER_TEST_BACKENDS excludes them"
        );
        return;
    }
    let plan = PlanDir::new();
    plan.write(
        "0001_notes.toml",
        r#"description = "notes, created by hand per dialect"
[[steps]]
op = "sql"
postgres = "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)"
mysql = "CREATE TABLE notes (id BIGINT PRIMARY KEY, body VARCHAR(50))"
sqlite = "CREATE TABLE notes (id BIGINT PRIMARY KEY, body TEXT)"
down = "DROP TABLE notes"
"#,
    );
    let (code, doc, text) = run_test(&plan);
    assert_eq!(code, Some(9), "{text}");
    let cross: Vec<String> = problems(&doc)
        .into_iter()
        .filter(|p| p.contains(" vs "))
        .collect();
    assert!(
        cross
            .iter()
            .any(|c| c.contains("notes: column body: type") && c.contains("varchar(50)")),
        "{cross:#?}"
    );
}

#[test]
fn fixtures_from_cutover_toml_expose_a_sqlite_only_value() {
    if !backends().contains(&Backend::Sqlite) || backends().len() < 2 {
        eprintln!("needs SQLite and another backend; CUTOVER_TEST_BACKENDS excludes them");
        return;
    }
    // A project: cutover.toml and the fixture at the root, migrations in migrations/.
    let project = PlanDir::new();
    let migrations = project.path().join("migrations");
    std::fs::create_dir_all(&migrations).expect("migrations dir");
    let write = |path: std::path::PathBuf, text: &str| std::fs::write(path, text).expect("write");
    write(
        migrations.join("0001_messages.toml"),
        "description = \"messages\"\n[[steps]]\nop = \"create_table\"\ntable = \"messages\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"attachments\", type = \"json\" }]\n",
    );
    write(
        migrations.join("0002_clear.toml"),
        "description = \"clear attachments on SQLite only\"\n[[steps]]\nop = \"sql\"\npostgres = \"SELECT 1\"\nmysql = \"SELECT 1\"\nsqlite = \"UPDATE messages SET attachments = NULL WHERE id = 17\"\ndown = \"SELECT 1\"\n",
    );
    write(
        project.path().join("seed.toml"),
        "[[messages]]\nid = 17\nattachments = [{ url = \"https://cdn/a.jpg\", type = \"image\" }]\n",
    );
    write(
        project.path().join("cutover.toml"),
        "[test]\nfixtures = [\"seed.toml\"]\n",
    );
    let mut args = vec!["test".to_string()];
    for u in urls() {
        args.push("--database".into());
        args.push(u);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::run(project.path(), &args);
    let text = common::text(&out);
    assert_eq!(out.status.code(), Some(9), "{text}");
    let first = backends()[0].name();
    let expected = format!(
        "  after 0002: messages id=17 column attachments: {first} [{{\"type\":\"image\",\"url\":\"https://cdn/a.jpg\"}}] vs sqlite NULL\n"
    );
    assert!(text.contains(&expected), "missing `{expected}` in {text}");
    assert!(
        text.contains("schemas or rows differ across databases:"),
        "{text}"
    );
}

#[test]
fn a_fixture_type_error_is_a_file_line_error() {
    let plan = PlanDir::new();
    plan.write(
        "0001_t.toml",
        "description = \"t\"\n[[steps]]\nop = \"create_table\"\ntable = \"t\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"at\", type = \"timestamp\" }]\n",
    );
    let seed = std::env::temp_dir().join(format!("cutover_seed_{}.toml", std::process::id()));
    std::fs::write(&seed, "[[t]]\nid = 1\nat = \"yesterday\"\n").expect("write fixture");
    let dir = plan.path().to_str().expect("utf8").to_string();
    let seed_arg = seed.to_str().expect("utf8").to_string();
    let out = common::run(
        plan.path(),
        &[
            "test",
            "--plan",
            &dir,
            "--fixtures",
            &seed_arg,
            "--database",
            "sqlite::memory:",
        ],
    );
    let text = common::text(&out);
    let _ = std::fs::remove_file(&seed);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(
        text.contains(&format!(
            "{seed_arg}:3: t.at: expects a date-time such as 2024-05-01T10:20:30 or 2024-05-01 10:20:30.5 (column type timestamp), got \"yesterday\""
        )),
        "{text}"
    );
}

/// A fixture with a duplicate primary key fails to load everywhere: the summary must not
/// claim that the databases agree.
#[test]
fn the_summary_does_not_claim_agreement_when_every_database_failed() {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        "description = \"items\"\n[[steps]]\nop = \"create_table\"\ntable = \"items\"\ncolumns = [{ name = \"id\", type = \"bigint\", primary_key = true }, { name = \"name\", type = \"text\" }]\n",
    );
    let dir = plan.path().join("fixtures");
    std::fs::create_dir_all(&dir).expect("fixtures dir");
    let fixtures = dir.join("seed.toml");
    std::fs::write(
        &fixtures,
        "[[items]]\nid = 9\nname = \"a\"\n\n[[items]]\nid = 9\nname = \"b\"\n",
    )
    .expect("write fixture");
    let dir = plan.path().to_str().expect("utf8").to_string();
    let mut args = vec!["test".to_string(), "--plan".into(), dir];
    args.push("--fixtures".into());
    args.push(fixtures.to_str().expect("utf8").into());
    for u in urls() {
        args.push("--database".into());
        args.push(u);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = common::run(plan.path(), &args);
    let text = common::text(&out);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(!text.contains("agree across"), "{text}");
    let n = backends().len();
    assert!(
        text.contains(&format!("FAIL: {n} of {n} database(s) failed (see above)")),
        "{text}"
    );
}
