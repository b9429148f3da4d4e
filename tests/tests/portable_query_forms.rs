//! Portable queries on real PostgreSQL, MariaDB and SQLite: every join, aggregate and
//! subquery form gives the same number on each (FULL JOIN is refused on MySQL).

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::expr::{Lookup, SelectQuery};
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::for_each_backend;
use cutover_tests::plans::PlanDir;
use cutover_tests::portable::{SCHEMA, seed};

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

#[tokio::test]
async fn every_join_aggregate_and_subquery_form_runs_with_the_same_result() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_schema.toml", SCHEMA);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("schema");
        seed(b.as_mut()).await;
        let b = b.as_mut();
        for (src, want) in [
            // Conversations 1..10 have ten messages each; 20 messages point nowhere.
            ("SELECT COUNT(*) FROM messages m RIGHT JOIN conversations c ON c.id = m.conversation_id", 100.0),
            ("SELECT COUNT(*) FROM messages m INNER JOIN conversations c ON c.id = m.conversation_id", 100.0),
            ("SELECT COUNT(*) FROM conversations a CROSS JOIN conversations b WHERE a.id < b.id", 45.0),
            ("SELECT COUNT(DISTINCT conversation_id) FROM messages", 12.0),
            ("SELECT AVG(json_length(attachments)) FROM messages", 1.5),
            ("SELECT MAX(user_id) - MIN(user_id) FROM profiles", 399.0),
            ("SELECT COUNT(*) FROM profiles WHERE user_id IN (SELECT conversation_id FROM messages)", 60.0),
            ("SELECT COUNT(*) FROM profiles WHERE user_id NOT IN (SELECT id FROM conversations)", 1950.0),
            ("SELECT COUNT(*) FROM profiles p WHERE EXISTS (SELECT 1 FROM profile_copy c WHERE c.profile_id = p.id)", 10.0),
            ("SELECT COUNT(*) FROM profiles WHERE json_length(social_links) = 0", 500.0),
            // The newest message of each conversation, the smallest of those: 109 (conversation 2).
            ("SELECT MIN((SELECT m.id FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1)) FROM conversations c", 109.0),
            // Conversations with more than 9 messages, through a derived table.
            ("SELECT COUNT(*) FROM (SELECT conversation_id AS c, COUNT(*) AS n FROM messages GROUP BY conversation_id HAVING COUNT(*) > 9) d WHERE d.n = 10", 12.0),
            ("SELECT COUNT(*) FROM (SELECT user_id FROM profiles GROUP BY user_id) u LEFT JOIN conversations c ON c.id = u.user_id WHERE c.id IS NULL", 390.0),
            ("SELECT SUM(json_length(social_links)) FROM profiles p WHERE p.user_id = 7", 10.0),
        ] {
            assert_eq!(value(b, src).await, want, "{src}");
        }
        let full = "SELECT COUNT(*) FROM messages m FULL JOIN conversations c ON c.id = m.conversation_id";
        let q = SelectQuery::parse(full).expect("parses");
        if b.dialect().sql().supports_full_join() {
            assert_eq!(value(b, full).await, 120.0);
        } else {
            let err = q.to_sql(b.dialect()).expect_err("no FULL JOIN on MySQL");
            assert!(err.to_string().contains("MySQL/MariaDB have no FULL JOIN"), "{err}");
        }
    })
    .await;
}
