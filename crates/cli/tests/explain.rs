//! `cutover explain` on a 200k-row table, on PostgreSQL, MariaDB and SQLite: the lock level
//! (PostgreSQL), ALGORITHM (MariaDB) or rebuild (SQLite), the rewrite/scan flag and the row
//! estimate of add column (with and without default), SET NOT NULL, create index, a type
//! change and a backfill; the full-scan warning on a check; and that nothing changed:
//! catalog, rows and sequence identical before and after.

mod common;

use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const BIG: &str = r#"
description = "the big table"
[[steps]]
op = "create_table"
table = "big"
columns = [{ name = "id", type = "bigint", primary_key = true, identity = true }, { name = "a", type = "integer" }, { name = "b", type = "text" }, { name = "c", type = "varchar(20)" }]
"#;

const CHANGES: &str = r#"
description = "every kind of change"
[[steps]]
op = "add_column"
table = "big"
column = { name = "d", type = "text" }
[[steps]]
op = "add_column"
table = "big"
column = { name = "e", type = "integer", default = 0, nullable = false }
[[steps]]
op = "alter_column"
table = "big"
column = "a"
nullable = false
[[steps]]
op = "create_index"
table = "big"
columns = ["c"]
[[steps]]
op = "alter_column"
table = "big"
column = "a"
type = "bigint"
[[checks]]
name = "no v5"
table = "big"
where = "c = 'v5'"
expect = 0
"#;

const FILL: &str = r#"
description = "fill b"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_b"
table = "big"
pending = "b IS NULL"
set.b = "'x'"
batch_size = 5000
[[checks]]
name = "b is filled"
table = "big"
where = "b IS NULL"
expect = 0
"#;

const FILL_C: &str = r#"
description = "fill c"
phase = "backfill"
[[steps]]
op = "backfill"
id = "fill_c"
table = "big"
pending = "c IS NULL"
set.c = "'y'"
"#;

/// 200,000 rows (ids 1..200000 from the identity), with one portable statement.
const SEED: &str = "INSERT INTO big (a) \
    WITH d(n) AS (SELECT 0 UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
    UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) \
    SELECT d1.n + 10 * d2.n + 100 * d3.n + 1000 * d4.n + 10000 * d5.n + 100000 * d6.n \
    FROM d d1, d d2, d d3, d d4, d d5, d d6 WHERE d6.n < 2";

/// What must not change: the catalog, the rows, and the identity sequence.
async fn state(b: &mut dyn cutover_core::backend::Backend, which: Backend) -> Vec<String> {
    let mut out = snapshot::schema(b).await;
    let sequence = match which {
        Backend::Postgres => {
            "SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('big', 'id')), 0)"
        }
        Backend::Mysql => {
            "SELECT AUTO_INCREMENT FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'big'"
        }
        Backend::Sqlite => "SELECT COUNT(*) FROM sqlite_master",
    };
    for sql in [
        sequence,
        "SELECT COUNT(*) FROM big",
        "SELECT SUM(a) FROM big",
        "SELECT COUNT(b) FROM big",
    ] {
        out.push(format!("{sql} = {}", snapshot::count(b, sql).await));
    }
    out
}

