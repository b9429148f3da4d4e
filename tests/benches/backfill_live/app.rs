//! The application side of the live-traffic benchmark: N clients, each on its own OS thread
//! with its own connection and a current-thread runtime (so a client blocked on a lock never
//! stalls the backfill's runtime), doing short transactions on the table being backfilled at
//! a fixed pace: 60% point reads, 30% read-modify-write transactions (lock the row, update
//! it), 10% inserts, on ids spread uniformly over the whole key range. Deadlocks and lock
//! timeouts are counted and retried, as an application would; a transaction's latency runs
//! from its first attempt to its commit, retries included.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use cutover_tests::Backend as Kind;

/// How long an application statement waits for a lock before it gives up and retries: the
/// kind of timeout a web request would carry.
pub const APP_LOCK_TIMEOUT: Duration = Duration::from_secs(5);

/// One committed application transaction.
#[derive(Clone, Copy)]
pub struct Sample {
    /// Start of its first attempt, seconds since the mode's origin.
    pub at: f64,
    /// Latency in milliseconds, retries included.
    pub ms: f64,
    /// Whether it wrote (update or insert).
    pub write: bool,
}

/// What one client saw.
#[derive(Default)]
pub struct ClientLog {
    /// Committed transactions.
    pub samples: Vec<Sample>,
    /// Deadlocks reported to the client.
    pub deadlocks: u64,
    /// Lock waits that hit the client's timeout (SQLite: SQLITE_BUSY after busy_timeout).
    pub timeouts: u64,
}

/// The application's settings.
#[derive(Clone)]
pub struct AppConfig {
    /// Which database.
    pub kind: Kind,
    /// Connection URL (SQLite: `sqlite://path`).
    pub url: String,
    /// Number of clients.
    pub clients: usize,
    /// Highest id of the loaded table: reads and updates pick ids in `1..=rows`.
    pub rows: u64,
    /// Time between the starts of a client's transactions (the pace).
    pub interval: Duration,
}

/// Running clients; [`App::stop`] ends them and collects their logs.
pub struct App {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<Result<ClientLog>>>,
}

enum Op {
    Read(i64),
    Update(i64, i64),
    Insert(i64),
}

enum Fail {
    Deadlock,
    Timeout,
    Fatal(anyhow::Error),
}

/// A small xorshift generator: reproducible per client, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn op(&mut self, rows: u64) -> Op {
        let id = (self.next() % rows.max(1)) as i64 + 1;
        let conv = (self.next() % 5000) as i64 + 1;
        match self.next() % 100 {
            0..60 => Op::Read(id),
            60..90 => Op::Update(id, conv),
            _ => Op::Insert(conv),
        }
    }
}

impl App {
    /// Starts `cfg.clients` clients; samples are timed from `origin`. Returns once every
    /// client is connected (an unreachable database is an error here, not later).
    pub fn start(cfg: &AppConfig, origin: Instant) -> Result<App> {
        let stop = Arc::new(AtomicBool::new(false));
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<Result<(), String>>();
        let mut threads = Vec::new();
        for i in 0..cfg.clients {
            let cfg = cfg.clone();
            let stop = stop.clone();
            let ready = ready_tx.clone();
            threads.push(std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()?;
                rt.block_on(client(cfg, i as u64, origin, stop, ready))
            }));
        }
        drop(ready_tx);
        for _ in 0..cfg.clients {
            match ready_rx.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => bail!("an application client could not start: {e}"),
                Err(_) => bail!("an application client exited before it was ready"),
            }
        }
        Ok(App { stop, threads })
    }

    /// Stops the clients and returns their logs.
    pub fn stop(self) -> Result<Vec<ClientLog>> {
        self.stop.store(true, Ordering::SeqCst);
        let mut logs = Vec::new();
        for t in self.threads {
            match t.join() {
                Ok(log) => logs.push(log?),
                Err(_) => bail!("an application client panicked"),
            }
        }
        Ok(logs)
    }
}

