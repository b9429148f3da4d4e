//! Fixtures of the fleet tests (`--group` runs of the `cutover` binary over many
//! databases): the four-migration plan they apply, unique database names, and reading or
//! changing one target by URL.

use std::path::PathBuf;

use cutover_cli::connect::{connect, open_url};
use cutover_core::lifecycle::drop_database;
use serde_json::Value;

use crate::plans::PlanDir;

/// Four migrations: a table, three rows, a column, and a backfill of that column
/// (`items_label`, which writes `upper(name)` into `label`).
pub fn items_plan() -> PlanDir {
    let plan = PlanDir::new();
    plan.write(
        "0001_items.toml",
        r#"description = "items"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true, identity = true },
  { name = "name", type = "varchar(100)", nullable = false },
]
"#,
    )
    .write(
        "0002_seed.toml",
        "description = \"seed\"\n[[steps]]\nop = \"sql\"\nsql = \"INSERT INTO items (name) VALUES ('a'), ('b'), ('c')\"\ndown = \"DELETE FROM items\"\n",
    )
    .write(
        "0003_label.toml",
        "description = \"label\"\nphase = \"expand\"\n[[steps]]\nop = \"add_column\"\ntable = \"items\"\ncolumn = { name = \"label\", type = \"varchar(100)\" }\n",
    )
    .write(
        "0004_fill.toml",
        "description = \"fill\"\nphase = \"backfill\"\n[[steps]]\nop = \"backfill\"\nid = \"items_label\"\ntable = \"items\"\npending = \"label IS NULL\"\nset.label = \"upper(name)\"\nundo.label = \"NULL\"\n",
    );
    plan
}

/// A unique name prefix for one test's databases and schemas: `<head>_<tag>_<pid>_<nanos>`
/// (`head` tells the test files apart on the server).
pub fn prefix(head: &str, tag: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{head}_{tag}_{}_{nanos}", std::process::id())
}

/// Runs `sql` on the database at `url`, panicking with the statement on failure.
pub async fn exec(url: &str, sql: &str) {
    let mut b = connect(url).await.expect("connect");
    b.execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = b.close().await;
}

/// The rows `sql` returns on the database at `url`.
pub async fn rows(url: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    let mut b = connect(url).await.expect("connect");
    let r = b.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    let _ = b.close().await;
    r.rows
}

/// The labels the backfill of [`items_plan`] wrote, by id.
pub async fn labels(url: &str) -> Vec<Option<String>> {
    rows(url, "SELECT label FROM items ORDER BY id")
        .await
        .into_iter()
        .map(|r| r.into_iter().next().flatten())
        .collect()
}

/// The entry of target `name` in a fleet command's `--json` document.
pub fn by_target<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["targets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["target"] == name))
        .unwrap_or_else(|| panic!("{name} missing in {doc:#}"))
}

/// Drops the server databases a test made (best effort: one already gone is fine).
pub async fn drop_all(servers: &[String]) {
    for url in servers {
        let _ = drop_database(url, &open_url).await;
    }
}

/// A project directory: cutover.toml with group `fleet` read from tenants.txt.
pub fn project(plan: &PlanDir, urls: &[String]) -> PathBuf {
    let dir = plan.path().join("project");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(
        dir.join("cutover.toml"),
        format!(
            "plan = \"{}\"\n[groups.fleet]\ntargets_file = \"tenants.txt\"\n",
            plan.path().display()
        ),
    )
    .expect("write cutover.toml");
    let mut list = String::from("# one database per line\n");
    for u in urls {
        list.push_str(u);
        list.push('\n');
    }
    std::fs::write(dir.join("tenants.txt"), list).expect("write tenants.txt");
    dir
}

/// Applied history entries and the labels the backfill wrote, of one database.
pub async fn applied_and_labels(url: &str) -> (usize, Vec<Option<String>>) {
    let applied = rows(
        url,
        "SELECT version FROM cutover_history WHERE state = 'applied'",
    )
    .await
    .len();
    (applied, labels(url).await)
}
