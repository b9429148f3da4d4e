//! Golden SQL of JSON arrays as rows (`json_each(json) AS a` in FROM and joins, also in
//! subqueries) and of `json_type`, per dialect: PostgreSQL, MySQL/MariaDB, SQLite.

use cutover_core::Dialect;
use cutover_core::expr::{Expression, SelectQuery};

const ALL: [Dialect; 3] = [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite];

/// The query rendered for each dialect.
fn q(src: &str) -> [String; 3] {
    let q = SelectQuery::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    ALL.map(|d| q.to_sql(d).unwrap_or_else(|e| panic!("{src} on {d}: {e}")))
}

/// The expression rendered for each dialect.
fn e(src: &str) -> [String; 3] {
    let e = Expression::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    ALL.map(|d| e.to_sql(d).unwrap_or_else(|e| panic!("{src} on {d}: {e}")))
}

#[test]
fn dump() {
    for s in [
        "SELECT COUNT(*) FROM messages m JOIN json_each(m.attachments) AS a WHERE json_text(a.value, 'type') IS NULL",
        "SELECT COUNT(*) FROM messages m LEFT JOIN json_each(m.attachments) AS a ON a.position = 1 WHERE a.text IS NULL",
        "SELECT COUNT(*) FROM messages m, json_each(m.attachments) a",
        "SELECT COUNT(*) FROM messages m CROSS JOIN json_each(m.attachments) AS a JOIN conversations c ON c.id = m.conversation_id",
        "SELECT MAX(a.position) FROM messages m LEFT JOIN json_each(m.attachments) AS a",
    ] {
        for x in q(s) {
            println!("{x}");
        }
    }
    for s in [
        "EXISTS (SELECT 1 FROM json_each(attachments) AS a WHERE json_text(a.value, 'source') = 'legacy')",
        "json_type(attachments) = 'array'",
    ] {
        for x in e(s) {
            println!("{x}");
        }
    }
}
