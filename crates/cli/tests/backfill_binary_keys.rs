//! Backfills keyed on a binary column: MySQL/MariaDB `BINARY(16)` (a common UUID layout),
//! PostgreSQL `bytea`, SQLite `BLOB`. MySQL sends binary strings as raw bytes, which are not
//! UTF-8 text: read as text with replaced bytes, the batch bounds and the stored cursor were
//! other keys, out of order, so batch ranges overlapped (a clean run of 1000 rows changed
//! 505 twice) and `backfill undo` never finished. On SQLite the adapter's hex of a blob was
//! written back as a string, which SQLite sorts before every blob: the undo walk and a
//! transform never got past their first batch. Binary keys now travel as the dialect's text
//! of their bytes (hex on MySQL and SQLite, written back as `X'..'`): a run, a parallel run,
//! an undo and a transform each handle every row once, on all three databases.

mod common;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const ROWS: i64 = 2000;

/// The table, keyed by bytes.
fn table(backend: Backend) -> String {
    let bytes = match backend {
        Backend::Mysql => "BINARY(16)",
        Backend::Postgres => "bytea",
        Backend::Sqlite => "BLOB",
    };
    format!(
        r#"
description = "sessions keyed by bytes"
[[steps]]
op = "sql"
sql = "CREATE TABLE sessions (id {bytes} NOT NULL PRIMARY KEY, seq INT NOT NULL, n INT NOT NULL DEFAULT 0, v TEXT NOT NULL)"
down = "DROP TABLE sessions"
"#
    )
}

const BUMP: &str = r#"
description = "bump every session"
phase = "backfill"
[[steps]]
op = "backfill"
id = "bump_sessions"
table = "sessions"
key = ["id"]
set.v = "concat(v, '!')"
set.n = "n + 1"
batch_size = 100
"#;

/// The target of [`COPY`], keyed by the portable `bytes` type (so that the plan knows its
/// key and the backfill keeps an undo log). MySQL cannot key its `bytes` (`LONGBLOB`).
const COPIES: &str = r#"
description = "copies keyed by bytes"
[[steps]]
op = "create_table"
table = "copies"
columns = [
  { name = "id", type = "bytes", primary_key = true },
  { name = "v", type = "text", nullable = false },
]
"#;

/// An insert-select keyed by bytes on both sides: its undo log is walked by the target's key.
const COPY: &str = r#"
description = "copy every session"
phase = "backfill"
[[steps]]
op = "backfill"
id = "copy_sessions"
table = "sessions"
insert_into = "copies"
values.id = "sessions.id"
values.v = "sessions.v"
batch_size = 100
"#;

/// 2000 keys: 300 starting `41 C0`, 700 starting `41 D0 90` (neither is UTF-8), and 1000
/// spread over the whole byte range.
fn seed(backend: Backend) -> String {
    let cte = "WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < 1000)";
    match backend {
        Backend::Mysql => format!(
            "INSERT INTO sessions (id, seq, v) \
             SELECT CASE WHEN g <= 300 THEN UNHEX(CONCAT('41c0', LPAD(HEX(g), 4, '0'))) \
                         WHEN g <= 1000 THEN UNHEX(CONCAT('41d090', LPAD(HEX(g), 4, '0'))) \
                         ELSE UNHEX(MD5(g)) END, g, CONCAT('s', g) \
             FROM ({cte} SELECT g FROM s UNION ALL SELECT g + 1000 FROM s) AS n"
        ),
        Backend::Postgres => "INSERT INTO sessions (id, seq, v) \
             SELECT CASE WHEN g <= 300 THEN decode('41c0' || lpad(to_hex(g), 4, '0'), 'hex') \
                         WHEN g <= 1000 THEN decode('41d090' || lpad(to_hex(g), 4, '0'), 'hex') \
                         ELSE decode(md5(g::text), 'hex') END, g, 's' || g \
             FROM generate_series(1, 2000) AS g"
            .to_string(),
        Backend::Sqlite => format!(
            "INSERT INTO sessions (id, seq, v) \
             SELECT CASE WHEN g <= 300 THEN unhex('41c0' || printf('%04x', g)) \
                         WHEN g <= 1000 THEN unhex('41d090' || printf('%04x', g)) \
                         ELSE unhex(printf('%08x%08x', (g * 2654435761) % 4294967296, g)) END, \
                    g, 's' || g \
             FROM ({cte} SELECT g FROM s UNION ALL SELECT g + 1000 FROM s) AS n"
        ),
    }
}

/// Counts of the rows changed exactly once, and of the rows as seeded.
fn checks(backend: Backend) -> (String, String) {
    let text = |suffix: &str| match backend {
        Backend::Mysql => format!("CONCAT('s', seq{suffix})"),
        _ => format!(
            "'s' || seq{}",
            if suffix.is_empty() { "" } else { " || '!'" }
        ),
    };
    (
        format!(
            "SELECT COUNT(*) FROM sessions WHERE n = 1 AND v = {}",
            text(", '!'")
        ),
        format!(
            "SELECT COUNT(*) FROM sessions WHERE n = 0 AND v = {}",
            text("")
        ),
    )
}

