//! The UUID twin: the benchmark's backfill, serial and without application load, on the
//! integer-keyed `messages` table and on `messages_uuid`, a copy of the same rows keyed by a
//! UUID primary key (Postgres `uuid` from `gen_random_uuid()`, MariaDB `UUID` from `UUID()`,
//! SQLite TEXT holding a random UUID string), fresh load each, same run. On SQLite the twin
//! is created by a plan's `create_table` (as the example and runbook plans create their
//! tables): `WITHOUT ROWID` by default, and a third run with `sqlite_rowid = true` (an
//! ordinary rowid table, the layout before).
//!
//! `CUTOVER_BENCH_ONLY=twins` runs only the twins, `CUTOVER_BENCH_REPEAT` times (default 2)
//! interleaved (integer, UUID, [WITHOUT ROWID], integer, UUID, ...), and prints one line per
//! run with the load average; it writes nothing (the numbers go into docs/benchmarks.md by
//! hand, with the load).

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use cutover_cli::connect::connect;
use cutover_core::backfill::{BackfillOptions, Connector};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb};

/// One database's twin numbers.
pub struct Twin {
    /// Which database.
    pub kind: Kind,
    /// Table size.
    pub rows: u64,
    /// Serial backfill on the integer key.
    pub int: Duration,
    /// Serial backfill on the UUID key.
    pub uuid: Duration,
    /// SQLite only: serial backfill on the UUID key of a rowid table (`sqlite_rowid = true`;
    /// `uuid` is the plan's default, `WITHOUT ROWID`).
    pub without_rowid: Option<Duration>,
    /// Rows changed (the same on all).
    pub changed: u64,
}

/// The twin's `create_table` on SQLite; `sqlite_rowid`: keep the rowid.
fn twin_plan(sqlite_rowid: bool) -> String {
    format!(
        r#"
description = "the UUID twin"
[[steps]]
op = "create_table"
table = "messages_uuid"
sqlite_rowid = {sqlite_rowid}
columns = [
  {{ name = "id", type = "uuid", primary_key = true }},
  {{ name = "conversation_id", type = "bigint" }},
  {{ name = "media_url", type = "text", nullable = true }},
  {{ name = "attachments", type = "text", default = "[]" }},
  {{ name = "created_at", type = "timestamp", default_expr = "now()" }},
  {{ name = "updated_at", type = "timestamp", default_expr = "now()" }},
]
"#
    )
}

/// Creates the SQLite twin through the runner, as a plan would.
async fn create_by_plan(
    b: &mut dyn cutover_core::backend::Backend,
    sqlite_rowid: bool,
) -> Result<()> {
    use cutover_core::runner::{Runner, RunnerOptions, Silent, Target};
    let dir = PlanDir::new();
    dir.write("0001_twin.toml", &twin_plan(sqlite_rowid));
    b.execute("DROP TABLE IF EXISTS cutover_history").await?;
    Runner::new(b, &dir.load(), RunnerOptions::default(), &Silent)
        .up(Target::Latest)
        .await
        .context("creating the UUID twin by its plan")?;
    Ok(())
}

fn copy_sql(kind: Kind) -> Vec<String> {
    let v = match kind {
        Kind::Postgres => vec![
            "CREATE TABLE messages_uuid (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), conversation_id bigint NOT NULL, media_url text, attachments jsonb NOT NULL DEFAULT '[]'::jsonb, created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now())",
            "INSERT INTO messages_uuid (id, conversation_id, media_url, attachments, created_at, updated_at) SELECT gen_random_uuid(), conversation_id, media_url, attachments, created_at, updated_at FROM messages ORDER BY id",
            "DROP TABLE messages",
            "VACUUM ANALYZE messages_uuid",
        ],
        Kind::Mysql => vec![
            "CREATE TABLE messages_uuid (id UUID PRIMARY KEY DEFAULT UUID(), conversation_id bigint NOT NULL, media_url text, attachments json NOT NULL DEFAULT (JSON_ARRAY()), created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP)",
            "INSERT INTO messages_uuid (id, conversation_id, media_url, attachments, created_at, updated_at) SELECT UUID(), conversation_id, media_url, attachments, created_at, updated_at FROM messages ORDER BY id",
            "DROP TABLE messages",
            "ANALYZE TABLE messages_uuid",
        ],
        Kind::Sqlite => vec![
            "CREATE TABLE messages_uuid (id TEXT PRIMARY KEY NOT NULL, conversation_id INTEGER NOT NULL, media_url TEXT, attachments TEXT NOT NULL DEFAULT '[]', created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, updated_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)",
            "INSERT INTO messages_uuid (id, conversation_id, media_url, attachments, created_at, updated_at) SELECT substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-4' || substr(h, 14, 3) || '-a' || substr(h, 18, 3) || '-' || substr(h, 21, 12), conversation_id, media_url, attachments, created_at, updated_at FROM (SELECT lower(hex(randomblob(16))) AS h, * FROM messages ORDER BY id)",
            "DROP TABLE messages",
            "ANALYZE",
        ],
    };
    v.into_iter().map(String::from).collect()
}

