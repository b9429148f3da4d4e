//! Parallel backfills (`--workers 2`) on UUID, text and composite keys, killed with SIGKILL
//! at ten moments and resumed, change every row exactly once (PostgreSQL and MariaDB/MySQL;
//! SQLite runs one part). The backfill has no `pending` condition and adds 1 to `hits`, so a
//! row in two parts' ranges, or a batch done twice after a kill, would end with `hits = 2`.

mod common;

use std::process::{Command, Stdio};
use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend, for_each_backend, snapshot};

const ROWS: u64 = 60_000;

/// `SELECT g` for g in 1..=ROWS, per database.
fn numbers(backend: Backend) -> String {
    match backend {
        Backend::Postgres => format!("SELECT g FROM generate_series(1, {ROWS}) AS g"),
        Backend::Sqlite => format!(
            "SELECT g FROM (WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {ROWS}) SELECT g FROM s)"
        ),
        Backend::Mysql => {
            let digit = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
            format!(
                "SELECT g FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d + 10000 * f.d + 1 AS g FROM {digit} a CROSS JOIN {digit} b CROSS JOIN {digit} c CROSS JOIN {digit} e CROSS JOIN {digit} f) AS n WHERE g <= {ROWS}"
            )
        }
    }
}

/// The md5 of `g` as text (same hex on every database).
fn md5(backend: Backend) -> &'static str {
    match backend {
        Backend::Postgres => "md5(g::text)",
        _ => "MD5(g)",
    }
}

fn concat(backend: Backend, parts: &[&str]) -> String {
    match backend {
        Backend::Mysql => format!("CONCAT({})", parts.join(", ")),
        _ => parts.join(" || "),
    }
}

/// A UUID per row: half of them sharing one long prefix (a skewed key space), half spread.
fn uuid_expr(backend: Backend) -> String {
    let m = md5(backend);
    let spread = concat(
        backend,
        &[
            &format!("substr({m}, 1, 8)"),
            "'-'",
            &format!("substr({m}, 9, 4)"),
            "'-'",
            &format!("substr({m}, 13, 4)"),
            "'-'",
            &format!("substr({m}, 17, 4)"),
            "'-'",
            &format!("substr({m}, 21, 12)"),
        ],
    );
    let hex = match backend {
        Backend::Postgres => "lpad(to_hex(g), 12, '0')",
        Backend::Mysql => "LPAD(LOWER(HEX(g)), 12, '0')",
        Backend::Sqlite => "substr('000000000000' || printf('%x', g), -12, 12)",
    };
    let skewed = concat(backend, &["'00000000-0000-4000-8000-'", hex]);
    let cast = if backend == Backend::Postgres {
        "::uuid"
    } else {
        ""
    };
    format!("(CASE WHEN g % 2 = 0 THEN {spread} ELSE {skewed} END){cast}")
}

/// Text codes mixing case: `a…`, `B…`, `c…`. A binary collation sorts `B` first; a
/// case-insensitive one (MariaDB's default) sorts it between `a` and `c`.
fn code_expr(backend: Backend) -> String {
    concat(
        backend,
        &[
            "(CASE g % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'B' ELSE 'c' END)",
            md5(backend),
        ],
    )
}

