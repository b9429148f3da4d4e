//! JSON arrays as rows (`json_each(json) AS a` in FROM, joins and subqueries), `json_type`,
//! and the typed `delete_rows` step, on real PostgreSQL, MariaDB and SQLite: the same
//! queries give the values computed from the seeded data on all three, and a delete whose
//! `where` reads JSON array elements through a subquery leaves exactly the expected rows,
//! both as an up step and as the rollback of `down`.

use std::collections::BTreeSet;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::expr::{Lookup, SelectQuery};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;

const SCHEMA: &str = r#"
description = "messages with JSON attachments, and links to their URLs"
[[steps]]
op = "create_table"
table = "messages"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "attachments", type = "json" },
]
[[steps]]
op = "create_table"
table = "links"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "message_id", type = "bigint", nullable = false },
  { name = "url", type = "varchar(100)", nullable = false },
]
"#;

/// Deletes the links whose URL no attachment of their message has; the rollback deletes
/// the links a later migration adds (every link of message 7).
const PRUNE: &str = r#"
description = "links without an attachment go"
[[steps]]
op = "delete_rows"
table = "links"
where = "NOT EXISTS (SELECT 1 FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = links.message_id AND json_text(a.value, 'url') = links.url)"

[[checks]]
name = "every link has its attachment"
query = "SELECT COUNT(*) FROM links l WHERE NOT EXISTS (SELECT 1 FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = l.message_id AND json_text(a.value, 'url') = l.url)"
expect = 0
"#;

const ADD: &str = r#"
description = "links for the attachments of message 7"
[[steps]]
op = "sql"
sql = "INSERT INTO links (id, message_id, url) VALUES (90001, 7, 'extra-1'), (90002, 7, 'extra-2')"

[[down]]
op = "delete_rows"
table = "links"
where = "id > 90000 AND message_id IN (SELECT m.id FROM messages m WHERE json_text(json_get(m.attachments, 'nothing'), 'x') IS NULL AND m.id = 7)"
"#;

const MESSAGES: i64 = 600;

