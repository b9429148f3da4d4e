//! Session settings shared by every MySQL/MariaDB backend (this adapter's and the one over a
//! sea-orm connection), so both set exactly the same limits.

use cutover_core::backend::Timeouts;

/// The statements that set `timeouts` on a session: `lock_wait_timeout` (metadata locks) and
/// `innodb_lock_wait_timeout` (row locks) to the lock timeout in whole seconds, rounded up, at
/// least 1 (the servers' minimum), and the statement limit: `max_statement_time` (seconds) on
/// MariaDB, `max_execution_time` (milliseconds, read-only `SELECT`s only) on MySQL; 0,
/// unlimited, when `statement` is `None`.
pub fn timeouts_sql(timeouts: Timeouts, mariadb: bool) -> String {
    let lock = timeouts.lock.as_millis().div_ceil(1000).max(1);
    let statement = if mariadb {
        let secs = timeouts.statement.map_or(0.0, |d| d.as_secs_f64());
        format!("SET SESSION max_statement_time = {secs:.6}")
    } else {
        let ms = timeouts.statement.map_or(0, |d| d.as_millis().max(1));
        format!("SET SESSION max_execution_time = {ms}")
    };
    format!(
        "SET SESSION lock_wait_timeout = {lock}; \
         SET SESSION innodb_lock_wait_timeout = {lock}; {statement}"
    )
}
