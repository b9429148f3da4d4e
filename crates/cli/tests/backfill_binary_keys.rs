//! MySQL/MariaDB send a `BINARY(16)` key (a common UUID layout) as raw bytes, which are not
//! UTF-8 text. Carried as text, such keys lost their bytes: batch bounds came out of order,
//! ranges overlapped and a clean run changed 505 of 1000 rows twice, and `backfill undo`
//! never finished. A backfill keyed on a binary column is now refused on MySQL before it
//! writes anything, with a message naming the backfill, table and column; keyed on another
//! unique column it runs exactly once. Reading a non-UTF-8 value is an error, never text with
//! replaced bytes. (PostgreSQL `bytea` and SQLite `BLOB` keys round-trip and are unaffected.)

mod common;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const TABLE: &str = r#"
description = "sessions keyed by 16 bytes"
[[steps]]
op = "sql"
sql = "CREATE TABLE sessions (id BINARY(16) NOT NULL PRIMARY KEY, seq INT NOT NULL UNIQUE, n INT NOT NULL DEFAULT 0, v TEXT NOT NULL)"
down = "DROP TABLE sessions"
"#;

/// The backfill keyed on `key`.
fn bump(key: &str) -> String {
    format!(
        r#"
description = "bump every session"
phase = "backfill"
[[steps]]
op = "backfill"
id = "bump_sessions"
table = "sessions"
key = ["{key}"]
set.v = "concat(v, '!')"
set.n = "n + 1"
batch_size = 100
"#
    )
}

/// 1000 keys: 300 sharing the prefix `41 C0`, 700 the prefix `41 D0 90` (neither UTF-8).
const SEED: &str = "INSERT INTO sessions (id, seq, v) \
    SELECT IF(seq <= 300, CONCAT(0x41C0, CHAR(seq DIV 256, seq MOD 256 USING binary)), \
              CONCAT(0x41D090, CHAR(seq DIV 256, seq MOD 256 USING binary))), seq, CONCAT('s', seq) \
    FROM (WITH RECURSIVE s(seq) AS (SELECT 1 UNION ALL SELECT seq + 1 FROM s WHERE seq < 1000) \
          SELECT seq FROM s) AS g";

#[tokio::test]
async fn a_binary_key_is_refused_before_anything_is_written_on_mysql() {
    for_each_backend(|db| async move {
        if db.backend() != Backend::Mysql {
            return;
        }
        let plan = PlanDir::new();
        plan.write("0001_sessions.toml", TABLE);
        plan.write("0002_bump.toml", &bump("id"));
        let dir = plan.path().to_str().expect("utf8").to_string();
        let url = db.url();
        let out = common::run(
            plan.path(),
            &["up", "--to", "0001", "--database", url, "--plan", &dir],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(url).await.expect("connect");
        b.execute(SEED).await.expect("seed");

        let refusal = "backfill `bump_sessions` walking table `sessions` by binary key column `id` is not supported on mysql";
        let out = common::run(plan.path(), &["up", "--database", url, "--plan", &dir]);
        assert_eq!(out.status.code(), Some(1), "{}", common::text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(refusal), "{}", common::text(&out));
        assert!(
            stderr.contains("declare `key = [\"col\"]`"),
            "{}",
            common::text(&out)
        );
        let out = common::run(
            plan.path(),
            &[
                "backfill",
                "run",
                "bump_sessions",
                "--database",
                url,
                "--plan",
                &dir,
            ],
        );
        assert_ne!(out.status.code(), Some(0), "{}", common::text(&out));
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(refusal),
            "{}",
            common::text(&out)
        );
        // Nothing written: no row changed, no checkpoint, no undo log.
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM sessions WHERE n = 0 AND v = CONCAT('s', seq)").await,
            1000
        );
        assert_eq!(
            snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM cutover_backfill WHERE id LIKE '%bump_sessions%'"
            )
            .await,
            0
        );
        assert_eq!(
            snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name LIKE 'cutover_undo%'"
            )
            .await,
            0
        );

        // The bytes are never read as text with replacement characters.
        let err = b
            .query("SELECT id FROM sessions ORDER BY id LIMIT 1")
            .await
            .expect_err("binary bytes are not text");
        assert!(
            err.to_string()
                .contains("column `id` of a result holds bytes that are not UTF-8 text"),
            "{err}"
        );

        // Keyed on a unique integer column instead, every row changes exactly once.
        plan.write("0002_bump.toml", &bump("seq"));
        let out = common::run(plan.path(), &["up", "--database", url, "--plan", &dir]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM sessions WHERE n = 1 AND v = CONCAT('s', seq, '!')").await,
            1000
        );
    })
    .await;
}
