//! Text of collations MySQL/MariaDB cannot reconcile (red-team rtg MEDIUM 7, error 1267
//! "Illegal mix of collations").
//!
//! - A column the plan does not define, in `latin1` on MariaDB, compared with a literal
//!   holding a character `latin1` lacks (`'ā'`): compared by UTF-8 bytes, it matches nothing
//!   and the statement runs; with `'é'` (which `latin1` holds, and its `_ci` collation
//!   folds with `e` and `É`) it matches exactly one row. Same rows on the three databases.
//! - Two such columns of different collations (`utf8mb4_general_ci`, `utf8mb4_unicode_ci`):
//!   the comparison stays as written so an index can serve it, so MariaDB refuses it, and
//!   the error says to CAST both sides to text; written so, the rows agree everywhere.
//! - Such a column against a text column the plan created (`utf8mb4_bin`): no error (the
//!   `_bin` collation wins), exact rows.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

fn tables(backend: Backend) -> String {
    let (latin1, general, unicode) = match backend {
        Backend::Mysql => (
            "varchar(20) CHARACTER SET latin1",
            "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci",
            "varchar(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        ),
        _ => ("varchar(20)", "varchar(20)", "varchar(20)"),
    };
    format!(
        r#"
description = "raw tables in other character sets and collations"
[[steps]]
op = "sql"
sql = """CREATE TABLE tl (id integer PRIMARY KEY, v {latin1}, eq varchar(10), ne varchar(10), inl varchar(10), nin varchar(10), eqe varchar(10), cs varchar(10));
CREATE TABLE tg (id integer PRIMARY KEY, v {general}, ex varchar(10), st varchar(10), sn varchar(10));
CREATE TABLE tu (id integer PRIMARY KEY, w {unicode});
INSERT INTO tl (id, v) VALUES (1, 'é'), (2, 'e'), (3, 'É'), (4, NULL), (5, 'E ');
INSERT INTO tg (id, v) VALUES (1, 'X'), (2, 'x'), (3, 'X '), (4, 'Y');
INSERT INTO tu (id, w) VALUES (1, 'X'), (2, 'y')"""
down = "DROP TABLE tl; DROP TABLE tg; DROP TABLE tu"
"#
    )
}

const LITERALS: &str = r#"
description = "latin1 against literals beyond ASCII"
[[steps]]
op = "backfill"
id = "tl_eq"
table = "tl"
where = "v = 'ā'"
set.eq = "'hit'"
[[steps]]
op = "backfill"
id = "tl_ne"
table = "tl"
where = "v <> 'ā'"
set.ne = "'hit'"
[[steps]]
op = "backfill"
id = "tl_in"
table = "tl"
where = "v IN ('ā', 'é')"
set.inl = "'hit'"
[[steps]]
op = "backfill"
id = "tl_not_in"
table = "tl"
where = "v NOT IN ('ā', 'é')"
set.nin = "'hit'"
[[steps]]
op = "backfill"
id = "tl_eq_e"
table = "tl"
where = "v = 'é'"
set.eqe = "'hit'"
[[steps]]
op = "backfill"
id = "tl_case"
table = "tl"
set.cs = "CASE v WHEN 'ā' THEN 'a' WHEN 'é' THEN 'e' ELSE 'z' END"
"#;

/// `codes` is created by the plan (`utf8mb4_bin` on MySQL): MySQL compares a `_bin`
/// collation with another of its character set (or of a smaller one) in the `_bin` one, so
/// the comparison with `tg.v` runs as written, and is exact.
const STORED: &str = r#"
description = "a table of the plan, compared with the raw one"
[[steps]]
op = "create_table"
table = "codes"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "code", type = "varchar(20)", nullable = false },
]
[[steps]]
op = "sql"
sql = "INSERT INTO codes (id, code) VALUES (1, 'X'), (2, 'y')"
down = "DELETE FROM codes"
[[steps]]
op = "backfill"
id = "tg_stored_eq"
table = "tg"
where = "EXISTS (SELECT 1 FROM codes WHERE codes.code = tg.v)"
set.st = "'hit'"
[[steps]]
op = "backfill"
id = "tg_stored_ne"
table = "tg"
where = "EXISTS (SELECT 1 FROM codes WHERE codes.id = 1 AND codes.code <> tg.v)"
set.sn = "'hit'"
"#;

const CAST_BOTH: &str = r#"
description = "two collations, compared as text"
[[steps]]
op = "backfill"
id = "tg_exists"
table = "tg"
where = "EXISTS (SELECT 1 FROM tu WHERE CAST(tu.w AS text) = CAST(tg.v AS text))"
set.ex = "'hit'"
"#;

const AS_WRITTEN: &str = r#"
description = "two collations, compared as written"
[[steps]]
op = "backfill"
id = "tg_mixed"
table = "tg"
where = "EXISTS (SELECT 1 FROM tu WHERE tu.w = tg.v)"
set.ex = "'mixed'"
"#;

fn ids(table: &str, col: &str, value: &str) -> String {
    format!("SELECT COALESCE(SUM(id * id), 0) FROM {table} WHERE {col} = '{value}'")
}

#[tokio::test]
async fn literals_beyond_the_column_charset_compare_exactly() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", &tables(backend));
        dir.write("0002_literals.toml", LITERALS);
        dir.write("0003_cast.toml", CAST_BOTH);
        dir.write("0004_stored.toml", STORED);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .unwrap_or_else(|e| panic!("[{}] up: {e:#}", backend.name()));
        // Sums of squares name the row sets: 1 = {1}, 4+9+25 = {2,3,5}, ...
        let cases = [
            (ids("tl", "eq", "hit"), 0),
            (ids("tl", "ne", "hit"), 1 + 4 + 9 + 25),
            (ids("tl", "inl", "hit"), 1),
            (ids("tl", "nin", "hit"), 4 + 9 + 25),
            (ids("tl", "eqe", "hit"), 1),
            (ids("tl", "cs", "a"), 0),
            (ids("tl", "cs", "e"), 1),
            (ids("tl", "cs", "z"), 4 + 9 + 16 + 25),
            (ids("tg", "ex", "hit"), 1),
            (ids("tg", "st", "hit"), 1),
            (ids("tg", "sn", "hit"), 4 + 9 + 16),
        ];
        for (sql, want) in cases {
            let got = snapshot::count(b.as_mut(), &sql).await;
            assert_eq!(got, want, "[{}] {sql}", backend.name());
        }
        b.close().await.expect("close");
    })
    .await;
}

#[tokio::test]
async fn mysql_mixed_collations_say_to_cast_both_sides() {
    for_each_backend(|db| async move {
        if db.backend() != Backend::Mysql {
            return;
        }
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", &tables(Backend::Mysql));
        dir.write("0002_mixed.toml", AS_WRITTEN);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let err = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect_err("MariaDB cannot compare utf8mb4_general_ci with utf8mb4_unicode_ci");
        let msg = format!("{err:#}");
        for part in [
            "tg_mixed",
            "utf8mb4_general_ci",
            "utf8mb4_unicode_ci",
            "error 1267",
            "CAST both sides to text",
        ] {
            assert!(msg.contains(part), "`{part}` missing from: {msg}");
        }
        let sql = "SELECT COUNT(*) FROM tg WHERE ex IS NOT NULL";
        assert_eq!(snapshot::count(b.as_mut(), sql).await, 0, "nothing written");
        b.close().await.expect("close");
    })
    .await;
}