#[tokio::test]
async fn binary_keys_are_walked_once_and_undone_exactly() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        let plan = PlanDir::new();
        plan.write("0001_sessions.toml", &table(backend));
        plan.write("0002_bump.toml", BUMP);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let url = db.url();
        let out = common::run(
            plan.path(),
            &["up", "--to", "0001", "--database", url, "--plan", &dir],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(url).await.expect("connect");
        b.execute(&seed(backend)).await.expect("seed");
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(DISTINCT id) FROM sessions").await,
            ROWS
        );
        let (once, untouched) = checks(backend);
        let (once, untouched) = (once.as_str(), untouched.as_str());

        // One clean run through `up`: every row once.
        let out = common::run(plan.path(), &["up", "--database", url, "--plan", &dir]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert_eq!(snapshot::count(b.as_mut(), once).await, ROWS, "run");
        let changed = "SELECT SUM(rows_changed) FROM cutover_backfill WHERE id = 'bump_sessions'";
        assert_eq!(snapshot::count(b.as_mut(), changed).await, ROWS);

        // Undo from the log, in small batches: every row restored once, and it finishes.
        let out = common::run(
            plan.path(),
            &[
                "backfill",
                "undo",
                "bump_sessions",
                "--yes",
                "--batch-size",
                "50",
                "--database",
                url,
                "--plan",
                &dir,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("2000 rows restored"),
            "{}",
            common::text(&out)
        );
        assert_eq!(snapshot::count(b.as_mut(), untouched).await, ROWS, "undo");

        // Again with two workers (split at sampled keys) and odd batches.
        let out = common::run(
            plan.path(),
            &[
                "backfill",
                "run",
                "bump_sessions",
                "--workers",
                "2",
                "--batch-size",
                "37",
                "--no-adapt",
                "--database",
                url,
                "--plan",
                &dir,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert_eq!(
            snapshot::count(b.as_mut(), once).await,
            ROWS,
            "parallel run"
        );
        let parts = "SELECT COUNT(*) FROM cutover_backfill WHERE id = 'bump_sessions'";
        let expected_parts = if backend == Backend::Sqlite { 1 } else { 2 };
        assert_eq!(snapshot::count(b.as_mut(), parts).await, expected_parts);
        // One writer: the run says why it ignores --workers.
        let one_part = common::text(&out).contains("--workers 2 runs as one part");
        assert_eq!(
            one_part,
            backend == Backend::Sqlite,
            "{}",
            common::text(&out)
        );

        if backend == Backend::Mysql {
            // Raw bytes are never read as text with replaced bytes.
            let err = b
                .query("SELECT id FROM sessions ORDER BY id LIMIT 1")
                .await
                .expect_err("binary bytes are not text");
            assert!(
                err.to_string()
                    .contains("column `id` of a result holds bytes that are not UTF-8 text"),
                "{err}"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn an_insert_select_into_a_binary_key_is_undone_exactly() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        if backend == Backend::Mysql {
            return;
        }
        let plan = PlanDir::new();
        plan.write("0001_sessions.toml", &table(backend));
        plan.write("0002_copies.toml", COPIES);
        plan.write("0003_copy.toml", COPY);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let url = db.url();
        let out = common::run(
            plan.path(),
            &["up", "--to", "0002", "--database", url, "--plan", &dir],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(url).await.expect("connect");
        b.execute(&seed(backend)).await.expect("seed");
        let out = common::run(plan.path(), &["up", "--database", url, "--plan", &dir]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let copied = "SELECT COUNT(*) FROM copies JOIN sessions ON sessions.id = copies.id AND sessions.v = copies.v";
        assert_eq!(snapshot::count(b.as_mut(), copied).await, ROWS, "copied once");
        let out = common::run(
            plan.path(),
            &[
                "backfill",
                "undo",
                "copy_sessions",
                "--yes",
                "--batch-size",
                "50",
                "--database",
                url,
                "--plan",
                &dir,
            ],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM copies").await,
            0,
            "undone"
        );
    })
    .await;
}

#[tokio::test]
async fn a_transform_walks_a_binary_key_once() {
    use cutover_core::backfill::{TransformJob, TransformRow, run_transform};
    for_each_backend(|db| async move {
        let backend = db.backend();
        let plan = PlanDir::new();
        plan.write("0001_sessions.toml", &table(backend));
        let dir = plan.path().to_str().expect("utf8").to_string();
        let url = db.url();
        let out = common::run(plan.path(), &["up", "--database", url, "--plan", &dir]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(url).await.expect("connect");
        b.execute(&seed(backend)).await.expect("seed");
        let job = TransformJob {
            id: "mark".into(),
            table: "sessions".into(),
            key: "id".into(),
            read: vec!["v".into()],
            write: vec!["v".into()],
            pending: None,
            batch_size: 150,
        };
        let transform = |rows: &[TransformRow]| -> cutover_core::Result<Vec<Vec<Option<String>>>> {
            Ok(rows
                .iter()
                .map(|r| vec![r.values[0].as_ref().map(|v| format!("{v}!"))])
                .collect())
        };
        let report = run_transform(b.as_mut(), &job, &transform)
            .await
            .expect("transform");
        assert_eq!(report.rows_scanned, ROWS as u64, "{report:?}");
        assert_eq!(report.batches, 14, "{report:?}");
        let (once, _) = checks(backend);
        let once = once.replace("n = 1", "n = 0");
        assert_eq!(snapshot::count(b.as_mut(), &once).await, ROWS);
    })
    .await;
}
