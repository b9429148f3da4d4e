//! The live-traffic benchmark: what the application sees while the benchmark's backfill runs.
//! On each database, application clients ([`app`]) run short transactions on the `messages`
//! table through five modes: (a) no backfill, (b) the single set-based UPDATE, (c) cutover
//! serial, (d) cutover with 2 workers, (e) cutover paced with `max_rows_per_second` at half
//! the free speed measured in (c). The application runs one second before and after each
//! backfill; the tables count what started while the backfill ran. Plus the UUID twin
//! ([`uuid`]): the same backfill, serial and without load, on a UUID-keyed copy of the table.
//!
//! `CUTOVER_BENCH_ONLY=live cargo bench -p cutover-tests --bench backfill` writes the section
//! between `<!-- live -->` markers of docs/benchmarks.md and docs/benchmarks/live-<db>.svg.
//! `CUTOVER_BENCH_SMOKE=1` runs it small (20,000 rows unless `CUTOVER_BENCH_ROWS` says
//! otherwise), checks the outcomes and writes nothing: the CI form.

mod app;
mod report;
mod stats;
mod svg;
mod uuid;

use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use cutover_cli::connect::connect;
use cutover_core::backend::Backend;
use cutover_core::backfill::{self, BackfillOptions, BackfillSpec, Connector, QuietObserver};
use cutover_tests::plans::PlanDir;
use cutover_tests::{Backend as Kind, TestDb, backends};

use app::{App, AppConfig};

/// The five modes, in the order they are reported.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// (a) the application alone.
    Idle,
    /// (b) the hand-written single UPDATE.
    Single,
    /// (c) cutover, one worker.
    Serial,
    /// (d) cutover, two workers.
    Workers2,
    /// (e) cutover, paced at half of (c)'s speed.
    Paced,
}

impl Mode {
    /// The label used in tables and the plot.
    pub fn label(self) -> &'static str {
        match self {
            Mode::Idle => "(a) no backfill",
            Mode::Single => "(b) single UPDATE",
            Mode::Serial => "(c) cutover serial",
            Mode::Workers2 => "(d) cutover 2 workers",
            Mode::Paced => "(e) cutover paced 1/2",
        }
    }
}

/// One mode's result on one database.
pub struct ModeResult {
    /// Which mode.
    pub mode: Mode,
    /// The backfill's own duration (for (a): the measured window).
    pub duration: Duration,
    /// Rows the backfill changed.
    pub changed: u64,
    /// The rows-per-second cap of (e).
    pub cap: Option<u64>,
    /// The application's numbers inside the window.
    pub app: stats::Summary,
    /// p99 per second for the plot.
    pub curve: Vec<(f64, f64)>,
}

/// One database's results.
pub struct DbResult {
    /// Which database.
    pub kind: Kind,
    /// Table size.
    pub rows: u64,
    /// The five modes.
    pub modes: Vec<ModeResult>,
    /// Load average (1 minute) at the start and the end of this database's run.
    pub load: (f64, f64),
}

/// Settings of one run.
pub struct Settings {
    /// Table size.
    pub rows: u64,
    /// Application clients.
    pub clients: usize,
    /// Pace of one client.
    pub interval: Duration,
    /// Length of mode (a).
    pub idle: Duration,
    /// Smoke run: small, check outcomes, write nothing.
    pub smoke: bool,
}

/// The 1-minute load average.
pub fn loadavg() -> f64 {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0.0)
}

fn env_u64(k: &str) -> Option<u64> {
    std::env::var(k).ok().and_then(|v| v.parse().ok())
}

/// Rows of the generated table that the backfill must migrate: ids `1..=rows` with
/// `id % 20 < 11` carry a media URL (see workload/messages-*.sql).
pub fn expected_migrated(rows: u64) -> u64 {
    (1..=rows).filter(|g| g % 20 < 11).count() as u64
}

/// Migrated rows among the loaded ids (the application inserts beyond them).
pub async fn migrated_loaded(
    b: &mut dyn Backend,
    kind: Kind,
    table: &str,
    rows: u64,
) -> Result<u64> {
    let text = if kind == Kind::Postgres {
        "attachments::text"
    } else {
        "attachments"
    };
    let key = if table == "messages" {
        format!(" AND id <= {rows}")
    } else {
        String::new()
    };
    let r = b
        .query(&format!(
            "SELECT COUNT(*) FROM {table} WHERE {text} LIKE '%legacy_migration%'{key}"
        ))
        .await?;
    Ok(r.scalar().and_then(|v| v.parse().ok()).unwrap_or(0))
}

