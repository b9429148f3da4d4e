//! Red-team findings on portable expressions, on real PostgreSQL, MariaDB and SQLite: the
//! same plan and data must give the same rows everywhere.
//!
//! - an integer SUM divided by 2 is integer division (MySQL's SUM is DECIMAL);
//! - CAST(AVG(..) AS bigint) rounds half away from zero (SQLite truncated);
//! - `/` and `%` by zero give NULL (PostgreSQL raised an error, MySQL too in an UPDATE);
//! - a CASE of enum literals stores into an enum column (PostgreSQL: "expression is of type
//!   text");
//! - an exploded element's `.text` is text (SQLite gave the integer 5, so `url = e.text`
//!   missed '5'), and SQL NULL for a JSON null (MariaDB gave 'null');
//! - exploding a non-array gives no rows (PostgreSQL failed, SQLite exploded objects and
//!   scalars);
//! - `array_contains` of an array holding NULL is false, not NULL (PostgreSQL).

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target, run_check};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend};

const SCHEMA: &str = r#"
description = "scores, items, JSON documents and their elements"
[[steps]]
op = "create_table"
table = "scores"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "grp", type = "bigint", nullable = false },
  { name = "v", type = "bigint", nullable = false },
]
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "grp", type = "bigint", nullable = false },
  { name = "n", type = "bigint", nullable = false },
  { name = "half_sum", type = "bigint" },
  { name = "avg_int", type = "bigint" },
  { name = "modulo", type = "bigint" },
  { name = "quotient", type = "bigint" },
  { name = "kind", type = "enum(website, imdb, 'show reel')" },
]
[[steps]]
op = "create_table"
table = "lookups"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "url", type = "varchar(50)", nullable = false },
]
[[steps]]
op = "create_table"
table = "docs"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "doc", type = "json" },
  { name = "tags", type = "text[]" },
]
[[steps]]
op = "create_table"
table = "elements"
primary_key = ["doc_id", "pos"]
columns = [
  { name = "doc_id", type = "bigint" },
  { name = "pos", type = "integer" },
  { name = "tag", type = "text" },
  { name = "lookup_id", type = "bigint" },
  { name = "has_b", type = "boolean" },
]
"#;

const BACKFILLS: &str = r#"
description = "aggregates, casts, division by zero, enum CASE, explode"
[[steps]]
op = "backfill"
id = "items"
table = "items"
set.half_sum = "(SELECT SUM(s.v) FROM scores s WHERE s.grp = items.grp) / 2"
set.avg_int = "CAST((SELECT AVG(s.v) FROM scores s WHERE s.grp = items.grp) AS bigint)"
set.modulo = "(SELECT SUM(s.v) FROM scores s WHERE s.grp = items.grp) % n"
set.quotient = "(SELECT SUM(s.v) FROM scores s WHERE s.grp = items.grp) / n"
set.kind = "CASE WHEN id > 1 THEN 'imdb' ELSE 'website' END"

[[steps]]
op = "backfill"
id = "elements"
table = "docs"
insert_into = "elements"
explode = { column = "doc", as = "e" }
values.doc_id = "docs.id"
values.pos = "e.position"
values.tag = "e.text"
values.lookup_id = "(SELECT l.id FROM lookups l WHERE l.url = e.text)"
values.has_b = "array_contains(docs.tags, 'b')"

[[checks]]
name = "integer sum halved"
query = "SELECT SUM(v) / 2 FROM scores"
expect = 8

[[checks]]
name = "division by zero is NULL"
query = "SELECT COUNT(*) FROM items WHERE grp / (n - n) IS NULL AND grp % 0 IS NULL"
expect = 3
"#;

async fn lines(b: &mut dyn cutover_core::backend::Backend, sql: &str) -> Vec<String> {
    let rows = b.query(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join("|")
        })
        .collect()
}

#[tokio::test]
async fn expressions_give_the_same_rows_on_every_database() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_schema.toml", SCHEMA);
        dir.write("0002_backfills.toml", BACKFILLS);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let version = cutover_core::plan::Version::parse("0001").expect("version");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Version(version))
            .await
            .expect("schema");
        let (tags1, tags4) = match db.backend() {
            Backend::Postgres => ("'{a,NULL,B}'", r#"'{"null",b}'"#),
            _ => (r#"'["a",null,"B"]'"#, r#"'["null","b"]'"#),
        };
        for sql in [
            "INSERT INTO scores (id, grp, v) VALUES (1, 1, 6), (2, 1, 7), (3, 2, 4)".to_string(),
            "INSERT INTO items (id, grp, n) VALUES (1, 1, 0), (2, 2, 3), (3, 1, 0)".to_string(),
            "INSERT INTO lookups (id, url) VALUES (10, 'b'), (11, '5'), (12, 'null')".to_string(),
            format!(
                r#"INSERT INTO docs (id, doc, tags) VALUES (1, '["b", 5, null, true]', {tags1}),
                   (2, '{{"x": "y"}}', NULL), (3, '"str"', NULL), (4, '["null"]', {tags4})"#
            ),
        ] {
            b.execute(&sql)
                .await
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
        }

        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("the backfills run and the checks pass");

        // Group 1 sums 13 (avg 6.5), group 2 sums 4 (avg 4); item 2 divides by 3.
        assert_eq!(
            lines(
                b.as_mut(),
                "SELECT id, half_sum, avg_int, modulo, quotient, kind FROM items ORDER BY id"
            )
            .await,
            [
                "1|6|7|NULL|NULL|website",
                "2|2|4|1|1|imdb",
                "3|6|7|NULL|NULL|imdb"
            ]
        );
        // Object and scalar documents give no rows; 5 finds lookup '5', JSON null is NULL
        // (not the lookup 'null'), and an array holding NULL does not contain 'b'.
        assert_eq!(
            lines(
                b.as_mut(),
                "SELECT doc_id, pos, COALESCE(tag, '<null>'), COALESCE(lookup_id, -1), \
                 CASE WHEN has_b IS NULL THEN 'unknown' WHEN has_b THEN 'yes' ELSE 'no' END \
                 FROM elements ORDER BY doc_id, pos"
            )
            .await,
            [
                "1|1|b|10|no",
                "1|2|5|11|no",
                "1|3|<null>|-1|no",
                "1|4|true|-1|no",
                "4|1|null|12|yes"
            ]
        );
        for (name, value) in [
            ("integer sum halved", 8.0),
            ("division by zero is NULL", 3.0),
        ] {
            let c = plan.migrations[1]
                .checks
                .iter()
                .map(|c| &c.item)
                .find(|c| c.name == name)
                .expect("check");
            let r = run_check(b.as_mut(), c).await.expect("the check runs");
            assert_eq!(r.value.parse::<f64>().ok(), Some(value), "{name}: {r:?}");
        }
    })
    .await;
}
