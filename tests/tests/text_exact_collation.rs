//! Text comparisons in backfills are exact on every database, also on a table the plan does
//! not define: here a raw-SQL table whose column is `utf8mb4_general_ci` on MariaDB
//! (case-insensitive, trailing spaces padded). Its rows `X`, `x`, `X `, `Y`, `y`: `v = 'X'`
//! changes exactly one row, `<>`, `IN`, `NOT IN`, `IN (SELECT ..)`, `CASE v WHEN` and `LIKE`
//! select the same rows as on PostgreSQL and SQLite (red-team rtB #2). On MariaDB the
//! rendered comparison still uses the column's index, and `IN` on a text column the plan
//! created (`utf8mb4_bin`) uses its index instead of a cast (EXPLAIN-checked).

use cutover_cli::connect::connect;
use cutover_core::dialect::Dialect;
use cutover_core::expr::{ColumnRef, Expression, Lookup, ValueKind};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

/// The raw-SQL table (a case-insensitive collation on MariaDB) and a raw-SQL lookup table.
fn table(backend: Backend) -> String {
    let text = match backend {
        Backend::Mysql => "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
        _ => "varchar(20)",
    };
    let index = match backend {
        Backend::Mysql => ", KEY tx_v (v)",
        _ => "",
    };
    format!(
        r#"
description = "tx and wanted, made by raw SQL"
[[steps]]
op = "sql"
sql = """CREATE TABLE tx (id integer PRIMARY KEY, v {text}, eq varchar(10), ne varchar(10), inl varchar(10), notin varchar(10), cs varchar(10), inq varchar(10), lk varchar(10){index});
CREATE TABLE wanted (w {text});
INSERT INTO wanted (w) VALUES ('X');
INSERT INTO tx (id, v) VALUES (1, 'X'), (2, 'x'), (3, 'X '), (4, 'Y'), (5, 'y')"""
down = "DROP TABLE tx; DROP TABLE wanted"
"#
    )
}

/// One backfill per comparison, each marking the rows it selects.
const BACKFILLS: &str = r#"
description = "mark the rows each comparison selects"
[[steps]]
op = "backfill"
id = "tx_eq"
table = "tx"
where = "v = 'X'"
set.eq = "'hit'"
[[steps]]
op = "backfill"
id = "tx_ne"
table = "tx"
where = "v <> 'X'"
set.ne = "'hit'"
[[steps]]
op = "backfill"
id = "tx_in"
table = "tx"
where = "v IN ('X', 'Y')"
set.inl = "'hit'"
[[steps]]
op = "backfill"
id = "tx_not_in"
table = "tx"
where = "v NOT IN ('X', 'Y')"
set.notin = "'hit'"
[[steps]]
op = "backfill"
id = "tx_case"
table = "tx"
set.cs = "CASE v WHEN 'X' THEN 'hit' WHEN 'Y' THEN 'why' ELSE 'miss' END"
[[steps]]
op = "backfill"
id = "tx_in_query"
table = "tx"
where = "v IN (SELECT w FROM wanted)"
set.inq = "'hit'"
[[steps]]
op = "backfill"
id = "tx_like"
table = "tx"
where = "v LIKE 'X%'"
set.lk = "'hit'"
"#;

#[tokio::test]
async fn comparisons_on_a_case_insensitive_raw_sql_column_are_exact() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let dir = PlanDir::new();
        dir.write("0001_tx.toml", &table(backend));
        dir.write("0002_mark.toml", BACKFILLS);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let ids = |col: &str, value: &str| {
            format!("SELECT COALESCE(SUM(id * id), 0) FROM tx WHERE {col} = '{value}'")
        };
        // Sums of squares name the row sets: 1 = {1}, 4+9+16+25 = {2,3,4,5}, ...
        let cases = [
            (ids("eq", "hit"), 1),
            (ids("ne", "hit"), 4 + 9 + 16 + 25),
            (ids("inl", "hit"), 1 + 16),
            (ids("notin", "hit"), 4 + 9 + 25),
            (ids("cs", "hit"), 1),
            (ids("cs", "why"), 16),
            (ids("cs", "miss"), 4 + 9 + 25),
            (ids("inq", "hit"), 1),
            (ids("lk", "hit"), 1 + 9),
        ];
        for (sql, want) in cases {
            let got = snapshot::count(b.as_mut(), &sql).await;
            assert_eq!(got, want, "[{}] {sql}", backend.name());
        }
        b.close().await.expect("close");
    })
    .await;
}

/// `v` a column the plan cannot type, `code` a text column the plan created.
fn scope(c: &ColumnRef) -> Lookup {
    match c.column.as_str() {
        "code" => Lookup::Stored(ValueKind::Text),
        _ => Lookup::Unknown,
    }
}

fn mysql_sql(src: &str) -> String {
    let mut e = Expression::parse(src).expect("parses");
    e.typecheck(&scope).expect("type checks");
    e.to_sql(Dialect::Mysql).expect("renders")
}

const PLAN_TABLE: &str = r#"
description = "codes, created by the plan (utf8mb4_bin on MySQL)"
[[steps]]
op = "create_table"
table = "codes"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "code", type = "varchar(40)", nullable = false },
]
[[steps]]
op = "create_index"
table = "codes"
name = "codes_code"
columns = ["code"]
"#;

#[tokio::test]
async fn mysql_exact_comparisons_use_the_index() {
    for_each_backend(|db| async move {
        if db.backend() != Backend::Mysql {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_tx.toml", &table(Backend::Mysql));
        dir.write("0002_codes.toml", PLAN_TABLE);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let mut values = Vec::new();
        for i in 0..2000 {
            values.push(format!("({i}, 'k{i}')"));
        }
        let fill = format!("INSERT INTO codes (id, code) VALUES {}", values.join(", "));
        b.execute(&fill).await.expect("fill codes");
        b.execute("INSERT INTO tx (id, v) SELECT id + 10, code FROM codes")
            .await
            .expect("fill tx");
        b.execute("ANALYZE TABLE codes, tx").await.expect("analyze");
        for (table, src, index, rows) in [
            ("codes", "code IN ('k1', 'K2', 'k3 ')", "codes_code", 1),
            ("codes", "code = 'k7'", "codes_code", 1),
            ("tx", "v = 'X'", "tx_v", 1),
            ("tx", "v IN ('X', 'k5')", "tx_v", 2),
        ] {
            let cond = mysql_sql(src);
            let explain = format!("EXPLAIN SELECT id FROM {table} WHERE {cond}");
            let out = b.query(&explain).await.expect("explain");
            let at = |name: &str| out.columns.iter().position(|c| c == name).expect(name);
            let key = out.rows[0][at("key")].clone().unwrap_or_default();
            let access = out.rows[0][at("type")].clone().unwrap_or_default();
            // `index` (a full scan of the index) is what the cast form gets: not a lookup.
            assert!(
                key == index && ["ref", "range", "eq_ref", "const"].contains(&access.as_str()),
                "{src} must look {index} up: {cond}\n{:?}",
                out.rows
            );
            let count = format!("SELECT COUNT(*) FROM {table} WHERE {cond}");
            assert_eq!(snapshot::count(b.as_mut(), &count).await, rows, "{cond}");
        }
        b.close().await.expect("close");
    })
    .await;
}
