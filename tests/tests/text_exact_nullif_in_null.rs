//! `nullif(v, 'X')` and `v IN ('X', NULL)` are exact on every database (red-team rtg #3, #4):
//! on MariaDB a `utf8mb4_general_ci` column (raw SQL) matches `x` and `X ` too, and a column
//! the plan created (`utf8mb4_bin`, PAD SPACE) matches `X `. Rows `X`, `x`, `X `, `Y`, NULL
//! in both tables; the written values must be the same on PostgreSQL, MariaDB and SQLite.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

/// A raw-SQL table (case-insensitive on MariaDB) and a plan-created one.
fn tables(backend: Backend) -> String {
    let text = match backend {
        Backend::Mysql => "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
        _ => "varchar(20)",
    };
    format!(
        r#"
description = "tx by raw SQL, codes by the plan"
[[steps]]
op = "sql"
sql = """CREATE TABLE tx (id integer PRIMARY KEY, v {text}, nf varchar(10), inw varchar(10), inv varchar(10));
INSERT INTO tx (id, v) VALUES (1, 'X'), (2, 'x'), (3, 'X '), (4, 'Y'), (5, NULL)"""
down = "DROP TABLE tx"
[[steps]]
op = "create_table"
table = "codes"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "v", type = "varchar(20)", nullable = true }},
  {{ name = "nf", type = "varchar(10)", nullable = true }},
  {{ name = "inw", type = "varchar(10)", nullable = true }},
  {{ name = "inv", type = "varchar(10)", nullable = true }},
]
[[steps]]
op = "sql"
sql = "INSERT INTO codes (id, v) VALUES (1, 'X'), (2, 'x'), (3, 'X '), (4, 'Y'), (5, NULL)"
down = "DELETE FROM codes"
"#
    )
}

fn backfills() -> String {
    let mut out = String::from("description = \"nullif and IN with a NULL item\"\n");
    for t in ["tx", "codes"] {
        out.push_str(&format!(
            r#"
[[steps]]
op = "backfill"
id = "{t}_nullif"
table = "{t}"
set.nf = "nullif(v, 'X')"
[[steps]]
op = "backfill"
id = "{t}_in_where"
table = "{t}"
where = "v IN ('X', NULL)"
set.inw = "'hit'"
[[steps]]
op = "backfill"
id = "{t}_in_value"
table = "{t}"
set.inv = "CASE WHEN v IN ('X', NULL) THEN 'T' WHEN NOT (v IN ('X', NULL)) THEN 'F' ELSE 'N' END"
"#
        ));
    }
    out
}

#[tokio::test]
async fn nullif_and_in_with_null_are_exact() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", &tables(backend));
        dir.write("0002_mark.toml", &backfills());
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        for t in ["tx", "codes"] {
            // Sums of squares name the row sets (1 = {1}, 1 + 25 = {1, 5}, ...); the
            // lengths tell `X ` (2) from `X` (1).
            let cases = [
                (format!("SELECT COALESCE(SUM(id * id), 0) FROM {t} WHERE nf IS NULL"), 1 + 25),
                (
                    format!("SELECT COALESCE(SUM(id * id * length(nf)), 0) FROM {t} WHERE nf IS NOT NULL"),
                    4 + 9 * 2 + 16,
                ),
                (format!("SELECT COALESCE(SUM(id * id), 0) FROM {t} WHERE inw = 'hit'"), 1),
                (format!("SELECT COALESCE(SUM(id * id), 0) FROM {t} WHERE inv = 'T'"), 1),
                (format!("SELECT COALESCE(SUM(id * id), 0) FROM {t} WHERE inv = 'F'"), 0),
                (
                    format!("SELECT COALESCE(SUM(id * id), 0) FROM {t} WHERE inv = 'N'"),
                    4 + 9 + 16 + 25,
                ),
            ];
            for (sql, want) in cases {
                let got = snapshot::count(b.as_mut(), &sql).await;
                assert_eq!(got, want, "[{}] {sql}", backend.name());
            }
        }
        b.close().await.expect("close");
    })
    .await;
}
