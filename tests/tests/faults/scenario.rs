//! The plan the fault tests run, the operations they cut, and the end state they compare.

use std::time::Duration;

use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::BackfillOptions;
use cutover_core::plan::{Plan, Version};
use cutover_core::runner::{DownTarget, Runner, RunnerOptions, Silent, Target};
use cutover_tests::plans::PlanDir;
use cutover_tests::snapshot;

/// Tables, a raw multi-statement step (non-idempotent: `v = v + 1000`), a marker row per
/// migration and direction, a check.
const BASE: &str = r#"
description = "base and marker tables, seeded by a multi-statement raw step"
[[steps]]
op = "create_table"
table = "base"
columns = [{ name = "id", type = "bigint", primary_key = true }, { name = "v", type = "bigint", nullable = false }]
[[steps]]
op = "create_table"
table = "marker"
columns = [{ name = "note", type = "varchar(100)", nullable = false }]
[[steps]]
op = "sql"
sql = """
INSERT INTO base (id, v) WITH RECURSIVE seq(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM seq WHERE g < 300) SELECT g, g FROM seq;
UPDATE base SET v = v + 1000 WHERE id <= 10;
INSERT INTO marker (note) VALUES ('up 0001')
"""
down = "DELETE FROM base; INSERT INTO marker (note) VALUES ('down 0001')"
[[checks]]
name = "base is seeded"
when = "after"
table = "base"
expect = 300
"#;

/// DDL, a batched backfill, an index, a marker row, a check.
const FILL: &str = r#"
description = "add base.w and fill it in batches"
[[steps]]
op = "add_column"
table = "base"
column = { name = "w", type = "bigint" }
[[steps]]
op = "backfill"
id = "base_w"
table = "base"
pending = "w IS NULL"
set.w = "v * 2"
[[steps]]
op = "create_index"
table = "base"
columns = ["w"]
[[steps]]
op = "sql"
sql = "INSERT INTO marker (note) VALUES ('up 0002')"
down = "INSERT INTO marker (note) VALUES ('down 0002')"
[[checks]]
name = "every row has w"
when = "after"
table = "base"
where = "w IS NULL OR w <> v * 2"
expect = 0
"#;

/// A raw step mixing DDL (implicit commit on MySQL) and DML.
const EXTRA: &str = r#"
description = "a raw step with DDL and DML"
[[steps]]
op = "sql"
sql = """
CREATE TABLE extra (id bigint PRIMARY KEY, note varchar(20));
INSERT INTO extra (id, note) VALUES (1, 'a'), (2, 'b');
INSERT INTO marker (note) VALUES ('up 0003')
"""
down = "DROP TABLE extra; INSERT INTO marker (note) VALUES ('down 0003')"
[[checks]]
name = "extra is seeded"
when = "after"
table = "extra"
expect = 2
"#;

/// Rows added after `up` for `backfill run` to fill.
const MORE_ROWS: &str = "INSERT INTO base (id, v) WITH RECURSIVE seq(g) AS \
    (SELECT 301 UNION ALL SELECT g + 1 FROM seq WHERE g < 500) SELECT g, g FROM seq";

/// The backfill `backfill run` runs.
pub const BACKFILL_ID: &str = "base_w";

/// The plan directory of the fault tests.
pub fn plan_dir() -> PlanDir {
    let dir = PlanDir::new();
    dir.write("0001_base.toml", BASE)
        .write("0002_fill.toml", FILL)
        .write("0003_extra.toml", EXTRA);
    dir
}

/// The operation a case cuts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `cutover up` on an empty database.
    Up,
    /// `cutover down --to 0001` after a clean `up`.
    Down,
    /// `cutover backfill run base_w` after a clean `up` and 200 new rows.
    Backfill,
}

/// Short retry backoffs and small batches keep a case well under a second.
pub fn options() -> RunnerOptions {
    RunnerOptions {
        retry_backoff: Duration::from_millis(20),
        lock_wait: Duration::from_secs(20),
        backup: cutover_core::backup::BackupPolicy::Skip,
        backfill: BackfillOptions {
            batch_size: Some(50),
            adaptive: false,
            retry_backoff: Duration::from_millis(20),
            ..BackfillOptions::default()
        },
        ..RunnerOptions::default()
    }
}

/// The database state before `op` runs.
pub async fn prepare(op: Op, url: &str, plan: &Plan) -> Result<(), String> {
    if op == Op::Up {
        return Ok(());
    }
    let mut b = connect(url).await.map_err(|e| format!("connect: {e}"))?;
    let result = async {
        run(Op::Up, b.as_mut(), plan).await?;
        if op == Op::Backfill {
            b.execute(MORE_ROWS).await.map_err(|e| e.to_string())?;
        }
        Ok(())
    }
    .await;
    let _ = b.close().await;
    result.map_err(|e: String| format!("preparing {op:?}: {e}"))
}

