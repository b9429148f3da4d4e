//! A documented dialect difference (red-team rtB #7): a text column the plan creates is
//! `utf8mb4_bin` on MySQL/MariaDB, a PAD SPACE collation, so its unique key treats `'a'` and
//! `'a '` as the same value and refuses the second (error 1062); PostgreSQL and SQLite keep
//! both rows. Expressions still compare the two as different on every database. If this
//! test fails on MySQL, the collation changed: update docs/dialects.md.

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const PLAN: &str = r#"
description = "codes with a unique key"
[[steps]]
op = "create_table"
table = "codes"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "code", type = "varchar(20)", nullable = false },
]
unique = [{ columns = ["code"] }]
"#;

#[tokio::test]
async fn unique_text_key_and_trailing_spaces_per_dialect() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let dir = PlanDir::new();
        dir.write("0001_codes.toml", PLAN);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await
            .expect("up");
        b.execute("INSERT INTO codes (id, code) VALUES (1, 'a')")
            .await
            .expect("first row");
        let second = b
            .execute("INSERT INTO codes (id, code) VALUES (2, 'a ')")
            .await;
        let rows = snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM codes").await;
        match backend {
            Backend::Mysql => {
                let err = second.expect_err("PAD SPACE: 'a ' duplicates 'a'");
                assert!(format!("{err:#}").contains("1062"), "{err:#}");
                assert_eq!(rows, 1);
            }
            _ => {
                second.unwrap_or_else(|e| {
                    panic!("[{}] 'a ' is another value: {e:#}", backend.name())
                });
                assert_eq!(rows, 2, "[{}]", backend.name());
            }
        }
        b.close().await.expect("close");
    })
    .await;
}
