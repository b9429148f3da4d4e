//! A backfill that looks rows up by a text or uuid key. On MySQL/MariaDB the text equality
//! between two columns the plan created stays bare (both are `utf8mb4_bin`), so the lookup
//! table's unique key serves it: the batch's EXPLAIN shows `eq_ref`, not a scan per row. The
//! comparison stays exact on every database: a code differing in case or by a trailing space
//! finds nothing, as on PostgreSQL and SQLite.

use cutover_cli::connect::connect;
use cutover_core::backend::Timeouts;
use cutover_core::backfill::{BackfillSpec, refresh_stale_stats};
use cutover_core::explain::{Sample, explain_migrations};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const ROWS: u64 = 5_000;

/// `g` from 1 to ROWS, plus each database's spelling of `'k' || g` and of a uuid made of `g`.
fn numbers(backend: Backend) -> (String, &'static str, &'static str) {
    match backend {
        Backend::Postgres => (
            format!("SELECT g FROM generate_series(1, {ROWS}) AS g"),
            "'k' || g",
            "('00000000-0000-4000-8000-' || lpad(to_hex(g), 12, '0'))::uuid",
        ),
        Backend::Mysql => {
            let digit = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
            (
                format!(
                    "SELECT g FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 1 AS g FROM {digit} a CROSS JOIN {digit} b CROSS JOIN {digit} c CROSS JOIN {digit} e) AS n WHERE g <= {ROWS}"
                ),
                "CONCAT('k', g)",
                "CONCAT('00000000-0000-4000-8000-', LPAD(LOWER(HEX(g)), 12, '0'))",
            )
        }
        Backend::Sqlite => (
            format!(
                "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {ROWS}) SELECT g FROM s"
            ),
            "'k' || g",
            "'00000000-0000-4000-8000-' || printf('%012x', g)",
        ),
    }
}

fn seed(backend: Backend) -> String {
    let (n, code, uuid) = numbers(backend);
    format!(
        r#"
description = "customers with a text and a uuid key, orders naming them"
[[steps]]
op = "create_table"
table = "customers"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "code", type = "varchar(40)", nullable = false }},
  {{ name = "ref", type = "uuid", nullable = false }},
]
unique = [{{ columns = ["code"] }}, {{ columns = ["ref"] }}]
[[steps]]
op = "create_table"
table = "orders"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "customer_code", type = "varchar(40)", nullable = false }},
  {{ name = "customer_ref", type = "uuid", nullable = false }},
  {{ name = "by_code", type = "bigint" }},
  {{ name = "by_ref", type = "bigint" }},
]
[[steps]]
op = "sql"
sql = """INSERT INTO customers (id, code, ref) SELECT g + 1000000, {code}, {uuid} FROM ({n}) AS n;
INSERT INTO orders (id, customer_code, customer_ref) SELECT g, {code}, {uuid} FROM ({n}) AS n;
UPDATE orders SET customer_code = 'K1' WHERE id = 1;
UPDATE orders SET customer_code = 'k2 ' WHERE id = 2"""
down = "DELETE FROM orders; DELETE FROM customers"
"#
    )
}

const BACKFILL: &str = r#"
description = "resolve customers by code and by ref"
[[steps]]
op = "backfill"
id = "order_customers"
table = "orders"
set.by_code = "(SELECT c.id FROM customers c WHERE c.code = orders.customer_code)"
set.by_ref = "(SELECT r.id FROM customers r WHERE r.ref = orders.customer_ref)"
"#;

#[tokio::test]
async fn text_and_uuid_lookups_use_the_unique_key_and_stay_exact() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", &seed(backend));
        dir.write("0002_resolve.toml", BACKFILL);
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
                "order_customers",
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
            for alias in ["c", "r"] {
                let line = batch
                    .plan
                    .iter()
                    .find(|l| l.contains(&format!("table={alias} ")))
                    .unwrap_or_else(|| panic!("no line for {alias}: {:?}", batch.plan));
                assert!(
                    line.contains("type=eq_ref") || line.contains("type=ref"),
                    "customers ({alias}) must be looked up by a unique key: {line}\n{:?}\n{}",
                    batch.plan,
                    batch.sql
                );
                assert!(!line.contains("type=ALL"), "{line}");
            }
            assert!(
                !batch
                    .full_scans
                    .iter()
                    .any(|t| t == "customers" || t == "c" || t == "r"),
                "{:?}",
                batch.plan
            );
        }

        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up 0002");
        let q = |sql: &str| sql.to_string();
        let cases = [
            // Every order found by its uuid.
            (
                q("SELECT COUNT(*) FROM orders WHERE by_ref = id + 1000000"),
                ROWS as i64,
            ),
            // By code, all but `K1` (case) and `k2 ` (trailing space).
            (
                q("SELECT COUNT(*) FROM orders WHERE by_code = id + 1000000"),
                ROWS as i64 - 2,
            ),
            (
                q("SELECT COUNT(*) FROM orders WHERE by_code IS NULL AND id IN (1, 2)"),
                2,
            ),
            (q("SELECT COUNT(*) FROM orders WHERE by_code IS NULL"), 2),
        ];
        for (sql, want) in cases {
            let got = snapshot::count(b.as_mut(), &sql).await;
            assert_eq!(got, want, "[{}] {sql}", backend.name());
        }
        b.close().await.expect("close");
    })
    .await;
}
