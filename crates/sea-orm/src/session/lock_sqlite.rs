//! The SQLite migration lock over sqlx: the protocol of `cutover-sqlite`'s `lock.rs` (same
//! table, owner ids, expiry and takeover of abandoned rows), so both exclude each other.

use sqlx::Row;
use sqlx::sqlite::SqliteConnection;

/// One attempt to take lock `name` for `owner` in a `BEGIN IMMEDIATE` transaction.
pub(crate) async fn attempt(
    conn: &mut SqliteConnection,
    name: &str,
    owner: &str,
) -> Result<bool, sqlx::Error> {
    super::raw::execute::<sqlx::Sqlite>(conn, "BEGIN IMMEDIATE").await?;
    let outcome = match claim(conn, name, owner).await {
        Ok(got) => super::raw::execute::<sqlx::Sqlite>(conn, "COMMIT")
            .await
            .map(|_| got),
        Err(e) => Err(e),
    };
    if outcome.is_err() {
        // Best effort: the transaction may already be gone; the claim error matters.
        let _ = super::raw::execute::<sqlx::Sqlite>(conn, "ROLLBACK").await;
    }
    outcome
}

/// Releases lock `name` if `owner` holds it.
pub(crate) async fn release(
    conn: &mut SqliteConnection,
    name: &str,
    owner: &str,
) -> Result<(), sqlx::Error> {
    let exists: i64 =
        sqlx::query_scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1")
            .bind(cutover_sqlite::LOCK_TABLE)
            .fetch_one(&mut *conn)
            .await?;
    if exists > 0 {
        sqlx::query("DELETE FROM cutover_lock WHERE name = ?1 AND owner = ?2")
            .bind(name)
            .bind(owner)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Inside the transaction: renew our own row, take over an abandoned one, or insert.
async fn claim(conn: &mut SqliteConnection, name: &str, owner: &str) -> Result<bool, sqlx::Error> {
    super::raw::execute::<sqlx::Sqlite>(conn, cutover_sqlite::LOCK_TABLE_DDL).await?;
    let now = chrono::Utc::now();
    let expires_at = now.timestamp() + cutover_sqlite::LOCK_TTL.as_secs() as i64;
    let current = sqlx::query("SELECT owner, expires_at FROM cutover_lock WHERE name = ?1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    if let Some(row) = current {
        let held_by: String = row.try_get(0)?;
        let until: i64 = row.try_get(1)?;
        if held_by == owner {
            sqlx::query("UPDATE cutover_lock SET expires_at = ?1 WHERE name = ?2")
                .bind(expires_at)
                .bind(name)
                .execute(&mut *conn)
                .await?;
            return Ok(true);
        }
        if until >= now.timestamp() && !cutover_sqlite::lock_owner_is_gone(&held_by) {
            return Ok(false);
        }
        sqlx::query("DELETE FROM cutover_lock WHERE name = ?1")
            .bind(name)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query(
        "INSERT INTO cutover_lock (name, owner, acquired_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .bind(name)
    .bind(owner)
    .bind(now.to_rfc3339())
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
