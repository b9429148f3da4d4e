//! An enum column compared with computed text (a CASE of literals) in a backfill `where` and a
//! check query: PostgreSQL has no `enum = text` operator, so the enum side is compared as
//! text; the same rows match on PostgreSQL, MariaDB and SQLite.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const BASE: &str = r#"
description = "links with two enum columns"
[[steps]]
op = "create_table"
table = "links"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "kind", type = "enum(website, imdb, 'show reel')", nullable = false, default = "website" },
  { name = "k2", type = "enum(website, imdb, 'show reel')" },
]
[[steps]]
op = "sql"
sql = "INSERT INTO links (id, kind, k2) VALUES (1, 'website', 'website'), (2, 'show reel', 'imdb'), (3, 'show reel', 'website')"
down = "DELETE FROM links"
"#;

const COMPARE: &str = r#"
description = "compare with a CASE"
[[steps]]
op = "backfill"
id = "match_case"
table = "links"
where = "k2 = CASE WHEN id > 1 THEN 'imdb' ELSE 'website' END"
set.kind = "k2"
undo.kind = "'website'"
[[checks]]
name = "rows that differ from the CASE"
query = "SELECT COUNT(*) FROM links WHERE k2 <> CASE WHEN id > 1 THEN 'imdb' ELSE 'website' END"
expect = 1
"#;

#[tokio::test]
async fn an_enum_compares_with_a_case_of_literals_everywhere() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_base.toml", BASE);
        dir.write("0002_compare.toml", COMPARE);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let rows = b
            .query("SELECT id, kind FROM links ORDER BY id")
            .await
            .expect("rows");
        let kinds: Vec<String> = rows
            .rows
            .iter()
            .map(|r| r[1].clone().unwrap_or_default())
            .collect();
        // Rows 1 and 2 match the CASE and take k2; row 3 (k2 'website', CASE 'imdb') keeps its kind.
        assert_eq!(kinds, ["website", "imdb", "show reel"]);
        b.close().await.expect("close");
    })
    .await;
}
