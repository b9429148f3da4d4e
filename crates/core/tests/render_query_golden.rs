//! Golden SQL of portable queries (checks' `query`) and of subqueries in expressions, per
//! dialect.

use cutover_core::Dialect;
use cutover_core::expr::{Expression, SelectQuery};

fn q(src: &str) -> [String; 3] {
    let q = SelectQuery::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite]
        .map(|d| q.to_sql(d).unwrap_or_else(|e| panic!("{src} on {d}: {e}")))
}

fn e(src: &str) -> [String; 3] {
    let e = Expression::parse(src).unwrap_or_else(|e| panic!("{src}: {e}"));
    [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite]
        .map(|d| e.to_sql(d).unwrap_or_else(|e| panic!("{src} on {d}: {e}")))
}

#[test]
fn dump() {
    for s in [
        "SELECT COUNT(*) FROM messages m LEFT JOIN conversations c ON c.id = m.conversation_id WHERE c.id IS NULL",
        "SELECT COUNT(*) FROM (SELECT user_id, url FROM links GROUP BY user_id, url HAVING COUNT(*) > 1) d",
        "SELECT (SELECT COUNT(*) FROM new_t) - (SELECT COUNT(*) FROM old_t) FROM one",
        "SELECT count(distinct m.owner_id) - count(p.id) FROM profiles p INNER JOIN media m ON m.owner_id = p.user_id",
        "SELECT SUM(json_length(attachments)) FROM messages",
        "SELECT COUNT(*) FROM a FULL JOIN b ON a.id = b.id",
        "SELECT COUNT(*) FROM a CROSS JOIN b RIGHT JOIN c ON c.x = a.x",
        "SELECT MAX(x) FROM t WHERE x IN (SELECT y FROM u WHERE u.z = 'q') AND NOT EXISTS (SELECT 1 FROM v WHERE v.t_id = t.id)",
    ] {
        match SelectQuery::parse(s) {
            Ok(q) => for d in [Dialect::Postgres, Dialect::Mysql, Dialect::Sqlite] { println!("{d}: {:?}", q.to_sql(d).map_err(|e| e.to_string())); }
            Err(e) => println!("ERR {e}"),
        }
    }
    for s in [
        "NOT EXISTS (SELECT 1 FROM profile_links l WHERE l.profile_id = profiles.id)",
        "(SELECT m.id FROM media m WHERE m.owner_id = profiles.user_id AND m.url = link.text)",
        "id IN (SELECT user_id FROM banned)",
        "(SELECT name FROM users u WHERE u.id = owner_id ORDER BY u.created_at DESC LIMIT 1)",
    ] {
        println!("{:?}", e(s));
    }
    let _ = q;
}
