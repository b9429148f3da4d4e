//! The scenario of the undo-log tests: a table with a column of every kind the undo log
//! must round-trip exactly (text with NULL, empty and trailing spaces, decimal, JSON,
//! timestamps with microseconds, bytes, UUID), a backfill that overwrites all of them, and
//! an exact snapshot of the rows (NULL kept apart from empty, bytes as hex), and the steps
//! the undo tests repeat: seed, run the backfill, change rows as users would, undo.

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::UndoReport;
use cutover_core::plan::Plan;
use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};

use crate::plans::PlanDir;
use crate::{Backend as Kind, TestDb};

/// Rows in the table.
pub const ROWS: i64 = 40;

/// The table.
pub const TABLE: &str = r#"
description = "items with values of every kind"
[[steps]]
op = "create_table"
table = "items"
columns = [
  { name = "id", type = "bigint", primary_key = true },
  { name = "label", type = "varchar(40)" },
  { name = "amount", type = "decimal(12,4)" },
  { name = "payload", type = "json" },
  { name = "seen_at", type = "timestamp" },
  { name = "data", type = "bytes" },
  { name = "uid", type = "uuid" },
  { name = "other", type = "text" },
]
"#;

/// The backfill: overwrites every column but `other`.
pub const FILL: &str = r#"
description = "fill every column"
[[steps]]
op = "backfill"
id = "items_fill"
table = "items"
set.label = "concat(coalesce(label, ''), '!')"
set.amount = "coalesce(amount, 0) + 1"
set.payload = "json_object('id', id)"
set.seen_at = "now()"
set.data = "NULL"
set.uid = "uuid()"
"#;

/// The same backfill with repeatable expressions only (`uid` kept as it is, `now()`
/// included): MySQL logs its batches ahead of the UPDATE, with the session's clock pinned.
pub const FILL_REPEATABLE: &str = r#"
description = "fill every column, repeatably"
[[steps]]
op = "backfill"
id = "items_fill"
table = "items"
set.label = "concat(coalesce(label, ''), '!')"
set.amount = "coalesce(amount, 0) + 1"
set.payload = "json_object('id', id)"
set.seen_at = "now()"
set.data = "NULL"
set.uid = "uid"
"#;

/// Runner options without backups and with quick retries.
pub fn options() -> RunnerOptions {
    let mut o = RunnerOptions {
        retry_backoff: std::time::Duration::from_millis(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        ..RunnerOptions::default()
    };
    o.backfill.batch_size = Some(7);
    o.backfill.adaptive = false;
    o
}

/// The plan directory: the table, then the backfill (`extra` replaces its TOML).
pub fn plan_dir(fill: &str) -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_items.toml", TABLE)
        .write("0002_fill.toml", fill);
    dir
}

fn bytes_literal(kind: Kind, hex: &str) -> String {
    match kind {
        Kind::Postgres => format!("'\\x{hex}'::bytea"),
        _ => format!("X'{hex}'"),
    }
}

