//! Portable expressions evaluated on the real databases: the renderings checked by the golden
//! tests in `cutover-core` must also compute the same values on PostgreSQL, MySQL/MariaDB and
//! SQLite.

use cutover_core::Dialect;
use cutover_core::expr::Expression;
use cutover_tests::{Backend, TestDb, for_each_backend};
use mysql_async::prelude::Queryable;
use serde_json::{Value, json};

/// A connection to the test database, through the raw driver.
enum Conn {
    Postgres(tokio_postgres::Client),
    Mysql(mysql_async::Conn),
    Sqlite(rusqlite::Connection),
}

impl Conn {
    async fn open(db: &TestDb) -> Conn {
        match db.backend() {
            Backend::Postgres => {
                let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls)
                    .await
                    .expect("connect to postgres");
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                Conn::Postgres(client)
            }
            Backend::Mysql => {
                let opts = mysql_async::Opts::from_url(db.url()).expect("mysql url");
                Conn::Mysql(
                    mysql_async::Conn::new(opts)
                        .await
                        .expect("connect to mysql"),
                )
            }
            Backend::Sqlite => {
                let path = db.url().strip_prefix("sqlite://").expect("sqlite url");
                Conn::Sqlite(rusqlite::Connection::open(path).expect("open sqlite"))
            }
        }
    }

    fn dialect(&self) -> Dialect {
        match self {
            Conn::Postgres(_) => Dialect::Postgres,
            Conn::Mysql(_) => Dialect::Mysql,
            Conn::Sqlite(_) => Dialect::Sqlite,
        }
    }

    async fn exec(&mut self, sql: &str) {
        match self {
            Conn::Postgres(c) => c.batch_execute(sql).await.map_err(|e| format!("{e:?}")),
            Conn::Mysql(c) => c.query_drop(sql).await.map_err(|e| e.to_string()),
            Conn::Sqlite(c) => c.execute_batch(sql).map_err(|e| e.to_string()),
        }
        .unwrap_or_else(|e| panic!("{sql}\n-> {e}"));
    }

    /// Runs a query and returns every value as text (NULL as `None`).
    async fn rows(&mut self, sql: &str) -> Vec<Vec<Option<String>>> {
        let result = match self {
            Conn::Postgres(c) => pg_rows(c, sql).await,
            Conn::Mysql(c) => mysql_rows(c, sql).await,
            Conn::Sqlite(c) => sqlite_rows(c, sql),
        };
        result.unwrap_or_else(|e| panic!("{sql}\n-> {e}"))
    }

    /// The single value of `SELECT <expr> FROM docs`.
    async fn eval(&mut self, src: &str) -> Option<String> {
        let sql = Expression::parse(src)
            .and_then(|e| e.to_sql(self.dialect()))
            .unwrap_or_else(|e| panic!("{e}"));
        let rows = self.rows(&format!("SELECT {sql} FROM docs")).await;
        assert_eq!(rows.len(), 1, "{src}");
        rows[0][0].clone()
    }
}

async fn pg_rows(
    c: &tokio_postgres::Client,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, String> {
    let messages = c.simple_query(sql).await.map_err(|e| format!("{e:?}"))?;
    Ok(messages
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect())
}

async fn mysql_rows(
    c: &mut mysql_async::Conn,
    sql: &str,
) -> Result<Vec<Vec<Option<String>>>, String> {
    use mysql_async::Value as V;
    let rows: Vec<mysql_async::Row> = c.query(sql).await.map_err(|e| e.to_string())?;
    Ok(rows
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| match r.as_ref(i) {
                    None | Some(V::NULL) => None,
                    Some(V::Bytes(b)) => Some(String::from_utf8_lossy(b).into_owned()),
                    Some(V::Int(i)) => Some(i.to_string()),
                    Some(V::UInt(u)) => Some(u.to_string()),
                    Some(V::Float(f)) => Some(f.to_string()),
                    Some(V::Double(d)) => Some(d.to_string()),
                    Some(other) => Some(format!("{other:?}")),
                })
                .collect()
        })
        .collect())
}

fn sqlite_rows(c: &rusqlite::Connection, sql: &str) -> Result<Vec<Vec<Option<String>>>, String> {
    use rusqlite::types::ValueRef as V;
    let mut stmt = c.prepare(sql).map_err(|e| e.to_string())?;
    let n = stmt.column_count();
    let rows = stmt
        .query_map([], |row| {
            (0..n)
                .map(|i| {
                    Ok(match row.get_ref(i)? {
                        V::Null => None,
                        V::Integer(i) => Some(i.to_string()),
                        V::Real(f) => Some(f.to_string()),
                        V::Text(t) | V::Blob(t) => Some(String::from_utf8_lossy(t).into_owned()),
                    })
                })
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .map_err(|e| e.to_string())?;
    rows.collect::<rusqlite::Result<Vec<_>>>()
        .map_err(|e| e.to_string())
}

/// The example of the product brief.
const ATTACHMENTS: &str = "json_array(json_object(
   'url', media_url,
   'type', CASE WHEN media_url LIKE '%.mp4' THEN 'video' ELSE 'image' END,
   'name', substring_after_last(media_url, '/'),
   'mimeType', CASE WHEN media_url LIKE '%.mp4' THEN 'video/mp4' ELSE 'image/jpeg' END,
   'source', 'legacy_migration'))";

