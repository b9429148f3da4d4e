//! Array (`text[]`, `integer[]`) and enum columns on real PostgreSQL, MariaDB and SQLite:
//! created from one plan, filled by backfills (an array exploded into rows in element order,
//! array values written with `array(..)`), introspected without drift, read back, an enum
//! value outside the list refused by every database, a value added with `alter_column`, and
//! `down` dropping PostgreSQL's enum types with their tables.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::expr::Expression;
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, for_each_backend};

const TABLES: &str = r#"
description = "profiles with url arrays and a link kind"

[[steps]]
op = "create_table"
table = "profiles"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "urls", type = "text[]", nullable = false },
  { name = "tags", type = "integer[]" },
  { name = "kind", type = "enum(website, imdb, 'show reel', other)", nullable = false, default = "website" },
]

[[steps]]
op = "create_table"
table = "links"
columns = [
  { name = "profile_id", type = "bigint", nullable = false },
  { name = "position", type = "integer", nullable = false },
  { name = "url", type = "text", nullable = false },
  { name = "kind", type = "enum(website, imdb, 'show reel', other)", nullable = false },
]
primary_key = ["profile_id", "position"]
"#;

const BACKFILLS: &str = r#"
description = "one link per url, in array order; tags for the first profiles; a kind from text"

[[steps]]
op = "backfill"
id = "links"
table = "profiles"
insert_into = "links"
explode = { column = "urls", as = "u" }
where = "array_length(profiles.urls) > 0 AND profiles.kind <> 'other'"
values.profile_id = "profiles.id"
values.position = "u.position"
values.url = "u.text"
values.kind = "profiles.kind"
on_conflict = "ignore"

[[steps]]
op = "backfill"
id = "tags"
table = "profiles"
pending = "profiles.tags IS NULL"
where = "profiles.id < 3"
set.tags = "array(profiles.id, 10)"

[[steps]]
op = "backfill"
id = "relabel"
table = "links"
pending = "links.url LIKE '%only%' AND links.kind <> 'other'"
set.kind = "CASE WHEN links.position = 1 THEN lower('OTHER') ELSE CAST(links.kind AS text) END"

[[down]]
op = "sql"
sql = "DELETE FROM links"
"#;

const MORE_KINDS: &str = r#"
description = "a new link kind"

[[steps]]
op = "alter_column"
table = "links"
column = "kind"
type = "enum(website, imdb, 'show reel', other, blog)"

[[down]]
op = "alter_column"
table = "links"
column = "kind"
type = "enum(website, imdb, 'show reel', other)"
"#;

const PODCASTS: &str = r#"
description = "podcast links: links.kind has a list of its own, so the type takes the value in place"

[[steps]]
op = "alter_column"
table = "links"
column = "kind"
type = "enum(podcast, website, imdb, 'show reel', other, blog)"

[[down]]
op = "alter_column"
table = "links"
column = "kind"
type = "enum(website, imdb, 'show reel', other, blog)"
"#;

/// An array of texts written the way `kind` stores it (seed data only: plans use `array(..)`).
fn text_array(kind: Kind, items: &[&str]) -> String {
    match kind {
        Kind::Postgres if items.is_empty() => "'{}'".into(),
        Kind::Postgres => {
            let quoted: Vec<String> = items.iter().map(|i| format!("'{i}'")).collect();
            format!("ARRAY[{}]", quoted.join(", "))
        }
        _ => {
            let quoted: Vec<String> = items.iter().map(|i| format!("\"{i}\"")).collect();
            format!("'[{}]'", quoted.join(","))
        }
    }
}

/// A boolean as the drivers return it (`t`/`true`/`1`, `f`/`false`/`0`), spelled one way.
fn truth(v: &str) -> String {
    match v {
        "t" | "true" | "1" => "true".into(),
        "f" | "false" | "0" => "false".into(),
        other => other.into(),
    }
}

async fn rows(b: &mut dyn Backend, sql: &str) -> Vec<Vec<String>> {
    b.query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect()
        })
        .collect()
}

async fn assert_no_drift(b: &mut dyn Backend, plan: &cutover_core::plan::Plan, when: &str) {
    let report = Runner::new(b, plan, RunnerOptions::default(), &Silent)
        .drift()
        .await
        .expect("drift");
    assert!(
        report.differences.is_empty(),
        "drift {when}: {:?}",
        report.differences
    );
}

