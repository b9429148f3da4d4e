//! A backfill over a composite primary key. MariaDB does not use an index for a
//! row-constructor range (`(a, b) <= (x, y)`): every batch read the whole table (2,645 of
//! 171k rows in 60 s). The MySQL dialect renders key ranges in the expanded form, so the
//! batch's EXPLAIN shows a range scan of the primary key; every database updates every
//! matching row exactly once.

use cutover_cli::connect::connect;
use cutover_core::backend::Timeouts;
use cutover_core::backfill::{BackfillSpec, refresh_stale_stats};
use cutover_core::explain::{Sample, explain_migrations};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const ROWS: i64 = 50_000;

/// `g` from 1 to ROWS in each database's spelling.
fn numbers(backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!("SELECT g FROM generate_series(1, {ROWS}) AS g"),
        Backend::Mysql => {
            let d = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
            format!(
                "SELECT g FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1 AS g FROM {d} a CROSS JOIN {d} b CROSS JOIN {d} c CROSS JOIN {d} e CROSS JOIN {d} f) AS n WHERE g <= {ROWS}"
            )
        }
        Backend::Sqlite => format!(
            "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {ROWS}) SELECT g FROM s"
        ),
    }
}

/// 500 values of `a` with 100 of `b` each; every 7th score NULL; `orig` keeps the score.
fn seed(backend: Backend) -> String {
    let n = numbers(backend);
    format!(
        r#"
description = "scores on a composite key"
[[steps]]
op = "create_table"
table = "ck_scores"
primary_key = ["a", "b"]
columns = [
  {{ name = "a", type = "bigint" }},
  {{ name = "b", type = "bigint" }},
  {{ name = "score", type = "bigint" }},
  {{ name = "orig", type = "bigint" }},
]
[[steps]]
op = "sql"
sql = """INSERT INTO ck_scores (a, b, score, orig) SELECT (g - 1) / 100, 100 - (g - 1) % 100, CASE WHEN g % 7 = 0 THEN NULL ELSE g END, CASE WHEN g % 7 = 0 THEN NULL ELSE g END FROM ({n}) AS n"""
down = "DELETE FROM ck_scores"
"#
    )
}

const BACKFILL: &str = r#"
description = "rescore"
[[steps]]
op = "backfill"
id = "ck_rescore"
table = "ck_scores"
batch_size = 700
where = "score IS NOT NULL"
set.score = "score * 2 + 1"
"#;

#[tokio::test]
async fn a_composite_key_backfill_scans_key_ranges_and_updates_every_row_once() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", &seed(backend));
        dir.write("0002_rescore.toml", BACKFILL);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let v1 = cutover_core::plan::Version::parse("0001").expect("version");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Version(v1))
            .await
            .expect("up 0001");

        if backend == Backend::Mysql {
            let spec = BackfillSpec::find(
                &plan,
                "ck_rescore",
                &cutover_core::backfill::BackfillScope::default_history(),
            )
            .expect("spec");
            refresh_stale_stats(b.as_mut(), &spec)
                .await
                .expect("refresh");
            let report = explain_migrations(
                b.as_mut(),
                &plan,
                &|m| m.version.text == "0002",
                Sample::No,
                Timeouts::default(),
                &cutover_core::backfill::BackfillScope::default_history(),
            )
            .await
            .expect("explain");
            let batch = report
                .migrations
                .iter()
                .flat_map(|m| &m.steps)
                .find_map(|s| s.backfill.as_ref())
                .map(|e| e.batch.clone())
                .expect("the backfill's batch plan");
            assert!(batch.error.is_none(), "{:?}", batch.error);
            let line = batch
                .plan
                .iter()
                .find(|l| l.contains("table=ck_scores "))
                .unwrap_or_else(|| panic!("no line for ck_scores: {:?}", batch.plan));
            assert!(
                line.contains("type=range") && line.contains("PRIMARY"),
                "the batch must range-scan the primary key: {line}\n{}",
                batch.sql
            );
            assert!(batch.full_scans.is_empty(), "{:?}", batch.full_scans);
        }

        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up 0002");
        let nulls = ROWS / 7;
        let cases = [
            ("SELECT COUNT(*) FROM ck_scores", ROWS),
            (
                "SELECT COUNT(*) FROM ck_scores WHERE score = orig * 2 + 1",
                ROWS - nulls,
            ),
            (
                "SELECT COUNT(*) FROM ck_scores WHERE score IS NULL AND orig IS NULL",
                nulls,
            ),
        ];
        for (sql, want) in cases {
            let got = snapshot::count(b.as_mut(), sql).await;
            assert_eq!(got, want, "[{}] {sql}", backend.name());
        }
        b.close().await.expect("close");
    })
    .await;
}
