//! `v IN (SELECT w ..)` where `v` and `w` are columns the plan does not define (raw SQL, so
//! their collation is only known at run time; `utf8mb4_general_ci` on MariaDB) is exact on
//! every database and, on MariaDB, looks `w` up in its index for each row (red-team rtg
//! HIGH 5: the exact part used to compare `CAST(.. AS BINARY)` values, which no index
//! serves, so MariaDB scanned the whole subquery for every row: 55-57 s over 200k rows).
//! NULLs on either side give what `IN` / `NOT IN` give on PostgreSQL and SQLite.

use cutover_cli::connect::connect;
use cutover_core::dialect::Dialect;
use cutover_core::expr::{ColumnRef, Expression, Lookup};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

/// Raw-SQL tables: `tx` to mark, `wanted` (no NULL), `wanted_null` (with a NULL), `nums`.
fn tables(backend: Backend) -> String {
    let text = match backend {
        Backend::Mysql => "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
        _ => "varchar(20)",
    };
    let key = match backend {
        Backend::Mysql => ", KEY wanted_w (w)",
        _ => "",
    };
    format!(
        r#"
description = "raw tables"
[[steps]]
op = "sql"
sql = """CREATE TABLE tx (id integer PRIMARY KEY, v {text}, inq varchar(10), nin varchar(10), val varchar(10), valn varchar(10), sub varchar(10), num varchar(10), grp varchar(10), agg varchar(10));
CREATE TABLE wanted (id integer PRIMARY KEY, w {text}{key});
CREATE TABLE wanted_null (id integer PRIMARY KEY, w {text}{key});
CREATE TABLE nums (n integer);
INSERT INTO tx (id, v) VALUES (1, 'X'), (2, 'x'), (3, 'X '), (4, 'Y'), (5, NULL);
INSERT INTO wanted (id, w) VALUES (1, 'X'), (2, 'Z');
INSERT INTO wanted_null (id, w) VALUES (1, 'X'), (2, NULL);
INSERT INTO nums (n) VALUES (1), (4)"""
down = "DROP TABLE tx; DROP TABLE wanted; DROP TABLE wanted_null; DROP TABLE nums"
"#
    )
}

/// `CASE` telling TRUE (`T`), FALSE (`F`) and NULL (`N`) apart.
fn three_valued(cond: &str) -> String {
    format!("CASE WHEN {cond} THEN 'T' WHEN NOT ({cond}) THEN 'F' ELSE 'N' END")
}

fn backfills() -> String {
    let mut out = String::from("description = \"mark what each IN (SELECT) selects\"\n");
    let steps = [
        (
            "inq",
            Some("v IN (SELECT w FROM wanted)"),
            "'hit'".to_string(),
        ),
        (
            "nin",
            Some("v NOT IN (SELECT w FROM wanted)"),
            "'hit'".into(),
        ),
        (
            "val",
            None,
            three_valued("v IN (SELECT w FROM wanted_null)"),
        ),
        ("valn", None, three_valued("v IN (SELECT w FROM wanted)")),
        (
            "sub",
            Some("v IN (SELECT w FROM wanted WHERE w <> 'Z')"),
            "'hit'".into(),
        ),
        ("num", Some("id IN (SELECT n FROM nums)"), "'hit'".into()),
        (
            "grp",
            Some("v IN (SELECT w FROM wanted GROUP BY w HAVING COUNT(*) = 1)"),
            "'hit'".into(),
        ),
        (
            "agg",
            Some("v IN (SELECT MIN(w) FROM wanted)"),
            "'hit'".into(),
        ),
    ];
    for (col, filter, value) in steps {
        out.push_str(&format!(
            "[[steps]]\nop = \"backfill\"\nid = \"tx_{col}\"\ntable = \"tx\"\nset.{col} = \"{value}\"\n"
        ));
        if let Some(f) = filter {
            out.push_str(&format!("where = \"{f}\"\n"));
        }
    }
    out
}