async fn client(
    cfg: AppConfig,
    index: u64,
    origin: Instant,
    stop: Arc<AtomicBool>,
    ready: std::sync::mpsc::Sender<Result<(), String>>,
) -> Result<ClientLog> {
    let conn = match Conn::open(&cfg).await {
        Ok(c) => {
            let _ = ready.send(Ok(()));
            c
        }
        Err(e) => {
            let _ = ready.send(Err(format!("{e:#}")));
            return Err(e);
        }
    };
    let mut conn = conn;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ (index + 1).wrapping_mul(0x2545_F491_4F6C_DD1D));
    let mut log = ClientLog::default();
    let mut next = tokio::time::Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let op = rng.op(cfg.rows);
        let write = !matches!(op, Op::Read(_));
        let start = Instant::now();
        loop {
            match conn.run(&op).await {
                Ok(()) => break,
                Err(Fail::Deadlock) => log.deadlocks += 1,
                Err(Fail::Timeout) => log.timeouts += 1,
                Err(Fail::Fatal(e)) => return Err(e),
            }
            if stop.load(Ordering::SeqCst) {
                return Ok(log);
            }
        }
        log.samples.push(Sample {
            at: start.duration_since(origin).as_secs_f64(),
            ms: start.elapsed().as_secs_f64() * 1000.0,
            write,
        });
        next += cfg.interval;
        let now = tokio::time::Instant::now();
        if next < now {
            // Behind schedule (a long wait): resume the pace from now rather than bursting.
            next = now;
        }
        tokio::time::sleep_until(next).await;
    }
    Ok(log)
}

enum Conn {
    Postgres(tokio_postgres::Client),
    Mysql(mysql_async::Conn),
    Sqlite(rusqlite::Connection),
}

impl Conn {
    async fn open(cfg: &AppConfig) -> Result<Conn> {
        let secs = APP_LOCK_TIMEOUT.as_secs();
        Ok(match cfg.kind {
            Kind::Postgres => {
                let (client, connection) =
                    tokio_postgres::connect(&cfg.url, tokio_postgres::NoTls).await?;
                tokio::spawn(async move {
                    let _ = connection.await;
                });
                client
                    .batch_execute(&format!("SET lock_timeout = '{secs}s'"))
                    .await?;
                Conn::Postgres(client)
            }
            Kind::Mysql => {
                use mysql_async::prelude::Queryable;
                let mut c = mysql_async::Conn::from_url(cfg.url.as_str()).await?;
                c.query_drop(format!("SET SESSION innodb_lock_wait_timeout = {secs}"))
                    .await?;
                Conn::Mysql(c)
            }
            Kind::Sqlite => {
                let path = cfg
                    .url
                    .strip_prefix("sqlite://")
                    .and_then(|p| p.split('?').next())
                    .context("a sqlite:// URL")?;
                let c = rusqlite::Connection::open(path)?;
                // As an application would: WAL so readers never wait for the writer, and a
                // busy timeout so writers queue for the single write lock.
                c.pragma_update(None, "journal_mode", "WAL")?;
                c.busy_timeout(APP_LOCK_TIMEOUT)?;
                Conn::Sqlite(c)
            }
        })
    }

    async fn run(&mut self, op: &Op) -> Result<(), Fail> {
        match self {
            Conn::Postgres(c) => pg(c, op).await.map_err(pg_fail),
            Conn::Mysql(c) => {
                let r = my(c, op).await;
                if r.is_err() && !matches!(op, Op::Read(_)) {
                    use mysql_async::prelude::Queryable;
                    let _ = c.query_drop("ROLLBACK").await;
                }
                r.map_err(my_fail)
            }
            Conn::Sqlite(c) => {
                let r = lite(c, op);
                if r.is_err() && !c.is_autocommit() {
                    let _ = c.execute_batch("ROLLBACK");
                }
                r.map_err(lite_fail)
            }
        }
    }
}