/// Per step of migration 0002: (lock or algorithm field, expected value, work).
fn expected(which: Backend) -> [(&'static str, &'static str, &'static str); 5] {
    match which {
        Backend::Postgres => [
            ("lock", "ACCESS EXCLUSIVE", "catalog"),
            ("lock", "ACCESS EXCLUSIVE", "catalog"),
            ("lock", "ACCESS EXCLUSIVE", "scan"),
            ("lock", "SHARE", "index_build"),
            ("lock", "ACCESS EXCLUSIVE", "rewrite"),
        ],
        Backend::Mysql => [
            ("algorithm", "INSTANT", "catalog"),
            ("algorithm", "INSTANT", "catalog"),
            ("algorithm", "INPLACE", "rebuild"),
            ("lock", "LOCK=NONE", "index_build"),
            ("algorithm", "COPY", "rewrite"),
        ],
        Backend::Sqlite => [
            ("lock", "database write lock", "catalog"),
            ("lock", "database write lock", "catalog"),
            ("lock", "database write lock", "rebuild"),
            ("lock", "database write lock", "index_build"),
            ("lock", "database write lock", "rebuild"),
        ],
    }
}

#[tokio::test]
async fn explain_reports_locks_rewrites_and_rows_and_changes_nothing() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_big.toml", BIG)
            .write("0002_changes.toml", CHANGES)
            .write("0003_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        // The pending migrations are linted by `up`: they do what explain must report.
        let out = run(&["up", "--to", "0001", "--no-backup", "--allow-lint-errors"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = cutover_cli::connect::connect(db.url())
            .await
            .expect("connect");
        b.execute(SEED).await.expect("seed 200k rows");
        // Production tables have statistics; the plans below depend on them.
        let analyze = match db.backend() {
            Backend::Postgres => "ANALYZE big",
            Backend::Mysql => "ANALYZE TABLE big",
            Backend::Sqlite => "ANALYZE",
        };
        b.query(analyze).await.expect("analyze");
        // PostgreSQL with hypopg available: the index step 4 creates is planned with.
        let hypopg = db.backend() == Backend::Postgres
            && snapshot::count(
                b.as_mut(),
                "SELECT COUNT(*) FROM pg_available_extensions WHERE name = 'hypopg'",
            )
            .await
                == 1;
        if hypopg {
            b.execute("CREATE EXTENSION hypopg").await.expect("hypopg");
        }
        let before = state(b.as_mut(), db.backend()).await;
        assert!(before.contains(&"SELECT COUNT(*) FROM big = 200000".to_string()));

        let out = run(&["--json", "explain"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let doc: serde_json::Value = common::json(&out);
        let ms = &doc["explain"]["migrations"];
        assert_eq!(
            ms.as_array().map(Vec::len),
            Some(2),
            "only the pending ones: {doc}"
        );
        assert_eq!(ms[0]["version"]["text"], "0002");
        for (i, (field, value, work)) in expected(db.backend()).into_iter().enumerate() {
            let step = &ms[0]["steps"][i];
            assert_eq!(step["impact"][field], value, "step {}: {step}", i + 1);
            assert_eq!(step["impact"]["work"], work, "step {}: {step}", i + 1);
            let rows = step["rows"]["rows"].as_u64().unwrap_or(0);
            assert!(
                (150_000..=250_000).contains(&rows),
                "step {}: row estimate {rows}: {step}",
                i + 1
            );
        }
        // The backfill: batches, every row pending (an exact bounded count), its batch
        // query walks the key index, the check reads the table in full and says so.
        let fill = &ms[1]["steps"][0];
        assert_eq!(fill["impact"]["work"], "batches", "{fill}");
        let estimate = &fill["backfill"];
        assert_eq!(estimate["pending"]["rows"], 200_000, "{estimate}");
        assert_eq!(estimate["pending"]["source"], "count", "{estimate}");
        assert!(
            estimate["batch"]["plan"]
                .as_array()
                .is_some_and(|p| !p.is_empty()),
            "{estimate}"
        );
        assert_eq!(
            estimate["batch"]["full_scans"],
            serde_json::json!([]),
            "{estimate}"
        );
        assert!(estimate["batch"]["warning"].is_null(), "{estimate}");
        let check = &ms[1]["checks"][0];
        assert_eq!(check["full_scans"], serde_json::json!(["big"]), "{check}");
        assert!(
            check["warning"]
                .as_str()
                .is_some_and(|w| w.contains("`big` (")),
            "{check}"
        );

        // Work on every row is a warning unless reads and writes go on meanwhile (MariaDB's
        // in-place index build and rebuild).
        let warnings = doc["explain"]["warnings"].to_string();
        assert!(
            warnings.contains("0002 step 5 (alter_column)"),
            "{warnings}"
        );
        assert_eq!(
            warnings.contains("0002 step 4 (create_index)"),
            db.backend() != Backend::Mysql,
            "{warnings}"
        );

        // A range instead of the pending migrations.
        let out = run(&["--json", "explain", "--from", "0001", "--to", "0001"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let range: serde_json::Value = common::json(&out);
        let only = &range["explain"]["migrations"];
        assert_eq!(only.as_array().map(Vec::len), Some(1), "{range}");
        assert_eq!(only[0]["steps"][0]["op"], "create_table", "{range}");

        // The check on `c` and the index step 4 creates on it.
        let lookup = &ms[0]["checks"][0];
        let notes = doc["explain"]["notes"].to_string();
        if hypopg {
            assert_eq!(lookup["full_scans"], serde_json::json!([]), "{lookup}");
            assert!(
                lookup["plan"].to_string().contains("btree_big_c"),
                "{lookup}"
            );
            assert!(
                notes.contains("hypothetical indexes (hypopg): the plans include"),
                "{notes}"
            );
        } else {
            assert_eq!(lookup["full_scans"], serde_json::json!(["big"]), "{lookup}");
            assert!(lookup["warning"].is_string(), "{lookup}");
            assert!(
                notes.contains("do not include indexes this plan creates"),
                "{notes}"
            );
        }

        // The readable forms.
        let out = run(&["explain"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("backfill `fill_b`: 200000 rows pending"),
            "{text}"
        );
        let out = run(&["explain", "--format", "markdown"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let md = String::from_utf8_lossy(&out.stdout);
        assert!(
            md.contains("| 0002 (changes) | 5 | `alter_column` | big |"),
            "{md}"
        );

        // Nothing changed.
        let after = state(b.as_mut(), db.backend()).await;
        assert_eq!(before, after);

        // --sample runs the first batch (5000 keys) and rolls it back: a rate, no change.
        let out = run(&["--json", "explain", "--sample"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let doc: serde_json::Value = common::json(&out);
        let estimate = &doc["explain"]["migrations"][1]["steps"][0]["backfill"];
        assert_eq!(estimate["sample"]["rows"], 5000, "{estimate}");
        assert_eq!(
            estimate["rate_from"], "a sample batch, rolled back",
            "{estimate}"
        );
        assert!(
            estimate["eta_seconds"].as_f64().is_some_and(|s| s > 0.0),
            "{estimate}"
        );
        assert_eq!(
            before,
            state(b.as_mut(), db.backend()).await,
            "--sample rolled back"
        );
        b.close().await.expect("close");

        // Once a backfill ran here, the next one gets a duration from its measured rate.
        let out = run(&["up", "--no-backup", "--allow-lint-errors"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        plan.write("0004_fill_c.toml", FILL_C);
        let out = run(&["--json", "explain"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let doc: serde_json::Value = common::json(&out);
        let estimate = &doc["explain"]["migrations"][0]["steps"][0]["backfill"];
        assert_eq!(estimate["pending"]["rows"], 200_000, "{estimate}");
        assert!(
            estimate["rows_per_second"]
                .as_f64()
                .is_some_and(|r| r > 0.0),
            "{estimate}"
        );
        assert!(
            estimate["eta_seconds"].as_f64().is_some_and(|s| s > 0.0),
            "{estimate}"
        );
        assert_eq!(
            estimate["rate_from"], "other backfills' runs on this database",
            "{estimate}"
        );
    })
    .await;
}

/// A sample batch that cannot take its row locks (another session holds them) gives up after
/// its lock timeout, is rolled back and reported; the rest of the report stands.
#[tokio::test]
async fn a_blocked_sample_batch_is_reported_not_fatal() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write("0001_big.toml", BIG)
            .write("0003_fill.toml", FILL);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let run = |args: &[&str]| {
            let mut all: Vec<&str> = args.to_vec();
            all.extend(["--database", db.url(), "--plan", dir.as_str()]);
            common::run(plan.path(), &all)
        };
        let out = run(&["up", "--to", "0001", "--no-backup"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut holder = cutover_cli::connect::connect(db.url())
            .await
            .expect("connect");
        holder
            .execute("INSERT INTO big (a) VALUES (1), (2), (3)")
            .await
            .expect("rows");
        holder.begin().await.expect("begin");
        holder
            .execute("UPDATE big SET a = a + 1 WHERE id = 1")
            .await
            .expect("hold a row lock");

        let out = run(&["--json", "explain", "--sample"]);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let doc: serde_json::Value = common::json(&out);
        let estimate = &doc["explain"]["migrations"][0]["steps"][0]["backfill"];
        assert!(estimate["sample"].is_null(), "{estimate}");
        assert!(estimate["sample_error"].is_string(), "{estimate}");
        assert_eq!(estimate["pending"]["rows"], 3, "{estimate}");

        holder.rollback().await.expect("rollback");
        let filled = snapshot::count(holder.as_mut(), "SELECT COUNT(b) FROM big").await;
        assert_eq!(filled, 0, "the sample changed nothing");
        holder.close().await.expect("close");
    })
    .await;
}