/// Runs `op` once on `backend`.
pub async fn run(op: Op, backend: &mut dyn Backend, plan: &Plan) -> Result<(), String> {
    let mut runner = Runner::new(backend, plan, options(), &Silent);
    let result = match op {
        Op::Up => runner.up(Target::Latest).await.map(drop),
        Op::Down => {
            let to = Version::parse("0001").ok_or("version 0001")?;
            runner.down(DownTarget::Version(to)).await.map(drop)
        }
        Op::Backfill => runner.backfill(BACKFILL_ID).await.and_then(|o| {
            if o.complete {
                Ok(())
            } else {
                Err(cutover_core::Error::Other(format!(
                    "backfill verification failed: {:?}",
                    o.checks
                )))
            }
        }),
    };
    result.map_err(|e| e.to_string())
}

/// Runs `op` on a fresh connection to `url`, closing it afterwards.
pub async fn run_at(op: Op, url: &str, plan: &Plan) -> Result<(), String> {
    let mut b = connect(url).await.map_err(|e| format!("connect: {e}"))?;
    let result = run(op, b.as_mut(), plan).await;
    let _ = b.close().await;
    result
}

/// What the tests compare with an uninterrupted run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Introspected tables, columns and indexes.
    pub schema: Vec<String>,
    /// Every row of every plan table (the marker table included), per table.
    pub rows: Vec<(String, Vec<String>)>,
    /// Marker notes with their counts: each side effect exactly once.
    pub markers: Vec<String>,
    /// `version state statements_applied/statements_total` per history row.
    pub history: Vec<String>,
    /// `id part state rows_changed` per backfill checkpoint row.
    pub backfills: Vec<String>,
}

impl Outcome {
    /// Reads the state of the database at `url`.
    pub async fn read(url: &str) -> Result<Outcome, String> {
        let mut b = connect(url).await.map_err(|e| format!("connect: {e}"))?;
        let outcome = Outcome::read_from(b.as_mut()).await;
        let _ = b.close().await;
        outcome
    }

    async fn read_from(b: &mut dyn Backend) -> Result<Outcome, String> {
        let schema = snapshot::schema(b).await;
        let mut rows = Vec::new();
        for table in snapshot::tables(b).await {
            let r = snapshot::rows(b, &table).await;
            rows.push((table, r));
        }
        let markers = text_rows(
            b,
            "SELECT note, COUNT(*) FROM marker GROUP BY note ORDER BY note",
        )
        .await?;
        let history = text_rows(
            b,
            "SELECT version, state, statements_applied, statements_total FROM cutover_history ORDER BY version",
        )
        .await?;
        let backfills = text_rows(
            b,
            "SELECT id, part, state, rows_changed FROM cutover_backfill ORDER BY id, part",
        )
        .await
        .unwrap_or_default();
        Ok(Outcome {
            schema,
            rows,
            markers,
            history,
            backfills,
        })
    }

    /// What differs from `expected`, one line per aspect; empty when equal.
    pub fn differences(&self, expected: &Outcome) -> Vec<String> {
        let mut out = Vec::new();
        if self.markers != expected.markers {
            out.push(format!(
                "marker counts {:?}, expected {:?}",
                self.markers, expected.markers
            ));
        }
        if self.history != expected.history {
            out.push(format!(
                "history {:?}, expected {:?}",
                self.history, expected.history
            ));
        }
        if self.backfills != expected.backfills {
            out.push(format!(
                "backfill checkpoints {:?}, expected {:?}",
                self.backfills, expected.backfills
            ));
        }
        if self.schema != expected.schema {
            let extra: Vec<_> = self
                .schema
                .iter()
                .filter(|l| !expected.schema.contains(l))
                .collect();
            let missing: Vec<_> = expected
                .schema
                .iter()
                .filter(|l| !self.schema.contains(l))
                .collect();
            out.push(format!("schema: extra {extra:?}, missing {missing:?}"));
        }
        for (table, rows) in &self.rows {
            let want = expected.rows.iter().find(|(t, _)| t == table);
            match want {
                Some((_, want)) if want == rows => {}
                Some((_, want)) => {
                    let extra: Vec<_> = rows.iter().filter(|r| !want.contains(r)).take(5).collect();
                    let missing: Vec<_> =
                        want.iter().filter(|r| !rows.contains(r)).take(5).collect();
                    out.push(format!(
                        "rows of {table}: {} rows, expected {}; extra {extra:?}, missing {missing:?}",
                        rows.len(),
                        want.len()
                    ));
                }
                None => out.push(format!("unexpected table {table}")),
            }
        }
        out
    }
}

/// Every row of `sql` as `a b c` lines.
async fn text_rows(b: &mut dyn Backend, sql: &str) -> Result<Vec<String>, String> {
    let rows = b.query(sql).await.map_err(|e| format!("{sql}: {e}"))?;
    Ok(rows
        .rows
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|v| v.unwrap_or_else(|| "NULL".into()))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect())
}
