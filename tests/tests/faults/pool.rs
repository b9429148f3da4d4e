//! Where the fault cases run: a time limit, and databases reused between cases.

use std::panic::AssertUnwindSafe;
use std::time::Duration;

use cutover_tests::faults::{Protocol, protocol_of};
use cutover_tests::{Backend as Kind, TestDb};
use futures_util::FutureExt;

/// A case that takes longer hangs.
const CASE_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `body` with a time limit; a panic becomes an `Err`.
async fn guarded<T, Fut>(body: Fut) -> Result<T, String>
where
    Fut: std::future::Future<Output = Result<T, String>>,
{
    match AssertUnwindSafe(tokio::time::timeout(CASE_TIMEOUT, body))
        .catch_unwind()
        .await
    {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err(format!("no result within {CASE_TIMEOUT:?}")),
        Err(panic) => Err(panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "panicked".into())),
    }
}

/// Runs `body` on a fresh database of `kind` and drops the database afterwards, whatever
/// happened.
pub async fn on_fresh_db<T, F, Fut>(kind: Kind, body: F) -> Result<T, String>
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let db = TestDb::create(kind).await;
    let result = guarded(body(db.url().to_string())).await;
    db.drop_db().await;
    result
}

/// Databases reused by the cases (creating one per case costs more than the case): each
/// case takes a free one and empties it first.
pub struct Pool {
    dbs: Vec<TestDb>,
    free: tokio::sync::Mutex<Vec<usize>>,
}

impl Pool {
    /// `size` fresh databases of `kind`.
    pub async fn new(kind: Kind, size: usize) -> Pool {
        let mut dbs = Vec::with_capacity(size);
        for _ in 0..size {
            dbs.push(TestDb::create(kind).await);
        }
        Pool {
            free: tokio::sync::Mutex::new((0..size).collect()),
            dbs,
        }
    }

    /// Runs `body` on an emptied database of the pool.
    pub async fn run<T, F, Fut>(&self, body: F) -> Result<T, String>
    where
        F: FnOnce(String) -> Fut,
        Fut: std::future::Future<Output = Result<T, String>>,
    {
        let slot = self
            .free
            .lock()
            .await
            .pop()
            .expect("one database per running case");
        let url = self.dbs[slot].url().to_string();
        let result = match empty(&url).await {
            Ok(()) => guarded(body(url)).await,
            Err(e) => Err(format!("emptying the database: {e}")),
        };
        self.free.lock().await.push(slot);
        result
    }

    /// Drops every database of the pool.
    pub async fn drop_all(self) {
        for db in self.dbs {
            db.drop_db().await;
        }
    }
}

/// Drops every table of the database at `url` (no session of a previous case is left: each
/// closes its connections, and the proxy closes the ones it carried when dropped).
async fn empty(url: &str) -> Result<(), String> {
    let mut b = cutover_cli::connect::connect(url)
        .await
        .map_err(|e| e.to_string())?;
    let result = async {
        let sql = if protocol_of(url) == Protocol::Postgres {
            "DROP SCHEMA public CASCADE; CREATE SCHEMA public".to_string()
        } else {
            let rows = b
                .query("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
                .await?;
            let tables: Vec<String> = rows
                .rows
                .into_iter()
                .filter_map(|r| r.into_iter().next().flatten())
                .map(|t| format!("`{}`", t.replace('`', "``")))
                .collect();
            if tables.is_empty() {
                return Ok(());
            }
            format!("DROP TABLE IF EXISTS {}", tables.join(", "))
        };
        b.execute(&sql).await.map(drop)
    }
    .await;
    let _ = b.close().await;
    result.map_err(|e| e.to_string())
}
