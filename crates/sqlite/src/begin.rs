//! A busy handler that asks for the lock every millisecond.
//!
//! SQLite's write lock is not queued: after a commit it goes to whichever connection asks
//! first. Its built-in busy handler (`sqlite3_busy_timeout`) sleeps 1, 2, 5, 10 .. up to
//! 100 ms between tries, so a connection that has waited a while only looks every 100 ms,
//! and against writers that take the lock back as soon as they release it it loses almost
//! every time: a backfill that paused to let writers in could then wait for seconds per
//! batch (the SQLite sync test with three writers that never pause ran for minutes). This
//! handler asks every millisecond, up to the connection's busy timeout, and so finds the
//! short gaps between other connections' transactions; every cutover connection uses it,
//! so none of them has the upper hand.

use std::cell::Cell;
use std::time::{Duration, Instant};

use rusqlite::Connection;

/// Pause between two tries while another connection holds the lock.
const POLL: Duration = Duration::from_millis(1);

thread_local! {
    /// The busy timeout of the connection whose statement runs on this thread.
    static LIMIT: Cell<Duration> = const { Cell::new(Duration::from_secs(5)) };
    /// When the current wait for a lock started.
    static SINCE: Cell<Option<Instant>> = const { Cell::new(None) };
}

/// Installs the polling handler on `c` and sets this thread's limit to `busy`.
pub(crate) fn install(c: &Connection, busy: Duration) -> rusqlite::Result<()> {
    set_limit(busy);
    c.busy_handler(Some(poll))
}

/// Sets how long a statement run next on this thread waits for a lock. The backend calls it
/// at the start of every call on the blocking pool, with its connection's busy timeout.
pub(crate) fn set_limit(busy: Duration) {
    LIMIT.with(|l| l.set(busy));
}

/// The handler: `tries` is 0 at the start of each wait. Sleeps [`POLL`] and asks again until
/// the limit; then the statement fails with `SQLITE_BUSY`.
fn poll(tries: i32) -> bool {
    let now = Instant::now();
    let since = SINCE.with(|s| match s.get() {
        Some(t) if tries > 0 => t,
        _ => {
            s.set(Some(now));
            now
        }
    });
    if now.duration_since(since) >= LIMIT.with(Cell::get) {
        return false;
    }
    std::thread::sleep(POLL);
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_for_another_writer_then_fails_busy_after_the_limit() {
        let dir = std::env::temp_dir().join(format!("cutover-busy-{}", std::process::id()));
        let path = dir.with_extension("db");
        let a = Connection::open(&path).expect("open a");
        let b = Connection::open(&path).expect("open b");
        install(&b, Duration::from_millis(50)).expect("handler");
        a.execute_batch("CREATE TABLE t (x); BEGIN IMMEDIATE")
            .expect("a writes");
        let started = Instant::now();
        let e = b
            .execute_batch("BEGIN IMMEDIATE")
            .expect_err("a holds the lock");
        assert_eq!(
            e.sqlite_error_code(),
            Some(rusqlite::ErrorCode::DatabaseBusy),
            "{e}"
        );
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(50), "{waited:?}");
        assert!(waited < Duration::from_millis(1000), "{waited:?}");
        a.execute_batch("COMMIT").expect("a commits");
        b.execute_batch("BEGIN IMMEDIATE; COMMIT")
            .expect("free now");
        let _ = std::fs::remove_file(&path);
    }
}
