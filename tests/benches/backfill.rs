//! The backfill benchmark: the attachments backfill over the 1M-row `messages` table of
//! ../shared/bench (copied into `workload/`), on each database, compared in the same run with
//! the single set-based UPDATE a DBA would write.
//!
//! `cargo bench -p cutover-tests --bench backfill` writes docs/benchmarks.md.
//! `CUTOVER_BENCH_ROWS` (default 1,000,000) and `CUTOVER_BENCH_SMALL` (default 100,000) set
//! the table sizes; `CUTOVER_TEST_BACKENDS` limits the databases. `CUTOVER_BENCH_ONLY=undo`
//! runs only the undo-log comparison (at the small size) and updates its section;
//! `CUTOVER_BENCH_ONLY=live` runs only the live-traffic benchmark and the UUID twins (see
//! `backfill_live`), `CUTOVER_BENCH_SMOKE=1` with it runs them small for CI.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, Connector, QuietObserver};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

mod backfill_live;
mod backfill_undo;

const PLAN: &str = r#"
description = "the attachments backfill of the benchmark"
[[steps]]
op = "backfill"
id = "bench"
table = "messages"
pending = "media_url IS NOT NULL AND media_url <> '' AND json_length(attachments) = 0"
set.attachments = """json_array(json_object(
   'url', media_url,
   'type', CASE WHEN media_url LIKE '%.mp4' THEN 'video' ELSE 'image' END,
   'name', substring_after_last(media_url, '/'),
   'mimeType', CASE WHEN media_url LIKE '%.mp4' THEN 'video/mp4' ELSE 'image/jpeg' END,
   'source', 'legacy_migration'))"""
set.updated_at = "now()"
"#;