/// Clears the backfill's checkpoint and undo log so the next run starts fresh.
pub async fn reset_state(b: &mut dyn Backend, id: &str) -> Result<()> {
    b.execute("DELETE FROM cutover_backfill").await.ok();
    let scope = cutover_core::backfill::BackfillScope::default_history();
    cutover_core::backfill::drop_undo_log(b, &scope, id, false).await?;
    Ok(())
}

/// Runs the backfill `id` of `plan` with `options`; returns rows changed.
pub async fn run_cutover(
    b: &mut dyn Backend,
    plan: &cutover_core::plan::Plan,
    id: &str,
    connector: &Connector,
    options: &BackfillOptions,
) -> Result<u64> {
    let spec = BackfillSpec::find(
        plan,
        id,
        &cutover_core::backfill::BackfillScope::default_history(),
    )?;
    let report = backfill::run(b, Some(connector), &spec, options, &QuietObserver).await?;
    Ok(report.rows_changed)
}

struct Ctx<'a> {
    kind: Kind,
    settings: &'a Settings,
    app: AppConfig,
    plan: cutover_core::plan::Plan,
    connector: Box<Connector>,
}

/// Runs one mode: application up, 1 s, the backfill, 1 s, application down.
async fn mode(
    ctx: &Ctx<'_>,
    b: &mut dyn Backend,
    mode: Mode,
    cap: Option<u64>,
) -> Result<ModeResult> {
    let kind = ctx.kind;
    let rows = ctx.settings.rows;
    if mode != Mode::Idle {
        reset_state(b, "bench").await?;
    }
    let origin = Instant::now();
    let app = App::start(&ctx.app, origin)?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let start = Instant::now();
    let outcome: Result<u64> = async {
        Ok(match mode {
            Mode::Idle => {
                tokio::time::sleep(ctx.settings.idle).await;
                0
            }
            Mode::Single => {
                b.execute(super::workload(kind, "update").trim().trim_end_matches(';'))
                    .await?
            }
            Mode::Serial | Mode::Workers2 | Mode::Paced => {
                // `CUTOVER_BENCH_PAUSE_MS` = an explicit pause, as `--pause-ms` (0: no
                // writer yield, the behaviour before it existed).
                let pause = env_u64("CUTOVER_BENCH_PAUSE_MS");
                // `CUTOVER_BENCH_TARGET_MS` = an explicit batch target, as
                // `--target-batch-ms` (unset: the dialect's).
                let target = env_u64("CUTOVER_BENCH_TARGET_MS").map(Duration::from_millis);
                let options = BackfillOptions {
                    target_batch: target,
                    workers: if mode == Mode::Workers2 { 2 } else { 1 },
                    max_rows_per_second: cap,
                    pause: Duration::from_millis(pause.unwrap_or(0)),
                    yield_to_writers: pause.is_none(),
                    ..BackfillOptions::default()
                };
                run_cutover(b, &ctx.plan, "bench", ctx.connector.as_ref(), &options).await?
            }
        })
    }
    .await;
    let duration = start.elapsed();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let logs = app.stop()?;
    let changed = outcome.with_context(|| format!("[{}] {}", kind.name(), mode.label()))?;
    if mode != Mode::Idle {
        let got = migrated_loaded(b, kind, "messages", rows).await?;
        ensure!(
            got == expected_migrated(rows),
            "[{}] {}: {got} of the {} loaded rows with a media URL were migrated",
            kind.name(),
            mode.label(),
            expected_migrated(rows)
        );
    }
    let from = start.duration_since(origin).as_secs_f64();
    let to = from + duration.as_secs_f64();
    let app = stats::summarise(&logs, from, to);
    eprintln!(
        "[{}] {}: {:.2} s, {changed} rows; app {:.0} tx/s, p50 {:.1} ms, p99 {:.1} ms, max {:.0} ms, write max {:.0} ms, deadlocks {}, timeouts {}",
        kind.name(),
        mode.label(),
        duration.as_secs_f64(),
        app.tps,
        app.p50,
        app.p99,
        app.max,
        app.write_max,
        app.deadlocks,
        app.timeouts
    );
    Ok(ModeResult {
        mode,
        duration,
        changed,
        cap,
        app,
        curve: stats::p99_per_second(&logs, from),
    })
}