#[tokio::test]
async fn in_query_on_raw_columns_is_exact_with_nulls() {
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
        let ids = |col: &str, value: &str| {
            format!("SELECT COALESCE(SUM(id * id), 0) FROM tx WHERE {col} = '{value}'")
        };
        // Sums of squares name the row sets: 1 = {1}, 4+9+16 = {2,3,4}, ...
        let cases = [
            (ids("inq", "hit"), 1),
            (ids("nin", "hit"), 4 + 9 + 16),
            (ids("val", "T"), 1),
            (ids("val", "F"), 0),
            (ids("val", "N"), 4 + 9 + 16 + 25),
            (ids("valn", "T"), 1),
            (ids("valn", "F"), 4 + 9 + 16),
            (ids("valn", "N"), 25),
            (ids("sub", "hit"), 1),
            (ids("num", "hit"), 1 + 16),
            (ids("grp", "hit"), 1),
            (ids("agg", "hit"), 1),
        ];
        for (sql, want) in cases {
            let got = snapshot::count(b.as_mut(), &sql).await;
            assert_eq!(got, want, "[{}] {sql}", backend.name());
        }
        b.close().await.expect("close");
    })
    .await;
}

fn mysql_sql(src: &str) -> String {
    let mut e = Expression::parse(src).expect("parses");
    e.typecheck(&|_: &ColumnRef| Lookup::Unknown)
        .expect("type checks");
    e.to_sql(Dialect::Mysql).expect("renders")
}

/// MariaDB does not turn the `IN` of a single-table `UPDATE` (a backfill batch) into a
/// semi-join: each row runs the subquery, which must then be an index lookup (`ref`,
/// `index_subquery`, ..), not a scan of the whole index (`index`) or table (`ALL`).
#[tokio::test]
async fn mysql_in_query_on_raw_columns_uses_the_index() {
    for_each_backend(|db| async move {
        if db.backend() != Backend::Mysql {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", &tables(Backend::Mysql));
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        let rows = |table: &str, col: &str| {
            let values: Vec<String> = (10..2010).map(|i| format!("({i}, 'k{i}')")).collect();
            format!(
                "INSERT INTO {table} (id, {col}) VALUES {}",
                values.join(", ")
            )
        };
        b.execute(&rows("tx", "v")).await.expect("fill tx");
        b.execute(&rows("wanted", "w")).await.expect("fill wanted");
        // Every other `w` differs from its `v` by case only: the plain `IN` matches it, the
        // exact check must not.
        b.execute("UPDATE wanted SET w = UPPER(w) WHERE id % 2 = 1")
            .await
            .expect("case half of wanted");
        b.execute("ANALYZE TABLE tx, wanted")
            .await
            .expect("analyze");
        for (src, want) in [
            ("v IN (SELECT w FROM wanted)", 1000 + 1),
            ("v NOT IN (SELECT w FROM wanted)", 1000 + 3),
        ] {
            let cond = mysql_sql(src);
            let explain = format!("EXPLAIN UPDATE tx SET inq = 'hit' WHERE {cond}");
            let out = b.query(&explain).await.expect("explain");
            let at = |name: &str| out.columns.iter().position(|c| c == name).expect(name);
            let lookups: Vec<_> = out
                .rows
                .iter()
                .filter(|r| r[at("table")].as_deref() == Some("wanted"))
                .collect();
            assert!(!lookups.is_empty(), "{cond}\n{:?}", out.rows);
            for r in lookups {
                let access = r[at("type")].clone().unwrap_or_default();
                let key = r[at("key")].clone().unwrap_or_default();
                assert!(
                    key == "wanted_w" && !["index", "ALL"].contains(&access.as_str()),
                    "{src}: every read of `wanted` must look `wanted_w` up: {cond}\n{:?}",
                    out.rows
                );
            }
            let count = format!("SELECT COUNT(*) FROM tx WHERE {cond}");
            assert_eq!(snapshot::count(b.as_mut(), &count).await, want, "{cond}");
        }
        b.close().await.expect("close");
    })
    .await;
}