fn seed(backend: Backend) -> String {
    let n = numbers(backend);
    let collation = match backend {
        Backend::Mysql => " COLLATE utf8mb4_general_ci",
        _ => "",
    };
    format!(
        r#"
description = "three tables keyed by UUID, by case-mixed text and by (tenant, code)"
[[steps]]
op = "create_table"
table = "u_items"
columns = [
  {{ name = "id", type = "uuid", primary_key = true }},
  {{ name = "val", type = "bigint", nullable = false }},
  {{ name = "hits", type = "integer", nullable = false, default = 0 }},
  {{ name = "label", type = "varchar(40)" }},
]
[[steps]]
op = "create_table"
table = "c_items"
primary_key = ["tenant", "code"]
columns = [
  {{ name = "tenant", type = "bigint" }},
  {{ name = "code", type = "varchar(40)" }},
  {{ name = "val", type = "bigint", nullable = false }},
  {{ name = "hits", type = "integer", nullable = false, default = 0 }},
  {{ name = "label", type = "varchar(40)" }},
]
[[steps]]
op = "sql"
sql = "CREATE TABLE t_items (code varchar(60){collation} NOT NULL PRIMARY KEY, val bigint NOT NULL, hits integer NOT NULL DEFAULT 0, label varchar(40))"
down = "DROP TABLE t_items"
[[steps]]
op = "sql"
sql = """INSERT INTO u_items (id, val) SELECT {uuid}, g % 1000 FROM ({n}) AS n;
INSERT INTO t_items (code, val) SELECT {code}, g % 1000 FROM ({n}) AS n;
INSERT INTO c_items (tenant, code, val) SELECT (CASE WHEN g % 10 < 7 THEN 1 ELSE g % 5 END), {md5}, g % 1000 FROM ({n}) AS n"""
down = "DELETE FROM u_items; DELETE FROM t_items; DELETE FROM c_items"
"#,
        uuid = uuid_expr(backend),
        code = code_expr(backend),
        md5 = md5(backend),
    )
}

fn backfill(table: &str) -> String {
    format!(
        r#"
id = "{table}_label"
table = "{table}"
set.hits = "hits + 1"
set.label = "concat('v', CAST(val * 3 AS text))"
"#
    )
}

fn label_expected(backend: Backend) -> &'static str {
    match backend {
        Backend::Mysql => "CONCAT('v', val * 3)",
        _ => "'v' || CAST(val * 3 AS text)",
    }
}

/// A small deterministic generator for the kill moments (milliseconds).
fn moments(seed: u64, n: usize) -> Vec<u64> {
    let mut x = seed;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            80 + x % 500
        })
        .collect()
}

#[tokio::test]
async fn parallel_backfills_on_uuid_text_and_composite_keys_survive_kills_exactly_once() {
    for_each_backend(|db| async move {
        let backend = db.backend();
        if backend == Backend::Sqlite {
            // One writer: SQLite runs one part whatever `--workers` says (see backfill.rs).
            return;
        }
        let tables = ["u_items", "t_items", "c_items"];
        let plan = PlanDir::new();
        plan.write("0001_items.toml", &seed(backend));
        let mut migration = String::from("description = \"label every item\"\n");
        for t in tables {
            migration.push_str(&format!("[[steps]]\nop = \"backfill\"\n{}", backfill(t)));
        }
        plan.write("0002_label.toml", &migration);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let out = common::run(
            plan.path(),
            &["up", "--to", "0001", "--database", db.url(), "--plan", &dir],
        );
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(db.url()).await.expect("connect");

        for table in tables {
            let id = format!("{table}_label");
            let args = [
                "backfill",
                "run",
                id.as_str(),
                "--database",
                db.url(),
                "--plan",
                dir.as_str(),
                "--batch-size",
                "200",
                "--no-adapt",
                // Slow enough that the ten kills (80-580 ms after the start) land before
                // the backfill can finish, on a quiet machine too.
                "--pause-ms",
                "40",
                "--workers",
                "2",
            ];
            let mut killed = 0;
            for wait in moments(
                0x5eed ^ (table.len() * 31 + backend.name().len()) as u64,
                10,
            ) {
                let mut child = Command::new(common::bin())
                    .args(args)
                    .env_remove("DATABASE_URL")
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("spawn");
                tokio::time::sleep(Duration::from_millis(wait)).await;
                if child.try_wait().expect("poll").is_none() {
                    killed += 1;
                }
                child.kill().expect("SIGKILL");
                child.wait().expect("reap");
            }
            assert!(
                killed >= 5,
                "{table}: most runs must be killed mid-way (killed {killed})"
            );
            let parts = snapshot::count(
                b.as_mut(),
                &format!("SELECT COUNT(*) FROM cutover_backfill WHERE id = '{id}'"),
            )
            .await;
            let expected_parts = if backend == Backend::Sqlite { 1 } else { 2 };
            assert_eq!(parts, expected_parts, "{table}: parts in the checkpoint");
            let out = common::run(plan.path(), &args);
            assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));

            let rows = snapshot::count(b.as_mut(), &format!("SELECT COUNT(*) FROM {table}")).await;
            assert_eq!(rows, ROWS as i64, "{table}: rows");
            let twice = format!("SELECT COUNT(*) FROM {table} WHERE hits <> 1");
            assert_eq!(
                snapshot::count(b.as_mut(), &twice).await,
                0,
                "{table}: every row changed exactly once"
            );
            let labels = format!(
                "SELECT COUNT(*) FROM {table} WHERE label IS NULL OR label <> {}",
                label_expected(backend)
            );
            assert_eq!(
                snapshot::count(b.as_mut(), &labels).await,
                0,
                "{table}: labels"
            );
            let sum = format!("SELECT SUM(rows_changed) FROM cutover_backfill WHERE id = '{id}'");
            let changed = snapshot::count(b.as_mut(), &sum).await;
            assert_eq!(
                changed, ROWS as i64,
                "{table}: the checkpoints count each row once"
            );
        }
        b.close().await.expect("close");
    })
    .await;
}