/// Creates the table (migration 0001) and fills it with [`ROWS`] rows of varied values.
pub async fn seed(b: &mut dyn Backend, plan: &Plan, kind: Kind) {
    let v = cutover_core::plan::Version::parse("0001").expect("version");
    cutover_core::runner::Runner::new(b, plan, options(), &cutover_core::runner::Silent)
        .up(Target::Version(v))
        .await
        .expect("up 0001");
    for id in 1..=ROWS {
        let label = match id % 5 {
            0 => "NULL".to_string(),
            1 => "''".to_string(),
            2 => "'Abc  '".to_string(),
            _ => format!("'x{id}'"),
        };
        let amount = match id % 4 {
            0 => "NULL".to_string(),
            _ => format!("{}.{:04}", id * 3, id * 7 % 10000),
        };
        let payload = match id % 3 {
            0 => "NULL".to_string(),
            1 => "'{\"b\": [1, 2.50, \"x\"], \"a\": null}'".to_string(),
            _ => format!("'{{\"n\": {id}, \"s\": \"\\u00e9t\\u00e9\"}}'"),
        };
        let seen_at = match id % 6 {
            0 => "NULL".to_string(),
            _ => format!(
                "'2024-01-02 03:04:{:02}.{:06}'",
                id % 60,
                id * 12345 % 1_000_000
            ),
        };
        let data = match id % 7 {
            0 => "NULL".to_string(),
            1 => bytes_literal(kind, ""),
            _ => bytes_literal(kind, &format!("00ff{id:02x}80")),
        };
        let uid = match id % 8 {
            0 => "NULL".to_string(),
            _ => format!("'550e8400-e29b-41d4-a716-4466554400{id:02}'"),
        };
        let sql = format!(
            "INSERT INTO items (id, label, amount, payload, seen_at, data, uid, other) \
             VALUES ({id}, {label}, {amount}, {payload}, {seen_at}, {data}, {uid}, 'o{id}')"
        );
        b.execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// Every row of `items` by id, exactly: NULL as `None`, bytes as hex, JSON as text.
pub async fn snapshot(b: &mut dyn Backend) -> Vec<Vec<Option<String>>> {
    let hex = b.dialect().sql().hex_sql("data");
    let sql = format!(
        "SELECT id, label, amount, CAST(payload AS {text}), seen_at, {hex}, CASE WHEN data IS NULL THEN 1 ELSE 0 END, uid, other FROM items ORDER BY id",
        text = if b.dialect() == cutover_core::Dialect::Mysql {
            "CHAR"
        } else {
            "TEXT"
        }
    );
    b.query(&sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
}

/// The row of `items` with this id in a snapshot.
pub fn row(snap: &[Vec<Option<String>>], id: i64) -> Vec<Option<String>> {
    snap.iter()
        .find(|r| r.first().cloned().flatten().as_deref() == Some(&id.to_string()))
        .cloned()
        .unwrap_or_else(|| panic!("no row {id}"))
}

/// Connects to `db` and seeds it ([`seed`]) from the plan of `fill` ([`plan_dir`]): the
/// plan directory (keep it alive), its plan and the connection.
pub async fn seeded(db: &TestDb, fill: &str) -> (PlanDir, Plan, Box<dyn Backend>) {
    seeded_at(db.url(), db.backend(), fill).await
}

/// [`seeded`] on the database at `url` of kind `kind`.
pub async fn seeded_at(url: &str, kind: Kind, fill: &str) -> (PlanDir, Plan, Box<dyn Backend>) {
    let dir = plan_dir(fill);
    let plan = dir.load();
    let mut b = connect(url).await.expect("connect");
    seed(b.as_mut(), &plan, kind).await;
    (dir, plan, b)
}

/// `up` to the latest migration of `plan`, which runs the backfill.
pub async fn up(b: &mut dyn Backend, plan: &Plan) {
    Runner::new(b, plan, options(), &Silent)
        .up(Target::Latest)
        .await
        .expect("up runs the backfill");
}

/// `backfill undo` of backfill `id` of `plan`.
pub async fn undo(b: &mut dyn Backend, plan: &Plan, id: &str) -> UndoReport {
    Runner::new(b, plan, options(), &Silent)
        .undo_backfill(id)
        .await
        .expect("undo")
}

/// `backfill undo` of `items_fill`, which must restore every row to `before` and leave none
/// alone.
pub async fn undo_all_exactly(b: &mut dyn Backend, plan: &Plan, before: &[Vec<Option<String>>]) {
    let report = undo(b, plan, "items_fill").await;
    assert_eq!(
        (report.rows_restored, report.rows_left_alone),
        (ROWS as u64, 0),
        "{report:?}"
    );
    assert_eq!(
        snapshot(b).await,
        before,
        "every row as before the backfill"
    );
}

/// Runs each statement, as a user of the database would, panicking with it on failure.
pub async fn exec_all<S: AsRef<str>>(b: &mut dyn Backend, statements: impl IntoIterator<Item = S>) {
    for sql in statements {
        let sql = sql.as_ref();
        b.execute(sql)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
}

/// The rows `sql` returns.
pub async fn rows(b: &mut dyn Backend, sql: &str) -> Vec<Vec<Option<String>>> {
    b.query(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .rows
}
