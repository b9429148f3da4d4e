//! The marker plan of the lock tests (a side effect that must happen exactly once after a
//! backfill that runs long enough to be interrupted) and killing sessions from the server.

use std::time::{Duration, Instant};

use cutover_core::backend::Backend as Session;

use crate::Backend as Kind;
use crate::plans::PlanDir;

/// Rows of `items`, each changed once by the backfill.
pub const ROWS: i64 = 2000;

/// 0001 creates `items` (seeded with [`ROWS`] rows) and `marker`; 0002 backfills
/// `items.doubled` (in batches of `batch_size` rows, if given); 0003 inserts one marker row,
/// so the marker's row count counts how often 0003 ran.
pub fn marker_plan(batch_size: Option<u32>) -> PlanDir {
    let values: Vec<String> = (1..=ROWS).map(|i| format!("({i}, {})", i % 97)).collect();
    let dir = PlanDir::new();
    dir.write(
        "0001_items.toml",
        &format!(
            r#"
description = "items and marker"
[[steps]]
op = "create_table"
table = "items"
columns = [
  {{ name = "id", type = "bigint", primary_key = true }},
  {{ name = "v", type = "bigint", nullable = false }},
  {{ name = "doubled", type = "bigint" }},
]
[[steps]]
op = "create_table"
table = "marker"
columns = [
  {{ name = "id", type = "bigint", primary_key = true, identity = true }},
  {{ name = "note", type = "text" }},
]
[[steps]]
op = "sql"
sql = "INSERT INTO items (id, v) VALUES {}"
down = "DELETE FROM items"
"#,
            values.join(", ")
        ),
    );
    let batch = batch_size.map_or(String::new(), |n| format!("batch_size = {n}\n"));
    dir.write(
        "0002_double.toml",
        &format!(
            r#"
description = "double v"
[[steps]]
op = "backfill"
id = "double_v"
table = "items"
pending = "doubled IS NULL"
set.doubled = "v * 2"
{batch}"#
        ),
    );
    dir.write(
        "0003_marker.toml",
        r#"
description = "the side effect that must happen once"
[[steps]]
op = "sql"
sql = "INSERT INTO marker (note) VALUES ('once')"
down = "DELETE FROM marker"
"#,
    );
    dir
}

/// Waits until backfill `double_v` committed at least `n` batches.
pub async fn wait_for_batches(b: &mut dyn Session, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    let sql = "SELECT SUM(batches) FROM cutover_backfill WHERE id = 'double_v'";
    loop {
        let done = b
            .query(sql)
            .await
            .ok()
            .and_then(|r| r.scalar().and_then(|v| v.parse::<i64>().ok()))
            .unwrap_or(0);
        if done >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the backfill never reached {n} batches"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Ends every other session on this database from the server (`pg_terminate_backend`,
/// `KILL`), as an operator or a failover would.
pub async fn kill_other_sessions(b: &mut dyn Session, kind: Kind) {
    match kind {
        Kind::Postgres => {
            let sql = "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                       WHERE datname = current_database() AND pid <> pg_backend_pid()";
            let killed = b.query(sql).await.expect("terminate");
            assert!(!killed.rows.is_empty(), "no session to kill");
        }
        Kind::Mysql => {
            let ids = b
                .query(
                    "SELECT id FROM information_schema.processlist \
                     WHERE db = DATABASE() AND id <> CONNECTION_ID()",
                )
                .await
                .expect("processlist");
            assert!(!ids.rows.is_empty(), "no session to kill");
            for r in ids.rows {
                let id = r[0].clone().expect("id");
                b.execute(&format!("KILL {id}")).await.expect("kill");
            }
        }
        Kind::Sqlite => panic!("sqlite has no sessions to kill"),
    }
}
