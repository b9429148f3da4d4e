//! `cutover test` and dialect-limited steps and fixture values: objects made by steps limited
//! with `dialects = [..]` are intended differences (not reported), other differences still
//! are; fixture values arrive unchanged on every database; rows missing a NOT NULL column
//! are file:line fixture errors. Runs on every selected backend at once.

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

fn write(dir: &PlanDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join("fixtures");
    std::fs::create_dir_all(&path).expect("fixtures dir");
    let file = path.join(name);
    std::fs::write(&file, text).expect("write fixture");
    file
}

const DOCS: &str = r#"description = "docs"
[[steps]]
op = "create_table"
table = "docs"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "note", type = "text" },
  { name = "r", type = "double" },
]
"#;

/// The load error's advice for a partial index on MySQL, followed; and an index only one
/// database gets.
const PARTIAL_INDEX: &str = r#"description = "a partial index where the database has them, a plain one on MySQL"
[[steps]]
op = "create_index"
table = "docs"
name = "idx_docs_note"
columns = ["note"]
where = "note IS NOT NULL"
dialects = ["postgres", "sqlite"]

[[steps]]
op = "create_index"
table = "docs"
name = "idx_docs_note"
columns = ["id"]
dialects = ["mysql"]

[[steps]]
op = "create_index"
table = "docs"
name = "idx_docs_r_pg"
columns = ["r"]
dialects = ["postgres"]
"#;

#[tokio::test]
async fn a_per_dialect_index_is_an_intended_difference() {
    let plan = PlanDir::new();
    plan.write("0001_docs.toml", DOCS);
    plan.write("0002_idx.toml", PARTIAL_INDEX);
    let seed = write(&plan, "seed.toml", "[[docs]]\nid = 1\nnote = \"a\"\n");
    let report = run(&plan, &[seed]).await.expect("test runs");
    assert!(problems(&report).is_empty(), "{:#?}", problems(&report));
    assert!(report.ok);
}

/// An index that raw SQL makes on PostgreSQL only: not declared as a typed per-dialect
/// step, so still a difference.
const RAW_EXTRA: &str = r#"description = "an index raw SQL makes on one database"
[[steps]]
op = "sql"
sql = "CREATE INDEX idx_docs_r ON docs (r)"
down = "DROP INDEX idx_docs_r"
dialects = ["postgres"]
"#;

#[tokio::test]
async fn an_unintended_difference_is_still_reported() {
    let selected = backends();
    if !selected.contains(&Backend::Postgres) || selected.len() < 2 {
        eprintln!("skipped: needs postgres and another backend");
        return;
    }
    let plan = PlanDir::new();
    plan.write("0001_docs.toml", DOCS);
    plan.write("0002_idx.toml", PARTIAL_INDEX);
    plan.write("0003_raw.toml", RAW_EXTRA);
    let report = run(&plan, &[]).await.expect("test runs");
    assert!(!report.ok);
    let all = problems(&report);
    assert!(
        all.iter().any(|p| p.contains("idx_docs_r")),
        "the raw index must be reported: {all:#?}"
    );
    assert!(
        !all.iter().any(|p| p.contains("idx_docs_note")),
        "the per-dialect index must not be: {all:#?}"
    );
}

#[tokio::test]
async fn fixture_floats_arrive_unchanged_on_every_database() {
    let plan = PlanDir::new();
    plan.write("0001_docs.toml", DOCS);
    // A check per value: it fails on a database where the loaded value differs.
    plan.write(
        "0002_check.toml",
        r#"description = "the seeded doubles are exact"
[[steps]]
op = "add_column"
table = "docs"
column = { name = "tag", type = "text" }

[[checks]]
name = "huge"
query = "SELECT COUNT(*) FROM docs WHERE id = 1 AND r > 9.9e299"
expect = 1

[[checks]]
name = "tiny"
query = "SELECT COUNT(*) FROM docs WHERE id = 2 AND r > 0 AND r < 2e-40"
expect = 1
"#,
    );
    let seed = write(
        &plan,
        "seed.toml",
        "[[docs]]\nid = 1\nr = 1e300\n\n[[docs]]\nid = 2\nr = 1e-40\n\n[[docs]]\nid = 3\nr = -123456.789e10\n\n[[docs]]\nid = 4\nr = 0.1\n",
    );
    let report = run(&plan, &[seed]).await.expect("test runs");
    assert!(problems(&report).is_empty(), "{:#?}", problems(&report));
    assert!(report.ok);
}

#[tokio::test]
async fn unloadable_fixture_rows_are_file_line_errors() {
    let plan = PlanDir::new();
    plan.write("0001_docs.toml", DOCS);
    let cases = [
        (
            "[[docs]]\nid = 1\nnote = \"a\"\n\n[[docs]]\nnote = \"nokey\"\n",
            ":5: this `docs` row leaves out column `id`, which is NOT NULL without a default",
        ),
        (
            "[[docs]]\nid = 1\nnote = \"a\\u0000b\"\n",
            ":3: docs.note: holds a NUL character",
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

const DEDUP: &str = r#"description = "media deduplicated from src by url"
[[steps]]
op = "create_table"
table = "src"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "url", type = "text", nullable = false },
]

[[steps]]
op = "create_table"
table = "media"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "url", type = "varchar(100)", nullable = false, unique = true },
]

[[steps]]
op = "backfill"
id = "media"
table = "src"
insert_into = "media"
values.url = "url"
on_conflict = "ignore"
"#;

/// The documented dedup pattern numbers its rows differently on MySQL/MariaDB: the
/// difference is reported, with a hint that says why and what to compare instead.
#[tokio::test]
async fn identity_ids_used_up_by_ignored_inserts_come_with_a_hint() {
    let selected = backends();
    let plan = PlanDir::new();
    plan.write("0001_media.toml", DEDUP);
    let seed = write(
        &plan,
        "seed.toml",
        "[[src]]\nid = 1\nurl = \"a\"\n\n[[src]]\nid = 2\nurl = \"a\"\n\n[[src]]\nid = 3\nurl = \"b\"\n\n[load_after]\nsrc = \"0001\"\n",
    );
    // Seeded after 0001, so 0001's backfill sees no rows: add them before, with a second
    // migration running the same backfill again.
    plan.write(
        "0002_again.toml",
        "description = \"dedup again\"\n[[steps]]\nop = \"backfill\"\nid = \"media2\"\ntable = \"src\"\ninsert_into = \"media\"\nvalues.url = \"url\"\non_conflict = \"ignore\"\n",
    );
    let report = run(&plan, &[seed]).await.expect("test runs");
    let differ: Vec<&String> = report
        .cross_dialect
        .iter()
        .filter(|c| c.contains("media id=") && !c.contains("hint"))
        .collect();
    let mysql_and_other = selected.contains(&Backend::Mysql) && selected.len() > 1;
    if mysql_and_other {
        assert!(!differ.is_empty(), "{:#?}", report.cross_dialect);
    }
    if !differ.is_empty() {
        assert!(
            report.cross_dialect.iter().any(|c| c
                .contains("media: hint: rows are matched by `id`, which the database generates")
                && c.contains("compare them by their natural key")),
            "{:#?}",
            report.cross_dialect
        );
    }
}