/// An empty table and a table with fewer rows than workers: one part each, every row done,
/// and rows inserted after the split (below and above every key) are covered by a re-run.
#[tokio::test]
async fn few_rows_and_an_empty_table_split_into_what_they_have() {
    for_each_backend(|db| async move {
        let plan = PlanDir::new();
        plan.write(
            "0001_t.toml",
            r#"
description = "two text-keyed tables"
[[steps]]
op = "create_table"
table = "few"
columns = [
  { name = "code", type = "varchar(20)", primary_key = true },
  { name = "hits", type = "integer", nullable = false, default = 0 },
]
[[steps]]
op = "create_table"
table = "none"
columns = [
  { name = "code", type = "varchar(20)", primary_key = true },
  { name = "hits", type = "integer", nullable = false, default = 0 },
]
[[steps]]
op = "sql"
sql = "INSERT INTO few (code) VALUES ('m1'), ('m2'), ('m3')"
down = "DELETE FROM few"
"#,
        );
        let mut migration = String::from("description = \"count\"\n");
        for t in ["few", "none"] {
            migration.push_str(&format!(
                "[[steps]]\nop = \"backfill\"\nid = \"{t}_hits\"\ntable = \"{t}\"\npending = \"hits = 0\"\nset.hits = \"hits + 1\"\n"
            ));
        }
        plan.write("0002_hits.toml", &migration);
        let dir = plan.path().to_str().expect("utf8").to_string();
        let up = ["up", "--to", "0001", "--database", db.url(), "--plan", &dir];
        let out = common::run(plan.path(), &up);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        let mut b = connect(db.url()).await.expect("connect");
        for id in ["few_hits", "none_hits"] {
            let args = [
                "backfill", "run", id, "--database", db.url(), "--plan", &dir, "--workers", "4",
            ];
            let out = common::run(plan.path(), &args);
            assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
            let sql = format!("SELECT COUNT(*) FROM cutover_backfill WHERE id = '{id}'");
            assert_eq!(snapshot::count(b.as_mut(), &sql).await, 1, "{id}: one part");
        }
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM few WHERE hits = 1").await,
            3
        );
        // New rows below and above every key seen by the split: a re-run does them.
        b.execute("INSERT INTO few (code) VALUES ('a0'), ('z9')")
            .await
            .expect("insert");
        let args = [
            "backfill", "run", "few_hits", "--database", db.url(), "--plan", &dir, "--workers",
            "4",
        ];
        let out = common::run(plan.path(), &args);
        assert_eq!(out.status.code(), Some(0), "{}", common::text(&out));
        assert_eq!(
            snapshot::count(b.as_mut(), "SELECT COUNT(*) FROM few WHERE hits <> 1").await,
            0
        );
        b.close().await.expect("close");
    })
    .await;
}