const PENDING: &str = "media_url IS NOT NULL AND media_url <> '' AND json_length(attachments) = 0";

fn create_messages(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => {
            "CREATE TABLE messages (id integer PRIMARY KEY, media_url text, \
             attachments jsonb NOT NULL DEFAULT '[]')"
        }
        Dialect::Mysql => {
            "CREATE TABLE messages (id int PRIMARY KEY, media_url text, \
             attachments json NOT NULL DEFAULT ('[]'))"
        }
        Dialect::Sqlite => {
            "CREATE TABLE messages (id INTEGER PRIMARY KEY, media_url TEXT, \
             attachments JSON NOT NULL DEFAULT '[]' CHECK (json_valid(attachments)))"
        }
    }
}

fn attachment(url: &str, kind: &str, name: &str, mime: &str) -> Value {
    json!([{
        "url": url,
        "type": kind,
        "name": name,
        "mimeType": mime,
        "source": "legacy_migration",
    }])
}

#[tokio::test]
async fn attachments_backfill_computes_the_expected_json() {
    for_each_backend(|db| async move {
        let mut conn = Conn::open(&db).await;
        let d = conn.dialect();
        conn.exec(create_messages(d)).await;
        conn.exec(
            "INSERT INTO messages (id, media_url) VALUES \
             (1, 'https://cdn.example.com/u/1/clip.mp4'), \
             (2, 'https://cdn.example.com/u/2/photo.jpg'), \
             (3, NULL), (4, '')",
        )
        .await;

        let set = Expression::parse(ATTACHMENTS).expect("set parses");
        let pending = Expression::parse(PENDING).expect("pending parses");
        let update = format!(
            "UPDATE messages SET attachments = {} WHERE {}",
            set.to_sql(d).expect("set renders"),
            pending.to_sql(d).expect("pending renders"),
        );
        conn.exec(&update).await;

        let rows = conn
            .rows("SELECT id, attachments FROM messages ORDER BY id")
            .await;
        let got: Vec<(String, Value)> = rows
            .into_iter()
            .map(|r| {
                let json = r[1].as_deref().expect("attachments is not null");
                let value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
                (r[0].clone().expect("id"), value)
            })
            .collect();
        let expected = vec![
            (
                "1".to_string(),
                attachment(
                    "https://cdn.example.com/u/1/clip.mp4",
                    "video",
                    "clip.mp4",
                    "video/mp4",
                ),
            ),
            (
                "2".to_string(),
                attachment(
                    "https://cdn.example.com/u/2/photo.jpg",
                    "image",
                    "photo.jpg",
                    "image/jpeg",
                ),
            ),
            ("3".to_string(), json!([])),
            ("4".to_string(), json!([])),
        ];
        assert_eq!(got, expected, "{update}");

        // The backfill is done: nothing is pending any more.
        let count = format!(
            "SELECT count(*) FROM messages WHERE {}",
            pending.to_sql(d).expect("pending renders")
        );
        assert_eq!(conn.rows(&count).await, vec![vec![Some("0".to_string())]]);
    })
    .await;
}

fn create_docs(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "CREATE TABLE docs (id integer PRIMARY KEY, payload jsonb NOT NULL)",
        Dialect::Mysql => "CREATE TABLE docs (id int PRIMARY KEY, payload json NOT NULL)",
        Dialect::Sqlite => "CREATE TABLE docs (id INTEGER PRIMARY KEY, payload JSON NOT NULL)",
    }
}

/// Expressions with the text every database must return (NULL as `None`).
const TEXT_CASES: &[(&str, Option<&str>)] = &[
    ("concat('a', NULL)", None),
    ("'a' || NULL", None),
    ("concat('a', '-', 'b')", Some("a-b")),
    ("'x' || (1 + 2)", Some("x3")),
    ("'a\\b' || 'it''s'", Some("a\\bit's")),
    (
        "substring_after_last('https://x/y/photo.jpg', '/')",
        Some("photo.jpg"),
    ),
    (
        "substring_after_last('no-separator', '/')",
        Some("no-separator"),
    ),
    ("substring_after_last('dir/', '/')", Some("")),
    (
        "lower('AbC') || upper('abc') || trim('  x  ')",
        Some("abcABCx"),
    ),
    ("length('héllo')", Some("5")),
    ("replace('a-b-c', '-', '+')", Some("a+b+c")),
    ("coalesce(NULL, 'x')", Some("x")),
    ("nullif('a', 'a')", None),
    ("abs(-3)", Some("3")),
    ("round(2.345, 2)", Some("2.35")),
    ("7 % 3", Some("1")),
    ("(1 + 2) * 3 - -(4)", Some("13")),
    ("CAST('42' AS integer) + 1", Some("43")),
    ("CAST(12 AS text) || 'x'", Some("12x")),
    ("CAST('2024-01-02' AS date)", Some("2024-01-02")),
    (
        "CASE 2 WHEN 1 THEN 'one' WHEN 2 THEN 'two' ELSE 'many' END",
        Some("two"),
    ),
    ("CASE WHEN 1 > 2 THEN 'a' END", None),
    (
        "CASE WHEN 3 BETWEEN 1 AND 5 AND 'b' NOT IN ('a', 'c') AND 'x.mp4' LIKE '%.mp4' \
         AND NULL IS NULL AND NOT FALSE AND 0 NOT BETWEEN 1 AND 2 THEN 'yes' ELSE 'no' END",
        Some("yes"),
    ),
    ("CASE WHEN now() IS NOT NULL THEN 'yes' END", Some("yes")),
    ("json_text(payload, 'title')", Some("Hello 'world'")),
    ("json_text(payload, 'missing')", None),
    ("json_text(payload, 'nothing')", None),
    ("json_text(payload, 'num')", Some("42")),
    ("json_text(payload, 'first name')", Some("Ada")),
    ("json_length(json_get(payload, 'tags'))", Some("2")),
    ("json_length(json_array())", Some("0")),
    ("length(CAST(uuid() AS text))", Some("36")),
];

