//! SQLite declares text-valued portable types (`uuid`, `json`, `date`, `timestamp`,
//! `timestamptz`) with TEXT affinity, in `create_table`, `add_column` and a table rebuild:
//! a join between a `uuid` key and a TEXT column uses the key's index, JSON text is kept as
//! written, and a database whose columns an older cutover declared with the bare names
//! (NUMERIC affinity) shows no drift.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend};

const CREATE: &str = r#"
description = "accounts keyed by uuid, a copy of their keys as text"
[[steps]]
op = "create_table"
table = "accounts"
columns = [
  { name = "id", type = "uuid", primary_key = true },
  { name = "doc", type = "json" },
  { name = "born", type = "date" },
  { name = "seen", type = "timestamp" },
  { name = "seen_tz", type = "timestamptz" },
  { name = "n", type = "integer" },
]
[[steps]]
op = "create_table"
table = "mirror"
columns = [{ name = "k", type = "text", primary_key = true }]
"#;

/// A check on `accounts` rebuilds the table on SQLite; `add_column` adds a uuid column.
const REBUILD: &str = r#"
description = "a check (a rebuild on SQLite) and a new uuid column"
[[steps]]
op = "add_check"
table = "accounts"
name = "ck_n"
expr = "n >= 0"
[[steps]]
op = "add_column"
table = "accounts"
column = { name = "ref", type = "uuid" }
"#;

/// The orphan check of the issue: accounts missing from the TEXT-keyed table. With a
/// NUMERIC-affinity `id`, SQLite applies NUMERIC affinity to `m.k` and scans `mirror` once
/// per account.
const ORPHANS: &str =
    "SELECT COUNT(*) FROM accounts a LEFT JOIN mirror m ON m.k = a.id WHERE m.k IS NULL";

async fn declared(b: &mut dyn cutover_core::backend::Backend) -> Vec<(String, String)> {
    b.query("SELECT name, type FROM pragma_table_info('accounts') ORDER BY cid")
        .await
        .expect("table info")
        .rows
        .into_iter()
        .map(|r| {
            (
                r[0].clone().unwrap_or_default(),
                r[1].clone().unwrap_or_default(),
            )
        })
        .collect()
}

async fn join_plan(b: &mut dyn cutover_core::backend::Backend) -> String {
    let rows = b
        .query(&format!("EXPLAIN QUERY PLAN {ORPHANS}"))
        .await
        .expect("explain");
    rows.rows
        .iter()
        .map(|r| r.last().cloned().flatten().unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" | ")
}

fn assert_uses_key_index(plan: &str, when: &str) {
    assert!(
        plan.contains("SEARCH m USING") && plan.contains("INDEX") && plan.contains("(k=?)"),
        "{when}: the join must look mirror up by its key index, got: {plan}"
    );
}

#[tokio::test]
async fn text_types_have_text_affinity_after_create_add_column_and_rebuild() {
    for_each_backend(|db| async move {
        if db.backend() != Backend::Sqlite {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_accounts.toml", CREATE);
        dir.write("0002_rebuild.toml", REBUILD);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Version(cutover_core::plan::Version::parse("0001").expect("version")))
            .await
            .expect("up 0001");
        let types = declared(b.as_mut()).await;
        let expected = [
            ("id", "UUID TEXT"),
            ("doc", "JSON TEXT"),
            ("born", "DATE TEXT"),
            ("seen", "TIMESTAMP TEXT"),
            ("seen_tz", "TIMESTAMPTZ TEXT"),
            ("n", "INTEGER"),
        ];
        let as_pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect::<Vec<_>>()
        };
        assert_eq!(types, as_pairs(&expected), "declared after create_table");
        assert_uses_key_index(&join_plan(b.as_mut()).await, "after create_table");

        // TEXT affinity keeps what was written: `1.0` stays the JSON text `1.0`.
        b.execute("INSERT INTO accounts (id, doc, born, n) VALUES ('00000000-0000-4000-8000-000000000001', '1.0', '2026-01-02', 1)")
            .await
            .expect("insert");
        b.execute("INSERT INTO accounts (id, n) VALUES ('00000000-0000-4000-8000-000000000002', 2)")
            .await
            .expect("insert");
        b.execute("INSERT INTO mirror (k) VALUES ('00000000-0000-4000-8000-000000000001')")
            .await
            .expect("insert mirror");
        let kept = b
            .query("SELECT typeof(doc), doc, typeof(born) FROM accounts WHERE n = 1")
            .await
            .expect("read");
        assert_eq!(
            kept.rows[0],
            vec![
                Some("text".into()),
                Some("1.0".into()),
                Some("text".into())
            ]
        );

        let mut runner = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent);
        runner.up(Target::Latest).await.expect("up 0002 (rebuild)");
        let report = runner.drift().await.expect("drift");
        assert!(report.differences.is_empty(), "drift: {:?}", report.differences);
        let types = declared(b.as_mut()).await;
        let mut after = as_pairs(&expected);
        after.push(("ref".into(), "UUID TEXT".into()));
        assert_eq!(types, after, "declared after the rebuild and add_column");
        assert_uses_key_index(&join_plan(b.as_mut()).await, "after the rebuild");
        let orphans = b.query(ORPHANS).await.expect("orphans");
        assert_eq!(orphans.scalar(), Some("1"), "the rebuild kept the rows");
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn columns_declared_with_the_older_bare_names_show_no_drift() {
    for_each_backend(|db| async move {
        if db.backend() != Backend::Sqlite {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_accounts.toml", CREATE);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        // The table as an older cutover declared it: bare names, NUMERIC affinity.
        b.execute("DROP TABLE accounts").await.expect("drop");
        b.execute(r#"CREATE TABLE "accounts" ( "id" UUID NOT NULL PRIMARY KEY, "doc" JSON CHECK ("doc" IS NULL OR json_valid("doc")), "born" DATE, "seen" TIMESTAMP, "seen_tz" TIMESTAMPTZ, "n" INTEGER )"#)
            .await
            .expect("legacy table");
        let report = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .drift()
            .await
            .expect("drift");
        assert!(
            report.differences.is_empty(),
            "a legacy declaration is not drift: {:?}",
            report.differences
        );
        b.close().await.expect("close");
    })
    .await;
}