/// One array element as seeded.
#[derive(Debug, Clone, PartialEq)]
enum Elem {
    /// `{"type": kind, "url": url}`.
    Typed(&'static str, String),
    /// `{"url": url}` (no type).
    Untyped(String),
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
}

impl Elem {
    fn json(&self) -> String {
        match self {
            Elem::Typed(t, u) => format!(r#"{{"type": "{t}", "url": "{u}"}}"#),
            Elem::Untyped(u) => format!(r#"{{"url": "{u}"}}"#),
            Elem::Str(s) => format!("\"{s}\""),
            Elem::Int(i) => i.to_string(),
        }
    }

    fn url(&self) -> Option<&str> {
        match self {
            Elem::Typed(_, u) | Elem::Untyped(u) => Some(u),
            _ => None,
        }
    }
}

/// The attachments of message `i`: NULL, empty, or 1 to 4 elements of mixed kinds.
fn attachments(i: i64) -> Option<Vec<Elem>> {
    match i % 5 {
        0 => None,
        1 => Some(Vec::new()),
        _ => Some(
            (0..(i % 4) + 1)
                .map(|k| match k {
                    0 => Elem::Typed(
                        ["image", "video", "file"][(i % 3) as usize],
                        format!("u{i}"),
                    ),
                    1 => Elem::Untyped(format!("v{i}")),
                    2 => Elem::Str(format!("s{i}")),
                    _ => Elem::Int(i),
                })
                .collect(),
        ),
    }
}

/// Every element with its message and 1-based position.
fn elements() -> Vec<(i64, i64, Elem)> {
    (1..=MESSAGES)
        .flat_map(|i| {
            attachments(i)
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(move |(p, e)| (i, p as i64 + 1, e))
        })
        .collect()
}

async fn seed(b: &mut dyn Backend) {
    let rows: Vec<String> = (1..=MESSAGES)
        .map(|i| match attachments(i) {
            None => format!("({i}, NULL)"),
            Some(items) => {
                let json: Vec<String> = items.iter().map(Elem::json).collect();
                format!("({i}, '[{}]')", json.join(", "))
            }
        })
        .chain([
            r#"(1000, '[true, false, null, 2.5, "x", {"a": 1}, [1, 2]]')"#.to_string(),
            r#"(1001, '{"url": "not-an-array"}')"#.to_string(),
        ])
        .collect();
    b.execute(&format!(
        "INSERT INTO messages (id, attachments) VALUES {}",
        rows.join(", ")
    ))
    .await
    .expect("seed messages");
    let links: Vec<String> = initial_links()
        .iter()
        .map(|(id, m, u)| format!("({id}, {m}, '{u}')"))
        .collect();
    for chunk in links.chunks(500) {
        b.execute(&format!(
            "INSERT INTO links (id, message_id, url) VALUES {}",
            chunk.join(", ")
        ))
        .await
        .expect("seed links");
    }
}

/// A link per URL of every attachment, and for every third message a link to a URL its
/// attachments do not have (or another message's URL).
fn initial_links() -> Vec<(i64, i64, String)> {
    let mut out: Vec<(i64, i64, String)> = Vec::new();
    for (m, _, e) in elements() {
        if let Some(u) = e.url() {
            out.push((out.len() as i64 + 1, m, u.to_string()));
        }
    }
    for m in (1..=MESSAGES).filter(|m| m % 3 == 0) {
        let url = if m % 2 == 0 {
            format!("gone{m}")
        } else {
            format!("u{}", m + 1)
        };
        out.push((out.len() as i64 + 1, m, url));
    }
    out
}

/// The links that have their attachment.
fn kept_links() -> Vec<String> {
    let urls: BTreeSet<(i64, String)> = elements()
        .into_iter()
        .filter_map(|(m, _, e)| e.url().map(|u| (m, u.to_string())))
        .collect();
    initial_links()
        .into_iter()
        .filter(|(_, m, u)| urls.contains(&(*m, u.clone())))
        .map(|(id, m, u)| format!("{id}|{m}|{u}"))
        .collect()
}

async fn lines(b: &mut dyn Backend, sql: &str) -> Vec<String> {
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

/// Runs a portable query on `b` and returns its value as a number.
async fn value(b: &mut dyn Backend, src: &str) -> f64 {
    let mut q = SelectQuery::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    q.typecheck(&|_, _| Lookup::Unknown)
        .unwrap_or_else(|e| panic!("{src}: {e}"));
    let sql = q
        .to_sql(b.dialect())
        .unwrap_or_else(|e| panic!("{src}: {e}"));
    let rows = b.query(&sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    rows.scalar()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or_else(|| panic!("{sql}: not a number: {:?}", rows.rows))
}

fn count(pred: impl Fn(i64, i64, &Elem) -> bool) -> f64 {
    elements()
        .iter()
        .filter(|(m, p, e)| pred(*m, *p, e))
        .count() as f64
}

#[tokio::test]
async fn json_array_elements_as_rows_and_json_type_agree_on_every_database() {
    // NULL, `[]`, and message 1001 (an object).
    let no_elements = (1..=MESSAGES).filter(|i| i % 5 <= 1).count() as f64 + 1.0;
    let weighted: i64 = elements().iter().map(|(m, p, _)| m * p).sum();
    let ints: i64 = elements()
        .iter()
        .filter_map(|(_, _, e)| match e {
            Elem::Int(i) => Some(*i),
            _ => None,
        })
        .sum();
    let with_video = (1..=MESSAGES)
        .filter(|i| {
            attachments(*i).is_some_and(|a| a.contains(&Elem::Typed("video", format!("u{i}"))))
        })
        .count() as f64;
    let cases: Vec<(&str, f64)> = vec![
        // Message 1000 has 7 elements.
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a",
            count(|_, _, _| true) + 7.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE json_type(a.value) = 'object' AND json_text(a.value, 'type') IS NULL",
            count(|_, _, e| matches!(e, Elem::Untyped(_))) + 1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m LEFT JOIN json_each(m.attachments) AS a WHERE a.position IS NULL",
            no_elements,
        ),
        (
            "SELECT COUNT(*) FROM messages m LEFT JOIN json_each(m.attachments) AS a ON a.position = 2 WHERE m.id < 1000",
            (1..=MESSAGES).count() as f64,
        ),
        (
            "SELECT SUM(m.id * a.position) FROM messages m, json_each(m.attachments) a WHERE m.id < 1000",
            weighted as f64,
        ),
        (
            "SELECT SUM(CAST(a.text AS bigint)) FROM messages m CROSS JOIN json_each(m.attachments) AS a WHERE json_type(a.value) = 'number' AND m.id < 1000",
            ints as f64,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE a.text LIKE 's%' AND json_type(a.value) = 'string'",
            count(|_, _, e| matches!(e, Elem::Str(_))),
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE json_text(a.value, 'url') = 'u12' AND a.position = 1",
            1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE a.text = 's14' AND a.position = 3 AND m.id = 14",
            1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m WHERE EXISTS (SELECT 1 FROM json_each(m.attachments) AS a WHERE json_text(a.value, 'type') = 'video')",
            with_video,
        ),
        (
            "SELECT MAX((SELECT COUNT(*) FROM json_each(m.attachments) AS a)) FROM messages m",
            7.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a JOIN links l ON l.message_id = m.id AND l.url = json_text(a.value, 'url')",
            count(|_, _, e| e.url().is_some()),
        ),
        // A JSON null element's text is SQL NULL.
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1000 AND a.text IS NULL AND json_type(a.value) NOT IN ('object', 'array')",
            1.0,
        ),
        // A value that is not an array has no elements.
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1001",
            0.0,
        ),
        (
            "SELECT COUNT(*) FROM messages WHERE json_type(attachments) = 'object'",
            1.0,
        ),
        // json_type: one vocabulary everywhere; SQL NULL stays NULL.
        (
            "SELECT COUNT(*) FROM messages WHERE json_type(attachments) = 'array'",
            (1..=MESSAGES).filter(|i| i % 5 != 0).count() as f64 + 1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages WHERE json_type(attachments) IS NULL",
            (1..=MESSAGES).filter(|i| i % 5 == 0).count() as f64,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1000 AND json_type(a.value) = 'boolean'",
            2.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1000 AND json_type(a.value) = 'null'",
            1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1000 AND json_type(a.value) = 'number' AND a.position = 4",
            1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1000 AND json_type(a.value) = 'string' AND a.text = 'x'",
            1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1000 AND json_type(a.value) = 'object' AND a.position = 6",
            1.0,
        ),
        (
            "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE m.id = 1000 AND json_type(a.value) = 'array' AND json_length(a.value) = 2",
            1.0,
        ),
        (
            "SELECT COUNT(*) FROM (SELECT json_type(a.value) AS t FROM messages m JOIN json_each(m.attachments) AS a GROUP BY json_type(a.value)) d",
            6.0,
        ),
    ];
    for_each_backend(|db| {
        let cases = cases.clone();
        async move {
            let dir = PlanDir::new();
            dir.write("0001_schema.toml", SCHEMA);
            let plan = dir.load();
            let mut b = connect(db.url()).await.expect("connect");
            Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
                .up(Target::Latest)
                .await
                .expect("schema");
            seed(b.as_mut()).await;
            for (src, want) in cases {
                assert_eq!(value(b.as_mut(), src).await, want, "{src}");
            }
        }
    })
    .await;
}

#[tokio::test]
async fn delete_rows_reads_json_elements_and_rolls_back_a_migration() {
    let initial = initial_links().len();
    let kept = kept_links();
    assert!(kept.len() + 150 < initial, "some links must go");
    for_each_backend(|db| {
        let kept = kept.clone();
        async move {
            let dir = PlanDir::new();
            dir.write("0001_schema.toml", SCHEMA);
            let plan = dir.load();
            let mut b = connect(db.url()).await.expect("connect");
            Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
                .up(Target::Latest)
                .await
                .expect("schema");
            seed(b.as_mut()).await;
            dir.write("0002_prune.toml", PRUNE);
            dir.write("0003_add.toml", ADD);
            let plan = dir.load();
            let options = || RunnerOptions {
                backup: cutover_core::backup::BackupPolicy::Skip,
                ..RunnerOptions::default()
            };
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .up(Target::Latest)
                .await
                .expect("prune and add");
            let all = "SELECT id, message_id, url FROM links ORDER BY id";
            let mut want = kept.clone();
            want.extend(["90001|7|extra-1".to_string(), "90002|7|extra-2".to_string()]);
            assert_eq!(lines(b.as_mut(), all).await, want);
            Runner::new(b.as_mut(), &plan, options(), &Silent)
                .down(DownTarget::Steps(1))
                .await
                .expect("down deletes the added links");
            assert_eq!(lines(b.as_mut(), all).await, kept);
        }
    })
    .await;
}