fn workload(kind: Kind, file: &str) -> String {
    let name = match kind {
        Kind::Postgres => "postgres",
        Kind::Mysql => "mysql",
        Kind::Sqlite => "sqlite",
    };
    let path = format!(
        "{}/benches/workload/{file}-{name}.sql",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

async fn load(b: &mut dyn Backend, kind: Kind, rows: u64) -> Result<()> {
    b.execute("DROP TABLE IF EXISTS messages").await?;
    let sql = workload(kind, "messages").replace("1000000", &rows.to_string());
    for stmt in sql.split(";\n").map(str::trim).filter(|s| !s.is_empty()) {
        b.execute(stmt)
            .await
            .with_context(|| format!("loading: {stmt}"))?;
    }
    if kind == Kind::Mysql {
        b.execute("ANALYZE TABLE messages").await?;
    }
    Ok(())
}

async fn timed<F: std::future::Future<Output = Result<T>>, T>(f: F) -> Result<(T, Duration)> {
    let start = Instant::now();
    let v = f.await?;
    Ok((v, start.elapsed()))
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

async fn migrated(b: &mut dyn Backend) -> Result<u64> {
    let rows = b
        .query("SELECT COUNT(*) FROM messages WHERE media_url IS NOT NULL AND attachments LIKE '%legacy_migration%'")
        .await;
    let rows = match rows {
        Ok(r) => r,
        // Postgres: jsonb has no LIKE.
        Err(_) => {
            b.query(
                "SELECT COUNT(*) FROM messages WHERE attachments::text LIKE '%legacy_migration%'",
            )
            .await?
        }
    };
    Ok(rows.scalar().and_then(|v| v.parse().ok()).unwrap_or(0))
}

struct Row {
    kind: Kind,
    single: Duration,
    own: Duration,
    serial: Duration,
    workers2: Option<Duration>,
    noop: Duration,
    small_rows: u64,
    small: Duration,
    rss_small: u64,
    rss_large: u64,
    changed: u64,
}

async fn run_backfill(
    b: &mut dyn Backend,
    plan: &cutover_core::plan::Plan,
    connector: &Connector,
    workers: usize,
) -> Result<u64> {
    let spec = BackfillSpec::find(
        plan,
        "bench",
        &cutover_core::backfill::BackfillScope::default_history(),
    )?;
    let options = BackfillOptions {
        workers,
        ..BackfillOptions::default()
    };
    let report = backfill::run(b, Some(connector), &spec, &options, &QuietObserver).await?;
    Ok(report.rows_changed)
}

async fn bench(kind: Kind, rows: u64, small_rows: u64) -> Result<Row> {
    let db = TestDb::create(kind).await;
    let url = db.url().to_string();
    let dir = PlanDir::new();
    dir.write("0001_bench.toml", PLAN);
    let plan = dir.load();
    let connect_url = url.clone();
    let connector: Box<Connector> = Box::new(move || {
        let u = connect_url.clone();
        Box::pin(async move { connect(&u).await })
    });
    let mut b = connect(&url).await?;
    let state = "DELETE FROM cutover_backfill";

    // Small table first: peak memory is monotonic, so the small run's peak comes first.
    eprintln!("[{}] loading {small_rows} rows", kind.name());
    load(b.as_mut(), kind, small_rows).await?;
    let (_, small) = timed(run_backfill(b.as_mut(), &plan, connector.as_ref(), 1)).await?;
    let rss_small = peak_rss_kib();
    b.execute(state).await?;

    eprintln!(
        "[{}] loading {rows} rows for the single UPDATE",
        kind.name()
    );
    load(b.as_mut(), kind, rows).await?;
    let update = workload(kind, "update");
    let (_, single) =
        timed(async { Ok(b.execute(update.trim().trim_end_matches(';')).await?) }).await?;
    let expect = migrated(b.as_mut()).await?;

    // The same transform as one statement, rendered by cutover from the plan: separates the
    // engine's batching cost from the cost of the portable predicates.
    eprintln!(
        "[{}] loading {rows} rows for cutover's own set-based statement",
        kind.name()
    );
    load(b.as_mut(), kind, rows).await?;
    let dialect: cutover_core::Dialect = kind.name().parse().map_err(anyhow::Error::msg)?;
    let own_sql = cutover_core::render::render_plan(&plan, dialect, &Default::default())?[0]
        .statements[0]
        .sql
        .clone();
    let (_, own) = timed(async { Ok(b.execute(&own_sql).await?) }).await?;

    eprintln!("[{}] loading {rows} rows for cutover serial", kind.name());
    load(b.as_mut(), kind, rows).await?;
    let (changed, serial) = timed(run_backfill(b.as_mut(), &plan, connector.as_ref(), 1)).await?;
    let rss_large = peak_rss_kib();
    // As `cutover backfill run` does once the migration's checks pass.
    backfill::StateTable::new(
        b.dialect(),
        &cutover_core::backfill::BackfillScope::default_history(),
    )
    .mark_complete(b.as_mut(), "bench")
    .await?;
    anyhow::ensure!(
        migrated(b.as_mut()).await? == expect,
        "cutover and the single UPDATE disagree"
    );
    let (_, noop) = timed(run_backfill(b.as_mut(), &plan, connector.as_ref(), 1)).await?;

    let workers2 = if kind == Kind::Sqlite {
        None
    } else {
        b.execute(state).await?;
        eprintln!("[{}] loading {rows} rows for 2 workers", kind.name());
        load(b.as_mut(), kind, rows).await?;
        let (_, t) = timed(run_backfill(b.as_mut(), &plan, connector.as_ref(), 2)).await?;
        anyhow::ensure!(
            migrated(b.as_mut()).await? == expect,
            "2 workers disagree with the single UPDATE"
        );
        Some(t)
    };
    b.close().await?;
    db.drop_db().await;
    Ok(Row {
        kind,
        single,
        own,
        serial,
        workers2,
        noop,
        small_rows,
        small,
        rss_small,
        rss_large,
        changed,
    })
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines().next().and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|v| v.parse::<u64>().ok())
            })
        })
        .map(|kib| format!("{:.0} GiB", kib as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), {mem} RAM")
}