/// Expressions whose JSON result every database must return.
fn json_cases() -> Vec<(&'static str, Value)> {
    vec![
        ("json_get(payload, 'tags')", json!(["a", "b"])),
        ("json_get(payload, 'title')", json!("Hello 'world'")),
        ("json_get(payload, 'nested')", json!({"k": 1})),
        ("json_array(1, 'a', NULL)", json!([1, "a", null])),
        ("json_object('k', 'v', 'n', 2)", json!({"k": "v", "n": 2})),
        ("json_array()", json!([])),
        ("json_object()", json!({})),
        (
            "json_object('inner', json_get(payload, 'nested'), 'list', json_array(json_array(1)))",
            json!({"inner": {"k": 1}, "list": [[1]]}),
        ),
        (
            "json_object('parsed', CAST('{\"a\": [1]}' AS json))",
            json!({"parsed": {"a": [1]}}),
        ),
    ]
}

#[tokio::test]
async fn functions_compute_the_same_values_everywhere() {
    for_each_backend(|db| async move {
        let mut conn = Conn::open(&db).await;
        let d = conn.dialect();
        conn.exec(create_docs(d)).await;
        conn.exec(
            "INSERT INTO docs (id, payload) VALUES (1, '{\"title\": \"Hello ''world''\", \
             \"nothing\": null, \"num\": 42, \"first name\": \"Ada\", \"tags\": [\"a\", \"b\"], \
             \"nested\": {\"k\": 1}}')",
        )
        .await;

        for (src, expected) in TEXT_CASES {
            let got = conn.eval(src).await;
            assert_eq!(got.as_deref(), *expected, "{src} on {d}");
        }
        for (src, expected) in json_cases() {
            let got = conn
                .eval(src)
                .await
                .unwrap_or_else(|| panic!("{src}: NULL"));
            let value: Value =
                serde_json::from_str(&got).unwrap_or_else(|e| panic!("{src}: {got}: {e}"));
            assert_eq!(value, expected, "{src} on {d}");
        }

        // json_valid: MySQL and SQLite only (Postgres json columns are always valid).
        let valid =
            Expression::parse("json_valid('[1]') AND NOT json_valid('[1')").expect("parses");
        if d == Dialect::Postgres {
            assert!(valid.check(d).is_err());
        } else {
            let wrapped = format!("CASE WHEN {} THEN 'yes' ELSE 'no' END", valid.source());
            assert_eq!(
                conn.eval(&wrapped).await.as_deref(),
                Some("yes"),
                "json_valid on {d}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn uuid_generates_distinct_well_formed_uuids() {
    for_each_backend(|db| async move {
        let mut conn = Conn::open(&db).await;
        let d = conn.dialect();
        conn.exec(create_docs(d)).await;
        conn.exec("INSERT INTO docs (id, payload) VALUES (1, '{}')")
            .await;
        let mut seen = std::collections::HashSet::new();
        for _ in 0..20 {
            let u = conn.eval("uuid()").await.expect("uuid is not null");
            assert_eq!(u.len(), 36, "{u} on {d}");
            for (i, c) in u.chars().enumerate() {
                if [8, 13, 18, 23].contains(&i) {
                    assert_eq!(c, '-', "{u} on {d}");
                } else {
                    assert!(c.is_ascii_digit() || ('a'..='f').contains(&c), "{u} on {d}");
                }
            }
            // Version 4 (random) on Postgres and SQLite; MySQL/MariaDB's UUID() is version 1.
            let version = if d == Dialect::Mysql { '1' } else { '4' };
            assert_eq!(u.as_bytes()[14] as char, version, "{u} on {d}");
            assert!("89ab".contains(u.as_bytes()[19] as char), "{u} on {d}");
            assert!(seen.insert(u), "duplicate uuid on {d}");
        }
    })
    .await;
}
