//! A backfill that fails while writing its undo log names the user's column, not the log's
//! internal copy (`n_code`): red-team rtB #6. MariaDB reports a value too long for the
//! log's copy of the written value; PostgreSQL's message names no column; SQLite does not
//! check lengths (the backfill succeeds there).

use cutover_cli::connect::connect;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend};

const TABLE: &str = r#"
description = "t"
[[steps]]
op = "create_table"
table = "t"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "code", type = "varchar(3)" },
]
[[steps]]
op = "sql"
sql = "INSERT INTO t (id, code) VALUES (1, 'ab'), (2, 'cd')"
down = "DELETE FROM t"
"#;

const GROW: &str = r#"
description = "grow the codes past their length"
[[steps]]
op = "backfill"
id = "grow"
table = "t"
set.code = "concat(code, 'xyz')"
"#;

#[tokio::test]
async fn a_failing_undo_log_write_names_the_users_column() {
    for_each_backend(|db| async move {
        let dir = PlanDir::new();
        dir.write("0001_t.toml", TABLE);
        dir.write("0002_grow.toml", GROW);
        let plan = dir.load();
        let mut b = connect(db.url()).await.expect("connect");
        let result = Runner::new(b.as_mut(), &plan, RunnerOptions::default(), &Silent)
            .up(Target::Latest)
            .await;
        match (db.backend(), result) {
            (Backend::Sqlite, r) => {
                r.expect("SQLite does not check varchar lengths");
            }
            (backend, Ok(_)) => panic!("[{}] the value is too long", backend.name()),
            (backend, Err(e)) => {
                let text = e.to_string();
                assert!(!text.contains("n_code"), "[{}] {text}", backend.name());
                if backend == Backend::Mysql {
                    assert!(
                        text.contains("column 'code'") && text.contains("undo log's copy"),
                        "{text}"
                    );
                }
            }
        }
        b.close().await.expect("close");
    })
    .await;
}
