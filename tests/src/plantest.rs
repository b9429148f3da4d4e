//! What the `cutover test` tests with data share (plantest_data.rs, plantest_test_only.rs):
//! running it on every selected backend, its problems as lines, the `items` table and its
//! fixture rows.

use std::path::PathBuf;

use cutover_core::plantest::{Fixtures, Opener, TestReport, test_plan_with};

use crate::plans::PlanDir;
use crate::{Backend, backends};

/// Opens a database by URL with the CLI's adapters.
pub fn opener() -> Box<Opener> {
    Box::new(|url: String| Box::pin(async move { cutover_cli::connect::connect(&url).await }))
}

/// `cutover test` of the plan in `plan` with these fixture files, on one database per
/// selected backend.
pub async fn run(plan: &PlanDir, fixture_files: &[PathBuf]) -> cutover_core::Result<TestReport> {
    let urls: Vec<String> = backends().iter().map(Backend::server_url).collect();
    let fixtures = Fixtures::load(fixture_files)?;
    test_plan_with(&plan.load(), &urls, opener().as_ref(), &fixtures).await
}

/// Every problem of the report, `dialect phase migration: problem`, and the cross lines.
pub fn problems(r: &TestReport) -> Vec<String> {
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

/// Migration: `items` with a column of every type databases spell differently.
pub const ITEMS: &str = r#"description = "items"
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
pub fn seed(n: usize) -> String {
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

/// Writes fixture file `name` under `dir`/fixtures.
pub fn write(dir: &PlanDir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join("fixtures");
    std::fs::create_dir_all(&path).expect("fixtures dir");
    let file = path.join(name);
    std::fs::write(&file, text).expect("write fixture");
    file
}