#[tokio::main]
async fn main() -> Result<()> {
    if std::env::var("CUTOVER_BENCH_ONLY").as_deref() == Ok("live") {
        return backfill_live::main(PLAN).await;
    }
    if std::env::var("CUTOVER_BENCH_ONLY").as_deref() == Ok("twins") {
        return backfill_live::main_twins(PLAN).await;
    }
    let env = |k: &str, d: u64| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let rows = env("CUTOVER_BENCH_ROWS", 1_000_000);
    let small = env("CUTOVER_BENCH_SMALL", 100_000);
    let out = format!("{}/../docs/benchmarks.md", env!("CARGO_MANIFEST_DIR"));
    let date = cutover_core::runner::now();
    let mut undo_rows = Vec::new();
    for kind in backends() {
        undo_rows.push(backfill_undo::bench_undo(kind, small, PLAN).await?);
    }
    let undo_section = backfill_undo::section(&undo_rows, &date[..10], &machine())?;
    println!("{undo_section}");
    if std::env::var("CUTOVER_BENCH_ONLY").as_deref() == Ok("undo") {
        let old = std::fs::read_to_string(&out)?;
        let (head, notes) = old
            .split_once("<!-- notes -->")
            .unwrap_or((old.as_str(), ""));
        let notes = backfill_undo::splice(notes, &undo_section);
        std::fs::write(&out, format!("{head}<!-- notes -->{notes}"))?;
        return Ok(());
    }
    let mut results = Vec::new();
    for kind in backends() {
        let r = bench(kind, rows, small).await?;
        eprintln!(
            "[{}] single {:?}, rendered {:?}, serial {:?}, 2 workers {:?}, no-op {:?}",
            kind.name(),
            r.single,
            r.own,
            r.serial,
            r.workers2,
            r.noop
        );
        results.push(r);
    }
    let s = |d: Duration| format!("{:.2} s", d.as_secs_f64());
    let ratio = |a: Duration, b: Duration| format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64());
    let mut md = String::new();
    writeln!(md, "# Backfill benchmark\n")?;
    writeln!(
        md,
        "Generated by `cargo bench -p cutover-tests --bench backfill` on {} ({}).",
        &date[..10],
        machine()
    )?;
    writeln!(
        md,
        "Workload: ../shared/bench (the attachments backfill; {rows} `messages` rows, 55% with a media URL). Every number comes from the same run; ratios are against the single set-based UPDATE on the same database.\n"
    )?;
    writeln!(
        md,
        "| database | single UPDATE (hand-written) | the plan's transform as one statement | cutover serial | serial / single | serial / one statement | 2 workers | 2 workers / single | no-op re-run | no-op / serial | rows changed |"
    )?;
    writeln!(md, "|---|---|---|---|---|---|---|---|---|---|---|")?;
    for r in &results {
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {:.1}% | {} |",
            r.kind.name(),
            s(r.single),
            s(r.own),
            s(r.serial),
            ratio(r.serial, r.single),
            ratio(r.serial, r.own),
            r.workers2
                .map(s)
                .unwrap_or_else(|| "n/a (one writer)".into()),
            r.workers2
                .map(|w| ratio(w, r.single))
                .unwrap_or_else(|| "-".into()),
            s(r.noop),
            100.0 * r.noop.as_secs_f64() / r.serial.as_secs_f64(),
            r.changed
        )?;
    }
    writeln!(
        md,
        "\nThroughput and memory (serial, rows changed per second; peak RSS of the benchmark process, which runs the engine in-process):\n"
    )?;
    writeln!(
        md,
        "| database | {} rows | {} rows | large / small | peak RSS after small | peak RSS after large |",
        results.first().map(|r| r.small_rows).unwrap_or(small),
        rows
    )?;
    writeln!(md, "|---|---|---|---|---|---|")?;
    for r in &results {
        let small_tp = r.small_rows as f64 * 0.55 / r.small.as_secs_f64();
        let large_tp = r.changed as f64 / r.serial.as_secs_f64();
        writeln!(
            md,
            "| {} | {:.0} rows/s | {:.0} rows/s | {:.2} | {} MiB | {} MiB |",
            r.kind.name(),
            small_tp,
            large_tp,
            large_tp / small_tp,
            r.rss_small / 1024,
            r.rss_large / 1024
        )?;
    }
    let notes = std::fs::read_to_string(&out)
        .ok()
        .and_then(|old| old.split_once("<!-- notes -->").map(|(_, n)| n.to_string()))
        .unwrap_or_default();
    let notes = backfill_undo::splice(&notes, &undo_section);
    md.push_str("\n<!-- notes -->");
    md.push_str(&notes);
    std::fs::write(&out, &md)?;
    println!("{md}");
    Ok(())
}