async fn pg(c: &mut tokio_postgres::Client, op: &Op) -> Result<(), tokio_postgres::Error> {
    match op {
        Op::Read(id) => {
            c.query_opt(
                "SELECT id, conversation_id, media_url, attachments FROM messages WHERE id = $1",
                &[id],
            )
            .await?;
        }
        Op::Update(id, conv) => {
            let tx = c.transaction().await?;
            tx.query_opt(
                "SELECT conversation_id FROM messages WHERE id = $1 FOR UPDATE",
                &[id],
            )
            .await?;
            tx.execute(
                "UPDATE messages SET conversation_id = $2, updated_at = now() WHERE id = $1",
                &[id, conv],
            )
            .await?;
            tx.commit().await?;
        }
        Op::Insert(conv) => {
            c.execute(
                "INSERT INTO messages (conversation_id, media_url) VALUES ($1, 'https://cdn.example.com/u/app/photo.jpg')",
                &[conv],
            )
            .await?;
        }
    }
    Ok(())
}

fn pg_fail(e: tokio_postgres::Error) -> Fail {
    use tokio_postgres::error::SqlState;
    match e.code() {
        Some(c) if *c == SqlState::T_R_DEADLOCK_DETECTED => Fail::Deadlock,
        Some(c) if *c == SqlState::LOCK_NOT_AVAILABLE || *c == SqlState::QUERY_CANCELED => {
            Fail::Timeout
        }
        _ => Fail::Fatal(anyhow::Error::new(e).context("application transaction (postgres)")),
    }
}

async fn my(c: &mut mysql_async::Conn, op: &Op) -> Result<(), mysql_async::Error> {
    use mysql_async::prelude::Queryable;
    match op {
        Op::Read(id) => {
            c.exec_drop(
                "SELECT id, conversation_id, media_url, attachments FROM messages WHERE id = ?",
                (id,),
            )
            .await?;
        }
        Op::Update(id, conv) => {
            c.query_drop("BEGIN").await?;
            c.exec_drop(
                "SELECT conversation_id FROM messages WHERE id = ? FOR UPDATE",
                (id,),
            )
            .await?;
            c.exec_drop(
                "UPDATE messages SET conversation_id = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?",
                (conv, id),
            )
            .await?;
            c.query_drop("COMMIT").await?;
        }
        Op::Insert(conv) => {
            c.exec_drop(
                "INSERT INTO messages (conversation_id, media_url) VALUES (?, 'https://cdn.example.com/u/app/photo.jpg')",
                (conv,),
            )
            .await?;
        }
    }
    Ok(())
}

fn my_fail(e: mysql_async::Error) -> Fail {
    match &e {
        mysql_async::Error::Server(s) if s.code == 1213 => Fail::Deadlock,
        mysql_async::Error::Server(s) if s.code == 1205 || s.code == 1969 => Fail::Timeout,
        _ => Fail::Fatal(anyhow::Error::new(e).context("application transaction (mysql)")),
    }
}

fn lite(c: &mut rusqlite::Connection, op: &Op) -> rusqlite::Result<()> {
    use rusqlite::OptionalExtension;
    match op {
        Op::Read(id) => {
            c.prepare_cached(
                "SELECT id, conversation_id, media_url, attachments FROM messages WHERE id = ?1",
            )?
            .query_row([id], |r| r.get::<_, i64>(0))
            .optional()?;
        }
        Op::Update(id, conv) => {
            c.execute_batch("BEGIN IMMEDIATE")?;
            c.prepare_cached("SELECT conversation_id FROM messages WHERE id = ?1")?
                .query_row([id], |r| r.get::<_, i64>(0))
                .optional()?;
            c.prepare_cached(
                "UPDATE messages SET conversation_id = ?2, updated_at = CURRENT_TIMESTAMP WHERE id = ?1",
            )?
            .execute([id, conv])?;
            c.execute_batch("COMMIT")?;
        }
        Op::Insert(conv) => {
            c.prepare_cached(
                "INSERT INTO messages (conversation_id, media_url) VALUES (?1, 'https://cdn.example.com/u/app/photo.jpg')",
            )?
            .execute([conv])?;
        }
    }
    Ok(())
}

fn lite_fail(e: rusqlite::Error) -> Fail {
    match e.sqlite_error_code() {
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
            Fail::Timeout
        }
        _ => Fail::Fatal(anyhow::Error::new(e).context("application transaction (sqlite)")),
    }
}