/// Runs the twin comparison on `kind` over `rows` rows.
pub async fn bench_twin(kind: Kind, rows: u64, plan_text: &str) -> Result<Twin> {
    let db = TestDb::create(kind).await;
    let url = db.url().to_string();
    let connect_url = url.clone();
    let connector: Box<Connector> = Box::new(move || {
        let u = connect_url.clone();
        Box::pin(async move { connect(&u).await })
    });
    let uuid_text = plan_text.replace("table = \"messages\"", "table = \"messages_uuid\"");
    ensure!(
        uuid_text != plan_text,
        "the benchmark plan names no `messages` table"
    );
    let mut b = connect(&url).await?;
    // Engine speed: no pause after batches (SQLite's writer yield would add the same
    // quarter to both twins).
    let options = BackfillOptions {
        yield_to_writers: false,
        ..BackfillOptions::default()
    };
    let runs = if kind == Kind::Sqlite { 3 } else { 2 };
    let mut times = [Duration::ZERO; 3];
    let mut changed = [0u64; 3];
    for (i, text) in [plan_text, &uuid_text, &uuid_text]
        .into_iter()
        .take(runs)
        .enumerate()
    {
        let dir = PlanDir::new();
        dir.write("0001_bench.toml", text);
        let plan = dir.load();
        eprintln!("[{}] uuid twin: loading {rows} rows", kind.name());
        b.execute("DROP TABLE IF EXISTS messages_uuid").await?;
        super::super::load(b.as_mut(), kind, rows).await?;
        let table = if i > 0 {
            let mut stmts = copy_sql(kind);
            if kind == Kind::Sqlite {
                create_by_plan(b.as_mut(), i == 2).await?;
                stmts.remove(0);
            }
            for stmt in stmts {
                b.execute(&stmt)
                    .await
                    .with_context(|| format!("[{}] building the UUID twin: {stmt}", kind.name()))?;
            }
            "messages_uuid"
        } else {
            "messages"
        };
        super::reset_state(b.as_mut(), "bench").await?;
        let start = Instant::now();
        changed[i] =
            super::run_cutover(b.as_mut(), &plan, "bench", connector.as_ref(), &options).await?;
        times[i] = start.elapsed();
        let got = super::migrated_loaded(b.as_mut(), kind, table, rows).await?;
        ensure!(
            got == super::expected_migrated(rows),
            "[{}] uuid twin on {table}: {got} rows migrated, {} expected",
            kind.name(),
            super::expected_migrated(rows)
        );
        eprintln!(
            "[{}] uuid twin {i}{}: {table} serial {:.2} s, {} rows changed, load {:.2}",
            kind.name(),
            match (kind, i) {
                (Kind::Sqlite, 1) => " (plan, WITHOUT ROWID)",
                (Kind::Sqlite, 2) => " (plan, sqlite_rowid = true)",
                _ => "",
            },
            times[i].as_secs_f64(),
            changed[i],
            super::loadavg()
        );
    }
    ensure!(
        changed[..runs].iter().all(|c| *c == changed[0]),
        "[{}] the integer and UUID runs changed different row counts: {:?}",
        kind.name(),
        &changed[..runs]
    );
    b.close().await?;
    db.drop_db().await;
    Ok(Twin {
        kind,
        rows,
        int: times[0],
        uuid: times[1],
        without_rowid: (runs == 3).then_some(times[2]),
        changed: changed[0],
    })
}

/// Entry point of `CUTOVER_BENCH_ONLY=twins`: the twins alone, repeated and interleaved.
pub async fn main_twins(plan_text: &str) -> Result<()> {
    let rows = std::env::var("CUTOVER_BENCH_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let repeat = std::env::var("CUTOVER_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2u32);
    for kind in cutover_tests::backends() {
        for r in 0..repeat {
            let t = bench_twin(kind, rows, plan_text).await?;
            let wr = t
                .without_rowid
                .map(|w| {
                    format!(
                        ", rowid table {:.2} s ({:.2}x)",
                        w.as_secs_f64(),
                        w.as_secs_f64() / t.int.as_secs_f64()
                    )
                })
                .unwrap_or_default();
            println!(
                "twins {} run {r}: {} rows, {} changed: integer {:.2} s, UUID {:.2} s ({:.2}x){wr}; load {:.2}",
                kind.name(),
                t.rows,
                t.changed,
                t.int.as_secs_f64(),
                t.uuid.as_secs_f64(),
                t.uuid.as_secs_f64() / t.int.as_secs_f64(),
                super::loadavg()
            );
        }
    }
    Ok(())
}