async fn bench_db(kind: Kind, settings: &Settings, plan_text: &str) -> Result<DbResult> {
    let load_start = loadavg();
    let db = TestDb::create(kind).await;
    let url = if kind == Kind::Sqlite {
        format!("{}?journal_mode=wal", db.url())
    } else {
        db.url().to_string()
    };
    let dir = PlanDir::new();
    dir.write("0001_bench.toml", plan_text);
    let connect_url = url.clone();
    let connector: Box<Connector> = Box::new(move || {
        let u = connect_url.clone();
        Box::pin(async move { connect(&u).await })
    });
    let ctx = Ctx {
        kind,
        settings,
        app: AppConfig {
            kind,
            url: db.url().to_string(),
            clients: settings.clients,
            rows: settings.rows,
            interval: settings.interval,
        },
        plan: dir.load(),
        connector,
    };
    let mut b = connect(&url).await?;
    let rows = settings.rows;
    let mut modes = Vec::new();
    eprintln!("[{}] live: loading {rows} rows", kind.name());
    super::load(b.as_mut(), kind, rows).await?;
    modes.push(mode(&ctx, b.as_mut(), Mode::Idle, None).await?);
    // (a) left the table pending: (c) runs on it directly.
    let serial = mode(&ctx, b.as_mut(), Mode::Serial, None).await?;
    let free = serial.changed as f64 / serial.duration.as_secs_f64().max(1e-3);
    let cap = ((free / 2.0) as u64).max(1);
    for (m, c) in [
        (Mode::Single, None),
        (Mode::Workers2, None),
        (Mode::Paced, Some(cap)),
    ] {
        eprintln!(
            "[{}] live: reloading {rows} rows for {}",
            kind.name(),
            m.label()
        );
        super::load(b.as_mut(), kind, rows).await?;
        modes.push(mode(&ctx, b.as_mut(), m, c).await?);
    }
    modes.push(serial);
    modes.sort_by_key(|m| m.mode as u8);
    b.close().await?;
    db.drop_db().await;
    Ok(DbResult {
        kind,
        rows,
        modes,
        load: (load_start, loadavg()),
    })
}

pub use uuid::main_twins;

/// Entry point of `CUTOVER_BENCH_ONLY=live`.
pub async fn main(plan_text: &str) -> Result<()> {
    let smoke = std::env::var("CUTOVER_BENCH_SMOKE").is_ok_and(|v| !v.is_empty() && v != "0");
    let settings = Settings {
        rows: env_u64("CUTOVER_BENCH_ROWS").unwrap_or(if smoke { 20_000 } else { 1_000_000 }),
        clients: env_u64("CUTOVER_BENCH_CLIENTS").unwrap_or(4) as usize,
        interval: Duration::from_millis(env_u64("CUTOVER_BENCH_INTERVAL_MS").unwrap_or(10)),
        idle: Duration::from_secs(env_u64("CUTOVER_BENCH_IDLE_SECS").unwrap_or(if smoke {
            2
        } else {
            10
        })),
        smoke,
    };
    let mut results = Vec::new();
    let mut twins = Vec::new();
    for kind in backends() {
        results.push(bench_db(kind, &settings, plan_text).await?);
        twins.push(uuid::bench_twin(kind, settings.rows, plan_text).await?);
    }
    let date = cutover_core::runner::now();
    let section = report::section(&results, &twins, &settings, &date[..10], &super::machine())?;
    println!("{section}");
    if settings.smoke {
        eprintln!("smoke run: outcomes checked, docs left unchanged");
        return Ok(());
    }
    let root = format!("{}/../docs", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(format!("{root}/benchmarks"))?;
    for r in &results {
        let path = format!("{root}/benchmarks/live-{}.svg", r.kind.name());
        std::fs::write(&path, report::plot(r)).with_context(|| path.clone())?;
    }
    let out = format!("{root}/benchmarks.md");
    let old = std::fs::read_to_string(&out).unwrap_or_default();
    std::fs::write(&out, report::splice(&old, &section))?;
    Ok(())
}
