//! A real backend that "crashes" at a chosen point: from then on every call fails with a
//! non-retryable error and `reconnect` fails too, so the runner stops where a killed
//! process would. Closing it drops the real connection, and the server rolls back whatever
//! transaction was open, as it does for a killed client.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use cutover_core::backend::{Backend, BackupInfo, Rows, Timeouts};
use cutover_core::error::DriverErrorKind;
use cutover_core::{Dialect, Error, Result};

/// Where the crash happens.
#[derive(Debug, Clone)]
pub enum CrashAt {
    /// Right after the first statement containing this text ran (before anything else,
    /// its commit included).
    AfterStatement(String),
    /// Right after the first COMMIT that follows a statement containing this text.
    AfterCommitFollowing(String),
    /// Not a crash: right before the `n`-th statement (from 1) containing `text`, runs `sql`
    /// on the same session, inside its transaction (e.g. something another session did).
    RunBefore {
        /// The text the statement contains.
        text: String,
        /// Which such statement.
        n: usize,
        /// What runs before it.
        sql: String,
    },
}

/// See the module docs. `fired` says whether the crash happened.
pub struct Crashing {
    inner: Box<dyn Backend>,
    at: Option<CrashAt>,
    armed: bool,
    dead: bool,
    fired: Arc<Mutex<bool>>,
    locks: Vec<String>,
}

impl Crashing {
    /// Wraps `inner`; crashes at `at`.
    pub fn new(inner: Box<dyn Backend>, at: CrashAt) -> Crashing {
        Crashing {
            inner,
            at: Some(at),
            armed: false,
            dead: false,
            fired: Arc::new(Mutex::new(false)),
            locks: Vec::new(),
        }
    }

    /// Whether the crash happened.
    pub fn fired(&self) -> bool {
        *self.fired.lock().expect("not poisoned")
    }

    fn die(&mut self) {
        self.dead = true;
        self.at = None;
        *self.fired.lock().expect("not poisoned") = true;
    }

    fn alive(&self) -> Result<()> {
        if self.dead {
            return Err(Error::Driver {
                dialect: self.inner.dialect(),
                message: "the process was killed (injected crash)".into(),
                kind: DriverErrorKind::Other,
            });
        }
        Ok(())
    }
}

#[async_trait]
impl Backend for Crashing {
    fn dialect(&self) -> Dialect {
        self.inner.dialect()
    }
    async fn server_version(&mut self) -> Result<String> {
        self.alive()?;
        self.inner.server_version().await
    }
    async fn execute(&mut self, sql: &str) -> Result<u64> {
        self.alive()?;
        if let Some(CrashAt::RunBefore { text, n, sql: run }) = &mut self.at
            && sql.contains(text.as_str())
        {
            *n -= 1;
            if *n == 0 {
                let run = run.clone();
                self.at = None;
                *self.fired.lock().expect("not poisoned") = true;
                self.inner.execute(&run).await?;
            }
        }
        let n = self.inner.execute(sql).await?;
        match &self.at {
            Some(CrashAt::AfterStatement(t)) if sql.contains(t.as_str()) => self.die(),
            Some(CrashAt::AfterCommitFollowing(t)) if sql.contains(t.as_str()) => {
                self.armed = true;
            }
            _ => {}
        }
        Ok(n)
    }
    async fn query(&mut self, sql: &str) -> Result<Rows> {
        self.alive()?;
        self.inner.query(sql).await
    }
    async fn begin(&mut self) -> Result<()> {
        self.alive()?;
        self.inner.begin().await
    }
    async fn commit(&mut self) -> Result<()> {
        self.alive()?;
        self.inner.commit().await?;
        if self.armed {
            self.armed = false;
            self.die();
        }
        Ok(())
    }
    async fn rollback(&mut self) -> Result<()> {
        self.alive()?;
        self.inner.rollback().await
    }
    async fn set_timeouts(&mut self, timeouts: Timeouts) -> Result<()> {
        self.alive()?;
        self.inner.set_timeouts(timeouts).await
    }
    async fn try_lock(&mut self, key: &str, wait: Duration) -> Result<bool> {
        self.alive()?;
        let got = self.inner.try_lock(key, wait).await?;
        if got {
            self.locks.push(key.to_string());
        }
        Ok(got)
    }
    async fn unlock(&mut self, key: &str) -> Result<()> {
        self.alive()?;
        self.inner.unlock(key).await
    }
    async fn backup(&mut self, path: &Path) -> Result<BackupInfo> {
        self.alive()?;
        self.inner.backup(path).await
    }
    async fn restore(&mut self, path: &Path) -> Result<()> {
        self.alive()?;
        self.inner.restore(path).await
    }
    async fn reconnect(&mut self) -> Result<()> {
        self.alive()?;
        self.inner.reconnect().await
    }
    async fn introspect(&mut self) -> Result<cutover_core::schema::SchemaShape> {
        self.alive()?;
        self.inner.introspect().await
    }
    /// As the death of the process would: what it left open is rolled back and its locks
    /// are free (SQLite's lock row belongs to this still-living test process, so it is
    /// released explicitly).
    async fn close(mut self: Box<Self>) -> Result<()> {
        let _ = self.inner.rollback().await;
        for key in std::mem::take(&mut self.locks) {
            let _ = self.inner.unlock(&key).await;
        }
        self.inner.close().await
    }
}