async fn enum_types(b: &mut dyn Backend) -> i64 {
    cutover_tests::snapshot::count(
        b,
        "SELECT COUNT(*) FROM pg_type WHERE typname LIKE 'cutover\\_enum\\_%'",
    )
    .await
}

#[tokio::test]
async fn arrays_and_enums_round_trip_on_every_database() {
    for_each_backend(|db| async move {
        let kind = db.backend();
        let dir = PlanDir::new();
        dir.write("0001_tables.toml", TABLES);
        let mut b = connect(db.url()).await.expect("connect");
        let plan = dir.load();
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up 0001");
        assert_no_drift(b.as_mut(), &plan, "after creating the tables").await;
        // Introspection reads the types back: native arrays on PostgreSQL (JSON elsewhere), and
        // the enum's values on all three (pg_enum, MySQL's column type, SQLite's CHECK).
        let shape = b.introspect().await.expect("introspect");
        let types: Vec<(String, String)> = shape.tables["profiles"]
            .columns
            .iter()
            .map(|c| (c.name.clone(), c.ty.clone()))
            .collect();
        let array = |element: &str| {
            if kind == Kind::Postgres {
                format!("{element}[]")
            } else {
                "json".to_string()
            }
        };
        assert_eq!(
            types,
            [
                ("id".to_string(), "bigint".to_string()),
                ("urls".to_string(), array("text")),
                ("tags".to_string(), array("integer")),
                (
                    "kind".to_string(),
                    "enum('website', 'imdb', 'show reel', 'other')".to_string()
                ),
            ]
        );
        if kind == Kind::Postgres {
            assert_eq!(enum_types(b.as_mut()).await, 1, "one type for the two columns with the same values");
        }

        let seed = [
            (1, vec!["https://z.example", "https://a.example", "https://m.example"], "imdb"),
            (2, vec![], "website"),
            (3, vec!["https://only.example"], "show reel"),
            (4, vec!["https://skipped.example"], "other"),
        ];
        for (id, urls, k) in &seed {
            let sql = format!(
                "INSERT INTO profiles (id, urls, kind) VALUES ({id}, {}, '{k}')",
                text_array(kind, urls)
            );
            b.execute(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
        }
        // A value outside the enum is refused by the database itself.
        let bad = format!(
            "INSERT INTO profiles (id, urls, kind) VALUES (9, {}, 'blog')",
            text_array(kind, &[])
        );
        assert!(b.execute(&bad).await.is_err(), "'blog' accepted by {kind:?}");

        dir.write("0002_backfills.toml", BACKFILLS);
        let plan = dir.load();
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up 0002");
        assert_eq!(
            rows(b.as_mut(), "SELECT profile_id, position, url, kind FROM links ORDER BY profile_id, position").await,
            [
                ["1", "1", "https://z.example", "imdb"],
                ["1", "2", "https://a.example", "imdb"],
                ["1", "3", "https://m.example", "imdb"],
                ["3", "1", "https://only.example", "other"],
            ],
            "one link per element, in array order; text stored into the enum"
        );

        // array_length: 0 for an empty array, NULL for NULL, on every database.
        let dialect = b.dialect();
        let len = |col: &str| {
            Expression::parse(&format!("array_length({col})"))
                .and_then(|e| e.to_sql(dialect))
                .expect("renders")
        };
        let sql = format!(
            "SELECT id, {}, {}, kind FROM profiles ORDER BY id",
            len("urls"),
            len("tags")
        );
        assert_eq!(
            rows(b.as_mut(), &sql).await,
            [
                ["1", "3", "2", "imdb"],
                ["2", "0", "2", "website"],
                ["3", "1", "NULL", "show reel"],
                ["4", "1", "NULL", "other"],
            ]
        );
        // array_contains: exact matches, NULL for a NULL array.
        let has = |src: &str| {
            Expression::parse(src)
                .and_then(|e| e.to_sql(dialect))
                .expect("renders")
        };
        let sql = format!(
            "SELECT id, {}, {} FROM profiles ORDER BY id",
            has("array_contains(urls, 'https://a.example')"),
            has("array_contains(tags, 10)")
        );
        let found: Vec<Vec<String>> = rows(b.as_mut(), &sql)
            .await
            .into_iter()
            .map(|r| {
                let mut r = r.into_iter();
                let id = r.next().unwrap_or_default();
                std::iter::once(id).chain(r.map(|v| truth(&v))).collect()
            })
            .collect();
        assert_eq!(
            found,
            [
                ["1", "true", "true"],
                ["2", "false", "true"],
                ["3", "false", "NULL"],
                ["4", "false", "NULL"],
            ]
        );
        let upper = format!(
            "SELECT COUNT(*) FROM profiles WHERE {}",
            has("array_contains(urls, 'HTTPS://A.EXAMPLE')")
        );
        assert_eq!(cutover_tests::snapshot::count(b.as_mut(), &upper).await, 0, "case-sensitive");
                // The written array holds the values in order (PostgreSQL `{1,10}`, JSON `[1, 10]`).
        let tags = rows(b.as_mut(), "SELECT tags FROM profiles WHERE id = 2").await;
        let digits: String = tags[0][0]
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == ',')
            .collect();
        assert_eq!(digits, "2,10", "tags of profile 2: {:?}", tags[0][0]);
        assert_no_drift(b.as_mut(), &plan, "after the backfills").await;

        // A new enum value: ALTER TYPE .. ADD VALUE, MODIFY COLUMN, or a SQLite rebuild.
        let blog = "INSERT INTO links (profile_id, position, url, kind) VALUES (2, 1, 'https://blog.example', 'blog')";
        assert!(b.execute(blog).await.is_err(), "'blog' is not a value yet");
        dir.write("0003_more_kinds.toml", MORE_KINDS);
        let plan = dir.load();
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up 0003");
        b.execute(blog).await.expect("'blog' is a value now");
        if kind == Kind::Postgres {
            assert_eq!(enum_types(b.as_mut()).await, 2, "links.kind has a list of its own now");
        }
        assert_no_drift(b.as_mut(), &plan, "after adding a value").await;

        // A value added in place (PostgreSQL: RENAME, then ADD VALUE outside a transaction).
        dir.write("0004_podcasts.toml", PODCASTS);
        let plan = dir.load();
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up 0004");
        b.execute("INSERT INTO links (profile_id, position, url, kind) VALUES (2, 2, 'https://pod.example', 'podcast')")
            .await
            .expect("'podcast' is a value now");
        assert_no_drift(b.as_mut(), &plan, "after adding a value in place").await;
        if kind == Kind::Postgres {
            assert_eq!(enum_types(b.as_mut()).await, 2, "still one type per value list");
        }
        b.execute("DELETE FROM links WHERE kind = 'podcast'").await.expect("delete");

        // Down drops the tables, and PostgreSQL's enum types with them.
        b.execute("DELETE FROM links WHERE kind = 'blog'").await.expect("delete");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .down(DownTarget::Version(cutover_core::plan::Version::parse("0").expect("v")))
            .await
            .expect("down");
        assert_eq!(
            cutover_tests::snapshot::tables(b.as_mut()).await,
            Vec::<String>::new()
        );
        if kind == Kind::Postgres {
            assert_eq!(enum_types(b.as_mut()).await, 0, "down dropped the enum types");
        }
        b.close().await.expect("close");
    })
    .await;
}

/// `cutover test`: up, down and up again on every database, and the final schemas compared
/// across them (arrays are JSON and enums text where the database lacks them).
#[tokio::test]
async fn cutover_test_sees_the_same_schema_on_every_database() {
    let dir = PlanDir::new();
    dir.write("0001_tables.toml", TABLES);
    dir.write("0002_more_kinds.toml", MORE_KINDS);
    let plan = dir.load();
    let urls: Vec<String> = cutover_tests::backends()
        .iter()
        .map(|b| b.server_url())
        .collect();
    let open: Box<cutover_core::plantest::Opener> =
        Box::new(|url: String| Box::pin(async move { connect(&url).await }));
    let report = cutover_core::plantest::test_plan(&plan, &urls, open.as_ref())
        .await
        .expect("test runs");
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.databases.len(), urls.len());
}
